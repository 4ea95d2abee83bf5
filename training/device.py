"""Which device and precision a run uses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge_base.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Hardware:
    device: str  # "cpu" or "cuda"
    precision: str  # "fp32", "bf16" or "fp16"
    name: str  # human-readable, for results and model cards


def common_trainer_arguments(
    *, work_dir: Path, total_steps: int, seed: int, hardware: Hardware, show_progress_bar: bool
) -> dict[str, Any]:
    """Keyword arguments every HF / sentence-transformers Trainer of ours shares: no checkpoints, no hub, no
    reporting, fixed seeds, the device and precision of `hardware`, logging about 20 times per run."""
    return {
        "output_dir": str(work_dir),
        "max_steps": total_steps,
        "save_strategy": "no",
        "logging_steps": max(1, min(50, total_steps // 20)),
        "report_to": "none",
        "seed": seed,
        "data_seed": seed,
        "use_cpu": hardware.device == "cpu",
        "bf16": hardware.precision == "bf16",
        "fp16": hardware.precision == "fp16",
        "disable_tqdm": not show_progress_bar,
    }


def resolve_hardware(device: str = "auto", precision: str = "auto") -> Hardware:
    import torch

    cuda = torch.cuda.is_available()
    if device == "cuda" and not cuda:
        build = torch.__version__
        raise ConfigError(
            f"training on cuda was asked for, but no CUDA GPU is visible to torch {build}; use --device cpu"
            " (or auto), or install a CUDA build of torch on a machine with a GPU"
        )
    chosen = "cuda" if device == "cuda" or (device == "auto" and cuda) else "cpu"
    if chosen == "cpu":
        if precision in ("bf16", "fp16"):
            raise ConfigError(f"precision {precision} needs a GPU; on the CPU use fp32 (or auto)")
        return Hardware("cpu", "fp32", f"cpu ({torch.get_num_threads()} threads)")
    if precision == "auto":
        precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    return Hardware("cuda", precision, torch.cuda.get_device_name(0))
