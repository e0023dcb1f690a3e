"""Invitation templates: what they must say, which placeholders they may use, what they cost.

Rules, checked at preview and at launch:
- The text names the sender and says how to stop (markedsføringsloven § 10): it contains
  `{sender}` or the campaign's sender name, and the word STOP ("Skriv STOP for at afmelde").
- No link unless the campaign allows links: Danish operators filter SMS that carry them.
- Only the placeholders in `PLACEHOLDERS`, written plainly as `{name}`.

Encoding follows GSM 03.38 (the `gsm0338` codec): æ ø å Æ Ø Å é are GSM-7; emoji, curly
quotes and the en dash are not, and one such character sends the whole text as UCS-2. A GSM-7
text is one segment up to 160 septets, else 153 per segment (€ [ ] { } ^ ~ | \\ take two);
UCS-2 is 70 characters, else 67 per segment.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import gsm0338  # noqa: F401  (importing registers the "gsm03.38" codec)

CODEC = "gsm03.38"
LANGUAGE_NAMES = {"da": "Danish", "en": "English"}

# What a campaign's template may refer to; the dialogue engine fills these in.
PLACEHOLDERS: dict[str, str] = {
    "first_name": "the citizen's first name from the member list (empty when unknown)",
    "sender": "who writes: the campaign's sender, e.g. Roskilde Kommune",
    "phone": "the campaign's phone number for questions",
    "age_min": "the lower end of the age band, e.g. 40",
    "age_max": "the upper end of the age band, e.g. 60",
    "target_municipality": "the campaign's municipality, e.g. Roskilde",
    "telegram_bot": "the Telegram bot's name with @, e.g. @sundhed_roskilde_bot",
    "telegram_code": "the citizen's one-time code for the Telegram bot, e.g. K7M3Q9TX",
    "telegram_link": "a t.me link that opens the bot with the code (a link: allow links)",
}
TELEGRAM_PLACEHOLDERS = frozenset({"telegram_bot", "telegram_code", "telegram_link"})

STOP_WORD = re.compile(r"\bSTOP\b", re.IGNORECASE)
_TLDS = "dk|com|net|org|eu|info|nu|io|se|no|de|gov|ly|me|co"
LINK = re.compile(
    rf"(?:https?://|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:{_TLDS})\b(?:/\S*)?",
    re.IGNORECASE,
)

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True)
class Encoding:
    """How an SMS text goes over the air."""

    name: Literal["GSM-7", "UCS-2"]
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


class TemplateRefusedError(ValueError):
    """A template breaks a rule; every problem is listed."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _gsm_width(char: str) -> int | None:
    try:
        return len(char.encode(CODEC))
    except UnicodeEncodeError:
        return None


def _segments(widths: list[int], single: int, part: int) -> int:
    """Count segments; a character (escape pair, surrogate pair) is never split across two."""
    if sum(widths) <= single:
        return 1
    count, used = 1, 0
    for width in widths:
        if used + width > part:
            count, used = count + 1, 0
        used += width
    return count


def encode(text: str) -> Encoding:
    """Return the encoding, size and segment count of one SMS text."""
    gsm = [_gsm_width(char) for char in text]
    if all(width is not None for width in gsm):
        widths = [width for width in gsm if width is not None]
        return Encoding("GSM-7", sum(widths), _segments(widths, GSM_SINGLE, GSM_PART))
    widths = [2 if ord(char) > 0xFFFF else 1 for char in text]
    return Encoding("UCS-2", sum(widths), _segments(widths, UCS2_SINGLE, UCS2_PART))


def non_gsm_characters(text: str) -> list[str]:
    """Return the characters that force UCS-2, each once, in order of appearance."""
    return list(dict.fromkeys(char for char in text if _gsm_width(char) is None))


# What a coordinator is told, in the API's English and the console's Danish.
_SAY: dict[str, dict[str, str]] = {
    "empty": {"en": "is empty", "da": "er tom"},
    "braces": {
        "en": "has unbalanced braces ({error}); write a literal brace as {{{{ or }}}}",
        "da": "har krøllede parenteser, der ikke passer sammen ({error}); skriv en krøllet "
        "parentes som {{{{ eller }}}}",
    },
    "unknown": {
        "en": "uses the unknown placeholder {{{name}}}; allowed: {allowed}",
        "da": "bruger den ukendte pladsholder {{{name}}}; tilladt: {allowed}",
    },
    "format": {
        "en": "writes {{{name}}} with a format; write it plainly as {{{name}}}",
        "da": "skriver {{{name}}} med et format; skriv den blot som {{{name}}}",
    },
    "sender": {
        "en": "does not say who sends it: write {{sender}} or '{sender}' "
        "(markedsføringsloven § 10)",
        "da": "siger ikke, hvem der skriver: skriv {{sender}} eller '{sender}' "
        "(markedsføringsloven § 10)",
    },
    "stop": {
        "en": "does not say how to stop: include the word STOP, e.g. 'Skriv STOP for at "
        "afmelde' or 'Text STOP to unsubscribe' (markedsføringsloven § 10)",
        "da": "siger ikke, hvordan man framelder sig: skriv ordet STOP, fx 'Skriv STOP for at "
        "afmelde' (markedsføringsloven § 10)",
    },
    "link": {
        "en": "contains a link ({link}): Danish operators filter SMS with links; allow links "
        "on the campaign to send it anyway",
        "da": "indeholder et link ({link}): teleselskaberne filtrerer sms'er med links; tillad "
        "links på kampagnen for at sende den alligevel",
    },
    "no_bot": {
        "en": "uses {shown}, but this service has no Telegram bot: set "
        "RECRUITBOT_TELEGRAM_BOT_TOKEN and RECRUITBOT_TELEGRAM_BOT_USERNAME",
        "da": "bruger {shown}, men tjenesten har ingen Telegram-bot: sæt "
        "RECRUITBOT_TELEGRAM_BOT_TOKEN og RECRUITBOT_TELEGRAM_BOT_USERNAME",
    },
    "telegram_link": {
        "en": "uses {{telegram_link}}, which is a link: allow links on the campaign, or write "
        "{{telegram_bot}} and {{telegram_code}} instead",
        "da": "bruger {{telegram_link}}, som er et link: tillad links på kampagnen, eller skriv "
        "{{telegram_bot}} og {{telegram_code}} i stedet",
    },
}


def _say(key: str, lang: str, **values: object) -> str:
    return _SAY[key]["da" if lang == "da" else "en"].format(**values)


def placeholder_problems(text: str, *, lang: str = "en") -> list[str]:
    """Return what is wrong with the placeholders: unknown names, conversions, bad braces."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError as error:
        return [_say("braces", lang, error=error)]
    problems: list[str] = []
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            allowed = ", ".join(f"{{{known}}}" for known in PLACEHOLDERS)
            problems.append(_say("unknown", lang, name=name, allowed=allowed))
        elif spec or conversion:
            problems.append(_say("format", lang, name=name))
    return problems


def telegram_problems(
    text: str, *, telegram_bot: str, allow_links: bool, lang: str = "en"
) -> list[str]:
    """Return what is wrong with the template's Telegram placeholders, if it has any."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return []  # placeholder_problems reports the braces
    used = sorted(names & TELEGRAM_PLACEHOLDERS)
    problems: list[str] = []
    if used and not telegram_bot:
        problems.append(_say("no_bot", lang, shown=", ".join(f"{{{name}}}" for name in used)))
    if "telegram_link" in names and not allow_links:
        problems.append(_say("telegram_link", lang))
    return problems


def template_problems(
    text: str, *, sender: str, allow_links: bool, telegram_bot: str = "", lang: str = "en"
) -> list[str]:
    """Return every rule the template breaks, as sentences a coordinator can act on."""
    if not text.strip():
        return [_say("empty", lang)]
    problems = placeholder_problems(text, lang=lang)
    problems += telegram_problems(
        text, telegram_bot=telegram_bot, allow_links=allow_links, lang=lang
    )
    names_sender = "{sender}" in text or bool(
        sender.strip() and sender.casefold() in text.casefold()
    )
    if not names_sender:
        problems.append(_say("sender", lang, sender=sender))
    if not STOP_WORD.search(text):
        problems.append(_say("stop", lang))
    link = LINK.search(text)
    if link and not allow_links:
        problems.append(_say("link", lang, link=link.group(0).rstrip(".,;:!?)")))
    return problems


def check_templates(
    templates: Iterable[tuple[str, str | None]],
    *,
    sender: str,
    allow_links: bool,
    telegram_bot: str = "",
) -> None:
    """Raise TemplateRefusedError naming every problem of every template that is set."""
    problems: list[str] = []
    for lang, text in templates:
        if text is None:
            continue
        name = LANGUAGE_NAMES.get(lang, lang)
        found = template_problems(
            text, sender=sender, allow_links=allow_links, telegram_bot=telegram_bot
        )
        problems.extend(f"the {name} template {problem}" for problem in found)
    if problems:
        raise TemplateRefusedError(problems)
