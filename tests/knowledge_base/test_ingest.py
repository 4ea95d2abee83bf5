"""Uploading transcript files end to end: every format, every bad input, lenient mode, PII (knowledge_base.ingest)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from knowledge_base.errors import DuplicateUploadError, InputError
from knowledge_base.ingest import IngestOptions, ingest_file, ingest_parsed
from knowledge_base.store import KnowledgeBase
from knowledge_base.types import ParsedFile, ParseIssue


def record(conversation_id: str, *turns: tuple[str, str], intent: str | None = None, **extra: object) -> str:
    value = {"id": conversation_id, "turns": [{"role": r, "text": t} for r, t in turns], "intent": intent, **extra}
    return json.dumps(value)


GOOD_1 = record("c1", ("customer", "Where is my order?"), ("agent", "It ships today."), intent="order_status")
GOOD_2 = record("c2", ("customer", "Do you ship abroad?"), ("agent", "Yes, to 30 countries."), intent="shipping")
JSONL = f"{GOOD_1}\n{GOOD_2}\n"


def write(directory: Path, name: str, content: str | bytes) -> Path:
    path = directory / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


@pytest.fixture
def seeded(kb: KnowledgeBase, tmp_path: Path) -> KnowledgeBase:
    """A knowledge base that already holds one upload, so 'unchanged' is not just 'empty'."""
    ingest_file(kb, write(tmp_path, "seed.jsonl", record("s1", ("user", "Opening hours?"), ("agent", "9 to 5."))))
    return kb


def rejected(kb: KnowledgeBase, path: Path, error: type[InputError] = InputError, **options: object) -> InputError:
    """Ingest must raise `error` and leave every table as it was."""
    before = kb.counts()
    with pytest.raises(error) as caught:
        ingest_file(kb, path, IngestOptions(**options))  # type: ignore[arg-type]
    assert kb.counts() == before
    return caught.value


def assert_message(error: InputError, where: str, *fragments: str) -> None:
    message = str(error)
    assert message.startswith(f"{where}: "), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


# -- one happy path per format ---------------------------------------------------------------------------


def test_jsonl_file_becomes_a_version_with_mined_pairs(kb: KnowledgeBase, tmp_path: Path) -> None:
    report = ingest_file(kb, write(tmp_path, "support.jsonl", JSONL))
    version = report.dataset
    assert (version.name, version.source_file, version.format, version.uploaded_by) == (
        "support",
        "support.jsonl",
        "jsonl",
        "cli",
    )
    assert (version.n_conversations, version.n_turns, version.n_qa_pairs, version.n_utterances) == (2, 4, 2, 2)
    assert report.issues == () and version.warnings == ()
    assert [(p.question, p.intent) for p in kb.qa_pairs()] == [
        ("Where is my order?", "order_status"),
        ("Do you ship abroad?", "shipping"),
    ]


def test_name_and_uploader_options(kb: KnowledgeBase, tmp_path: Path) -> None:
    options = IngestOptions(name="spring export", uploaded_by="admin")
    version = ingest_file(kb, write(tmp_path, "support.jsonl", JSONL), options).dataset
    assert (version.name, version.uploaded_by) == ("spring export", "admin")


def test_csv_qa_file_stores_its_pairs(kb: KnowledgeBase, tmp_path: Path) -> None:
    text = (
        "question,answer,intent\n"
        'How do I reset my password?,"Click ""Forgot password"" on the sign-in page.",password_reset\n'
        '"Can I pay by card?","Yes, we take Visa and Mastercard.",\n'
    )
    version = ingest_file(kb, write(tmp_path, "faq.csv", text)).dataset
    assert (version.format, version.n_qa_pairs, version.n_conversations) == ("csv_qa", 2, 0)
    assert [(p.answer, p.intent) for p in kb.qa_pairs()] == [
        ('Click "Forgot password" on the sign-in page.', "password_reset"),
        ("Yes, we take Visa and Mastercard.", None),
    ]
    # a pair labelled with an intent also trains the intent classifier
    assert [(u.text, u.intent) for u in kb.utterances()] == [("How do I reset my password?", "password_reset")]


def test_tsv_file_with_bitext_column_names_stores_its_pairs(kb: KnowledgeBase, tmp_path: Path) -> None:
    text = "instruction\tresponse\tcategory_intent\nDo you ship abroad?\tYes, to 30 countries.\tshipping\n"
    version = ingest_file(kb, write(tmp_path, "faq.tsv", text)).dataset
    assert (version.format, version.n_qa_pairs) == ("csv_qa", 1)
    assert [(p.question, p.answer, p.intent) for p in kb.qa_pairs()] == [
        ("Do you ship abroad?", "Yes, to 30 countries.", "shipping")
    ]


def test_labelled_csv_stores_utterances(kb: KnowledgeBase, tmp_path: Path) -> None:
    text = 'text,category\nI am still waiting on my card?,card_arrival\n"How do I top up, please?",top_up\n'
    version = ingest_file(kb, write(tmp_path, "banking.csv", text)).dataset
    assert (version.format, version.n_utterances, version.n_qa_pairs) == ("csv_labelled", 2, 0)
    assert [(u.text, u.intent) for u in kb.utterances()] == [
        ("I am still waiting on my card?", "card_arrival"),
        ("How do I top up, please?", "top_up"),
    ]


def test_plaintext_chat_log_stores_its_conversations(kb: KnowledgeBase, tmp_path: Path) -> None:
    text = (
        "# id: order-17\n# intent: late_delivery\n"
        "Customer: My parcel has not arrived.\nAgent: It is on its way and arrives tomorrow.\n\n"
        "User: Do you ship to Norway?\nSupport: Yes, in 3 to 5 working days.\n"
    )
    version = ingest_file(kb, write(tmp_path, "chat.txt", text)).dataset
    assert (version.format, version.n_conversations, version.n_qa_pairs, version.n_utterances) == (
        "plaintext",
        2,
        2,
        1,
    )
    assert [(c.id, c.intent) for c in kb.conversations()] == [("order-17", "late_delivery"), ("chat.txt#2", None)]


def test_abcd_sample_stores_every_conversation_with_its_subflow(
    kb: KnowledgeBase, datasets_dir: Path, tmp_path: Path
) -> None:
    source = datasets_dir / "abcd_sample" / "abcd_sample.json"
    expected = json.loads(source.read_text(encoding="utf-8"))
    version = ingest_file(kb, shutil.copy(source, tmp_path / source.name)).dataset
    assert (version.format, version.n_conversations) == ("abcd", len(expected))
    assert version.n_qa_pairs > 0
    stored = list(kb.conversations())
    assert [c.id for c in stored] == [str(item["convo_id"]) for item in expected]
    assert [c.intent for c in stored] == [item["scenario"]["subflow"] for item in expected]


def test_star_directory_stores_dialogues_and_warns_about_early_disconnects(
    kb: KnowledgeBase, datasets_dir: Path, tmp_path: Path
) -> None:
    dialogues = tmp_path / "dialogues"
    dialogues.mkdir()
    source = datasets_dir / "star_bank" / "dialogues"
    for name in ("1000.json", "1004.json", "1011.json", "1019.json", "1034.json"):  # 1034 disconnected early
        shutil.copy(source / name, dialogues / name)

    report = ingest_file(kb, dialogues)

    version = report.dataset
    assert (version.format, version.source_file, version.n_conversations) == ("star", "dialogues", 4)
    assert [c.id for c in kb.conversations()] == ["1000", "1004", "1011", "1019"]
    assert {c.intent for c in kb.conversations()} == {"bank_fraud_report"}
    assert len(version.warnings) == 1 and "1034" in version.warnings[0] and "skipped" in version.warnings[0]


def test_utf8_bom_file_imports(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = write(tmp_path, "excel.csv", "\ufeffquestion,answer\nDo you ship abroad?,Yes.\n".encode())
    version = ingest_file(kb, path).dataset
    assert (version.format, version.n_qa_pairs) == ("csv_qa", 1)
    assert kb.qa_pairs()[0].question == "Do you ship abroad?"


# -- bad input: a clear message and nothing stored -------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n   \n"], ids=["empty", "whitespace"])
def test_empty_file_is_rejected(seeded: KnowledgeBase, tmp_path: Path, content: bytes) -> None:
    error = rejected(seeded, write(tmp_path, "empty.jsonl", content))
    assert_message(error, "empty.jsonl", "the file is empty", "expected at least one record")


def test_latin1_bytes_name_the_line_and_utf8(seeded: KnowledgeBase, tmp_path: Path) -> None:
    line_3 = '{"id": "c3", "turns": [{"role": "customer", "text": "café?"}, {"role": "agent", "text": "Oui."}]}'
    content = JSONL.encode() + line_3.encode("latin-1")
    error = rejected(seeded, write(tmp_path, "latin.jsonl", content))
    assert_message(error, "latin.jsonl:3", "wrong text encoding", "expected UTF-8", "found byte 0xe9")


def test_utf16_file_is_rejected(seeded: KnowledgeBase, tmp_path: Path) -> None:
    error = rejected(seeded, write(tmp_path, "export.jsonl", JSONL.encode("utf-16")))
    assert_message(error, "export.jsonl", "save the file as UTF-8", "expected UTF-8", "found UTF-16")


def test_binary_file_is_rejected(seeded: KnowledgeBase, tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"
    error = rejected(seeded, write(tmp_path, "chat.csv", png))
    assert_message(error, "chat.csv:3", "binary file", "expected a UTF-8 text file", "NUL byte at offset 8")


def test_malformed_json_line_is_rejected_with_its_line(seeded: KnowledgeBase, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.jsonl", f'{GOOD_1}\n{{"id": "c2", "turns": [\n{GOOD_2}\n')
    error = rejected(seeded, path)
    assert_message(error, "bad.jsonl:2", "malformed JSON", "expected one JSON object per line", "found ")


def test_missing_csv_column_is_rejected(seeded: KnowledgeBase, tmp_path: Path) -> None:
    path = write(tmp_path, "faq.csv", "question,notes\nDo you ship abroad?,check\n")
    error = rejected(seeded, path, format="csv_qa")
    assert_message(error, "faq.csv:1", "no answer column", "expected a header line", "found header 'question,notes'")


def test_unknown_role_is_rejected(seeded: KnowledgeBase, tmp_path: Path) -> None:
    path = write(tmp_path, "roles.jsonl", f"{GOOD_1}\n" + record("c2", ("customer", "Hi?"), ("manager", "Yes.")))
    error = rejected(seeded, path)
    assert_message(error, "roles.jsonl:2", "turn 2: unknown role", "expected a role among", "found string 'manager'")


def test_conversation_without_agent_turn_is_rejected(seeded: KnowledgeBase, tmp_path: Path) -> None:
    path = write(tmp_path, "alone.jsonl", record("c1", ("customer", "Hello?"), ("customer", "Anyone there?")))
    error = rejected(seeded, path)
    assert_message(error, "alone.jsonl:1", "conversation 'c1' has no agent turn", "found 2 customer turn(s)")


def test_plaintext_unknown_speaker_names_its_line(seeded: KnowledgeBase, tmp_path: Path) -> None:
    path = write(tmp_path, "chat.txt", "Customer: Where is my order?\nAgent: On its way.\nManager: Hello\n")
    error = rejected(seeded, path)
    assert_message(error, "chat.txt:3", "unknown speaker 'Manager'")


def test_oversize_file_is_rejected(seeded: KnowledgeBase, tmp_path: Path) -> None:
    error = rejected(seeded, write(tmp_path, "big.jsonl", JSONL), max_bytes=100)
    assert_message(error, "big.jsonl", "file too large", "max_upload_mb", "expected at most")


def test_oversize_message_shows_a_size_above_the_limit(seeded: KnowledgeBase, tmp_path: Path) -> None:
    limit = 1024 * 1024  # 1 MB, and a file one byte over it
    path = write(tmp_path, "big.jsonl", "x" * (limit + 1))
    error = rejected(seeded, path, max_bytes=limit)
    assert error.expected is not None and error.found is not None
    assert error.expected.removeprefix("at most ") != error.found, str(error)


def test_unknown_format_name_is_rejected(seeded: KnowledgeBase, tmp_path: Path) -> None:
    error = rejected(seeded, write(tmp_path, "support.jsonl", JSONL), format="xml")
    assert_message(error, "support.jsonl", "unknown format", "expected one of jsonl, csv_qa", "found 'xml'")


def test_missing_file_is_rejected(seeded: KnowledgeBase, tmp_path: Path) -> None:
    error = rejected(seeded, tmp_path / "nowhere.jsonl")
    assert "nowhere.jsonl" in str(error) and "file not found" in str(error)


def test_directory_with_a_file_format_is_rejected(seeded: KnowledgeBase, tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    write(tmp_path / "dir", "1.json", "{}")
    error = rejected(seeded, tmp_path / "dir", format="jsonl")
    assert "only be read as the STAR corpus" in str(error)


def test_duplicate_upload_names_the_first_version(seeded: KnowledgeBase, tmp_path: Path) -> None:
    first = ingest_file(seeded, write(tmp_path, "support.jsonl", JSONL)).dataset
    error = rejected(seeded, write(tmp_path, "renamed copy.jsonl", JSONL), DuplicateUploadError)
    assert_message(error, "renamed copy.jsonl", f"already imported as dataset version {first.id} ('support'")


def test_same_file_imports_again_after_retiring_it(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = write(tmp_path, "support.jsonl", JSONL)
    first = ingest_file(kb, path).dataset
    kb.retire(first.id)
    second = ingest_file(kb, path).dataset
    assert second.id != first.id and second.sha256 == first.sha256
    assert [d.status for d in kb.datasets()] == ["retired", "active"]


def test_lenient_file_where_every_record_was_skipped(seeded: KnowledgeBase, tmp_path: Path) -> None:
    path = write(tmp_path, "broken.jsonl", '{"id": "c1"\n\n{"id": "c2", "turns": []}\n')
    error = rejected(seeded, path, strict=False)
    assert_message(error, "broken.jsonl", "no usable conversations", "2 skipped record(s)", "broken.jsonl:1:")


def test_nothing_to_import_after_parsing(seeded: KnowledgeBase) -> None:
    issue = ParseIssue("empty.jsonl", 4, "skipped: malformed JSON")
    before = seeded.counts()
    with pytest.raises(InputError) as caught:
        ingest_parsed(
            seeded, ParsedFile("jsonl", issues=(issue,)), source_file="empty.jsonl", sha256="0", options=IngestOptions()
        )
    assert_message(caught.value, "empty.jsonl", "nothing to import", "empty.jsonl:4: skipped: malformed JSON")
    assert seeded.counts() == before


# -- lenient mode ----------------------------------------------------------------------------------------


def test_lenient_mode_keeps_good_records_and_reports_the_skipped_ones(kb: KnowledgeBase, tmp_path: Path) -> None:
    bad_role = record("c4", ("customer", "Hi?"), ("manager", "Yes."))
    path = write(tmp_path, "mixed.jsonl", f'{GOOD_1}\n{{"id": "c2", "turns": [\n{GOOD_2}\n{bad_role}\n')

    report = ingest_file(kb, path, IngestOptions(strict=False))

    assert [c.id for c in kb.conversations()] == ["c1", "c2"]
    assert [(i.source, i.line) for i in report.issues] == [("mixed.jsonl", 2), ("mixed.jsonl", 4)]
    warnings = report.dataset.warnings
    assert len(warnings) == 2
    assert warnings[0].startswith("mixed.jsonl:2: skipped: malformed JSON")
    assert warnings[1].startswith("mixed.jsonl:4: skipped: conversation 'c4', turn 2: unknown role")
    assert kb.dataset(report.dataset.id).warnings == warnings
