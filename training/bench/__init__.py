"""Benchmarks of the chatbot's models against simple baselines on public datasets (`python -m training.benchmark`).

- `datasets`: the public datasets, read from their original files into frozen train/validation/test tasks.
- `baselines`: TF-IDF + logistic regression, frozen embeddings + logistic regression, SetFit, BM25, dense search.
- `runner`: trains and scores every system of a benchmark on the same split.
- `report`: the results JSON (shape, versions, validation) and the printed table.

Protocols and the decisions behind them are in `benchmarks/README.md`.
"""
