"""Serving benchmark: `python -m chatbot.benchmark [--data-dir DIR] [--requests N] [--skip-index]`.

Starts the real server (`launch.py`) on a data directory (the demo company is imported if it is empty),
then measures, in the same run:
- the floor: one bare forward pass of the base encoder on a one-sentence batch (tokenised beforehand);
- `/api/chat` latency at concurrency 1 (p50/p95/p99) and throughput at concurrency 8 and 32 (turns/s,
  errors, p95), with keep-alive HTTP clients sending demo-style questions;
- FAISS search over a synthetic 1,000,000-pair index built the way the product builds large indexes
  (IVF above 50k vectors, nprobe tuned at build time): p95 search time and recall@10 against exact search.

It prints a table and writes `benchmarks/results/serving.json`. The client runs on the same machine as the
server, so on a 2-core box the two compete for the CPU: the figures are a floor on what a separate client
would see.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "where is my parcel?",
    "my order NW-483920 still hasn't arrived",
    "how do I reset my password",
    "can I get a refund for a broken kettle",
    "what are your opening hours on sunday",
    "I want to cancel my order",
    "do you ship to Ireland?",
    "my card payment failed twice",
    "how do I change my delivery address",
    "I'd like to speak to a real person",
    "does my plan include roaming in Spain",
    "can I have a copy of my invoice",
    "what is the meaning of life",
    "my discount code doesn't work",
    "how do I activate my new sim",
]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def measure_floor(base_model: str, repeats: int = 200) -> float:
    """Median milliseconds of one bare forward pass of the base encoder on a one-sentence batch."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from training.base_model import locate_base_model

    path = str(locate_base_model(base_model))
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True).eval()
    batch = tokenizer(["where is my parcel?"], return_tensors="pt")
    times = []
    with torch.inference_mode():
        for i in range(repeats + 20):
            start = time.perf_counter()
            model(**batch)
            if i >= 20:
                times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, port: int) -> subprocess.Popen[str]:
    import httpx

    process = subprocess.Popen(
        [sys.executable, str(REPO / "launch.py"), "--data-dir", str(data_dir), "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out = process.stdout.read() if process.stdout else ""
            raise SystemExit(f"the server exited before answering:\n{out}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit("the server did not answer /api/health within 300 s")


def run_load(url: str, *, concurrency: int, requests: int) -> dict[str, float]:
    """`requests` chat turns spread over `concurrency` threads, each with its own keep-alive client."""
    import httpx

    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_thread = max(1, requests // concurrency)

    def worker(offset: int) -> None:
        nonlocal errors
        with httpx.Client(base_url=url, timeout=30) as client:
            session: str | None = None
            for i in range(per_thread):
                body: dict[str, Any] = {"message": QUESTIONS[(offset + i) % len(QUESTIONS)]}
                if session is not None and i % 5:
                    body["session_id"] = session
                start = time.perf_counter()
                try:
                    response = client.post("/api/chat", json=body)
                    ok = response.status_code == 200
                    if ok:
                        session = response.json()["session_id"]
                except httpx.HTTPError:
                    ok = False
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    latencies.append(elapsed)
                    errors += 0 if ok else 1

    threads = [threading.Thread(target=worker, args=(n * 7,)) for n in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {
        "turns_per_s": len(latencies) / wall,
        "errors": errors,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
        "requests": len(latencies),
    }


def bench_index(n: int = 1_000_000, dimension: int = 384, queries: int = 500, seed: int = 0) -> dict[str, Any]:
    """A synthetic clustered corpus (sentence embeddings cluster by topic), built like the product builds it."""
    import faiss

    from knowledge_base.index import QAIndex, recall_at_k

    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(2000, dimension)).astype(np.float32)
    vectors = centres[rng.integers(0, len(centres), size=n)] + rng.normal(scale=0.6, size=(n, dimension)).astype(
        np.float32
    )
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    started = time.perf_counter()
    index = QAIndex.build(vectors, np.arange(n), encoder="synthetic", dataset_ids=[], seed=seed)
    build_s = time.perf_counter() - started
    picks = rng.choice(n, size=queries, replace=False)
    query = vectors[picks] + rng.normal(scale=0.05, size=(queries, dimension)).astype(np.float32)
    query /= np.linalg.norm(query, axis=1, keepdims=True)
    exact = faiss.IndexFlatIP(dimension)
    exact.add(vectors)
    _, truth = exact.search(query, 10)
    times, found = [], []
    for row in query:
        start = time.perf_counter()
        hits = index.search(row[None, :], 10)[0]
        times.append((time.perf_counter() - start) * 1000)
        found.append([qa_id for qa_id, _ in hits])
    return {
        "index_type": index.manifest.index_type,
        "nprobe": index.manifest.nprobe,
        "vectors": n,
        "build_s": build_s,
        "p50_ms": percentile(times, 50),
        "p95_ms": percentile(times, 95),
        "recall_at_10": recall_at_k(np.asarray(found), truth),
    }


def prepare_data_dir(data_dir: Path) -> None:
    """Import the demo company (and its templates) into an empty data directory."""
    from chatbot.config import Settings
    from chatbot.demo import ensure_demo

    ensure_demo(Settings(data_dir=data_dir))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chatbot.benchmark", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, help="served data directory (default: a temporary demo one)")
    parser.add_argument("--requests", type=int, default=400, help="chat turns per concurrency level (default 400)")
    parser.add_argument("--skip-index", action="store_true", help="skip the 1,000,000-vector index benchmark")
    parser.add_argument("--output", type=Path, default=REPO / "benchmarks" / "results" / "serving.json")
    args = parser.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="chatbot-bench-")) / "var"
    prepare_data_dir(data_dir)
    floor = measure_floor("all-MiniLM-L6-v2")
    port = _free_port()
    server = start_server(data_dir, port)
    url = f"http://127.0.0.1:{port}"
    try:
        import httpx

        version = httpx.get(f"{url}/api/health").json()["model_version"]
        run_load(url, concurrency=1, requests=30)  # warm-up
        c1 = run_load(url, concurrency=1, requests=args.requests // 2)
        c8 = run_load(url, concurrency=8, requests=args.requests)
        c32 = run_load(url, concurrency=32, requests=args.requests)
    finally:
        server.terminate()
        server.wait(timeout=30)
    result: dict[str, Any] = {
        "device": f"cpu ({os.cpu_count()} cores, {platform.processor() or platform.machine()})",
        "model_version": version,
        "floor_ms": floor,
        "c1": {k: c1[k] for k in ("p50_ms", "p95_ms", "p99_ms", "requests", "errors")},
        "c8": {k: c8[k] for k in ("turns_per_s", "errors", "p95_ms", "requests")},
        "c32": {k: c32[k] for k in ("turns_per_s", "errors", "p95_ms", "requests")},
    }
    if not args.skip_index:
        result["index_1m"] = bench_index()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(format_table(result))
    print(f"\nwritten to {args.output}")
    return 0


def format_table(result: dict[str, Any]) -> str:
    floor = result["floor_ms"]
    rows = [
        ("floor: bare forward pass, 1 sentence", f"{floor:.1f} ms", ""),
        (
            "c1 p50 / p95 / p99",
            f"{result['c1']['p50_ms']:.1f} / {result['c1']['p95_ms']:.1f} / {result['c1']['p99_ms']:.1f} ms",
            f"target p50 <= {2 * floor:.1f} ms, p95 < 50 ms",
        ),
        (
            "c8 throughput",
            f"{result['c8']['turns_per_s']:.0f} turns/s, {result['c8']['errors']} errors",
            "target >= 100 turns/s",
        ),
        ("c32 throughput", f"{result['c32']['turns_per_s']:.0f} turns/s, {result['c32']['errors']} errors", ""),
    ]
    if "index_1m" in result:
        ix = result["index_1m"]
        rows.append(
            (
                f"1M index ({ix['index_type']}, nprobe {ix['nprobe']})",
                f"p95 {ix['p95_ms']:.2f} ms, recall@10 {ix['recall_at_10']:.3f}",
                "target p95 < 10 ms, recall >= 0.95",
            )
        )
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    lines = [f"serving benchmark on {result['device']}, model {result['model_version']}"]
    lines += [f"  {a.ljust(width)}  {b.ljust(value_width)}  {c}" for a, b, c in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
