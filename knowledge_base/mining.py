"""Mine question/answer pairs from conversations.

Rules, in order:
1. Courtesy-only turns ("Hi!", "thanks, bye", "You're welcome, have a great day") and empty turns are dropped.
2. Consecutive turns of one speaker are merged into one message (their texts joined by a newline).
3. Each customer message followed by an agent reply yields a pair. When the agent's reply is a short
   question asking for details ("Could you give me your order number?") and the customer answers briefly
   ("NW-483920"), the pair is (original question, the agent's next substantive reply): the exchange in
   between was slot filling, not a new question.
4. A pair's intent is the customer turn's own label, else the conversation's label.
5. Duplicates are merged with a count: exact duplicates, and near-duplicates, meaning the same words once
   case, punctuation and digits are ignored ("Where is order NW-1?" and "where is order nw-22").
   The first text seen is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from knowledge_base.types import Conversation, LabelledUtterance, QAPair, Role, Turn

_COURTESY = re.compile(
    r"\b(?:thanks? (?:you )?for (?:contacting|choosing|reaching out to) \w+|what can i do for you(?: today)?|"
    r"hi|hello|hey|hiya|howdy|greetings|good (?:morning|afternoon|evening|day)|dear \w+|"
    r"thanks?(?: you)?(?: (?:so|very) much| a lot| again)?|thx|ty|cheers|much appreciated|"
    r"many thanks|appreciate it|bye|goodbye|bye bye|see you|take care|talk soon|"
    r"ok(?:ay)?|great|perfect|cool|awesome|brilliant|lovely|alright|all good|got it|"
    r"you(?:'re| are) (?:very )?welcome|no problem|no worries|my pleasure|"
    r"have a (?:nice|great|good|lovely|wonderful) (?:day|evening|weekend|one)|"
    r"(?:is there )?anything else(?: i can (?:help|do)(?: you)?(?: with)?)?(?: today)?|"
    r"that(?:'s| is|s) (?:all|it|everything)(?: for (?:now|today))?|"
    r"happy to help|glad (?:i|we) could help|there|again|everyone|team|all|folks|"
    r"for (?:your|the|all your) help|that helps|that(?:'s| is| has|s)? (?:sorted|solved|fixed)(?: it)?|"
    r"that(?:'s| is| was|s) (?:great|perfect|helpful|brilliant|fine|good|clear|lovely|useful)|"
    r"(?:is )?any(?:one|body) (?:there|around|here)|you(?:'re| are) (?:chatting|speaking) with \w+|"
    r"how (?:can|may) i (?:help|assist)(?: you)?(?: today)?)\b"
)
_WORD = re.compile(r"[^\W_]+")
_SHORT_REPLY_WORDS = 8


def is_courtesy(text: str) -> bool:
    """True when the text has no content beyond greetings, thanks and sign-offs."""
    rest = _COURTESY.sub(" ", text.lower().replace("’", "'"))
    return not _WORD.search(rest)


def _clean(turns: Iterable[Turn]) -> list[Turn]:
    merged: list[Turn] = []
    for turn in turns:
        if not turn.text.strip() or is_courtesy(turn.text):
            continue
        if merged and merged[-1].role == turn.role:
            last = merged[-1]
            merged[-1] = replace(last, text=f"{last.text}\n{turn.text}", intent=last.intent or turn.intent)
        else:
            merged.append(turn)
    return merged


def _asks_for_details(turn: Turn) -> bool:
    """A short agent message with a question in it ("Which order is this about? It starts with NW.")."""
    return "?" in turn.text and len(turn.text.split()) <= 40


def _is_brief(turn: Turn) -> bool:
    """A short customer message, or a slightly longer one carrying an id, number or email."""
    words = len(turn.text.split())
    return words <= _SHORT_REPLY_WORDS or (words <= 15 and bool(re.search(r"\d|@|\[EMAIL\]|\[PHONE\]", turn.text)))


def _exchanges(conversation: Conversation) -> list[tuple[Turn, Turn | None]]:
    """(customer question, agent answer or None) in order; brief slot-filling replies are folded in."""
    exchanges: list[tuple[Turn, Turn | None]] = []
    question: Turn | None = None
    pending: Turn | None = None  # the agent's request for details, waiting for the customer's brief answer
    for turn in _clean(conversation.turns):
        if turn.role == Role.CUSTOMER:
            if pending is not None and _is_brief(turn):
                continue  # the customer supplies the details; the question stays open
            if question is not None:
                exchanges.append((question, pending))
            question, pending = turn, None
        elif question is not None:
            if _asks_for_details(turn):
                pending = turn
                continue
            exchanges.append((question, turn))
            question, pending = None, None
    if question is not None:
        exchanges.append((question, pending))
    return exchanges


def mine_conversation(conversation: Conversation) -> list[QAPair]:
    """The QA pairs of one conversation, before de-duplication."""
    return [
        QAPair(
            question=question.text,
            answer=answer.text,
            intent=question.intent or conversation.intent,
            conversation_id=conversation.id,
        )
        for question, answer in _exchanges(conversation)
        if answer is not None
    ]


def labelled_customer_turns(conversation: Conversation) -> list[LabelledUtterance]:
    """Customer questions with an intent (their own or the conversation's), for intent training.

    Only questions the agent answered count: courtesy turns, brief replies to an agent's request for details
    and a closing remark nobody answered are not requests.
    """
    return [
        LabelledUtterance(text=question.text, intent=label, conversation_id=conversation.id)
        for question, answer in _exchanges(conversation)
        if answer is not None and (label := question.intent or conversation.intent)
    ]


def near_duplicate_key(text: str) -> str:
    return " ".join(_WORD.findall(re.sub(r"\d+", "0", text.lower())))


def deduplicate(pairs: Iterable[QAPair]) -> list[QAPair]:
    """Merge exact and near-duplicate pairs, adding up their counts; order of first appearance."""
    merged: dict[tuple[str, str], QAPair] = {}
    for pair in pairs:
        key = (near_duplicate_key(pair.question), near_duplicate_key(pair.answer))
        seen = merged.get(key)
        if seen is None:
            merged[key] = pair
        else:
            merged[key] = replace(seen, count=seen.count + pair.count, intent=seen.intent or pair.intent)
    return list(merged.values())


def mine(conversations: Iterable[Conversation]) -> list[QAPair]:
    """All QA pairs of the conversations, de-duplicated."""
    return deduplicate(pair for conversation in conversations for pair in mine_conversation(conversation))
