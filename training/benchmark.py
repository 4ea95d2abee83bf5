"""Benchmark the chatbot's models against baselines on a public dataset; print a table, write a JSON file.

    python -m training.benchmark --dataset banking77|clinc150|bitext|stackfaq [--limit-per-class K]
        [--datasets-dir PATH] [--device auto|cpu|cuda] [--systems chatbot,tfidf_lr,...] [--epochs N]
        [--max-steps N] [--seed N] [--index-text all|question|answer|question+answer] [--output-dir DIR]

Results go to `<output-dir>/<dataset>.json` (K-shot: `<dataset>_<K>shot.json`). Protocols: `benchmarks/README.md`;
the code is in `training/bench/`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from training.bench.datasets import DATASETS, default_datasets_dir, load_benchmark
from training.bench.report import build_result, format_table, write_result
from training.bench.runner import (
    INDEX_TEXTS,
    BenchConfig,
    applicable_systems,
    check_systems,
    default_systems,
    run_benchmark,
)

DEFAULT_INDEX_TEXTS = {"stackfaq": tuple(INDEX_TEXTS)}  # others: the question, as the served index does


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m training.benchmark", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", required=True, choices=DATASETS)
    parser.add_argument("--limit-per-class", type=_positive, metavar="K", help="K-shot: K train examples per class")
    parser.add_argument(
        "--datasets-dir", type=Path, default=None, help="default: $CHATBOT_DATASETS_DIR or ../shared/datasets"
    )
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument(
        "--systems", default=None, help="comma-separated; default: all that apply (setfit: K-shot only)"
    )
    parser.add_argument(
        "--epochs",
        type=_positive,
        default=None,
        help="epochs of every trained model (default: project defaults; setfit 1)",
    )
    parser.add_argument(
        "--max-steps", type=_positive, default=None, help="cap on optimiser steps per model (smoke runs)"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--index-text",
        choices=("all", *INDEX_TEXTS),
        default=None,
        help="what retrieval indexes hold; 'all' reports each as NAME[q]/[a]/[q+a] and NAME = the best on"
        " validation (default: all for stackfaq, question otherwise)",
    )
    parser.add_argument("--base-model", default="all-MiniLM-L6-v2")
    parser.add_argument("--output-dir", type=Path, default=Path("benchmarks/results"))
    parser.add_argument(
        "--fail-fast", action="store_true", help="stop at a failing system instead of recording its error"
    )
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


class TqdmProgress:
    """Progress events of the runner and trainers as two tqdm bars: systems, and steps of the current model."""

    def __init__(self) -> None:
        from tqdm.auto import tqdm

        self._tqdm = tqdm
        self.systems: Any = None
        self.steps: Any = None

    def __call__(self, event: dict[str, Any]) -> None:
        if event.get("stage") == "system":
            self._close_steps()
            if self.systems is None:
                self.systems = self._tqdm(total=event["total"], desc="systems", unit="system", position=0)
            self.systems.n = event["step"]
            self.systems.set_postfix_str(str(event["system"]))
            if event.get("done"):
                self.close()
            return
        total = int(event.get("total") or 0)
        if self.steps is None and total:
            self.steps = self._tqdm(total=total, desc=str(event.get("stage")), unit="step", position=1, leave=False)
        if self.steps is not None:
            self.steps.n = int(event.get("step") or 0)
            if event.get("loss") is not None:
                self.steps.set_postfix(loss=f"{event['loss']:.4f}")
            self.steps.refresh()
            if event.get("done"):
                self._close_steps()

    def _close_steps(self) -> None:
        if self.steps is not None:
            self.steps.close()
            self.steps = None

    def close(self) -> None:
        self._close_steps()
        if self.systems is not None:
            self.systems.close()
            self.systems = None


def _training_arguments(options: argparse.Namespace) -> Any:
    from training.training_args import TrainingArguments

    epochs = {"intent_epochs": options.epochs, "retriever_epochs": options.epochs} if options.epochs else {}
    return TrainingArguments(seed=options.seed, device=options.device, max_steps=options.max_steps, **epochs)


def _settings(options: argparse.Namespace, systems: Sequence[str]) -> dict[str, Any]:
    return {
        "dataset": options.dataset,
        "limit_per_class": options.limit_per_class,
        "systems": list(systems),
        "epochs": options.epochs,
        "max_steps": options.max_steps,
        "seed": options.seed,
        "device": options.device,
        "base_model": options.base_model,
    }


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    parser = build_parser()
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # some libraries (bm25s) set their own loggers to DEBUG
        handler.setLevel(logging.WARNING)
    from training.base_model import locate_base_model
    from training.device import resolve_hardware

    datasets_dir = options.datasets_dir or default_datasets_dir()
    try:
        bench = load_benchmark(
            options.dataset, datasets_dir, seed=options.seed, limit_per_class=options.limit_per_class
        )
        names = options.systems.split(",") if options.systems else None
        few_shot = bool(options.limit_per_class)
        systems = (
            check_systems([n.strip() for n in names if n.strip()], bench)
            if names
            else default_systems(bench, few_shot=few_shot)
        )
        args = _training_arguments(options)
    except (ValueError, FileNotFoundError) as error:
        parser.error(str(error))
    if not systems:
        parser.error(f"no systems chosen; {options.dataset} has {', '.join(applicable_systems(bench))}")
    chosen_index = options.index_text or ("all" if options.dataset in DEFAULT_INDEX_TEXTS else "question")
    index_texts = tuple(INDEX_TEXTS) if chosen_index == "all" else (chosen_index,)
    hardware = resolve_hardware(options.device)
    with tempfile.TemporaryDirectory(prefix="chatbot-bench-") as work:
        config = BenchConfig(
            systems=systems,
            base_model=options.base_model,
            base_path=locate_base_model(options.base_model),
            args=args,
            hardware=hardware,
            work_dir=Path(work),
            index_texts=index_texts,
            setfit_epochs=options.epochs or 1,
            fail_fast=options.fail_fast,
        )
        progress = TqdmProgress()
        try:
            outcome = run_benchmark(bench, config, progress)
        finally:
            progress.close()
    settings = _settings(options, systems) | {"training_arguments": args.to_dict()} | outcome.details
    if bench.retrieval is not None:
        settings["index_text"] = list(index_texts)
    result = build_result(
        dataset=bench.name, split=bench.split, device=hardware.name, systems=outcome.systems, settings=settings
    )
    path = write_result(result, options.output_dir, limit_per_class=options.limit_per_class)
    print(f"{bench.name}: {bench.split}\ndevice: {hardware.name}\n")
    print(format_table(result["systems"]))
    for system, kind in outcome.details.get("index_text_selected_on_validation_mrr", {}).items():
        print(f"{system} = {system}[{INDEX_TEXTS[kind]}] (best validation MRR)")
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
