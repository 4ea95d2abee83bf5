"""Registry of training runs: one self-describing directory per finished run, and which run serves.

Layout under the root (the app passes `settings.models_dir`, i.e. `data_dir / "models"`):

    runs/<run_id>/       one finished run: run.json, metrics.json, README.md (model card) and the component
                         directories the trainer wrote (intent/, retriever/, index/; opaque here)
    promoted.json        {"current": run_id | null, "history": [{"run_id", "at", "action", "reason", "previous"}]}
    .tmp-<run_id>/       a run being written; never listed; removed on failure or by `clean_stale()`
    .lock                `fcntl.flock` guard around every read-modify-write of promoted.json

A run becomes visible in one step: the trainer writes into `.tmp-<run_id>/` and, once `RunWriter.finish()`
has written the metadata, the whole directory is renamed to `runs/<run_id>/` (`os.replace`, same file
system). A killed process therefore leaves only `.tmp-*`, which nothing reads. While a run is being written
its temp directory is held with an exclusive `flock`, so `clean_stale()` never removes a live run: the kernel
drops the lock when the writer dies, and only then is the directory stale.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import re
import secrets
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from knowledge_base.errors import ConfigError, ModelNotFoundError, StoreError
from knowledge_base.migrations import now_iso
from training.model_card import render_model_card

COMPONENTS = ("intent", "retriever", "index")
POLICIES = ("if_not_worse", "always", "never")
RUN_FILE = "run.json"
METRICS_FILE = "metrics.json"
CARD_FILE = "README.md"
PROMOTED_FILE = "promoted.json"
LOCK_FILE = ".lock"
TMP_PREFIX = ".tmp-"
_PROMOTED_TMP_PREFIX = ".promoted-"
_PROMOTED_TMP_SUFFIX = ".json.tmp"
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_AUTO_ID_ATTEMPTS = 5

_id_lock = threading.Lock()
_last_stamp: datetime | None = None


# --------------------------------------------------------------------------------------------- run ids


def new_run_id() -> str:
    """`YYYYMMDD-HHMMSS-<6 hex>` in UTC, e.g. `20250301-142233-0c1a2f`.

    The hex part is the microsecond (5 hex digits) followed by one random hex digit, so ids sort by creation
    time even within one second, and within one process every id is strictly greater than the one before.
    Across processes a clash needs the same microsecond and the same random digit; `Registry.begin_run`
    detects it anyway and draws another id.
    """
    return format_run_id(_next_stamp())


def format_run_id(stamp: datetime) -> str:
    """The run id for a UTC timestamp (plus one random hex digit); see `new_run_id`."""
    stamp = stamp.astimezone(UTC)
    return f"{stamp:%Y%m%d-%H%M%S}-{stamp.microsecond:05x}{secrets.randbelow(16):x}"


def _next_stamp() -> datetime:
    """Now (UTC), bumped by a microsecond when the clock has not moved since the previous call."""
    global _last_stamp
    with _id_lock:
        stamp = datetime.now(UTC)
        if _last_stamp is not None and stamp <= _last_stamp:
            stamp = _last_stamp + timedelta(microseconds=1)
        _last_stamp = stamp
        return stamp


def check_run_id(run_id: str) -> str:
    """`run_id` if it is a safe directory name (letters, digits, `_.-`, not starting with a dot)."""
    if not isinstance(run_id, str) or not _RUN_ID.fullmatch(run_id):
        raise StoreError(
            f"invalid run id {run_id!r}: use letters, digits, '_', '.' and '-' (at most 128, not starting"
            " with '.' or '-'), e.g. one from new_run_id()"
        )
    return run_id


# --------------------------------------------------------------------------------------------- RunInfo


@dataclass(frozen=True)
class RunInfo:
    """What a finished run is, as recorded in its `run.json` (`path` is where the run lives, not stored)."""

    id: str
    path: Path
    created_at: str  # UTC ISO-8601, seconds; when the run began (the id carries the same instant)
    base_model: str
    primary_metric: str  # dotted key into the metrics, e.g. "intent.macro_f1"; higher is better
    primary_value: float | None  # None when the evaluation could not measure it
    metrics: dict[str, Any]  # summary: the scalar metrics, flattened ("intent.accuracy": 0.93, ...)
    data: dict[str, Any]  # dataset ids, fingerprint, split sizes (TrainingData.describe())
    args: dict[str, Any]  # the training arguments
    hardware: str
    timings: dict[str, float]  # seconds per stage
    components: tuple[str, ...]  # which of COMPONENTS exist in the run directory

    def to_json(self) -> str:
        """The run.json text (everything but `path`)."""
        return _dumps(
            {
                "id": self.id,
                "created_at": self.created_at,
                "base_model": self.base_model,
                "primary_metric": self.primary_metric,
                "primary_value": self.primary_value,
                "metrics": self.metrics,
                "data": self.data,
                "args": self.args,
                "hardware": self.hardware,
                "timings": self.timings,
                "components": list(self.components),
            }
        )

    @classmethod
    def from_json(cls, path: Path) -> RunInfo:
        """Read a run's run.json; `path` is the file or the run directory. Missing or broken → ModelNotFoundError."""
        path = Path(path)
        file = path if path.name == RUN_FILE else path / RUN_FILE
        raw = _read_run_file(file)
        return _info_from_dict(raw, file.parent)


def _read_run_file(file: Path) -> dict[str, Any]:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelNotFoundError(
            f"{file.parent}: {RUN_FILE} is missing, so this run directory is incomplete or damaged;"
            " restore it from a backup or delete the directory"
        ) from None
    except OSError as exc:
        raise ModelNotFoundError(f"{file}: cannot read the run description ({exc})") from exc
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelNotFoundError(f"{file}: not valid JSON ({exc}); the run directory is damaged") from exc
    if not isinstance(raw, dict):
        raise ModelNotFoundError(f"{file}: expected a JSON object, found {type(raw).__name__}")
    return raw


_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "created_at": str,
    "base_model": str,
    "primary_metric": str,
    "primary_value": (int, float, type(None)),
    "metrics": dict,
    "data": dict,
    "args": dict,
    "hardware": str,
    "timings": dict,
    "components": list,
}


def _info_from_dict(raw: dict[str, Any], directory: Path) -> RunInfo:
    file = directory / RUN_FILE
    for key, kind in _REQUIRED.items():
        if key not in raw:
            raise ModelNotFoundError(f"{file}: the run description has no {key!r}; the run directory is damaged")
        if not isinstance(raw[key], kind) or isinstance(raw[key], bool):
            raise ModelNotFoundError(f"{file}: {key!r} has the wrong type ({type(raw[key]).__name__})")
    if raw["id"] != directory.name:
        raise ModelNotFoundError(f"{file}: records run id {raw['id']!r} but lives in {directory.name!r}")
    value = raw["primary_value"]
    return RunInfo(
        id=raw["id"],
        path=directory,
        created_at=raw["created_at"],
        base_model=raw["base_model"],
        primary_metric=raw["primary_metric"],
        primary_value=None if value is None else float(value),
        metrics=raw["metrics"],
        data=raw["data"],
        args=raw["args"],
        hardware=raw["hardware"],
        timings=raw["timings"],
        components=tuple(raw["components"]),
    )


# --------------------------------------------------------------------------------------------- metrics


def summarize_metrics(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """The headline numbers: top-level scalars, and the scalars one level down as "section.name".

    Deeper structures (per-intent tables, confusion pairs, curves) stay in metrics.json only.
    """
    summary: dict[str, Any] = {}
    for key, value in metrics.items():
        if _is_scalar(value):
            summary[str(key)] = value
        elif isinstance(value, Mapping):
            for name, inner in value.items():
                if _is_scalar(inner):
                    summary[f"{key}.{name}"] = inner
    return summary


def metric_value(metrics: Mapping[str, Any], name: str) -> float | None:
    """The number under a dotted `name` ("intent.macro_f1"), or None when it is absent, null or NaN."""
    value: Any = metrics.get(name) if name in metrics else _lookup_dotted(metrics, name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise StoreError(f"primary metric {name!r} must be a number, found {value!r}")
    return None if math.isnan(value) else float(value)


def _lookup_dotted(metrics: Mapping[str, Any], name: str) -> Any:
    node: Any = metrics
    for part in name.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


# --------------------------------------------------------------------------------------------- writing a run


class RunWriter:
    """Handed out by `Registry.begin_run`: write components under `path`, then call `finish()` last."""

    def __init__(self, run_id: str, path: Path, created_at: str, final_path: Path) -> None:
        self.run_id = run_id
        self.path = path  # the temp directory; becomes final_path when the with-block ends normally
        self.created_at = created_at
        self.final_path = final_path
        self.info: RunInfo | None = None  # set by finish()

    @property
    def finished(self) -> bool:
        return self.info is not None

    def component_dir(self, name: str) -> Path:
        """`path / name`, created; `name` must be one of COMPONENTS."""
        if name not in COMPONENTS:
            raise StoreError(f"unknown run component {name!r}: expected one of {', '.join(COMPONENTS)}")
        directory = self.path / name
        directory.mkdir(exist_ok=True)
        return directory

    def finish(
        self,
        *,
        base_model: str,
        primary_metric: str,
        metrics: Mapping[str, Any],
        data: Mapping[str, Any],
        args: Mapping[str, Any],
        hardware: str,
        timings: Mapping[str, float],
        summary: Mapping[str, Any] | None = None,
        card: str | None = None,
    ) -> RunInfo:
        """Write metrics.json, README.md and run.json into the temp directory; returns the run's final RunInfo.

        `primary_value` is read from `metrics` under the dotted `primary_metric` (None when absent or NaN).
        `summary` defaults to `summarize_metrics(metrics)`; `card` to `render_model_card(info, metrics)`.
        Components are the COMPONENTS subdirectories present now, so call this after writing them.
        """
        if self.info is not None:
            raise StoreError(f"run {self.run_id} is already finished; finish() is called once, last")
        info = RunInfo(
            id=self.run_id,
            path=self.final_path,
            created_at=self.created_at,
            base_model=base_model,
            primary_metric=primary_metric,
            primary_value=metric_value(metrics, primary_metric),
            metrics=dict(summary if summary is not None else summarize_metrics(metrics)),
            data=dict(data),
            args=dict(args),
            hardware=hardware,
            timings={str(stage): float(seconds) for stage, seconds in timings.items()},
            components=tuple(name for name in COMPONENTS if (self.path / name).is_dir()),
        )
        (self.path / METRICS_FILE).write_text(_dumps(dict(metrics)), encoding="utf-8")
        text = card if card is not None else render_model_card(info, metrics)
        (self.path / CARD_FILE).write_text(text, encoding="utf-8")
        (self.path / RUN_FILE).write_text(info.to_json(), encoding="utf-8")
        self.info = info
        return info


# --------------------------------------------------------------------------------------------- promotion state


@dataclass
class _Promotion:
    current: str | None
    history: list[dict[str, Any]]


def _promotion_stack(history: list[dict[str, Any]], file: Path) -> list[str]:
    """Replay the history: promote X pushes X (unless X is already on top); rollback to Y pops down to Y."""
    stack: list[str] = []
    for entry in history:
        run_id = entry["run_id"]
        if entry["action"] == "promote":
            if not stack or stack[-1] != run_id:
                stack.append(run_id)
            continue
        while stack and stack[-1] != run_id:
            stack.pop()
        if not stack:
            raise StoreError(f"{file}: the history rolls back to {run_id}, which was never promoted before")
    return stack


def _check_promotion(raw: object, file: Path) -> _Promotion:
    if not isinstance(raw, dict) or not isinstance(raw.get("history", []), list):
        raise StoreError(f'{file}: expected {{"current": run id or null, "history": [...]}}')
    current = raw.get("current")
    if current is not None and not isinstance(current, str):
        raise StoreError(f"{file}: 'current' must be a run id or null, found {current!r}")
    history = raw.get("history", [])
    for position, entry in enumerate(history):
        if not (isinstance(entry, dict) and isinstance(entry.get("run_id"), str)):
            raise StoreError(f"{file}: history entry {position} has no run_id")
        if entry.get("action") not in ("promote", "rollback"):
            raise StoreError(f"{file}: history entry {position} has action {entry.get('action')!r}")
    return _Promotion(current=current, history=history)


# --------------------------------------------------------------------------------------------- the registry


class Registry:
    """The training runs under `root`, and which one is promoted (serves)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def promoted_path(self) -> Path:
        return self.root / PROMOTED_FILE

    # ------------------------------------------------------------------ writing

    @contextmanager
    def begin_run(self, run_id: str | None = None) -> Iterator[RunWriter]:
        """Write a run into `root/.tmp-<id>/`; publish it as `runs/<id>/` when the block ends after `finish()`.

        If the block raises, or ends without `finish()`, the temp directory is removed and nothing appears
        under runs/ (the exception propagates). `run_id` defaults to `new_run_id()`; an explicit id that
        exists already (finished or in progress) raises StoreError.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        writer, fd = self._open_temp_run(run_id)
        try:
            yield writer
            if writer.info is not None:
                self._publish(writer)
        finally:
            try:
                if writer.path.exists():
                    shutil.rmtree(writer.path)
            finally:
                os.close(fd)  # releases the writer's flock: only now may clean_stale() look at it

    def clean_stale(self) -> list[Path]:
        """Remove what crashed writers left behind; returns the removed paths.

        That is every `.tmp-<id>/` no live writer holds, and any temp file a killed `promote` left next to
        promoted.json. Runs being written right now (in this or another process) are left alone.
        """
        if not self.root.is_dir():
            return []
        removed = [path for path in sorted(self.root.glob(f"{TMP_PREFIX}*")) if _remove_if_abandoned(path)]
        with self._locked():
            for path in sorted(self.root.glob(f"{_PROMOTED_TMP_PREFIX}*{_PROMOTED_TMP_SUFFIX}")):
                path.unlink()
                removed.append(path)
        return removed

    def _open_temp_run(self, run_id: str | None) -> tuple[RunWriter, int]:
        if run_id is not None:
            try:
                return self._claim_temp_run(check_run_id(run_id), datetime.now(UTC))
            except FileExistsError:
                raise StoreError(
                    f"run id {run_id!r} is taken: a finished run under {self.runs_dir} or one being written"
                    f" ({TMP_PREFIX}{run_id}; if its writer crashed, clean_stale() removes it)"
                ) from None
        for _ in range(_AUTO_ID_ATTEMPTS):
            stamp = _next_stamp()
            try:
                return self._claim_temp_run(format_run_id(stamp), stamp)
            except FileExistsError:
                continue
        raise StoreError(f"could not allocate a fresh run id under {self.root} after {_AUTO_ID_ATTEMPTS} tries")

    def _claim_temp_run(self, run_id: str, stamp: datetime) -> tuple[RunWriter, int]:
        """mkdir `.tmp-<id>` and hold its flock; FileExistsError when the id is taken."""
        final = self.runs_dir / run_id
        temp = self.root / f"{TMP_PREFIX}{run_id}"
        if final.exists():
            raise FileExistsError(final)
        temp.mkdir()
        fd = _lock_directory(temp)
        created_at = stamp.astimezone(UTC).isoformat(timespec="seconds")
        return RunWriter(run_id, temp, created_at, final), fd

    def _publish(self, writer: RunWriter) -> None:
        self.runs_dir.mkdir(exist_ok=True)
        if writer.final_path.exists():
            raise StoreError(f"run {writer.run_id} already exists under {self.runs_dir}; not overwriting it")
        os.replace(writer.path, writer.final_path)

    # ------------------------------------------------------------------ reading

    def run_ids(self) -> list[str]:
        """Names of the run directories under runs/, sorted (ids from new_run_id sort oldest first)."""
        if not self.runs_dir.is_dir():
            return []
        return sorted(p.name for p in self.runs_dir.iterdir() if p.is_dir() and not p.name.startswith("."))

    def runs(self) -> list[RunInfo]:
        """Every finished run, newest first. A run directory without a readable run.json → ModelNotFoundError."""
        infos = [RunInfo.from_json(self.runs_dir / run_id / RUN_FILE) for run_id in self.run_ids()]
        return sorted(infos, key=lambda info: (info.created_at, info.id), reverse=True)

    def get(self, run_id: str) -> RunInfo:
        """The run `run_id`; StoreError listing the known ids when there is none."""
        directory = self.runs_dir / check_run_id(run_id)
        if not directory.is_dir():
            raise StoreError(f"no training run {run_id!r} under {self.runs_dir}; {self._known_runs()}")
        return RunInfo.from_json(directory / RUN_FILE)

    def current(self) -> RunInfo | None:
        """The promoted run, or None when none was promoted. A promoted run that is gone → ModelNotFoundError."""
        current = self._read_promotion().current
        if current is None:
            return None
        if not (self.runs_dir / current).is_dir():
            raise ModelNotFoundError(
                f"the promoted run {current} is missing from {self.runs_dir}: restore it, promote another run"
                " with `chatbot models promote ID`, or go back with `chatbot models rollback`"
            )
        return RunInfo.from_json(self.runs_dir / current / RUN_FILE)

    def history(self) -> list[dict[str, Any]]:
        """Every promote and rollback, oldest first: {"run_id", "at", "action", "reason", "previous"}."""
        return [dict(entry) for entry in self._read_promotion().history]

    def _known_runs(self) -> str:
        ids = self.run_ids()
        if not ids:
            return "there are no finished runs yet (train one first)"
        return f"known runs: {', '.join(ids)}"

    # ------------------------------------------------------------------ promotion

    def promote(self, run_id: str, *, reason: str) -> RunInfo:
        """Make `run_id` the current run and record it in the history; returns its RunInfo."""
        with self._locked():
            info = self.get(run_id)
            state = self._read_promotion()
            self._record(state, info.id, action="promote", reason=reason)
        return info

    def rollback(self, *, reason: str) -> RunInfo:
        """Make the run promoted before the current one current again; returns its RunInfo.

        The rule: the promotions form a stack, rebuilt from the history. `promote X` pushes X (promoting the
        run already on top pushes nothing); `rollback` pops the current run and then keeps popping runs whose
        directory no longer exists (or that equal the run being left); the run then on top becomes current.
        So promote A, B, C then rollback, rollback gives B, then A; a third rollback raises StoreError
        ("nothing to roll back to"). Promote A, B, rollback (→ A), promote C, rollback gives A again.
        """
        with self._locked():
            state = self._read_promotion()
            if state.current is None:
                raise StoreError("nothing to roll back to: no run has been promoted yet")
            target = self._rollback_target(state)
            info = self.get(target)
            self._record(state, target, action="rollback", reason=reason)
        return info

    def _rollback_target(self, state: _Promotion) -> str:
        stack = _promotion_stack(state.history, self.promoted_path)
        if not stack or stack[-1] != state.current:
            raise StoreError(
                f"{self.promoted_path}: current is {state.current} but its history ends at"
                f" {stack[-1] if stack else 'nothing'}; promote a run explicitly with `chatbot models promote ID`"
            )
        earlier = [run_id for run_id in reversed(stack[:-1]) if run_id != state.current]
        for run_id in earlier:
            if (self.runs_dir / run_id).is_dir():
                return run_id
        if earlier:
            gone = ", ".join(earlier)
            raise StoreError(
                f"nothing to roll back to: the runs promoted before {state.current} ({gone}) no longer exist;"
                " promote one explicitly with `chatbot models promote ID`"
            )
        raise StoreError(
            f"nothing to roll back to: {state.current} is the first run promoted since the history began;"
            " promote another explicitly with `chatbot models promote ID`"
        )

    def _record(self, state: _Promotion, run_id: str, *, action: str, reason: str) -> None:
        entry = {"run_id": run_id, "at": now_iso(), "action": action, "reason": reason, "previous": state.current}
        self._write_promotion(_Promotion(current=run_id, history=[*state.history, entry]))

    def _read_promotion(self) -> _Promotion:
        try:
            text = self.promoted_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return _Promotion(current=None, history=[])
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StoreError(f"{self.promoted_path}: not valid JSON ({exc})") from exc
        return _check_promotion(raw, self.promoted_path)

    def _write_promotion(self, state: _Promotion) -> None:
        """Write promoted.json atomically: a temp file in the same directory, fsync, then os.replace."""
        text = _dumps({"current": state.current, "history": state.history})
        fd, name = tempfile.mkstemp(dir=self.root, prefix=_PROMOTED_TMP_PREFIX, suffix=_PROMOTED_TMP_SUFFIX)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(name, self.promoted_path)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Exclusive `flock` on root/.lock for a read-modify-write of promoted.json (across processes)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    # ------------------------------------------------------------------ policy

    def should_promote(self, candidate: RunInfo, *, policy: str) -> tuple[bool, str]:
        """Whether a freshly finished run should become current under `policy`, and why (with the numbers).

        "always": yes. "never": no, a human promotes it. "if_not_worse": yes when nothing is promoted, or when
        the candidate's primary value is >= the current run's on the same primary metric (higher is better);
        no when it is lower, when the two runs are measured by different primary metrics, or when either
        value is missing — then a human decides.
        """
        if policy == "always":
            return True, f"policy 'always': promoting {candidate.id} without comparing it to the current run"
        if policy == "never":
            return False, f"policy 'never': {candidate.id} waits for a human: chatbot models promote {candidate.id}"
        if policy != "if_not_worse":
            raise ConfigError(f"promote policy must be one of {', '.join(POLICIES)}, got {policy!r}")
        return compare_runs(candidate, self.current())


def compare_runs(candidate: RunInfo, current: RunInfo | None) -> tuple[bool, str]:
    """The "if_not_worse" decision for `candidate` against the `current` run (None: nothing promoted)."""
    metric, value = candidate.primary_metric, candidate.primary_value
    by_hand = f"a human must decide: chatbot models promote {candidate.id}"
    if current is None:
        shown = "not measured" if value is None else _number(value)
        return True, f"no run is promoted yet: promoting {candidate.id} ({metric} {shown})"
    if current.primary_metric != metric:
        return False, (
            f"{candidate.id} is measured by {metric} but the current run {current.id} by"
            f" {current.primary_metric}; the numbers are not comparable, {by_hand}"
        )
    if value is None or current.primary_value is None:
        missing = candidate.id if value is None else current.id
        return False, f"{missing} has no {metric} value to compare, {by_hand}"
    mine, theirs = _numbers(value, current.primary_value)
    if value >= current.primary_value:
        return True, f"{metric} {mine} >= {theirs} of the current run {current.id}: not worse, promoting"
    return False, (
        f"{metric} {mine} < {theirs} of the current run {current.id}: worse, keeping {current.id}"
        f" (promote anyway with: chatbot models promote {candidate.id})"
    )


# --------------------------------------------------------------------------------------------- helpers


def _lock_directory(directory: Path) -> int:
    """An fd on `directory` holding its exclusive flock; StoreError if clean_stale() removed it meanwhile."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    if not _is_same_directory(directory, fd):
        os.close(fd)
        raise StoreError(f"{directory} was removed while the run was starting (clean_stale ran); try again")
    return fd


def _remove_if_abandoned(path: Path) -> bool:
    """Remove a `.tmp-*` run directory unless a live writer holds its flock; True when removed."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except (FileNotFoundError, NotADirectoryError):
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a writer is alive
        if not _is_same_directory(path, fd):
            return False  # published or removed while we waited
        shutil.rmtree(path)
        return True
    finally:
        os.close(fd)


def _is_same_directory(path: Path, fd: int) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (on_disk.st_dev, on_disk.st_ino) == (held.st_dev, held.st_ino)


def _dumps(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=_json_default) + "\n"


def _json_default(value: Any) -> Any:
    """Paths as strings; numpy-like scalars and arrays through `.item()` / `.tolist()`."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    for method in ("item", "tolist"):
        convert = getattr(value, method, None)
        if callable(convert):
            return convert()
    raise TypeError(f"cannot write {type(value).__name__} to JSON: {value!r}")


def _numbers(a: float, b: float) -> tuple[str, str]:
    """`a` and `b` formatted with enough decimals to tell them apart (4 when that suffices)."""
    for digits in (4, 6, 8):
        shown = f"{a:.{digits}f}", f"{b:.{digits}f}"
        if shown[0] != shown[1] or a == b:
            return shown
    return repr(a), repr(b)


def _number(value: float) -> str:
    return f"{value:.4f}"
