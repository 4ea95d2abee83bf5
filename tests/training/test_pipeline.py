"""A real, short fine-tune of both models on the CPU, through the registry, with promotion and failures."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from chatbot.cli import main
from knowledge_base.errors import ConfigError, InputError
from knowledge_base.ingest import IngestOptions, ingest_file
from knowledge_base.store import KnowledgeBase
from training import pipeline
from training.intent import IntentClassifier
from training.pipeline import TrainResult, train_run
from training.registry import Registry
from training.training_args import TrainingArguments

INTENTS = {
    "order_status": (
        [
            "where is my order",
            "has my parcel shipped yet",
            "when will my package arrive",
            "track my delivery",
            "my order has not come",
            "what is the status of my order",
            "is my parcel on its way",
        ],
        "Your order is on its way and arrives within 3 working days.",
    ),
    "password_reset": (
        [
            "i forgot my password",
            "how do i reset my password",
            "cannot log in, lost password",
            "reset login details",
            "my password does not work",
            "change my password please",
            "locked out, need new password",
        ],
        "Use the Forgot password link on the sign-in page to set a new one.",
    ),
    "refund_request": (
        [
            "i want my money back",
            "how do i get a refund",
            "refund my purchase please",
            "can i have a refund",
            "please return my money",
            "when is my refund coming",
            "i would like a refund for this item",
        ],
        "Refunds go back to your original payment method within 5 working days.",
    ),
    "opening_hours": (
        [
            "when are you open",
            "what are your opening hours",
            "are you open on sunday",
            "what time do you close",
            "opening times please",
            "is the shop open today",
            "what hours is the store open",
        ],
        "We are open 9am to 6pm, Monday to Saturday.",
    ),
}
FAST = {"max_steps": 12, "min_steps": 0, "retriever_min_steps": 0, "intent_epochs": 1, "seed": 7}


def write_conversations(path: Path, per_intent: int = 14, seed: int = 0) -> Path:
    rng = random.Random(seed)
    lines = []
    for intent, (phrasings, answer) in INTENTS.items():
        for i in range(per_intent):
            question = rng.choice(phrasings) + rng.choice(["", "?", " please", " thanks"])
            lines.append(
                {
                    "id": f"{intent}-{i}",
                    "intent": intent,
                    "turns": [{"role": "customer", "text": question}, {"role": "agent", "text": answer}],
                }
            )
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, TrainResult]:
    root = tmp_path_factory.mktemp("pipeline")
    with KnowledgeBase(root / "chatbot.db") as kb:
        ingest_file(kb, write_conversations(root / "history.jsonl"), IngestOptions())
    result = train_run(
        db_path=root / "chatbot.db",
        models_dir=root / "models",
        base_model="all-MiniLM-L6-v2",
        args=TrainingArguments(**FAST),
    )
    return root, result


def test_first_run_is_registered_promoted_and_beats_chance(trained: tuple[Path, TrainResult]) -> None:
    root, result = trained
    assert result.promoted
    registry = Registry(root / "models")
    assert registry.current() is not None and registry.current().id == result.run.id  # type: ignore[union-attr]
    assert set(result.run.components) == {"intent", "retriever", "index"}
    metrics = json.loads((result.run.path / "metrics.json").read_text())
    assert metrics["intent"]["accuracy"] > 0.5  # chance is 0.25 with four intents
    assert metrics["retrieval"]["recall_at_1"] > 0.5
    assert result.run.primary_metric == "intent.accuracy"
    assert 0 < metrics["intent"]["calibration"]["temperature"] < 20
    card = (result.run.path / "README.md").read_text()
    assert result.run.id in card and "intent.accuracy" in card


def test_saved_intent_model_reloads_and_predicts(trained: tuple[Path, TrainResult]) -> None:
    _, result = trained
    classifier = IntentClassifier.load(result.run.path / "intent")
    assert set(classifier.labels) == set(INTENTS)
    probabilities = classifier.probabilities(["what time do you open on saturday", "reset my password"])
    predicted = [classifier.labels[i] for i in probabilities.argmax(axis=1)]
    assert predicted == ["opening_hours", "password_reset"]
    assert probabilities.sum(axis=1) == pytest.approx([1.0, 1.0], abs=1e-5)


def test_second_run_is_compared_on_the_same_split_and_policy_never_waits(trained: tuple[Path, TrainResult]) -> None:
    root, first = trained
    result = train_run(
        db_path=root / "chatbot.db",
        models_dir=root / "models",
        base_model="all-MiniLM-L6-v2",
        args=TrainingArguments(**FAST, promote="never", train_retriever=False),
    )
    assert not result.promoted and "waits for a human" in result.decision
    metrics = json.loads((result.run.path / "metrics.json").read_text())
    assert metrics["intent_current"]["run_id"] == first.run.id
    assert metrics["intent_current"]["n"] == metrics["intent"]["n"]
    registry = Registry(root / "models")
    assert registry.current().id == first.run.id  # type: ignore[union-attr]

    registry.promote(result.run.id, reason="test")
    assert registry.rollback(reason="test").id == first.run.id


def test_a_failure_half_way_leaves_no_run_and_keeps_the_promoted_one(
    trained: tuple[Path, TrainResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = trained
    registry = Registry(root / "models")
    before_runs, before_current = registry.run_ids(), registry.current()

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(pipeline, "_build_serving_index", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        train_run(
            db_path=root / "chatbot.db",
            models_dir=root / "models",
            base_model="all-MiniLM-L6-v2",
            args=TrainingArguments(**FAST, train_intent=False),
        )
    assert registry.run_ids() == before_runs
    assert registry.current() == before_current
    assert not list((root / "models").glob(".tmp-*"))


def test_single_intent_data_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(
                {
                    "id": str(i),
                    "intent": "only",
                    "turns": [{"role": "customer", "text": f"question {i}"}, {"role": "agent", "text": "answer"}],
                }
            )
            for i in range(5)
        )
    )
    with KnowledgeBase(tmp_path / "chatbot.db") as kb:
        ingest_file(kb, path, IngestOptions())
    with pytest.raises(InputError, match="at least two intents"):
        train_run(
            db_path=tmp_path / "chatbot.db",
            models_dir=tmp_path / "models",
            base_model="all-MiniLM-L6-v2",
            args=TrainingArguments(**FAST),
        )
    assert not (tmp_path / "models" / "runs").exists() or not list((tmp_path / "models" / "runs").iterdir())


def test_empty_knowledge_base_and_absent_gpu_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nothing to train on"):
        train_run(
            db_path=tmp_path / "chatbot.db",
            models_dir=tmp_path / "models",
            base_model="all-MiniLM-L6-v2",
            args=TrainingArguments(**FAST),
        )
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU; the absent-GPU message cannot be produced here")
    with KnowledgeBase(tmp_path / "chatbot.db") as kb:
        ingest_file(kb, write_conversations(tmp_path / "h.jsonl", per_intent=4), IngestOptions())
    with pytest.raises(ConfigError, match="no CUDA GPU"):
        train_run(
            db_path=tmp_path / "chatbot.db",
            models_dir=tmp_path / "models",
            base_model="all-MiniLM-L6-v2",
            args=TrainingArguments(**FAST, device="cuda"),
        )


def test_cli_train_and_models(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(tmp_path / "var")
    assert main(["ingest", str(write_conversations(tmp_path / "h.jsonl", per_intent=6)), "--data-dir", data]) == 0
    code = main(["train", "--no-intent", "--max-steps", "4", "--data-dir", data])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "promoted: no run is promoted yet" in out
    assert main(["models", "--data-dir", data]) == 0
    listing = capsys.readouterr().out
    assert listing.startswith("* ") and "retrieval.mrr" in listing
    assert main(["models", "rollback", "--data-dir", data]) == 1
    assert "nothing to roll back to" in capsys.readouterr().err


def test_promoted_run_serves_answers_with_its_version(trained: tuple[Path, TrainResult]) -> None:
    from chatbot.config import Settings
    from chatbot.serving import build_assistant

    root, _ = trained
    registry = Registry(root / "models")
    current = registry.current()
    assert current is not None
    serving = json.loads((current.path / "serving.json").read_text())
    assert serving["retrieval_encoder"] in {"retriever", "intent_body"}
    assistant = build_assistant(Settings(data_dir=root))
    try:
        turn = assistant.respond("what are your opening hours")
        assert turn.reply.explanation.model_version == f"run:{current.id}"
        assert turn.reply.explanation.intent is not None
        assert turn.reply.explanation.intent.label == "opening_hours"
        assert assistant.models.current.shared == (serving["retrieval_encoder"] == "intent_body")
    finally:
        assistant.close()
