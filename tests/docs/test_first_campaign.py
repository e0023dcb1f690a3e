"""docs/first-campaign.md works as written: every command in it runs, in order, and says what the
guide shows.

The commands are read out of the guide's ```console blocks (tests/docs/first_campaign_steps.py)
and run through the real `recruitbot` CLI in a fresh folder holding a copy of docs/examples/, on
a new SQLite database, at the Copenhagen times the guide's hidden clock comments name. Only the
install steps are not run here: the CI itself runs them before any test.
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from typer.testing import CliRunner

from core.settings import get_settings
from recruitbot.cli import app
from tests.docs.first_campaign_steps import Step, read_steps

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "first-campaign.md"
INSTALL = ("make setup", ". .venv/bin/activate")  # what CI has done before the tests start
ELIDED = "…"  # a shown line with it is a shortened one: not compared


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A checkout's working folder as the guide assumes it, without the guide's database."""
    shutil.copytree(ROOT / "docs" / "examples", tmp_path / "docs" / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RECRUITBOT_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "100")  # the width the guide's tables were printed at
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _flat(text: str) -> str:
    return " ".join(text.split())


def _run(step: Step, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    argv = shlex.split(step.command)
    if argv[0] == "export":
        name, _, value = argv[1].partition("=")
        monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        return
    assert argv[0] == "recruitbot", f"line {step.line}: not a command this test runs"
    typed = "".join(f"{text}\n" for text in step.typed) + "\n" if step.typed else None
    result = runner.invoke(app, argv[1:], input=typed, catch_exceptions=False)
    where = f"docs/first-campaign.md line {step.line}: {step.command}"
    assert result.exit_code == 0, f"{where}\n{result.output}"
    said = _flat(result.stdout)
    for shown in step.shown:
        if shown.strip() and ELIDED not in shown:
            assert _flat(shown) in said, f"{where}\nshows {shown!r}, said:\n{result.stdout}"


def test_every_command_of_the_guide_runs_in_order(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = read_steps(GUIDE)
    run = [step for step in steps if step.command not in INSTALL]
    assert [step.command for step in steps if step.command in INSTALL] == list(INSTALL)
    assert len(run) >= 15
    runner = CliRunner()
    traveller: time_machine.travel | None = None
    clock = None
    try:
        for step in run:
            if step.clock != clock:
                if traveller is not None:
                    traveller.stop()
                clock = step.clock
                traveller = time_machine.travel(clock, tick=True) if clock else None
                if traveller is not None:
                    traveller.start()
            _run(step, runner, monkeypatch)
    finally:
        if traveller is not None:
            traveller.stop()
    assert (folder / "var" / "first-campaign.db").exists()  # the guide's own database


def test_the_sample_list_is_plainly_made_up() -> None:
    text = (ROOT / "docs" / "examples" / "medlemmer.csv").read_text(encoding="utf-8")
    assert "cpr" not in text.splitlines()[0].lower()  # no CPR column at all
    assert not re.search(r"\b\d{6}-?\d{4}\b", text)  # nothing shaped like a CPR number
    phones = re.findall(r";(\d\d(?: \d\d){3});", text)
    assert phones and all(phone.startswith("28 00 00 ") for phone in phones)


def test_the_readme_points_to_the_guide_after_its_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    opening = readme.split("## ", 1)[0]
    assert opening.index("make demo") < opening.index("make test")
    assert opening.index("make test") < opening.index("docs/first-campaign.md")


def test_the_reader_takes_prompts_continuations_typing_and_the_clock(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "Text with `recruitbot demo` in prose is not a step.\n"
        "```sh\n$ not a console block\n```\n"
        "<!-- clock: 2027-01-11 10:00 -->\n"
        "```console\n"
        "$ recruitbot campaign create --name X \\\n"
        "    --age 40-60\n"
        "Campaign 1\n"
        "$ recruitbot chat --phone 1\n"
        "you  ja\n"
        "bot  Godt!\n"
        "```\n",
        encoding="utf-8",
    )
    first, second = read_steps(page)
    assert first.command == "recruitbot campaign create --name X --age 40-60"
    assert first.shown == ["Campaign 1"]
    assert first.clock is not None and first.clock.isoformat() == "2027-01-11T10:00:00+01:00"
    assert (second.typed, second.shown, second.line) == (["ja"], ["bot  Godt!"], 10)
