"""The model card (README.md) of a training run: what was trained, on what, how, and how well.

Plain Markdown, written next to the weights so a run directory explains itself without the app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from training.registry import RunInfo

_DATA_LABELS = {
    "dataset_ids": "Dataset versions",
    "fingerprint": "Data fingerprint",
    "labels": "Intent labels",
}
_CONFUSION_KEYS = ("confusion_pairs", "confusions", "top_confusions")
_PAIR_COLUMNS = ("true", "predicted", "count")


def render_model_card(info: RunInfo, metrics: Mapping[str, Any]) -> str:
    """The card for `info`; per-intent metrics and confusion pairs come from `metrics["intent"]` when present."""
    intent = metrics.get("intent")
    intent = intent if isinstance(intent, Mapping) else {}
    sections = [
        _header(info),
        _data_section(info.data),
        _section("Training arguments", _table(("argument", "value"), _rows(info.args, _plain))),
        _section("Hardware", [info.hardware or "not recorded"]),
        _section("Timings", _table(("stage", "seconds"), _rows(info.timings, _seconds))),
        _headline_section(info),
        _per_intent_section(intent.get("per_intent")),
        _confusion_section(next((intent[key] for key in _CONFUSION_KEYS if key in intent), None)),
        _usage_section(info.id),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections if lines) + "\n"


def _header(info: RunInfo) -> list[str]:
    value = "not measured" if info.primary_value is None else _metric(info.primary_value)
    components = ", ".join(info.components) if info.components else "none"
    return [
        f"# Model card: run {info.id}",
        "",
        f"- Created: {info.created_at}",
        f"- Base model: `{info.base_model}`",
        f"- Components: {components}",
        f"- Primary metric: `{info.primary_metric}` = {value}",
    ]


def _data_section(data: Mapping[str, Any]) -> list[str]:
    """Scalars and lists as bullets; split sizes ({"train": n, ...} per kind of example) as one table."""
    sizes = {key: value for key, value in data.items() if _is_size_table(value)}
    lines = [
        f"- {_DATA_LABELS.get(key, _humanize(key))}: {_data_value(value)}"
        for key, value in data.items()
        if key not in sizes
    ]
    if sizes:
        columns = _union_keys(sizes.values())
        rows = [[_humanize(key), *(_plain(table.get(c, "")) for c in columns)] for key, table in sizes.items()]
        lines += ["", "Sizes:", "", *_table(("examples", *columns), rows)]
    return _section("Data", lines or ["Not recorded."])


def _headline_section(info: RunInfo) -> list[str]:
    rows = [
        [f"**{name}** (primary)" if name == info.primary_metric else name, _metric(value)]
        for name, value in info.metrics.items()
    ]
    return _section("Headline metrics", _table(("metric", "value"), rows) if rows else ["No metrics recorded."])


def _per_intent_section(per_intent: object) -> list[str]:
    """`per_intent` as {intent: {metric: value}} or [{"intent": ..., metric: value}, ...]."""
    tables: dict[str, Mapping[str, Any]] = {}
    if isinstance(per_intent, Mapping):
        tables = {str(k): v if isinstance(v, Mapping) else {"value": v} for k, v in per_intent.items()}
    elif isinstance(per_intent, list):
        rows_in = [row for row in per_intent if isinstance(row, Mapping)]
        tables = {str(row.get("intent", row.get("label", ""))): row for row in rows_in}
    if not tables:
        return []
    columns = [c for c in _union_keys(tables.values()) if c not in ("intent", "label")]
    rows = [[name, *(_metric(table.get(c, "")) for c in columns)] for name, table in tables.items()]
    return _section("Per-intent metrics", _table(("intent", *columns), rows))


def _confusion_section(pairs: object) -> list[str]:
    """`pairs` as [{"true", "predicted", "count"}, ...] or [[true, predicted, count], ...]."""
    if not isinstance(pairs, list) or not pairs:
        return []
    mappings = [pair for pair in pairs if isinstance(pair, Mapping)]
    sequences = [pair for pair in pairs if isinstance(pair, list | tuple)]
    if mappings:
        columns = _union_keys(mappings)
        rows = [[_metric(pair.get(c, "")) for c in columns] for pair in mappings]
    elif sequences:
        columns = list(_PAIR_COLUMNS[: max(len(pair) for pair in sequences)])
        rows = [[_metric(value) for value in pair] for pair in sequences]
    else:
        return []
    return _section("Most confused intents", _table(columns, rows))


def _usage_section(run_id: str) -> list[str]:
    return _section(
        "Promote or roll back",
        [
            "Serve this run (recorded in `promoted.json` with the reason):",
            "",
            "```",
            f"chatbot models promote {run_id}",
            "```",
            "",
            "Go back to the run promoted before the current one:",
            "",
            "```",
            "chatbot models rollback",
            "```",
        ],
    )


# --------------------------------------------------------------------------------------------- Markdown helpers


def _section(title: str, lines: list[str]) -> list[str]:
    return [f"## {title}", "", *lines]


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    rows = list(rows)
    if not rows:
        return ["None recorded."]
    lines = ["| " + " | ".join(_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]


def _rows(mapping: Mapping[str, Any], fmt: Callable[[object], str]) -> list[list[str]]:
    return [[str(key), fmt(value)] for key, value in mapping.items()]


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _metric(value: object) -> str:
    """Floats with 4 decimals; everything else as is."""
    if isinstance(value, float):
        return f"{value:.4f}"
    return _plain(value)


def _seconds(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, int | float) and not isinstance(value, bool) else _plain(value)


def _plain(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value) or "none"
    return str(value)


def _data_value(value: object) -> str:
    text = _plain(value)
    return f"`{text}`" if isinstance(value, str) and len(text) >= 16 and " " not in text else text


def _humanize(key: str) -> str:
    text = str(key).replace("_", " ")
    return text[:1].upper() + text[1:]


def _is_size_table(value: object) -> bool:
    return isinstance(value, Mapping) and bool(value) and all(not isinstance(v, Mapping | list) for v in value.values())


def _union_keys(mappings: Iterable[Mapping[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for mapping in mappings:
        seen.update(dict.fromkeys(str(k) for k in mapping))
    return list(seen)
