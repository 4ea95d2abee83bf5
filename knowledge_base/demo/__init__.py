"""The bundled demo company: fictional support history written for this project (see README.md here)."""

from __future__ import annotations

from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent
CONVERSATIONS = DEMO_DIR / "conversations.jsonl"
TEMPLATES = DEMO_DIR / "templates.toml"
