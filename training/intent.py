"""The intent classifier: the base encoder's body, mean pooling, L2 normalisation and a linear head.

Why this shape (see `benchmarks/README.md`): the packaged encoder was trained for mean pooling, so a head on
its [CLS] pooler (what `AutoModelForSequenceClassification` gives) starts far from useful and ends below a
frozen-embedding baseline. We first fit the head on frozen embeddings (a linear probe), then fine-tune body
and head together with the HF `Trainer` ("LP-FT"), so training starts from the strong frozen baseline.

Saved layout (`save`): `config.json` + `model.safetensors` + tokenizer files of the body (HF
`save_pretrained`), `head.safetensors`, and `intent.json` (labels, temperature, threshold, max length).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from training.device import Hardware, common_trainer_arguments
from training.lexical import LEXICAL_FILE, LexicalModel
from training.training_args import TrainingArguments

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

CONFIG_FILE = "intent.json"
HEAD_FILE = "head.safetensors"

ProgressFn = Callable[[dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class IntentConfig:
    labels: tuple[str, ...]
    max_length: int
    temperature: float = 1.0
    threshold: float = 0.0
    oos_label: str | None = None  # set when the labels include an explicit out-of-scope class
    lexical_weight: float = 0.0  # weight of the lexical model's log-probabilities in the logits (0: unused)


def _module_class() -> type:
    from torch import nn

    class MeanPoolClassifier(nn.Module):
        """Body → mean pooling over real tokens → L2 normalisation → dropout → linear head."""

        def __init__(self, body: PreTrainedModel, num_labels: int, *, dropout: float = 0.1, smoothing: float = 0.0):
            super().__init__()
            self.body = body
            self.dropout = nn.Dropout(dropout)
            self.head = nn.Linear(body.config.hidden_size, num_labels)
            self.smoothing = smoothing

        def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, **extra: torch.Tensor) -> torch.Tensor:
            token_type_ids = extra.get("token_type_ids")
            out = self.body(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            mask = attention_mask.unsqueeze(-1).to(out.last_hidden_state.dtype)
            pooled = (out.last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return nn.functional.normalize(pooled.float(), dim=-1)

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            labels: torch.Tensor | None = None,
            **extra: torch.Tensor,
        ) -> dict[str, torch.Tensor]:
            logits = self.head(self.dropout(self.embed(input_ids, attention_mask, **extra)))
            result = {"logits": logits}
            if labels is not None:
                result["loss"] = nn.functional.cross_entropy(logits, labels, label_smoothing=self.smoothing)
            return result

    return MeanPoolClassifier


class IntentClassifier:
    """A trained classifier: raw logits, calibrated probabilities, save and load."""

    def __init__(
        self,
        module: Any,
        tokenizer: PreTrainedTokenizerBase,
        config: IntentConfig,
        device: str = "cpu",
        lexical: LexicalModel | None = None,
    ):
        self.module = module
        self.tokenizer = tokenizer
        self.config = config
        self.device = device
        self.lexical = lexical

    @property
    def labels(self) -> tuple[str, ...]:
        return self.config.labels

    def with_calibration(self, *, temperature: float, threshold: float) -> IntentClassifier:
        config = IntentConfig(**{**asdict(self.config), "temperature": temperature, "threshold": threshold})
        return IntentClassifier(self.module, self.tokenizer, config, self.device, self.lexical)

    def with_lexical(self, lexical: LexicalModel | None, weight: float) -> IntentClassifier:
        """Combine with a lexical model: logits + weight * its log-probabilities (weight 0 drops it)."""
        config = IntentConfig(**{**asdict(self.config), "lexical_weight": weight if lexical else 0.0})
        return IntentClassifier(self.module, self.tokenizer, config, self.device, lexical if weight else None)

    def logits(self, texts: Sequence[str], *, batch_size: int = 128) -> np.ndarray:
        """Uncalibrated logits, shape (len(texts), len(labels))."""
        return self.embed_and_logits(texts, batch_size=batch_size)[1]

    def embed_and_logits(self, texts: Sequence[str], *, batch_size: int = 128) -> tuple[np.ndarray, np.ndarray]:
        """One forward pass: the normalised sentence embeddings (which retrieval can share) and the logits.

        Batches are sorted by length, so padding is short.
        """
        import torch

        self.module.eval()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        dimension = self.module.head.in_features
        embeddings = np.zeros((len(texts), dimension), dtype=np.float32)
        logits = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                chunk = order[start : start + batch_size]
                batch = self.tokenizer(
                    [texts[i] for i in chunk],
                    padding=True,
                    truncation=True,
                    max_length=self.config.max_length,
                    return_tensors="pt",
                ).to(self.device)
                pooled = self.module.embed(**batch)
                embeddings[chunk] = pooled.float().cpu().numpy()
                logits[chunk] = self.module.head(pooled).float().cpu().numpy()
        if self.lexical is not None and self.config.lexical_weight:
            logits += self.config.lexical_weight * self.lexical.log_probabilities(list(texts))
        return embeddings, logits

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return softmax(self.logits(texts) / self.config.temperature)

    def save(self, directory: Path) -> None:
        from safetensors.torch import save_file

        directory.mkdir(parents=True, exist_ok=True)
        self.module.body.save_pretrained(directory)
        self.tokenizer.save_pretrained(directory)
        head = {k: v.detach().cpu().contiguous() for k, v in self.module.head.state_dict().items()}
        save_file(head, str(directory / HEAD_FILE))
        (directory / CONFIG_FILE).write_text(json.dumps(asdict(self.config), indent=2))
        if self.lexical is not None:
            self.lexical.save(directory)

    @classmethod
    def load(cls, directory: Path, *, device: str = "cpu") -> IntentClassifier:
        from safetensors.torch import load_file
        from transformers import AutoModel, AutoTokenizer

        from knowledge_base.errors import ModelNotFoundError

        for name in (CONFIG_FILE, HEAD_FILE, "config.json"):
            if not (directory / name).is_file():
                raise ModelNotFoundError(f"intent model at {directory} is incomplete: {name} is missing")
        raw = json.loads((directory / CONFIG_FILE).read_text())
        config = IntentConfig(**{**raw, "labels": tuple(raw["labels"])})
        body = AutoModel.from_pretrained(str(directory), local_files_only=True)
        module = _module_class()(body, len(config.labels))
        module.head.load_state_dict(load_file(str(directory / HEAD_FILE)))
        module.to(device).eval()
        tokenizer = AutoTokenizer.from_pretrained(str(directory), local_files_only=True)
        lexical = None
        if config.lexical_weight:
            if not (directory / LEXICAL_FILE).is_file():
                raise ModelNotFoundError(f"intent model at {directory} is incomplete: {LEXICAL_FILE} is missing")
            lexical = LexicalModel.load(directory)
        return cls(module, tokenizer, config, device, lexical)


class IntentBodyEncoder:
    """The intent classifier's body as a sentence encoder (`knowledge_base.index.Encoder`), so retrieval can
    share the classifier's forward pass."""

    def __init__(self, classifier: IntentClassifier, *, name: str) -> None:
        self.classifier = classifier
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return int(self.classifier.module.head.in_features)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.classifier.embed_and_logits(list(texts))[0]


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


class _Encoded:
    """A list-backed torch dataset of tokenised examples (the Trainer pads each batch)."""

    def __init__(self, encodings: dict[str, list[list[int]]], labels: Sequence[int]) -> None:
        self.encodings = encodings
        self.labels = list(labels)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict[str, Any]:
        item: dict[str, Any] = {key: values[i] for key, values in self.encodings.items()}
        item["labels"] = self.labels[i]
        return item


def _linear_probe(embeddings: torch.Tensor, targets: torch.Tensor, num_labels: int, *, l2: float = 1e-4) -> Any:
    """Multinomial logistic regression on frozen embeddings (full-batch L-BFGS); returns a Linear layer."""
    import torch
    from torch import nn

    head = nn.Linear(embeddings.shape[1], num_labels)
    nn.init.zeros_(head.weight)
    nn.init.zeros_(head.bias)
    optimiser = torch.optim.LBFGS(head.parameters(), lr=1.0, max_iter=200, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        loss = nn.functional.cross_entropy(head(embeddings), targets) + l2 * head.weight.pow(2).sum()
        loss.backward()
        return loss

    optimiser.step(closure)
    return head


def train_intent_classifier(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    label_names: Sequence[str],
    base_path: Path,
    args: TrainingArguments,
    hardware: Hardware,
    work_dir: Path,
    progress: ProgressFn | None = None,
    show_progress_bar: bool = False,
) -> IntentClassifier:
    """Linear probe on frozen embeddings, then full fine-tune with the HF Trainer."""
    import torch
    from transformers import AutoModel, AutoTokenizer, DataCollatorWithPadding, Trainer, get_linear_schedule_with_warmup
    from transformers import TrainingArguments as HFArguments

    from training.progress import TrainerProgress, quiet

    torch.manual_seed(args.seed)
    index = {name: i for i, name in enumerate(label_names)}
    targets = [index[label] for label in labels]
    tokenizer = AutoTokenizer.from_pretrained(str(base_path), local_files_only=True)
    body = AutoModel.from_pretrained(str(base_path), local_files_only=True)
    module = _module_class()(body, len(label_names), smoothing=args.label_smoothing)
    config = IntentConfig(
        labels=tuple(label_names),
        max_length=args.max_length,
        oos_label=args.oos_label if args.oos_label in index else None,
    )
    classifier = IntentClassifier(module.to(hardware.device), tokenizer, config, hardware.device)

    # 1. linear probe on frozen, normalised mean-pooled embeddings
    frozen = _embed(classifier, texts)
    probe = _linear_probe(frozen, torch.tensor(targets, device=frozen.device), len(label_names))
    module.head.load_state_dict(probe.state_dict())

    # 2. fine-tune body and head together
    encodings = tokenizer(list(texts), truncation=True, max_length=args.max_length)
    dataset = _Encoded({k: list(v) for k, v in encodings.items()}, targets)
    steps_per_epoch = math.ceil(len(dataset) / args.intent_batch_size)
    epochs = max(args.intent_epochs, math.ceil(args.min_steps / steps_per_epoch))
    total_steps = steps_per_epoch * epochs if args.max_steps is None else min(args.max_steps, steps_per_epoch * epochs)
    optimiser = torch.optim.AdamW(
        [
            {"params": module.body.parameters(), "lr": args.intent_learning_rate},
            {"params": module.head.parameters(), "lr": args.head_learning_rate},
        ],
        weight_decay=args.weight_decay,
    )
    schedule = get_linear_schedule_with_warmup(optimiser, int(total_steps * args.warmup_ratio), total_steps)
    hf_args = HFArguments(
        per_device_train_batch_size=args.intent_batch_size,
        num_train_epochs=epochs,
        dataloader_num_workers=0,
        remove_unused_columns=False,
        **common_trainer_arguments(
            work_dir=work_dir,
            total_steps=total_steps,
            seed=args.seed,
            hardware=hardware,
            show_progress_bar=show_progress_bar,
        ),
    )
    trainer = Trainer(
        model=module,
        args=hf_args,
        train_dataset=dataset,
        data_collator=DataCollatorWithPadding(tokenizer),
        optimizers=(optimiser, schedule),
        callbacks=[TrainerProgress("intent", progress)] if progress else [],
    )
    if not show_progress_bar:
        quiet(trainer)
    trainer.train()
    module.to(hardware.device).eval()
    return classifier


def _embed(classifier: IntentClassifier, texts: Sequence[str], batch_size: int = 128) -> torch.Tensor:
    import torch

    module, tokenizer = classifier.module, classifier.tokenizer
    module.eval()
    chunks = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(
                list(texts[start : start + batch_size]),
                padding=True,
                truncation=True,
                max_length=classifier.config.max_length,
                return_tensors="pt",
            ).to(classifier.device)
            chunks.append(module.embed(**batch).float())
    module.train()
    return torch.cat(chunks).clone()
