"""The FAISS QA index: building from stored pairs, search, saving and loading with a manifest (knowledge_base.index)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from knowledge_base.errors import ModelNotFoundError
from knowledge_base.index import IDS_FILE, INDEX_FILE, MANIFEST, QAIndex, build_qa_index
from knowledge_base.store import KnowledgeBase, NewDataset
from knowledge_base.types import QAPair
from tests.fakes import HashingEncoder

QUESTIONS = {
    "Where is my order?": "It ships today.",
    "How do I reset my password?": "Use the Forgot password link.",
    "Can I pay by credit card?": "Yes, Visa and Mastercard.",
    "Do you deliver to Norway?": "Yes, in 3 to 5 working days.",
    "What are your opening hours?": "9 to 5, Monday to Friday.",
}


@pytest.fixture
def pairs(kb: KnowledgeBase) -> list[QAPair]:
    kb.add_dataset(
        NewDataset(
            name="faq",
            source_file="faq.csv",
            sha256="faq",
            format="csv_qa",
            uploaded_by="tester",
            conversations=(),
            qa_pairs=[QAPair(q, a) for q, a in QUESTIONS.items()],
            utterances=(),
        )
    )
    return kb.qa_pairs()


@pytest.fixture
def index(pairs: list[QAPair], fake_encoder: HashingEncoder) -> QAIndex:
    return build_qa_index(pairs, fake_encoder, batch_size=2)


def search(index: QAIndex, encoder: HashingEncoder, text: str, k: int = 3) -> list[tuple[int, float]]:
    [hits] = index.search(encoder.encode([text]), k)
    return hits


def test_build_indexes_every_stored_pair_and_records_how(index: QAIndex, pairs: list[QAPair]) -> None:
    assert len(index) == len(pairs) == len(QUESTIONS)
    assert index.ids.tolist() == [p.id for p in pairs]
    manifest = index.manifest
    assert (manifest.encoder, manifest.dimension, manifest.size) == ("fake:hashing", 64, len(pairs))
    assert (manifest.field, manifest.metric, manifest.dataset_ids) == ("question", "inner_product", (1,))


def test_build_embeds_in_batches(pairs: list[QAPair], fake_encoder: HashingEncoder) -> None:
    build_qa_index(pairs, fake_encoder, batch_size=2)
    assert fake_encoder.calls == 3  # 5 questions in batches of 2


def test_a_stored_question_finds_its_own_pair_first(index: QAIndex, pairs: list[QAPair], fake_encoder) -> None:  # type: ignore[no-untyped-def]
    for pair in pairs:
        hits = search(index, fake_encoder, pair.question)
        assert hits[0][0] == pair.id
        assert hits[0][1] == pytest.approx(1.0, abs=1e-5)
        assert [score for _, score in hits] == sorted((score for _, score in hits), reverse=True)


def test_search_returns_at_most_k_and_at_most_the_index_size(index: QAIndex, fake_encoder) -> None:  # type: ignore[no-untyped-def]
    assert len(search(index, fake_encoder, "order", k=2)) == 2
    assert len(search(index, fake_encoder, "order", k=50)) == len(QUESTIONS)


def test_search_with_the_wrong_dimension_raises(index: QAIndex) -> None:
    with pytest.raises(ValueError, match="dimension 64"):
        index.search(np.zeros((1, 8), dtype=np.float32), 3)


def test_unstored_pairs_cannot_be_indexed(fake_encoder: HashingEncoder) -> None:
    with pytest.raises(ValueError, match="only stored QA pairs"):
        build_qa_index([QAPair("Where is my order?", "Shipped.")], fake_encoder)


def test_save_and_load_give_identical_results(index: QAIndex, tmp_path: Path, fake_encoder) -> None:  # type: ignore[no-untyped-def]
    directory = index.save(tmp_path / "indexes" / "qa")
    loaded = QAIndex.load(directory, encoder=fake_encoder.name)

    assert loaded.manifest == index.manifest
    assert loaded.ids.tolist() == index.ids.tolist()
    queries = fake_encoder.encode(["where is my parcel", "credit card payment", "password"])
    assert loaded.search(queries, 3) == index.search(queries, 3)


def test_loading_with_another_encoder_is_refused(index: QAIndex, tmp_path: Path) -> None:
    directory = index.save(tmp_path / "qa")
    with pytest.raises(ModelNotFoundError, match="built with encoder 'fake:hashing', not 'all-MiniLM-L6-v2'"):
        QAIndex.load(directory, encoder="all-MiniLM-L6-v2")


def test_missing_manifest_raises(index: QAIndex, tmp_path: Path) -> None:
    directory = index.save(tmp_path / "qa")
    (directory / MANIFEST).unlink()
    with pytest.raises(ModelNotFoundError, match=r"no index manifest at .*rebuild the index"):
        QAIndex.load(directory)


def test_missing_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="no index manifest"):
        QAIndex.load(tmp_path / "never-built")


def test_manifest_with_the_wrong_size_raises(index: QAIndex, tmp_path: Path) -> None:
    directory = index.save(tmp_path / "qa")
    manifest = json.loads((directory / MANIFEST).read_text())
    (directory / MANIFEST).write_text(json.dumps(manifest | {"size": 99}))
    with pytest.raises(ModelNotFoundError, match=r"does not match its manifest.*manifest says 99"):
        QAIndex.load(directory)


def test_unreadable_manifest_raises_model_not_found(index: QAIndex, tmp_path: Path) -> None:
    directory = index.save(tmp_path / "qa")
    (directory / MANIFEST).write_text('{"encoder": "fake:hash')  # truncated
    with pytest.raises(ModelNotFoundError, match=MANIFEST):
        QAIndex.load(directory)


def test_saving_over_an_index_replaces_it_and_leaves_no_temporary_directories(
    index: QAIndex, pairs: list[QAPair], tmp_path: Path, fake_encoder: HashingEncoder
) -> None:
    directory = tmp_path / "qa"
    index.save(directory)
    smaller = build_qa_index(pairs[:2], fake_encoder)

    smaller.save(directory)

    assert len(QAIndex.load(directory)) == 2
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert sorted(p.name for p in directory.iterdir()) == sorted([MANIFEST, INDEX_FILE, IDS_FILE])


def test_empty_index_returns_no_hits(fake_encoder: HashingEncoder, tmp_path: Path) -> None:
    empty = build_qa_index([], fake_encoder)
    assert len(empty) == 0
    assert empty.search(fake_encoder.encode(["where is my order", "refund"]), 5) == [[], []]
    loaded = QAIndex.load(empty.save(tmp_path / "empty"), encoder=fake_encoder.name)
    assert loaded.search(fake_encoder.encode(["where is my order"]), 5) == [[]]
