"""The results file of a benchmark run and the table printed for it.

`benchmarks/results/<dataset>.json` (K-shot: `<dataset>_<K>shot.json`), shaped exactly:

    {"dataset": str, "split": str, "device": str,
     "versions": {"python", "torch", "transformers", "sentence_transformers", "faiss", "scikit-learn",
                  "bm25s", ["setfit",] "chatbot", "git_commit"},
     "systems": {NAME: {METRIC: number} or {"error": str}},
     "settings": {...}}
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import tempfile
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

RESULT_KEYS = ("dataset", "split", "device", "versions", "systems", "settings")
METRIC_NAMES = (
    "accuracy",
    "macro_f1",
    "in_scope_accuracy",
    "oos_recall",
    "false_fallback_rate",
    "recall_at_1",
    "recall_at_5",
    "mrr",
    "train_seconds",
    "predict_ms_per_query",
)
# version key → distributions that provide it, first installed one wins
PACKAGES: dict[str, tuple[str, ...]] = {
    "torch": ("torch",),
    "transformers": ("transformers",),
    "sentence_transformers": ("sentence-transformers",),
    "faiss": ("faiss-cpu", "faiss-gpu", "faiss-gpu-cu12", "faiss-gpu-cu11", "faiss"),
    "scikit-learn": ("scikit-learn",),
    "bm25s": ("bm25s",),
    "setfit": ("setfit",),
    "chatbot": ("chatbot-platform",),
}
REQUIRED_VERSIONS = ("python", *(key for key in PACKAGES if key != "setfit"), "git_commit")
OPTIONAL_VERSIONS = ("setfit",)
REPO = Path(__file__).resolve().parents[2]


def _distribution_version(names: tuple[str, ...]) -> str | None:
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def git_commit(repo: Path = REPO) -> str:
    """HEAD of the repository, with `-dirty` when tracked files differ from it; "unknown" outside git."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=10, check=True)
        return done.stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}-dirty" if dirty else commit


def collect_versions(repo: Path = REPO) -> dict[str, str]:
    """Versions of Python and the packages results depend on; setfit only when installed."""
    versions = {"python": platform.python_version()}
    for key, names in PACKAGES.items():
        found = _distribution_version(names)
        if found is not None or key != "setfit":
            versions[key] = found or "not installed"
    versions["git_commit"] = git_commit(repo)
    return versions


def build_result(
    *,
    dataset: str,
    split: str,
    device: str,
    systems: Mapping[str, Mapping[str, float | str]],
    settings: Mapping[str, Any],
    versions: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The results object; metric values become plain floats."""
    result = {
        "dataset": dataset,
        "split": split,
        "device": device,
        "versions": dict(versions if versions is not None else collect_versions()),
        "systems": {
            name: ({"error": str(values["error"])} if "error" in values else {k: float(v) for k, v in values.items()})
            for name, values in systems.items()
        },
        "settings": dict(settings),
    }
    validate_result(result)
    return result


def validate_result(result: Mapping[str, Any]) -> None:
    """A ValueError naming the first thing that breaks the results shape."""
    if tuple(result) != RESULT_KEYS:
        raise ValueError(f"results keys must be {list(RESULT_KEYS)}, got {list(result)}")
    for key in ("dataset", "split", "device"):
        if not isinstance(result[key], str):
            raise ValueError(f"results {key} must be a string")
    versions = result["versions"]
    missing = [key for key in REQUIRED_VERSIONS if key not in versions]
    extra = [key for key in versions if key not in REQUIRED_VERSIONS + OPTIONAL_VERSIONS]
    if missing or extra or not all(isinstance(v, str) for v in versions.values()):
        raise ValueError(f"versions: missing {missing}, unexpected {extra} (all values must be strings)")
    if not isinstance(result["settings"], Mapping):
        raise ValueError("results settings must be an object")
    for name, values in result["systems"].items():
        _validate_system(name, values)


def _validate_system(name: str, values: Mapping[str, Any]) -> None:
    if "error" in values:
        if set(values) != {"error"} or not isinstance(values["error"], str):
            raise ValueError(f"system {name}: an error entry must be exactly {{'error': str}}")
        return
    if not values:
        raise ValueError(f"system {name} has no metrics")
    for metric, value in values.items():
        if metric not in METRIC_NAMES:
            raise ValueError(f"system {name}: unknown metric {metric!r}; allowed: {', '.join(METRIC_NAMES)}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"system {name}: metric {metric} must be a finite number, got {value!r}")


def result_filename(dataset: str, limit_per_class: int | None) -> str:
    return f"{dataset}_{limit_per_class}shot.json" if limit_per_class else f"{dataset}.json"


def write_result(result: Mapping[str, Any], output_dir: Path, *, limit_per_class: int | None = None) -> Path:
    """Validate and write the results file atomically; returns its path."""
    validate_result(result)
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / result_filename(str(result["dataset"]), limit_per_class)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=output_dir)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(result, out, indent=2, ensure_ascii=False)
            out.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _cell(metric: str, value: float) -> str:
    if metric == "train_seconds":
        return f"{value:.1f}"
    if metric == "predict_ms_per_query":
        return f"{value:.2f}"
    return f"{value:.4f}"


def format_table(systems: Mapping[str, Mapping[str, float | str]]) -> str:
    """Systems as rows, metrics (those any system has, in METRIC_NAMES order) as right-aligned columns."""
    metrics = [m for m in METRIC_NAMES if any(m in values for values in systems.values())]
    header = ["system", *metrics]
    rows: list[list[str] | tuple[str, str]] = []
    for name, values in systems.items():
        if "error" in values:
            rows.append((name, f"error: {values['error']}"))
        else:
            rows.append([name, *(_cell(m, float(values[m])) if m in values else "-" for m in metrics)])
    widths = [len(h) for h in header]
    for row in rows:
        widths[0] = max(widths[0], len(row[0]))
        if isinstance(row, list):
            widths[1:] = [max(w, len(c)) for w, c in zip(widths[1:], row[1:], strict=True)]
    lines = [
        "  ".join([header[0].ljust(widths[0]), *(h.rjust(w) for h, w in zip(header[1:], widths[1:], strict=True))])
    ]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        if isinstance(row, tuple):
            lines.append(f"{row[0].ljust(widths[0])}  {row[1]}")
        else:
            cells = (c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True))
            lines.append("  ".join([row[0].ljust(widths[0]), *cells]))
    return "\n".join(line.rstrip() for line in lines)
