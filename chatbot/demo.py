"""The bundled demo company: imported into an empty data directory by `chatbot serve --demo` (`make run`)."""

from __future__ import annotations

import shutil

from chatbot.config import Settings
from knowledge_base.types import DatasetVersion


def ensure_demo(settings: Settings) -> DatasetVersion | None:
    """Copy the demo templates and import the demo conversations unless the knowledge base has data.

    Returns the new dataset version, or None when there was already data.
    """
    from knowledge_base.demo import CONVERSATIONS, TEMPLATES
    from knowledge_base.ingest import IngestOptions, ingest_file
    from knowledge_base.store import KnowledgeBase

    templates = settings.data_dir / "templates.toml"
    if settings.templates_file is None and not templates.exists():
        templates.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TEMPLATES, templates)
    with KnowledgeBase(settings.db_path) as kb:
        if kb.datasets():
            return None
        options = IngestOptions(mask_pii=settings.mask_pii, uploaded_by="demo", name="demo company")
        return ingest_file(kb, CONVERSATIONS, options).dataset
