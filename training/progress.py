"""Progress of a training run as plain dicts, for the CLI (tqdm) and the UI (a callback it polls)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from transformers import TrainerCallback

ProgressFn = Callable[[dict[str, Any]], None]


class TrainerProgress(TrainerCallback):  # type: ignore[misc]
    """Reports {stage, step, total, loss, eta_s} on every logging step of an HF Trainer."""

    def __init__(self, stage: str, report: ProgressFn | None) -> None:
        self.stage = stage
        self.report = report
        self.started = time.perf_counter()

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.started = time.perf_counter()
        self._emit(state, None)

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None, **kwargs: Any) -> None:
        self._emit(state, (logs or {}).get("loss"))

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._emit(state, None, done=True)

    def _emit(self, state: Any, loss: float | None, *, done: bool = False) -> None:
        if self.report is None:
            return
        step, total = int(state.global_step), int(state.max_steps or 0)
        elapsed = time.perf_counter() - self.started
        eta = elapsed / step * (total - step) if step and total else None
        self.report({"stage": self.stage, "step": step, "total": total, "loss": loss, "eta_s": eta, "done": done})


def quiet(trainer: Any) -> None:
    """Drop the Trainer's stdout printer (library code does not print); progress goes through callbacks."""
    from transformers.trainer_callback import PrinterCallback

    trainer.remove_callback(PrinterCallback)
