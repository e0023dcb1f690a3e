"""A CPR number a citizen writes is never stored; nor printed by a crash's traceback."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlmodel import Session

from outreach.contacts.fields import parse_cpr
from privacy.redaction import REDACTED, redact_cpr
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
        if not valid_cprs(text):
            assert redact_cpr(text) == text


class TestReplies:
    def test_a_cpr_in_a_reply_is_not_stored(self, session: Session) -> None:
        make_world(session)
        say(session, "+4529870003", f"Hej, mit cpr-nummer er {CPR[:6]}-{CPR[6:]}")
        texts = session.scalars(select(Message.text)).all()
        assert texts and all(CPR[:6] not in t for t in texts)
        assert any(REDACTED in t for t in texts)


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
            "from outreach.contacts import importing\n"
            "def broken(self, **kwargs): raise RuntimeError('disk full')\n"
            "importing._Batch.write = broken\n"
            "from recruitbot.cli import main\n"
            f"sys.argv = ['recruitbot', 'import', {str(members)!r}, '--partner', 'FOA']\n"
            "main()\n"
        )
        env = {"RECRUITBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'crash.db'}", "PATH": ""}
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode != 0 and "disk full" in done.stderr
        assert CPR not in done.stderr + done.stdout
        assert CPR[:6] not in done.stderr + done.stdout
