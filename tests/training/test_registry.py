"""The registry of training runs: atomic run directories, model cards, promotion and rollback (training.registry)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from knowledge_base.errors import ConfigError, ModelNotFoundError, StoreError
from training.registry import Registry, RunInfo, new_run_id

REPO = Path(__file__).resolve().parents[2]
METRIC = "intent.macro_f1"


def metrics_for(value: float | None, *, metric: str = METRIC) -> dict[str, Any]:
    section, name = metric.split(".")
    return {
        section: {
            name: value,
            "accuracy": 0.91,
            "per_intent": {"order_status": {"precision": 0.9, "recall": 0.8, "f1": 0.85, "support": 12}},
            "confusion_pairs": [{"true": "refund", "predicted": "order_status", "count": 3}],
        },
        "examples": 120,
    }


def finish_run(
    registry: Registry, value: float | None = 0.8, *, metric: str = METRIC, run_id: str | None = None
) -> RunInfo:
    with registry.begin_run(run_id) as writer:
        (writer.component_dir("intent") / "weights.bin").write_bytes(b"\0" * 16)
        (writer.component_dir("index") / "vectors.npy").write_bytes(b"\1" * 8)
        writer.finish(
            base_model="all-MiniLM-L6-v2",
            primary_metric=metric,
            metrics=metrics_for(value, metric=metric),
            data={
                "dataset_ids": [3, 4],
                "fingerprint": "f" * 64,
                "intent_examples": {"train": 80, "validation": 10, "test": 10},
                "retrieval_pairs": None,
            },
            args={"intent_epochs": 5, "intent_learning_rate": 6e-5},
            hardware="cpu (4 threads)",
            timings={"intent": 12.5, "evaluate": 1.25},
        )
    assert writer.info is not None
    return writer.info


def entries(root: Path) -> set[str]:
    return {p.name for p in root.iterdir()}


# --------------------------------------------------------------------------------------------- writing runs


def test_finished_run_is_published_with_metadata_metrics_and_card(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "models")
    info = finish_run(registry, 0.8421)

    run_dir = tmp_path / "models" / "runs" / info.id
    assert info.path == run_dir
    assert {p.name for p in run_dir.iterdir()} == {"run.json", "metrics.json", "README.md", "intent", "index"}
    assert info.components == ("intent", "index")
    assert info.primary_value == pytest.approx(0.8421)
    assert info.metrics == {"intent.macro_f1": 0.8421, "intent.accuracy": 0.91, "examples": 120}
    assert json.loads((run_dir / "metrics.json").read_text()) == metrics_for(0.8421)
    assert RunInfo.from_json(run_dir / "run.json") == info
    assert registry.runs() == [info]
    assert registry.get(info.id) == info
    assert entries(tmp_path / "models") == {"runs"}  # no temp directory left

    card = (run_dir / "README.md").read_text()
    assert card.startswith(f"# Model card: run {info.id}\n")
    for expected in (
        "all-MiniLM-L6-v2",
        "| intent_epochs | 5 |",
        "| intent_learning_rate | 6e-05 |",
        "cpu (4 threads)",
        "| intent | 12.50 |",
        "| evaluate | 1.25 |",
        "| **intent.macro_f1** (primary) | 0.8421 |",
        "| order_status | 0.9000 | 0.8000 | 0.8500 | 12 |",
        "| refund | order_status | 3 |",
        "Dataset versions: 3, 4",
        "| Intent examples | 80 | 10 | 10 |",
        "Retrieval pairs: none",
        f"chatbot models promote {info.id}",
        "chatbot models rollback",
    ):
        assert expected in card, expected


def test_unmeasured_primary_metric_is_none_and_the_card_says_so(tmp_path: Path) -> None:
    info = finish_run(Registry(tmp_path), None)
    assert info.primary_value is None
    assert "`intent.macro_f1` = not measured" in (info.path / "README.md").read_text()


def test_exception_inside_begin_run_leaves_nothing(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    with pytest.raises(RuntimeError, match="out of memory"), registry.begin_run() as writer:
        (writer.component_dir("intent") / "weights.bin").write_bytes(b"partial")
        raise RuntimeError("out of memory")
    assert registry.runs() == []
    assert not any(p.name.startswith(".tmp-") for p in tmp_path.iterdir())
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_exception_after_finish_still_leaves_nothing(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    with pytest.raises(ValueError, match="late"), registry.begin_run() as writer:
        writer.finish(base_model="m", primary_metric=METRIC, metrics={}, data={}, args={}, hardware="cpu", timings={})
        raise ValueError("late")
    assert registry.runs() == []
    assert not any(p.name.startswith(".tmp-") for p in tmp_path.iterdir())


def test_block_without_finish_leaves_nothing(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    with registry.begin_run("abandoned") as writer:
        (writer.component_dir("retriever") / "model.safetensors").write_bytes(b"x")
    assert registry.runs() == []
    assert entries(tmp_path) == set()


def test_finish_twice_is_refused(tmp_path: Path) -> None:
    kwargs: dict[str, Any] = dict(
        base_model="m", primary_metric=METRIC, metrics={}, data={}, args={}, hardware="cpu", timings={}
    )
    with pytest.raises(StoreError, match="already finished"), Registry(tmp_path).begin_run() as writer:
        writer.finish(**kwargs)
        writer.finish(**kwargs)
    assert Registry(tmp_path).runs() == []


def test_crash_mid_write_leaves_only_a_stale_temp_dir(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    before = finish_run(registry, 0.7)
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from training.registry import Registry

        with Registry(Path({str(tmp_path)!r})).begin_run("crashed") as writer:
            (writer.path / "intent").mkdir()
            (writer.path / "intent" / "weights.bin").write_bytes(b"half a tensor")
            os._exit(1)
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, timeout=60)
    assert result.returncode == 1, result.stderr.decode()

    stale = tmp_path / ".tmp-crashed"
    assert (stale / "intent" / "weights.bin").is_file()
    assert registry.runs() == [before]
    with pytest.raises(StoreError, match="no training run 'crashed'"):
        registry.get("crashed")

    assert registry.clean_stale() == [stale]
    assert not stale.exists()
    assert registry.runs() == [before]
    assert registry.clean_stale() == []


def test_clean_stale_leaves_a_run_being_written_alone(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    with registry.begin_run("live") as writer:
        assert registry.clean_stale() == []
        assert writer.path.is_dir()
        writer.finish(base_model="m", primary_metric=METRIC, metrics={}, data={}, args={}, hardware="", timings={})
    assert [run.id for run in registry.runs()] == ["live"]


def test_explicit_run_ids_are_checked(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    finish_run(registry, run_id="first")
    with pytest.raises(StoreError, match="'first' is taken"), registry.begin_run("first"):
        pass
    for bad in ("../escape", ".hidden", "a/b", ""):
        with pytest.raises(StoreError, match="invalid run id"), registry.begin_run(bad):
            pass
    assert [run.id for run in registry.runs()] == ["first"]


def test_run_dir_without_run_json_is_an_error_naming_it(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    finish_run(registry)
    broken = tmp_path / "runs" / "20240101-000000-000000"
    (broken / "intent").mkdir(parents=True)
    with pytest.raises(ModelNotFoundError, match=re.escape(str(broken))):
        registry.runs()
    with pytest.raises(ModelNotFoundError, match=r"run\.json is missing"):
        registry.get(broken.name)


def test_unreadable_run_json_is_an_error_naming_it(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    info = finish_run(registry)
    (info.path / "run.json").write_text('{"id": "trunc')
    with pytest.raises(ModelNotFoundError, match=re.escape(str(info.path / "run.json"))):
        registry.runs()


def test_run_ids_sort_by_creation_time(tmp_path: Path) -> None:
    ids = [new_run_id() for _ in range(200)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{6}", run_id) for run_id in ids)

    registry = Registry(tmp_path)
    created = [finish_run(registry).id for _ in range(4)]
    assert created == sorted(created)
    assert [run.id for run in registry.runs()] == created[::-1]  # newest first


# --------------------------------------------------------------------------------------------- promotion


def test_promote_sets_current_and_records_history(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    assert registry.current() is None
    assert registry.history() == []
    first, second = finish_run(registry, 0.7), finish_run(registry, 0.8)

    assert registry.promote(first.id, reason="first model") == first
    assert registry.promote(second.id, reason="better macro F1") == second
    assert registry.current() == second

    history = registry.history()
    assert [(h["run_id"], h["action"], h["reason"], h["previous"]) for h in history] == [
        (first.id, "promote", "first model", None),
        (second.id, "promote", "better macro F1", first.id),
    ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", h["at"]) for h in history)
    assert json.loads((tmp_path / "promoted.json").read_text())["current"] == second.id


def test_promote_leaves_no_temp_file_behind(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    run = finish_run(registry)
    for n in range(3):
        registry.promote(run.id, reason=f"try {n}")
    assert entries(tmp_path) == {"runs", "promoted.json", ".lock"}
    assert json.loads((tmp_path / "promoted.json").read_text())["current"] == run.id


def test_clean_stale_removes_a_promote_temp_file_left_by_a_crash(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    registry.promote(finish_run(registry).id, reason="r")
    leftover = tmp_path / ".promoted-abc123.json.tmp"
    leftover.write_text('{"current": ')
    assert registry.clean_stale() == [leftover]
    assert entries(tmp_path) == {"runs", "promoted.json", ".lock"}


def test_promoting_an_unknown_run_lists_the_known_ones(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    with pytest.raises(StoreError, match="no finished runs yet"):
        registry.promote("nope", reason="r")
    a, b = finish_run(registry), finish_run(registry)
    with pytest.raises(StoreError, match=f"no training run 'nope'.*known runs: {a.id}, {b.id}"):
        registry.promote("nope", reason="r")
    assert registry.current() is None
    assert not (tmp_path / "promoted.json").exists()


def test_rollback_walks_back_one_promotion_at_a_time(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    a, b, c = (finish_run(registry) for _ in range(3))
    for run in (a, b, c):
        registry.promote(run.id, reason="new")

    assert registry.rollback(reason="c answers badly") == b
    assert registry.current() == b
    assert registry.rollback(reason="b too") == a
    assert registry.current() == a
    with pytest.raises(StoreError, match=f"nothing to roll back to: {a.id} is the first run promoted"):
        registry.rollback(reason="again")
    assert registry.current() == a
    assert [h["action"] for h in registry.history()] == ["promote"] * 3 + ["rollback"] * 2
    assert registry.history()[-1]["previous"] == b.id


def test_rollback_after_a_new_promotion_returns_to_the_run_before_it(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    a, b, c = (finish_run(registry) for _ in range(3))
    registry.promote(a.id, reason="r")
    registry.promote(b.id, reason="r")
    registry.rollback(reason="b is worse")
    registry.promote(c.id, reason="r")
    assert registry.rollback(reason="c is worse") == a
    with pytest.raises(StoreError, match="nothing to roll back to"):
        registry.rollback(reason="r")


def test_rollback_skips_runs_that_no_longer_exist(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    a, b, c = (finish_run(registry) for _ in range(3))
    for run in (a, b, c):
        registry.promote(run.id, reason="r")
    (b.path / "run.json").unlink()
    for child in sorted(b.path.rglob("*"), reverse=True):
        child.rmdir() if child.is_dir() else child.unlink()
    b.path.rmdir()
    assert registry.rollback(reason="c is worse") == a


def test_rollback_with_nothing_left_that_exists_names_the_missing_runs(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    a, b = finish_run(registry, run_id="a"), finish_run(registry, run_id="b")
    registry.promote(a.id, reason="r")
    registry.promote(b.id, reason="r")
    (a.path / "run.json").unlink()
    (a.path / "metrics.json").unlink()
    (a.path / "README.md").unlink()
    for name in ("intent", "index"):
        next((a.path / name).iterdir()).unlink()
        (a.path / name).rmdir()
    a.path.rmdir()
    with pytest.raises(StoreError, match=r"nothing to roll back to: the runs promoted before b \(a\) no longer"):
        registry.rollback(reason="r")


def test_rollback_with_nothing_promoted(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    finish_run(registry)
    with pytest.raises(StoreError, match="no run has been promoted yet"):
        registry.rollback(reason="r")


def test_current_run_that_vanished_is_an_error(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    run = finish_run(registry, run_id="gone")
    registry.promote(run.id, reason="r")
    run.path.rename(tmp_path / "elsewhere")
    with pytest.raises(ModelNotFoundError, match="promoted run gone is missing"):
        registry.current()


def test_concurrent_promotes_never_lose_an_entry(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    ids = [finish_run(registry).id for _ in range(2)]
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from training.registry import Registry

        registry = Registry(Path(sys.argv[1]))
        for n in range(15):
            registry.promote(sys.argv[2 + n % 2], reason=f"{sys.argv[4]} {n}")
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    workers = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path), *ids, f"w{w}"], cwd=REPO, env=env)
        for w in range(4)
    ]
    assert [worker.wait(timeout=60) for worker in workers] == [0, 0, 0, 0]
    assert len(registry.history()) == 60
    assert entries(tmp_path) == {"runs", "promoted.json", ".lock"}


# --------------------------------------------------------------------------------------------- policy


def test_should_promote_always_and_never(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    run = finish_run(registry, 0.1)
    assert registry.should_promote(run, policy="always")[0] is True
    decision, why = registry.should_promote(run, policy="never")
    assert decision is False
    assert f"waits for a human: chatbot models promote {run.id}" in why
    with pytest.raises(ConfigError, match="if_not_worse, always, never"):
        registry.should_promote(run, policy="sometimes")


def test_if_not_worse_promotes_when_nothing_is_promoted(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    run = finish_run(registry, 0.5)
    decision, why = registry.should_promote(run, policy="if_not_worse")
    assert decision is True
    assert "no run is promoted yet" in why
    assert "0.5000" in why


@pytest.mark.parametrize(
    ("value", "expected", "text"),
    [
        (0.85, True, "intent.macro_f1 0.8500 >= 0.8000 of the current run"),
        (0.8, True, "intent.macro_f1 0.8000 >= 0.8000 of the current run"),
        (0.75, False, "intent.macro_f1 0.7500 < 0.8000 of the current run"),
        (0.79999, False, "intent.macro_f1 0.799990 < 0.800000"),
    ],
)
def test_if_not_worse_compares_the_primary_metric(tmp_path: Path, value: float, expected: bool, text: str) -> None:
    registry = Registry(tmp_path)
    current = finish_run(registry, 0.8)
    registry.promote(current.id, reason="r")
    decision, why = registry.should_promote(finish_run(registry, value), policy="if_not_worse")
    assert decision is expected
    assert text in why
    assert current.id in why


def test_if_not_worse_refuses_to_compare_different_metrics(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    registry.promote(finish_run(registry, 0.9).id, reason="intent-only run")
    candidate = finish_run(registry, 0.95, metric="retrieval.recall_at_1")
    decision, why = registry.should_promote(candidate, policy="if_not_worse")
    assert decision is False
    assert "retrieval.recall_at_1" in why
    assert "intent.macro_f1" in why
    assert "a human must decide" in why


def test_if_not_worse_without_a_measured_value_asks_a_human(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    registry.promote(finish_run(registry, 0.9).id, reason="r")
    candidate = finish_run(registry, None)
    decision, why = registry.should_promote(candidate, policy="if_not_worse")
    assert decision is False
    assert f"{candidate.id} has no intent.macro_f1 value" in why
