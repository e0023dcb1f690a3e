"""A CPR number a citizen writes is never stored; nor printed by a crash's traceback."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import unicodedata
from datetime import date
from pathlib import Path

import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlmodel import Session

from core.cpr import REDACTED, contains_cpr, parse_cpr, redact_cpr
from recruitbot.logs import configure_logging
from store.models import Message
from tests.booking.support import say
from tests.factories import make_world
from tests.privacy.support import CPR

CPR_SHAPED = re.compile(r"\d{6}-?\d{4}")


def valid_cprs(text: str) -> list[str]:
    """Every run of digits in the text that reads as a valid CPR number."""
    runs = re.findall(r"\d[\d -]*\d", text)
    return [m for run in runs for m in CPR_SHAPED.findall(run.replace(" ", "")) if parse_cpr(m)]


class TestRedactCpr:
    @pytest.mark.parametrize(
        "text",
        [
            f"Mit cpr er {CPR[:6]}-{CPR[6:]}",
            f"cpr {CPR}",
            f"{CPR[:6]} {CPR[6:]} tak",
            f"({CPR})",
        ],
    )
    def test_removes_a_cpr_number(self, text: str) -> None:
        redacted = redact_cpr(text)
        assert REDACTED in redacted
        assert CPR[:6] not in redacted

    @pytest.mark.parametrize(
        "text", ["Ring på +45 20 12 34 56", "4520123456", "kl. 10.30", "311399-1234", "12345678901"]
    )
    def test_leaves_other_numbers(self, text: str) -> None:
        assert redact_cpr(text) == text

    @given(st.text(alphabet=st.sampled_from("0123456789- ab"), max_size=60))
    def test_no_valid_cpr_survives(self, text: str) -> None:
        assert valid_cprs(redact_cpr(text)) == [] or CPR_SHAPED.search(text) is None

    @given(st.text(max_size=80))
    def test_text_without_a_cpr_is_untouched(self, text: str) -> None:
        # Only NFKC-normalised: full-width and compatibility forms read as their plain form.
        if not contains_cpr(text):
            assert redact_cpr(text) == unicodedata.normalize("NFKC", text)


# The separators a phone keyboard, a word processor or a careless hand may put between parts.
SEPARATORS = ["", " ", "  ", ".", "-", "/", " - ", ". ", ",", "\u2013", "\u2010", "\u2011",
              "\u2212", "\u2014", "\uff0d", "\u00a0", "\ufe63"]  # fmt: skip
FULL_WIDTH = str.maketrans(
    "0123456789", "\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19"
)
WORDS = st.text(alphabet=st.sampled_from("abc æøå:!?()+\n"), max_size=15)


@st.composite
def cpr_spellings(draw: st.DrawFn) -> str:
    """A valid CPR number (born in the 1900s, serial 0000-3999) in a random spelling."""
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)))
    serial = draw(st.integers(min_value=0, max_value=3999))
    parts = [f"{born.day:02}", f"{born.month:02}", f"{born.year % 100:02}", f"{serial:04}"]
    seps = [draw(st.sampled_from(SEPARATORS)) for _ in range(3)]
    spelled = parts[0] + seps[0] + parts[1] + seps[1] + parts[2] + seps[2] + parts[3]
    return spelled.translate(FULL_WIDTH) if draw(st.booleans()) else spelled


class TestSpellings:
    @pytest.mark.parametrize(
        "text",
        ["04 04 70 1237", "05.05.70-1238", "060670 - 1239", "111170/1244", "12-11-70-1245",
         "010170\u20131234", "010170\u20101234", "０１０１７０－１２３４", "010170\u22121234",
         "01.01.70 1234"],
    )  # fmt: skip
    def test_the_issues_spellings_are_redacted(self, text: str) -> None:
        redacted = redact_cpr(f"mit cpr: {text}!")
        assert redacted == f"mit cpr: {REDACTED}!"
        assert contains_cpr(text)

    @given(before=WORDS, spelled=cpr_spellings(), after=WORDS)
    def test_any_spelling_leaves_no_digit(self, before: str, spelled: str, after: str) -> None:
        redacted = redact_cpr(f"{before} {spelled} {after}")
        assert REDACTED in redacted
        assert not re.search(r"\d", redacted)

    @given(spelled=cpr_spellings(), count=st.integers(min_value=2, max_value=4))
    def test_several_in_one_text_are_all_redacted(self, spelled: str, count: int) -> None:
        redacted = redact_cpr(" og ".join([spelled] * count))
        assert redacted.count(REDACTED) == count

    @pytest.mark.parametrize(
        "text",
        ["2026-12-02", "1.2.2020 kl. 10.30", "+45 20 12 34 56", "20 12 34 56", "999999 9999"],
    )
    def test_dates_times_and_phones_stay(self, text: str) -> None:
        assert redact_cpr(text) == text


class TestReplies:
    def test_a_cpr_in_a_reply_is_not_stored(self, session: Session) -> None:
        make_world(session)
        say(session, "+4529870003", f"Hej, mit cpr-nummer er {CPR[:6]}-{CPR[6:]}")
        texts = session.scalars(select(Message.text)).all()
        assert texts and all(CPR[:6] not in t for t in texts)
        assert any(REDACTED in t for t in texts)

    @pytest.mark.parametrize("spelled", ["05.05.70-1238", "０６０６７０ – １２３９", "111170/1244"])
    def test_a_cpr_in_any_spelling_is_not_stored(self, session: Session, spelled: str) -> None:
        make_world(session)
        say(session, "+4529870003", f"Hej, mit cpr-nummer er {spelled}")
        texts = session.scalars(select(Message.text)).all()
        digits = re.sub(r"\D", "", redact_cpr(spelled) + spelled)
        assert texts and all(digits[:6] not in re.sub(r"\D", "", t) for t in texts)
        assert any(REDACTED in t for t in texts)


class TestLogs:
    def test_a_cpr_in_a_log_line_is_redacted(self) -> None:
        configure_logging()
        out = io.StringIO()
        real, sys.stderr = sys.stderr, out
        try:
            structlog.get_logger("test").warning("members.odd", note="05.05.70-1238")
        finally:
            sys.stderr = real
        assert "members.odd" in out.getvalue() and REDACTED in out.getvalue()
        assert "05.05.70" not in out.getvalue()


class TestTracebacks:
    def test_a_logged_exception_shows_no_local_variables(self) -> None:
        configure_logging(level="DEBUG")
        out = io.StringIO()
        real, sys.stderr = sys.stderr, out
        try:
            cpr_digits = CPR  # what a frame may hold while a member list is read
            try:
                raise ValueError("bad row")
            except ValueError:
                structlog.get_logger("test").exception("members.failed", rows=1)
        finally:
            sys.stderr = real
            configure_logging()
        printed = out.getvalue()
        assert "bad row" in printed and "Traceback" in printed
        assert cpr_digits not in printed

    def test_a_crashing_command_shows_no_local_variables(self, tmp_path: Path) -> None:
        members = tmp_path / "medlemmer.csv"
        members.write_text(f"Navn;Mobil;CPR\r\nAnne;20 12 34 56;{CPR}\r\n", encoding="utf-8")
        script = (
            "import sys\n"
            "from outreach.contacts import batch\n"
            "def broken(self, **kwargs): raise RuntimeError('disk full')\n"
            "batch.Batch.write = broken\n"
            "from recruitbot.cli import main\n"
            f"sys.argv = ['recruitbot', 'import', {str(members)!r}, '--partner', 'FOA', "
            "'--municipality', 'Roskilde']\n"
            "main()\n"
        )
        env = {"RECRUITBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'crash.db'}", "PATH": ""}
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode != 0 and "disk full" in done.stderr
        assert CPR not in done.stderr + done.stdout
        assert CPR[:6] not in done.stderr + done.stdout
