"""Which device and precision a run uses."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge_base.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Hardware:
    device: str  # "cpu" or "cuda"
    precision: str  # "fp32", "bf16" or "fp16"
    name: str  # human-readable, for results and model cards


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
