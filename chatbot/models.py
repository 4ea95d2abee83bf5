"""Load what the server answers with, and swap it while serving.

`load_serving(settings)` builds a `ServingModels` bundle:
- when a trained run is promoted: its intent classifier, its retrieval encoder and its index;
- before any training (a fresh install): the packaged base encoder over every active QA pair, indexed
  once and cached under `data_dir/indexes/` keyed by the encoder and the exact pairs.

`ModelHolder` serves one bundle and watches `models/promoted.json`: when a promotion or rollback changes
it, the new bundle is loaded in the background and swapped in with one reference assignment. A request
takes the bundle once, at its start, so it is answered by exactly one model version; a bundle that fails
to load leaves the old one serving, and `last_error` says why.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from chatbot.batching import MicroBatcher
from chatbot.composer import Composer, Policy
from chatbot.config import Settings
from chatbot.intent import IntentPredictor
from chatbot.retrieval import Retriever
from chatbot.templates import TemplateSet, load_templates
from chatbot.types import Hit, IntentPrediction
from knowledge_base.index import Encoder, QAIndex, build_qa_index
from knowledge_base.store import KnowledgeBase
from knowledge_base.types import QAPair

if TYPE_CHECKING:
    from training.registry import RunInfo

logger = logging.getLogger(__name__)

Analysis = tuple[IntentPrediction | None, tuple[Hit, ...]]

BASE_RETRIEVAL_THRESHOLD = 0.5  # cosine; measured on the demo company (benchmarks/README.md)


@dataclass(slots=True)
class ServingModels:
    """One model version: intent predictor, retriever and composer, with a micro-batcher in front of both models."""

    version: str
    retriever: Retriever
    intents: IntentPredictor | None
    composer: Composer
    shared: bool = False  # retrieval uses the intent classifier's embeddings: one forward pass for both
    batcher: MicroBatcher[str, Analysis] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.batcher = MicroBatcher(self._analyse_many, name=f"models-{self.version}")

    def analyse(self, text: str) -> Analysis:
        """Intent prediction and retrieval hits for one message (batched with concurrent ones)."""
        return self.submit(text).result()

    def submit(self, text: str) -> Future[Analysis]:
        assert self.batcher is not None
        return self.batcher.submit(text)

    def _analyse_many(self, texts: Sequence[str]) -> list[Analysis]:
        if self.shared and self.intents is not None:
            embeddings, logits = self.intents.classifier.embed_and_logits(list(texts))
            return list(zip(self.intents.from_logits(logits), self.retriever.search_many(embeddings), strict=True))
        intents = self.intents.predict_many(texts) if self.intents is not None else [None] * len(texts)
        return list(zip(intents, self.retriever.retrieve_many(texts), strict=True))

    def close(self) -> None:
        if self.batcher is not None:
            self.batcher.close()


def index_directory(indexes_dir: Path, encoder_name: str, pairs: Sequence[QAPair]) -> Path:
    digest = hashlib.sha256(encoder_name.encode())
    for pair in pairs:
        digest.update(f"{pair.id}\0{pair.dataset_id}\n".encode())
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", encoder_name).strip("-")
    return indexes_dir / f"{slug}-{digest.hexdigest()[:16]}"


def load_or_build_index(
    pairs: Sequence[QAPair], encoder: Encoder, indexes_dir: Path, *, progress: bool = False
) -> QAIndex:
    directory = index_directory(indexes_dir, encoder.name, pairs)
    if (directory / "manifest.json").is_file():
        logger.info("loading cached index %s", directory)
        return QAIndex.load(directory, encoder=encoder.name)
    logger.info("embedding %d QA pairs with %s", len(pairs), encoder.name)
    index = build_qa_index(pairs, encoder, progress=progress)
    index.save(directory)
    return index


def templates_path(settings: Settings) -> Path | None:
    if settings.templates_file is not None:
        return settings.templates_file
    default = settings.data_dir / "templates.toml"
    return default if default.is_file() else None


def _policy(settings: Settings, *, intent_threshold: float, retrieval_threshold: float) -> Policy:
    return Policy(
        intent_threshold=settings.intent_threshold if settings.intent_threshold is not None else intent_threshold,
        ambiguity_margin=settings.ambiguity_margin,
        retrieval_threshold=(
            settings.retrieval_threshold if settings.retrieval_threshold is not None else retrieval_threshold
        ),
        clarify_band=settings.clarify_band,
    )


def load_serving(settings: Settings, *, encoder: Encoder | None = None, progress: bool = False) -> ServingModels:
    """The promoted run's models, or the base encoder when nothing is promoted (see module docstring)."""
    from training.registry import Registry

    with KnowledgeBase(settings.db_path) as kb:
        pairs = kb.qa_pairs()
    answers = {pair.id: pair for pair in pairs if pair.id is not None}
    run = Registry(settings.models_dir).current()
    if run is None:
        return _load_base(settings, pairs, answers, encoder=encoder, progress=progress)
    return _load_run(settings, run, answers)


def _load_base(
    settings: Settings,
    pairs: Sequence[QAPair],
    answers: dict[int, QAPair],
    *,
    encoder: Encoder | None,
    progress: bool,
) -> ServingModels:
    if encoder is None:
        from training.encoder import SentenceEncoder

        encoder = SentenceEncoder.from_base(settings.base_model)
    index = load_or_build_index(pairs, encoder, settings.indexes_dir, progress=progress)
    templates = _templates(settings, known_intents=None)
    policy = _policy(settings, intent_threshold=0.5, retrieval_threshold=BASE_RETRIEVAL_THRESHOLD)
    return ServingModels(
        version=encoder.name,
        retriever=Retriever(encoder=encoder, index=index, top_k=settings.retrieval_top_k, allowed=answers.keys()),
        intents=None,
        composer=Composer(answers=answers, templates=templates, policy=policy, model_version=encoder.name),
    )


def _load_run(settings: Settings, run: RunInfo, answers: dict[int, QAPair]) -> ServingModels:
    from training.artifacts import load_serving_encoder, read_serving_config
    from training.intent import IntentClassifier

    version = f"run:{run.id}"
    classifier = IntentClassifier.load(run.path / "intent") if "intent" in run.components else None
    intents = IntentPredictor(classifier) if classifier is not None else None
    shared = False
    if "index" in run.components:
        config = read_serving_config(run.path)
        encoder = load_serving_encoder(run.path, run.id, classifier=classifier)
        index = QAIndex.load(run.path / "index", encoder=encoder.name)
        retrieval_threshold = config.retrieval_threshold
        shared = config.retrieval_encoder == "intent_body"
    else:
        from training.encoder import SentenceEncoder

        encoder = SentenceEncoder.from_base(settings.base_model)
        retrieval_threshold = BASE_RETRIEVAL_THRESHOLD
        index = load_or_build_index(list(answers.values()), encoder, settings.indexes_dir)
    templates = _templates(settings, known_intents=intents.labels if intents else None)
    policy = _policy(
        settings,
        intent_threshold=intents.threshold if intents else 0.5,
        retrieval_threshold=retrieval_threshold,
    )
    return ServingModels(
        version=version,
        retriever=Retriever(encoder=encoder, index=index, top_k=settings.retrieval_top_k, allowed=answers.keys()),
        intents=intents,
        composer=Composer(answers=answers, templates=templates, policy=policy, model_version=version),
        shared=shared,
    )


def _templates(settings: Settings, *, known_intents: Sequence[str] | None) -> TemplateSet:
    path = templates_path(settings)
    return TemplateSet() if path is None else load_templates(path, known_intents=known_intents)


def promotion_stamp(models_dir: Path) -> tuple[int, int] | None:
    """What changes when a run is promoted or rolled back (mtime and size of promoted.json)."""
    try:
        stat = (models_dir / "promoted.json").stat()
    except FileNotFoundError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


class ModelHolder:
    """The bundle being served, swapped when the promoted run changes (see module docstring)."""

    def __init__(
        self,
        loader: Callable[[], ServingModels],
        *,
        models_dir: Path | None = None,
        poll_seconds: float = 1.0,
    ) -> None:
        self._loader = loader
        self._models_dir = models_dir
        self._poll_seconds = poll_seconds
        self._stamp = promotion_stamp(models_dir) if models_dir else None
        self._current = loader()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._swap_lock = threading.Lock()
        self.last_error: str | None = None
        self.swaps = 0

    @property
    def current(self) -> ServingModels:
        return self._current

    def reload(self) -> bool:
        """Load a new bundle and swap it in; on failure keep the old one and record why. True if swapped."""
        with self._swap_lock:
            try:
                fresh = self._loader()
            except Exception as error:  # any failure to load keeps the old model serving; it is reported
                self.last_error = f"{type(error).__name__}: {error}"
                logger.exception("keeping model %s: the new one failed to load", self._current.version)
                return False
            old, self._current = self._current, fresh
            old.close()  # requests already holding it finish; its worker stops once its queue is empty
            self.last_error = None
            self.swaps += 1
            logger.info("now serving %s", fresh.version)
            return True

    def check(self) -> bool:
        """Reload if the promoted run changed since the last look. True if a swap happened."""
        if self._models_dir is None:
            return False
        stamp = promotion_stamp(self._models_dir)
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        return self.reload()

    def start(self) -> None:
        if self._thread is None and self._models_dir is not None:
            self._thread = threading.Thread(target=self._watch, name="model-watcher", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._current.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _watch(self) -> None:
        while not self._stop.wait(self._poll_seconds):
            self.check()
