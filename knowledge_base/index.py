"""A FAISS index over QA-pair embeddings, saved with a manifest that says how it was made.

Vectors are L2-normalised, so inner product is cosine similarity. The manifest names the encoder and the
dimension: loading an index with another encoder is refused instead of giving silently wrong answers.
Saving is atomic (temporary directory, then rename).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from knowledge_base.errors import ModelNotFoundError
from knowledge_base.migrations import now_iso
from knowledge_base.types import QAPair

if TYPE_CHECKING:
    import faiss

EXACT_BELOW = 50_000  # exact (flat) search up to this many vectors; IVF above (see _make_index)
TARGET_RECALL = 0.95
MANIFEST = "manifest.json"
INDEX_FILE = "index.faiss"
IDS_FILE = "ids.npy"
FORMAT_VERSION = 1


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors of shape (len(texts), dimension)."""

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True, slots=True)
class IndexManifest:
    encoder: str
    dimension: int
    size: int
    index_type: str
    metric: str
    field: str  # which text of a QA pair was embedded
    dataset_ids: tuple[int, ...]
    built_at: str
    format_version: int = FORMAT_VERSION
    nprobe: int = 0  # IVF only: clusters searched per query


class QAIndex:
    """Nearest QA pairs by cosine similarity. Use `build` or `load`, not the constructor."""

    def __init__(self, index: faiss.Index, ids: np.ndarray, manifest: IndexManifest) -> None:
        self._index = index
        self.ids = ids
        self.manifest = manifest

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @classmethod
    def build(
        cls,
        vectors: np.ndarray,
        ids: Sequence[int],
        *,
        encoder: str,
        dataset_ids: Sequence[int],
        field: str = "question",
        exact_below: int = EXACT_BELOW,
        seed: int = 0,
    ) -> QAIndex:

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(ids):
            raise ValueError(f"expected {len(ids)} vectors in a 2-d array, got shape {vectors.shape}")
        index, index_type, nprobe = _make_index(vectors, exact_below=exact_below, seed=seed)
        manifest = IndexManifest(
            encoder=encoder,
            dimension=int(vectors.shape[1]),
            size=len(ids),
            index_type=index_type,
            metric="inner_product",
            field=field,
            dataset_ids=tuple(sorted(dataset_ids)),
            built_at=now_iso(),
            nprobe=nprobe,
        )
        return cls(index, np.asarray(ids, dtype=np.int64), manifest)

    def search(self, queries: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """For each query vector, up to k (qa id, cosine score) pairs, best first."""
        if len(self) == 0:
            return [[] for _ in range(len(queries))]
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if queries.ndim != 2 or queries.shape[1] != self.manifest.dimension:
            raise ValueError(f"query vectors must have dimension {self.manifest.dimension}, got shape {queries.shape}")
        scores, positions = self._index.search(queries, min(k, len(self)))
        return [
            [(int(self.ids[p]), float(s)) for p, s in zip(row_p, row_s, strict=True) if p >= 0]
            for row_p, row_s in zip(positions, scores, strict=True)
        ]

    def save(self, directory: Path) -> Path:
        """Write index, ids and manifest to `directory` atomically; an existing one is replaced."""
        import faiss

        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
        try:
            faiss.write_index(self._index, str(tmp / INDEX_FILE))
            np.save(tmp / IDS_FILE, self.ids)
            (tmp / MANIFEST).write_text(json.dumps(asdict(self.manifest), indent=2))
            if directory.exists():
                old = directory.with_name(f".{directory.name}.old")
                shutil.rmtree(old, ignore_errors=True)
                os.replace(directory, old)
                os.replace(tmp, directory)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, directory)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return directory

    @classmethod
    def load(cls, directory: Path, *, encoder: str | None = None) -> QAIndex:
        """Read a saved index; refuse one built with another encoder than `encoder` (when given)."""
        import faiss

        manifest_path = directory / MANIFEST
        if not manifest_path.is_file():
            raise ModelNotFoundError(f"no index manifest at {manifest_path}; rebuild the index")
        try:
            raw: dict[str, Any] = json.loads(manifest_path.read_text())
            raw["dataset_ids"] = tuple(raw["dataset_ids"])
            manifest = IndexManifest(**raw)
        except (ValueError, KeyError, TypeError) as error:
            raise ModelNotFoundError(
                f"index manifest {manifest_path} is unreadable ({error}); rebuild the index"
            ) from None
        if encoder is not None and manifest.encoder != encoder:
            raise ModelNotFoundError(
                f"index at {directory} was built with encoder {manifest.encoder!r}, not {encoder!r};"
                " rebuild it with the serving encoder"
            )
        index = faiss.read_index(str(directory / INDEX_FILE))
        if manifest.nprobe:
            faiss.extract_index_ivf(index).nprobe = manifest.nprobe
        ids = np.load(directory / IDS_FILE)
        if index.d != manifest.dimension or index.ntotal != len(ids) or len(ids) != manifest.size:
            raise ModelNotFoundError(
                f"index at {directory} does not match its manifest (dimension {index.d} vs"
                f" {manifest.dimension}, {index.ntotal} vectors, {len(ids)} ids, manifest says {manifest.size})"
            )
        return cls(index, ids, manifest)


def build_qa_index(
    pairs: Sequence[QAPair], encoder: Encoder, *, batch_size: int = 256, progress: bool = False
) -> QAIndex:
    """Embed the questions of stored QA pairs (in batches, with a tqdm bar when `progress`) and index them."""
    from tqdm.auto import tqdm

    if any(pair.id is None for pair in pairs):
        raise ValueError("only stored QA pairs (with ids) can be indexed")
    chunks = [pairs[i : i + batch_size] for i in range(0, len(pairs), batch_size)]
    vectors = [
        encoder.encode([pair.question for pair in chunk])
        for chunk in tqdm(chunks, desc="embedding QA pairs", unit="batch", disable=not progress)
    ]
    matrix = np.concatenate(vectors) if vectors else np.zeros((0, encoder.dimension), dtype=np.float32)
    return QAIndex.build(
        matrix,
        [pair.id for pair in pairs if pair.id is not None],
        encoder=encoder.name,
        dataset_ids=sorted({pair.dataset_id for pair in pairs if pair.dataset_id is not None}),
    )


def _make_index(vectors: np.ndarray, *, exact_below: int, seed: int) -> tuple[faiss.Index, str, int]:
    """Flat (exact) below `exact_below` vectors. Above: IVF with about 4 x sqrt(n) clusters, trained on a
    sample, and the smallest nprobe whose recall@10 against exact search reaches TARGET_RECALL on held-in
    sample queries (measured at build time, so the choice fits the data)."""
    import faiss

    n, dimension = vectors.shape
    if n < exact_below:
        index = faiss.IndexFlatIP(dimension)
        index.add(vectors)
        return index, "flat", 0
    nlist = int(4 * np.sqrt(n))
    rng = np.random.default_rng(seed)
    train = vectors[rng.choice(n, size=min(n, nlist * 40), replace=False)]
    quantizer = faiss.IndexFlatIP(dimension)
    index = faiss.IndexIVFFlat(quantizer, dimension, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = seed
    index.train(train)
    index.add(vectors)
    return index, f"ivf{nlist}", tune_nprobe(index, vectors, rng=rng)


def tune_nprobe(index: faiss.Index, vectors: np.ndarray, *, rng: np.random.Generator, queries: int = 200) -> int:
    """The smallest power-of-two nprobe with recall@10 >= TARGET_RECALL on sample queries (noisy copies of
    stored vectors, as paraphrases are of stored questions)."""
    import faiss

    sample = vectors[rng.choice(len(vectors), size=min(queries, len(vectors)), replace=False)]
    noisy = sample + rng.normal(scale=0.02, size=sample.shape).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, truth = exact.search(noisy, 10)
    ivf = faiss.extract_index_ivf(index)
    nprobe = 1
    while nprobe < ivf.nlist:
        ivf.nprobe = nprobe
        _, found = index.search(noisy, 10)
        if recall_at_k(found, truth) >= TARGET_RECALL:
            return nprobe
        nprobe *= 2
    ivf.nprobe = ivf.nlist
    return ivf.nlist


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean fraction of the true top-k ids found in the returned top-k."""
    hits = sum(len(set(f.tolist()) & set(t.tolist())) for f, t in zip(found, truth, strict=True))
    return hits / truth.size
