"""Text from citizens, made safe for a terminal: no control or escape characters reach it.

A reply can hold ESC sequences (colours, a cleared screen, a forged prompt), C1 controls (U+009B
is CSI on many terminals), bidirectional overrides that reorder what is shown, or a newline that
fakes another row. Each such character is shown as its escape (`\\x1b`, `\\u202e`, `\\n`); Rich
markup in the text is shown as typed.
"""

from __future__ import annotations

import unicodedata

from rich.markup import escape


def _unsafe(char: str) -> bool:
    # Cc: C0 and C1 controls and DEL; Cf: format characters (bidi overrides, zero-width joiners).
    return unicodedata.category(char) in ("Cc", "Cf") or char in "\u2028\u2029"


def _escaped(char: str) -> str:
    code = ord(char)
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if char in named:
        return named[char]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """Return the text with every control, format or line-separator character escaped."""
    return "".join(_escaped(c) if _unsafe(c) else c for c in text)


def for_rich(text: str) -> str:
    """Return the text escaped for the terminal and for Rich markup."""
    return escape(printable(text))


def json_safe(dumped: str) -> str:
    """Escape, inside JSON that json.dumps wrote with ensure_ascii=False, what it left raw.

    json.dumps escapes C0 controls but leaves DEL, C1 controls and format characters as they
    are; outside strings JSON holds none of them, so escaping them anywhere stays valid JSON.
    """
    keep = "\n\r\t"  # JSON's own whitespace; inside strings json.dumps escaped them already
    return "".join(f"\\u{ord(c):04x}" if _unsafe(c) and c not in keep else c for c in dumped)
