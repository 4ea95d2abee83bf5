"""Speaker names seen in helpdesk exports, mapped to our two roles."""

from __future__ import annotations

from knowledge_base.types import Role

ROLE_SYNONYMS: dict[str, Role] = {
    **dict.fromkeys(["customer", "user", "client", "visitor", "caller", "guest", "human"], Role.CUSTOMER),
    **dict.fromkeys(
        ["agent", "assistant", "support", "wizard", "operator", "bot", "staff", "representative", "rep"],
        Role.AGENT,
    ),
}

ACCEPTED_ROLES = ", ".join(sorted(ROLE_SYNONYMS))


def parse_role(name: str) -> Role | None:
    """The role for a speaker name (case and surrounding space ignored), or None when unknown."""
    return ROLE_SYNONYMS.get(name.strip().lower())
