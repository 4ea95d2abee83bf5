"""Training as a background job: one at a time, with progress the UI and the health endpoint can read."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from knowledge_base.errors import ChatbotError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JobStatus:
    state: str = "idle"  # idle | running | succeeded | failed
    stage: str = ""
    step: int = 0
    total: int = 0
    eta_s: float | None = None
    loss: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    run_id: str | None = None
    promoted: bool | None = None
    message: str = ""
    history: tuple[dict[str, Any], ...] = field(default=())  # (step, loss) points for a plot

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "history"}


class TrainingJob:
    """Runs `train(progress)` in a daemon thread; `status` is a snapshot, safe to read from any thread."""

    def __init__(self, train: Callable[[Callable[[dict[str, Any]], None]], Any]) -> None:
        self._train = train
        self._lock = threading.Lock()
        self._status = JobStatus()
        self._thread: threading.Thread | None = None

    @property
    def status(self) -> JobStatus:
        with self._lock:
            return self._status

    def start(self) -> bool:
        """Start unless a run is already going. True if started."""
        with self._lock:
            if self._status.state == "running":
                return False
            self._status = JobStatus(state="running", started_at=time.time(), message="starting")
        self._thread = threading.Thread(target=self._run, name="training-job", daemon=True)
        self._thread.start()
        return True

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _progress(self, event: dict[str, Any]) -> None:
        with self._lock:
            status = self._status
            history = status.history
            if event.get("loss") is not None:
                history = (*history, {"stage": event.get("stage"), "step": event.get("step"), "loss": event["loss"]})
            self._status = replace(
                status,
                stage=str(event.get("stage", status.stage)),
                step=int(event.get("step", status.step) or 0),
                total=int(event.get("total", status.total) or 0),
                eta_s=event.get("eta_s"),
                loss=event.get("loss", status.loss),
                message=str(event.get("message", status.message)),
                history=history,
            )

    def _run(self) -> None:
        try:
            result = self._train(self._progress)
        except ChatbotError as error:
            self._finish(state="failed", message=str(error))
            logger.error("training failed: %s", error)
            return
        except Exception as error:  # a crash in training must not kill the server; it is reported
            self._finish(state="failed", message=f"{type(error).__name__}: {error}")
            logger.exception("training crashed")
            return
        run = getattr(result, "run", None)
        self._finish(
            state="succeeded",
            run_id=getattr(run, "id", None),
            promoted=getattr(result, "promoted", None),
            message=str(getattr(result, "decision", "done")),
        )

    def _finish(self, **changes: Any) -> None:
        with self._lock:
            self._status = replace(self._status, finished_at=time.time(), eta_s=None, **changes)
