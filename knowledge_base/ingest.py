"""Upload a transcript file into the knowledge base: read, validate, parse, mask, mine, store.

Every check happens before the single write transaction, so a rejected file leaves the store unchanged.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from knowledge_base.errors import DuplicateUploadError, InputError
from knowledge_base.formats import parse_text
from knowledge_base.formats.star import read_directory as read_star_directory
from knowledge_base.mining import deduplicate, labelled_customer_turns, mine_conversation
from knowledge_base.pii import mask_pii
from knowledge_base.store import KnowledgeBase, NewDataset
from knowledge_base.types import (
    Conversation,
    DatasetVersion,
    LabelledUtterance,
    ParsedFile,
    ParseIssue,
    QAPair,
)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
_BINARY_SNIFF_BYTES = 8192


@dataclass(frozen=True, slots=True, kw_only=True)
class IngestOptions:
    format: str | None = None  # None: detect from content and extension
    strict: bool = True  # strict: the first bad record rejects the file; lenient: skip and report it
    mask_pii: bool = True
    max_bytes: int = DEFAULT_MAX_BYTES
    uploaded_by: str = "cli"
    name: str | None = None  # default: the file name without extension


@dataclass(frozen=True, slots=True)
class IngestReport:
    dataset: DatasetVersion
    issues: tuple[ParseIssue, ...]
    seconds: float


def read_upload(path: Path, *, max_bytes: int) -> tuple[str, str]:
    """The file's text (UTF-8, BOM removed) and the SHA-256 of its bytes; InputError for anything else."""
    name = path.name
    if not path.exists():
        raise InputError("file not found", source=str(path))
    if not path.is_file():
        raise InputError("not a regular file", source=str(path), expected="a transcript file")
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(
            "file too large; split it or raise `max_upload_mb` in the settings",
            source=name,
            expected=f"at most {_mb(max_bytes)}",
            found=_mb(size),
        )
    data = path.read_bytes()
    return decode_upload(data, source=name), hashlib.sha256(data).hexdigest()


def decode_upload(data: bytes, *, source: str) -> str:
    if not data.strip():
        raise InputError("the file is empty", source=source, expected="at least one record")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("wrong text encoding; save the file as UTF-8", source=source, expected="UTF-8", found="UTF-16")
    nul = data.find(b"\x00", 0, _BINARY_SNIFF_BYTES)
    if nul != -1:
        raise InputError(
            "this looks like a binary file, not a transcript export",
            source=source,
            line=data.count(b"\n", 0, nul) + 1,
            expected="a UTF-8 text file (JSONL, CSV, TSV or plain-text chat log)",
            found=f"a NUL byte at offset {nul}",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        bad = data[error.start : error.start + 1].hex()
        raise InputError(
            "wrong text encoding; save the file as UTF-8 (it may be Latin-1 or Windows-1252)",
            source=source,
            line=data.count(b"\n", 0, error.start) + 1,
            expected="UTF-8",
            found=f"byte 0x{bad} at offset {error.start}",
        ) from None
    return text.removeprefix("\ufeff")


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB ({n:,} bytes)"


def _mask_value(value: object) -> object:
    if isinstance(value, str):
        return mask_pii(value)
    if isinstance(value, list):
        return [_mask_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _mask_value(v) for k, v in value.items()}
    return value


def _mask_conversation(conversation: Conversation) -> Conversation:
    turns = tuple(replace(turn, text=mask_pii(turn.text)) for turn in conversation.turns)
    metadata = {key: _mask_value(value) for key, value in conversation.metadata.items()}
    return replace(conversation, turns=turns, metadata=metadata)


def prepare(parsed: ParsedFile, *, mask: bool) -> tuple[list[Conversation], list[QAPair], list[LabelledUtterance]]:
    """Mask PII (when asked), mine QA pairs and labelled customer turns, de-duplicate pairs."""
    conversations = [_mask_conversation(c) if mask else c for c in parsed.conversations]
    file_pairs = [
        replace(p, question=mask_pii(p.question), answer=mask_pii(p.answer)) if mask else p for p in parsed.qa_pairs
    ]
    mined = [pair for c in conversations for pair in mine_conversation(c)]
    utterances = [replace(u, text=mask_pii(u.text)) if mask else u for u in parsed.utterances]
    utterances += [LabelledUtterance(text=p.question, intent=p.intent) for p in file_pairs if p.intent]
    utterances += [u for c in conversations for u in labelled_customer_turns(c)]
    return conversations, deduplicate([*file_pairs, *mined]), utterances


def ingest_parsed(
    kb: KnowledgeBase,
    parsed: ParsedFile,
    *,
    source_file: str,
    sha256: str,
    options: IngestOptions,
    started: float | None = None,
) -> IngestReport:
    """Store an already parsed upload as a new dataset version."""
    started = time.perf_counter() if started is None else started
    conversations, pairs, utterances = prepare(parsed, mask=options.mask_pii)
    if not (conversations or pairs or utterances):
        skipped = f"; {len(parsed.issues)} records were skipped, the first: {parsed.issues[0]}" if parsed.issues else ""
        raise InputError(
            "nothing to import" + skipped,
            source=source_file,
            expected="at least one conversation, QA pair or labelled utterance",
            found="none",
        )
    duplicate = kb.active_dataset_with_hash(sha256)
    if duplicate is not None:
        raise DuplicateUploadError(
            f"this exact file was already imported as dataset version {duplicate.id} ({duplicate.name!r},"
            f" {duplicate.created_at}); retire that version first to import it again",
            source=source_file,
        )
    dataset = kb.add_dataset(
        NewDataset(
            name=options.name or Path(source_file).stem,
            source_file=source_file,
            sha256=sha256,
            format=parsed.format,
            uploaded_by=options.uploaded_by,
            conversations=conversations,
            qa_pairs=pairs,
            utterances=utterances,
            warnings=[mask_pii(str(issue)) if options.mask_pii else str(issue) for issue in parsed.issues],
            pii_masked=options.mask_pii,
        )
    )
    return IngestReport(dataset=dataset, issues=parsed.issues, seconds=time.perf_counter() - started)


def ingest_file(kb: KnowledgeBase, path: Path | str, options: IngestOptions | None = None) -> IngestReport:
    """Validate and store one transcript file (or a STAR dialogue directory) as a new dataset version."""
    options = options or IngestOptions()
    started = time.perf_counter()
    path = Path(path)
    if path.is_dir():
        parsed, sha256 = _read_directory(path, options)
        return ingest_parsed(kb, parsed, source_file=path.name, sha256=sha256, options=options, started=started)
    text, sha256 = read_upload(path, max_bytes=options.max_bytes)
    parsed = parse_text(text, source=path.name, format=options.format, strict=options.strict)
    return ingest_parsed(kb, parsed, source_file=path.name, sha256=sha256, options=options, started=started)


def _read_directory(path: Path, options: IngestOptions) -> tuple[ParsedFile, str]:
    if options.format not in (None, "star"):
        raise InputError(
            f"a directory can only be read as the STAR corpus, not as {options.format!r}",
            source=str(path),
            expected="a file, or a directory of STAR dialogue .json files",
        )
    files: Sequence[Path] = sorted(path.glob("*.json"))
    if not files:
        raise InputError("no .json files in this directory", source=str(path), expected="STAR dialogue files")
    digest = hashlib.sha256()
    total = 0
    for file in files:
        data = file.read_bytes()
        total += len(data)
        if total > options.max_bytes:
            raise InputError(
                "directory too large; raise `max_upload_mb` in the settings",
                source=str(path),
                expected=f"at most {_mb(options.max_bytes)}",
                found=f"more than that after {file.name}",
            )
        digest.update(file.name.encode() + b"\0" + data)
    return read_star_directory(path, strict=options.strict), digest.hexdigest()
