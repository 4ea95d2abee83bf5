"""Assemble the serving pipeline from the data directory.

Until a fine-tuned run is promoted (training issue), the assistant serves retrieval with the packaged base
encoder over every active dataset version. The index is cached under `data_dir/indexes/`, keyed by the
encoder and the exact set of QA pairs, so a restart with unchanged data loads it instead of re-embedding.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from pathlib import Path

from chatbot.assistant import Assistant
from chatbot.composer import Composer
from chatbot.config import Settings
from chatbot.log import ConversationLog
from chatbot.retrieval import Retriever
from knowledge_base.index import Encoder, QAIndex, build_qa_index
from knowledge_base.migrations import connect
from knowledge_base.store import KnowledgeBase
from knowledge_base.types import QAPair

logger = logging.getLogger(__name__)


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


def build_assistant(settings: Settings, *, encoder: Encoder | None = None, progress: bool = False) -> Assistant:
    """The serving assistant over the knowledge base at `settings.db_path`."""
    if encoder is None:
        from training.encoder import SentenceEncoder

        encoder = SentenceEncoder.from_base(settings.base_model)
    with KnowledgeBase(settings.db_path) as kb:
        pairs = kb.qa_pairs()
    index = load_or_build_index(pairs, encoder, settings.indexes_dir, progress=progress)
    composer = Composer(
        answers={pair.id: pair for pair in pairs if pair.id is not None},
        retrieval_threshold=settings.retrieval_threshold,
        model_version=encoder.name,
    )
    return Assistant(
        retriever=Retriever(encoder=encoder, index=index, top_k=settings.retrieval_top_k),
        composer=composer,
        log=ConversationLog(connect(settings.db_path)),
        mask_logged_pii=settings.mask_pii,
    )
