"""The `chatbot` command. Errors become one clear line on stderr and a non-zero exit here, nowhere else."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from chatbot.config import Settings, load_settings
from knowledge_base.errors import ChatbotError
from knowledge_base.types import DatasetVersion

if TYPE_CHECKING:
    from training.registry import RunInfo

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

    train = commands.add_parser(
        "train",
        parents=[common],
        help="fine-tune the intent classifier and the retriever, evaluate, register and maybe promote",
        description="Train a new run from dataset versions (default: every active one): intent classifier and"
        " retrieval encoder, calibrated on validation and evaluated on a held-out test split against the promoted"
        " run. The run is promoted automatically when it is not worse (see --promote).",
    )
    train.add_argument(
        "--dataset",
        type=int,
        action="append",
        dest="datasets",
        metavar="ID",
        help="a dataset version to train on (repeat for several; default: all active)",
    )
    train.add_argument(
        "--device", choices=["auto", "cpu", "cuda"], default="auto", help="where to train (default auto)"
    )
    train.add_argument("--epochs", type=int, help="intent classifier epochs (default 5)")
    train.add_argument("--retriever-epochs", type=int, help="retrieval encoder epochs (default 1)")
    train.add_argument("--learning-rate", type=float, help="intent classifier body learning rate (default 6e-5)")
    train.add_argument("--batch-size", type=int, help="intent classifier batch size (default 32)")
    train.add_argument("--max-steps", type=int, help="cap on optimiser steps per model (for quick trial runs)")
    train.add_argument("--seed", type=int, help="random seed for splits and training (default 42)")
    train.add_argument("--no-intent", action="store_true", help="train only the retriever")
    train.add_argument("--no-retriever", action="store_true", help="train only the intent classifier")
    train.add_argument(
        "--promote",
        choices=["if_not_worse", "always", "never"],
        default="if_not_worse",
        help="promotion policy for the new run (default if_not_worse)",
    )
    train.set_defaults(handler=_train)

    models = commands.add_parser(
        "models",
        parents=[common],
        help="list, show, promote or roll back trained runs",
        description="Trained runs live under DATA_DIR/models/runs. The promoted run is the one the server uses.",
    )
    models.add_argument("action", nargs="?", choices=["list", "show", "promote", "rollback"], default="list")
    models.add_argument("run_id", nargs="?", help="run id (for show and promote)")
    models.add_argument("--reason", default="by hand", help="why, for the promotion history (default: by hand)")
    models.set_defaults(handler=_models)

    serve = commands.add_parser(
        "serve",
        parents=[common],
        help="serve the chat page and API",
        description="Serve the customer chat page (and /api/health) with the current models.",
    )
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 7860)")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="import the bundled demo company into an empty knowledge base and, while no model is trained,"
        " train one in the background",
    )
    serve.add_argument("--no-train", action="store_true", help="with --demo: do not train in the background")
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


def _train(args: argparse.Namespace, settings: Settings) -> int:
    from training.pipeline import train_run
    from training.training_args import TrainingArguments

    chosen = {
        "intent_epochs": args.epochs,
        "retriever_epochs": args.retriever_epochs,
        "intent_learning_rate": args.learning_rate,
        "intent_batch_size": args.batch_size,
        "max_steps": args.max_steps,
        "seed": args.seed,
    }
    training_args = TrainingArguments(
        **{k: v for k, v in chosen.items() if v is not None},
        device=args.device,
        promote=args.promote,
        train_intent=not args.no_intent,
        train_retriever=not args.no_retriever,
    )
    result = train_run(
        db_path=settings.db_path,
        models_dir=settings.models_dir,
        base_model=settings.base_model,
        args=training_args,
        dataset_ids=args.datasets,
        show_progress_bar=True,
    )
    print(format_run(result.run))
    print(("promoted: " if result.promoted else "not promoted: ") + result.decision)
    return 0


def _models(args: argparse.Namespace, settings: Settings) -> int:
    from training.registry import Registry

    registry = Registry(settings.models_dir)
    if args.action in ("show", "promote") and not args.run_id:
        print(f"error: `chatbot models {args.action}` needs a run id (see `chatbot models list`)", file=sys.stderr)
        return EXIT_USAGE
    if args.action == "list":
        current = registry.current()
        runs = registry.runs()
        if not runs:
            print("no trained runs yet; train one with `chatbot train`")
        for run in runs:
            mark = "*" if current is not None and run.id == current.id else " "
            value = "n/a" if run.primary_value is None else f"{run.primary_value:.4f}"
            print(f"{mark} {run.id}  {run.primary_metric} {value}  {','.join(run.components)}  {run.hardware}")
    elif args.action == "show":
        print(format_run(registry.get(args.run_id)))
    elif args.action == "promote":
        run = registry.promote(args.run_id, reason=args.reason)
        print(f"promoted {run.id}; a running server switches to it")
    else:
        run = registry.rollback(reason=args.reason)
        print(f"rolled back: {run.id} is the promoted run again")
    return 0


def format_run(run: RunInfo) -> str:
    value = "n/a" if run.primary_value is None else f"{run.primary_value:.4f}"
    lines = [
        f"run {run.id} ({', '.join(run.components)})",
        f"  created:   {run.created_at} on {run.hardware}",
        f"  primary:   {run.primary_metric} = {value}",
        f"  data:      dataset versions {run.data.get('dataset_ids')}",
        "  timings:   " + ", ".join(f"{k} {v:.1f} s" for k, v in run.timings.items()),
        f"  path:      {run.path}",
    ]
    lines += [f"  {k}: {v:.4f}" for k, v in sorted(run.metrics.items()) if isinstance(v, float)]
    return "\n".join(lines)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from chatbot.app import build_app
    from chatbot.serving import build_assistant, start_first_training

    if args.demo:
        _ensure_demo(settings)
    assistant = build_assistant(settings, progress=True, watch=True)
    job = start_first_training(settings) if args.demo and not args.no_train else None
    if job is not None:
        print("no trained model yet: training the demo models in the background (see /api/health)", flush=True)
    app = build_app(assistant, company=settings.company_name, job=job)
    print(f"serving on http://{settings.host}:{settings.port}/ (model {assistant.model_version})", flush=True)
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
    finally:
        assistant.close()
    return 0


def _ensure_demo(settings: Settings) -> None:
    from chatbot.demo import ensure_demo

    version = ensure_demo(settings)
    if version is not None:
        print(
            f"imported the demo company: {version.n_conversations} conversations, {version.n_qa_pairs} QA pairs",
            flush=True,
        )


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
