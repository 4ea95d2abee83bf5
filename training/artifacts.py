"""Reading a run's serving artifacts: which encoder serves retrieval, and with which threshold.

`serving.json` in a run directory: {"retrieval_encoder": "retriever" | "intent_body", "retrieval_threshold": float}.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from knowledge_base.errors import ModelNotFoundError
from knowledge_base.index import Encoder

SERVING_FILE = "serving.json"


@dataclass(frozen=True, slots=True)
class ServingConfig:
    retrieval_encoder: str
    retrieval_threshold: float


def read_serving_config(run_path: Path) -> ServingConfig:
    path = run_path / SERVING_FILE
    try:
        raw = json.loads(path.read_text())
        return ServingConfig(str(raw["retrieval_encoder"]), float(raw["retrieval_threshold"]))
    except FileNotFoundError:
        raise ModelNotFoundError(
            f"run at {run_path} has no {SERVING_FILE}; it was not trained with a retriever"
        ) from None
    except (ValueError, KeyError, TypeError) as error:
        raise ModelNotFoundError(f"{path} is unreadable ({error})") from None


def encoder_name(run_id: str, retrieval_encoder: str) -> str:
    return f"run:{run_id}:intent-body" if retrieval_encoder == "intent_body" else f"run:{run_id}"


def load_serving_encoder(
    run_path: Path, run_id: str, *, device: str = "cpu", classifier: object | None = None
) -> Encoder:
    """The encoder a run serves retrieval with (reusing `classifier` when it is the run's intent body)."""
    from training.encoder import SentenceEncoder
    from training.intent import IntentBodyEncoder, IntentClassifier

    config = read_serving_config(run_path)
    name = encoder_name(run_id, config.retrieval_encoder)
    if config.retrieval_encoder == "intent_body":
        if classifier is None:
            classifier = IntentClassifier.load(run_path / "intent", device=device)
        assert isinstance(classifier, IntentClassifier)
        return IntentBodyEncoder(classifier, name=name)
    return SentenceEncoder(run_path / "retriever", name=name, device=device)
