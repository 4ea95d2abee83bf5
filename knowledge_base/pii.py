"""Mask personal data in stored text: emails, card numbers and phone numbers.

Masking happens at ingest (on by default, `mask_pii = false` in settings to keep text as is), so the
knowledge base, the models trained from it and the answers it gives hold no customer contact or card data.

- Emails become `[EMAIL]`.
- Card-like numbers (13-19 digits, optionally grouped by spaces or dashes) that pass the Luhn check become
  `[CARD]`.
- Phone numbers (7-15 digits, optional `+` country code, brackets, spaces, dots or dashes) become `[PHONE]`.
  Dates (2026-03-14, 14/03/2026), prices and short ids such as order numbers `NW-483920` are left alone.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
PHONE = re.compile(r"(?<![\w-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,5}(?:[ .-]?\d{2,5}){1,4}(?![\w-]|:\d)")
DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d{1,2}:\d{2}")

EMAIL_MASK = "[EMAIL]"
CARD_MASK = "[CARD]"
PHONE_MASK = "[PHONE]"


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return CARD_MASK if luhn_valid(digits) else match.group()


def _mask_phone(match: re.Match[str]) -> str:
    text = match.group()
    digits = re.sub(r"\D", "", text)
    if not 7 <= len(digits) <= 15 or DATE.fullmatch(text.strip()):
        return text
    # A plain run of digits with no separators and no '+' is more likely an id or an amount than a phone.
    if text.isdigit() and len(text) < 10:
        return text
    return PHONE_MASK


def mask_pii(text: str) -> str:
    """The text with emails, Luhn-valid card numbers and phone numbers replaced by placeholders."""
    text = EMAIL.sub(EMAIL_MASK, text)
    text = CARD.sub(_mask_card, text)
    return PHONE.sub(_mask_phone, text)
