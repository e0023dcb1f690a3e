"""The dialogue's words: every citizen-facing text in Danish and English, and the keywords.

The default lives in `bot/flows/default.toml`. A coordinator's own file needs only what it
changes: its texts and keyword lists are laid over the default's. A file is checked when it is
loaded (every text in both languages, no unknown keys or placeholders), so a step never fails on
a bad text.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Any

from bot.types import Language

LANGUAGES: tuple[Language, ...] = ("da", "en")

TEXT_KEYS = frozenset(
    {
        "invitation",
        "invitation_reminder",
        "welcome",
        "consent",
        "ask_age",
        "ask_municipality",
        "ask_health",
        "ask_chronic",
        "slot_offer",
        "slot_offer_last",
        "wish_offer",
        "wish_offer_last",
        "wish_other",
        "wish_other_last",
        "wish_other_waitlist",
        "wish_other_waitlist_last",
        "no_more_slots",
        "no_slots",
        "no_slots_no_promise",
        "no_slots_move",
        "slot_taken",
        "staff_cancelled",
        "staff_moved",
        "confirmation",
        "booking_status",
        "reminder",
        "cancelled",
        "rebook_offer",
        "rebook_declined",
        "no_show_goodbye",
        "follow_up",
        "follow_up_thanks",
        "declined",
        "screened_out_age",
        "screened_out_municipality",
        "help",
        "help_no_phone",
        "opt_out",
        "opt_out_booked",
        "opt_in",
        "callback",
        "callback_no_promise",
        "callback_no_promise_no_phone",
        "no_slots_no_promise_no_phone",
        "clarify_no_slots_no_phone",
        "closed_info",
        "not_understood",
        "clarify_invited",
        "clarify_consent",
        "clarify_age",
        "clarify_municipality",
        "clarify_health",
        "clarify_chronic",
        "clarify_slot",
        "clarify_no_slots",
        "clarify_booked",
        "clarify_rebook",
        "waitlist_ask",
        "waitlist_joined",
        "waitlist_joined_wish",
        "waitlist_wish_noted",
        "waitlist_declined",
        "waitlist_offer",
        "waitlist_taken",
        "waitlist_waiting",
        "waitlist_left",
        "waitlist_expired",
        "clarify_waitlist",
        "clarify_stop",
        "answer_price",
        "answer_duration",
        "answer_where",
        "answer_where_place",
        "answer_where_places",
        "answer_duration_minutes",
        "answer_number_partner",
        "answer_sender",
        "answer_number",
        "answer_data",
        "or",
    }
)

# What a text may refer to; `bot.flows.common.values` fills every one of them.
PLACEHOLDERS = frozenset(
    {
        "sender",
        "first_name",
        "age_min",
        "age_max",
        "phone",
        "target_municipality",
        "slots",
        "choices",
        "when",
        "place",
        "minutes",
        "partner",
    }
)
_SAMPLE: dict[str, object] = dict.fromkeys(PLACEHOLDERS, "x") | {"age_min": 40, "age_max": 60}
# What a campaign's own invitation may refer to: the invitation's placeholders, nothing about times.
INVITATION_PLACEHOLDERS = frozenset(
    {"sender", "first_name", "age_min", "age_max", "phone", "target_municipality"}
    | {"telegram_bot", "telegram_code", "telegram_link"}
)
# The invitation placeholders that only work with a Telegram bot configured.
TELEGRAM_PLACEHOLDERS = frozenset({"telegram_bot", "telegram_code", "telegram_link"})


class FlowError(ValueError):
    """A flow file is incomplete or malformed."""


@dataclass(frozen=True)
class Keywords:
    """Words and phrases that carry a meaning in any step, in both languages."""

    yes: tuple[str, ...]
    no: tuple[str, ...]
    stop: tuple[str, ...]
    start: tuple[str, ...]
    help: tuple[str, ...]
    skip: tuple[str, ...]
    more: tuple[str, ...]
    cancel: tuple[str, ...]
    move: tuple[str, ...]
    callback: tuple[str, ...]
    none: tuple[str, ...]
    thanks: tuple[str, ...]
    english: tuple[str, ...]
    danish: tuple[str, ...]


@dataclass(frozen=True)
class Flow:
    """The texts and keywords of one dialogue."""

    keywords: Keywords
    texts: Mapping[str, Mapping[Language, str]]

    def text(self, key: str, lang: Language, values: Mapping[str, object]) -> str:
        """Fill in one text in one language."""
        return tidy(self.texts[key][lang].format_map(values))


def tidy(text: str) -> str:
    """Tidy a filled-in text: no space before punctuation, no double spaces, no edges."""
    # An empty placeholder ("Hej {first_name}!" without a name) must not leave "Hej !".
    text = re.sub(r"[ \t]+([,.!?:])", r"\1", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _placeholders(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as error:
        raise FlowError(f"bad braces in {template!r}: {error}") from error


def fill_template(
    template: str, values: Mapping[str, object], allowed: frozenset[str] = INVITATION_PLACEHOLDERS
) -> str | None:
    """Fill in a template written elsewhere (a campaign's invitation); None if it can't be.

    Only plain `{name}` placeholders from `allowed` are accepted, so "{first_name.upper}" or
    "{navn}" give None rather than odd text or an exception.
    """
    try:
        fields = list(string.Formatter().parse(template))
        if any(name is not None and name not in allowed for _, name, _, _ in fields):
            return None
        text = tidy(template.format_map(values))
    except (ValueError, KeyError, IndexError, AttributeError, TypeError):
        return None
    return text or None


def uses_telegram(template: str | None) -> bool:
    """Tell whether a campaign's template asks for the citizen's Telegram code, link or bot."""
    if not template:
        return False
    try:
        return bool(_placeholders(template) & TELEGRAM_PLACEHOLDERS)
    except FlowError:
        return False


def _check_text(key: str, lang: str, template: object) -> str:
    if not isinstance(template, str) or not template.strip():
        raise FlowError(f"text {key!r} has no {lang!r} version")
    unknown = _placeholders(template) - PLACEHOLDERS
    if unknown:
        raise FlowError(f"text {key!r} ({lang}) uses unknown placeholders {sorted(unknown)}")
    try:
        template.format_map(_SAMPLE)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError) as error:
        raise FlowError(f"text {key!r} ({lang}) cannot be filled in: {error}") from error
    return template


def _texts(raw: Mapping[str, Any]) -> dict[str, dict[Language, str]]:
    unknown = set(raw) - TEXT_KEYS
    missing = TEXT_KEYS - set(raw)
    if unknown or missing:
        raise FlowError(f"unknown texts {sorted(unknown)}, missing texts {sorted(missing)}")
    texts: dict[str, dict[Language, str]] = {}
    for key in sorted(TEXT_KEYS):
        versions = raw[key]
        if not isinstance(versions, Mapping):
            raise FlowError(f"text {key!r} must be a table with da and en")
        texts[key] = {lang: _check_text(key, lang, versions.get(lang)) for lang in LANGUAGES}
    return texts


def _keywords(raw: Mapping[str, Any]) -> Keywords:
    names = [f.name for f in fields(Keywords)]
    unknown = set(raw) - set(names)
    if unknown:
        raise FlowError(f"unknown keyword lists {sorted(unknown)}")
    lists: dict[str, tuple[str, ...]] = {}
    for name in names:
        words = raw.get(name)
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise FlowError(f"keyword list {name!r} must be a list of strings")
        lists[name] = tuple(words)
    return Keywords(**lists)


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Lay a coordinator's file over the default: texts per language, keyword lists whole."""
    unknown = set(override) - {"keywords", "texts"}
    if unknown:
        raise FlowError(f"unknown sections {sorted(unknown)}")
    texts = {key: dict(versions) for key, versions in base["texts"].items()}
    for key, versions in override.get("texts", {}).items():
        if not isinstance(versions, Mapping):
            raise FlowError(f"text {key!r} must be a table with da and/or en")
        texts.setdefault(key, {}).update(versions)
    keywords = {**base["keywords"], **override.get("keywords", {})}
    return {"keywords": keywords, "texts": texts}


def _build(raw: Mapping[str, Any]) -> Flow:
    return Flow(keywords=_keywords(raw.get("keywords", {})), texts=_texts(raw.get("texts", {})))


def _read_default() -> dict[str, Any]:
    source = resources.files("bot.flows").joinpath("default.toml").read_text(encoding="utf-8")
    return tomllib.loads(source)


def load_flow(path: str | PathLike[str] | None = None) -> Flow:
    """Load the default flow, or a coordinator's file laid over it."""
    default = _read_default()
    if path is None:
        return _build(default)
    try:
        override = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise FlowError(f"{path}: {error}") from error
    return _build(_merge(default, override))


DEFAULT_FLOW = load_flow()
