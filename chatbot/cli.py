"""The `chatbot` command. Errors become one clear line on stderr and a non-zero exit here, nowhere else."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from chatbot.config import Settings, load_settings
from knowledge_base.errors import ChatbotError
from knowledge_base.types import DatasetVersion

EXIT_ERROR = 1
EXIT_USAGE = 2

Command = Callable[[argparse.Namespace, Settings], int]


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, help="where the database, models and indexes live (default ./var)")
    common.add_argument("--config", type=Path, help="a TOML settings file (default ./chatbot.toml if present)")
    common.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="chatbot",
        description="Customer-service chatbot: ingest support transcripts, inspect datasets, serve the assistant.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = commands.add_parser(
        "ingest",
        parents=[common],
        help="import a transcript file as a new dataset version",
        description="Import a transcript file (JSONL conversations, CSV/TSV QA pairs, labelled utterances CSV,"
        " plain-text chat log, ABCD JSON) or a STAR dialogue directory as a new, immutable dataset version.",
    )
    ingest.add_argument("path", type=Path, help="the file (or STAR directory) to import")
    ingest.add_argument(
        "--format",
        choices=["jsonl", "csv_qa", "csv_labelled", "plaintext", "abcd", "star"],
        help="the file's format (default: detected from content and extension)",
    )
    mode = ingest.add_mutually_exclusive_group()
    mode.add_argument("--lenient", action="store_true", help="skip bad records and report them")
    mode.add_argument("--strict", action="store_true", help="reject the whole file on its first bad record")
    ingest.add_argument("--no-mask-pii", action="store_true", help="keep emails, phone and card numbers as they are")
    ingest.add_argument("--name", help="a name for the dataset version (default: the file name)")
    ingest.add_argument("--uploaded-by", default="cli", help="who uploads it, for the record (default: cli)")
    ingest.set_defaults(handler=_ingest)

    datasets = commands.add_parser(
        "datasets",
        parents=[common],
        help="list, show or retire dataset versions",
        description="List dataset versions with their counts (default), show one, or retire one. Retired"
        " versions are left out of training and retrieval but kept for the record.",
    )
    datasets.add_argument("action", nargs="?", choices=["list", "show", "retire"], default="list")
    datasets.add_argument("id", nargs="?", type=int, help="dataset version id (for show and retire)")
    datasets.set_defaults(handler=_datasets)

    serve = commands.add_parser(
        "serve",
        parents=[common],
        help="serve the chat page and API",
        description="Serve the customer chat page (and /api/health) with the current models.",
    )
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 7860)")
    serve.add_argument(
        "--demo", action="store_true", help="import the bundled demo company if the knowledge base is empty"
    )
    serve.set_defaults(handler=_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    handler: Command = args.handler
    try:
        settings = load_settings(args.config, overrides=_overrides(args))
        return handler(args, settings)
    except ChatbotError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    overrides: dict[str, object] = {"data_dir": args.data_dir}
    for name in ("host", "port"):
        overrides[name] = getattr(args, name, None)
    if getattr(args, "lenient", False):
        overrides["strict_ingest"] = False
    if getattr(args, "strict", False):
        overrides["strict_ingest"] = True
    if getattr(args, "no_mask_pii", False):
        overrides["mask_pii"] = False
    return overrides


# -- commands --------------------------------------------------------------------------------------


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge_base.ingest import IngestOptions, ingest_file
    from knowledge_base.store import KnowledgeBase

    options = IngestOptions(
        format=args.format,
        strict=settings.strict_ingest,
        mask_pii=settings.mask_pii,
        max_bytes=settings.max_upload_bytes,
        uploaded_by=args.uploaded_by,
        name=args.name,
    )
    with KnowledgeBase(settings.db_path) as kb:
        report = ingest_file(kb, args.path, options)
    for issue in report.issues:
        print(f"warning: {issue}", file=sys.stderr)
    d = report.dataset
    print(
        f"imported dataset version {d.id} ({d.name!r}, format {d.format}): {d.n_conversations} conversations,"
        f" {d.n_turns} turns, {d.n_qa_pairs} QA pairs, {d.n_utterances} labelled utterances,"
        f" {len(report.issues)} skipped/warnings in {report.seconds:.2f} s"
    )
    return 0


def _datasets(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge_base.store import KnowledgeBase

    if args.action in ("show", "retire") and args.id is None:
        print(f"error: `chatbot datasets {args.action}` needs a dataset version id", file=sys.stderr)
        return EXIT_USAGE
    with KnowledgeBase(settings.db_path) as kb:
        if args.action == "list":
            print(format_dataset_table(kb.datasets()))
        elif args.action == "show":
            print(format_dataset(kb.dataset(args.id)))
        else:
            retired = kb.retire(args.id)
            print(f"retired dataset version {retired.id} ({retired.name!r}); its history is kept")
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from chatbot.app import build_app
    from chatbot.models import build_assistant

    if args.demo:
        _ensure_demo(settings)
    assistant = build_assistant(settings, progress=True)
    app = build_app(assistant)
    print(f"serving on http://{settings.host}:{settings.port}/ (model {assistant.model_version})", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
    return 0


def _ensure_demo(settings: Settings) -> None:
    from knowledge_base.demo import CONVERSATIONS
    from knowledge_base.ingest import IngestOptions, ingest_file
    from knowledge_base.store import KnowledgeBase

    with KnowledgeBase(settings.db_path) as kb:
        if kb.datasets():
            return
        report = ingest_file(
            kb,
            CONVERSATIONS,
            IngestOptions(mask_pii=settings.mask_pii, uploaded_by="demo", name="demo company"),
        )
    d = report.dataset
    print(f"imported the demo company: {d.n_conversations} conversations, {d.n_qa_pairs} QA pairs", flush=True)


# -- output ----------------------------------------------------------------------------------------


def format_dataset_table(versions: Sequence[DatasetVersion]) -> str:
    if not versions:
        return "no dataset versions yet; import one with `chatbot ingest FILE`"
    header = ("id", "status", "name", "format", "convs", "turns", "qa", "utts", "warnings", "created", "by")
    rows = [
        (
            str(v.id),
            v.status,
            v.name,
            v.format,
            str(v.n_conversations),
            str(v.n_turns),
            str(v.n_qa_pairs),
            str(v.n_utterances),
            str(len(v.warnings)),
            v.created_at,
            v.uploaded_by,
        )
        for v in versions
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in (header, *rows)
    )


def format_dataset(v: DatasetVersion) -> str:
    lines = [
        f"dataset version {v.id}: {v.name}",
        f"  status:        {v.status}" + (f" (retired {v.retired_at})" if v.retired_at else ""),
        f"  source file:   {v.source_file} (sha256 {v.sha256[:16]}…)",
        f"  format:        {v.format}",
        f"  uploaded:      {v.created_at} by {v.uploaded_by}",
        f"  counts:        {v.n_conversations} conversations, {v.n_turns} turns, {v.n_qa_pairs} QA pairs,"
        f" {v.n_utterances} labelled utterances",
        f"  PII masked:    {'yes' if v.pii_masked else 'no'}",
        f"  warnings:      {len(v.warnings)}",
    ]
    lines += [f"    {w}" for w in v.warnings[:20]]
    if len(v.warnings) > 20:
        lines.append(f"    … and {len(v.warnings) - 20} more")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
