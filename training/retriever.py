"""The retrieval encoder: the base sentence-transformers bi-encoder fine-tuned with in-batch negatives.

Training pairs are (customer question, agent answer) and, where several questions share one answer (agents
reuse macros), (question, another question with that answer): the second teaches the encoder that different
phrasings of one request belong together, which is what question-to-question retrieval needs. The loss is
MultipleNegativesRankingLoss over both directions, with a batch sampler that never puts one text twice in a
batch (a duplicate would be a false negative).
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from training.data import RetrievalPair
from training.device import Hardware, common_trainer_arguments
from training.progress import ProgressFn, quiet
from training.training_args import TrainingArguments

MAX_PARAPHRASE_PAIRS_PER_ANSWER = 20


def training_pairs(pairs: Sequence[RetrievalPair], *, seed: int) -> list[tuple[str, str]]:
    """(anchor, positive) texts: question→answer, plus question→question for questions sharing an answer."""
    rng = random.Random(seed)
    out = [(p.question, p.answer) for p in pairs]
    by_answer: dict[str, list[str]] = defaultdict(list)
    for pair in pairs:
        by_answer[pair.answer_key].append(pair.question)
    for questions in by_answer.values():
        unique = sorted(set(questions))
        if len(unique) < 2:
            continue
        rng.shuffle(unique)
        for i in range(min(len(unique), MAX_PARAPHRASE_PAIRS_PER_ANSWER)):
            out.append((unique[i], unique[(i + 1) % len(unique)]))
    rng.shuffle(out)
    return out


def train_retriever(
    pairs: Sequence[RetrievalPair],
    *,
    base_path: Path,
    args: TrainingArguments,
    hardware: Hardware,
    work_dir: Path,
    progress: ProgressFn | None = None,
    show_progress_bar: bool = False,
):  # type: ignore[no-untyped-def]  # -> SentenceTransformer (heavy import kept local)
    """Fine-tune and return a SentenceTransformer."""
    import torch
    from datasets import Dataset
    from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from sentence_transformers.sentence_transformer.training_args import (
        BatchSamplers,
        SentenceTransformerTrainingArguments,
    )

    from training.progress import TrainerProgress

    torch.manual_seed(args.seed)
    model = SentenceTransformer(str(base_path), device=hardware.device, local_files_only=True)
    model.max_seq_length = min(model.max_seq_length or 256, 128)
    examples = training_pairs(pairs, seed=args.seed)
    dataset = Dataset.from_dict({"anchor": [a for a, _ in examples], "positive": [p for _, p in examples]})
    steps_per_epoch = max(1, len(examples) // args.retriever_batch_size)
    epochs = max(args.retriever_epochs, math.ceil(args.retriever_min_steps / steps_per_epoch))
    total = steps_per_epoch * epochs if args.max_steps is None else min(args.max_steps, steps_per_epoch * epochs)
    loss = MultipleNegativesRankingLoss(model, directions=("query_to_doc", "doc_to_query"))
    st_args = SentenceTransformerTrainingArguments(
        per_device_train_batch_size=min(args.retriever_batch_size, len(examples)),
        num_train_epochs=epochs,
        learning_rate=args.retriever_learning_rate,
        warmup_steps=int(total * args.warmup_ratio),
        weight_decay=args.weight_decay,
        batch_sampler=BatchSamplers.NO_DUPLICATES,
        dataloader_drop_last=len(examples) > args.retriever_batch_size,
        **common_trainer_arguments(
            work_dir=work_dir, total_steps=total, seed=args.seed, hardware=hardware, show_progress_bar=show_progress_bar
        ),
    )
    trainer = SentenceTransformerTrainer(
        model=model,
        args=st_args,
        train_dataset=dataset,
        loss=loss,
        callbacks=[TrainerProgress("retriever", progress)] if progress else [],
    )
    if not show_progress_bar:
        quiet(trainer)
    trainer.train()
    model.eval()
    return model
