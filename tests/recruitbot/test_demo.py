"""A seeded demo run, checked from its own output files."""

from __future__ import annotations

import csv
import json
import re
import statistics
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from core.calendar import COPENHAGEN, SendWindow, age_on
from core.settings import Settings
from recruitbot.demo.inbox_staff import ACTOR
from recruitbot.demo.run import DemoOptions, DemoResult, run_demo
from store.db import make_engine
from store.models import InboxItem
from tests.conftest import BACKENDS, truncate_all

START = datetime(2026, 11, 23, 8, 0, tzinfo=COPENHAGEN)  # runs into the Christmas holidays
FUNNEL_KEYS = [
    "invited",
    "delivered",
    "replied",
    "screened_in",
    "booked",
    "attended",
    "referred",
    "followed_up",
    "opted_out",
]
DELIVERED = ("sent", "delivered", "undelivered")
# The line `make demo` prints about the simulated staff's work in the inbox.
INBOX_LINE = re.compile(
    r"Inbox: (?P<items>\d+) items handled by staff, "
    r"after (?P<median>\d+\.\d) h in the median and (?P<longest>\d+\.\d) h at most "
    r"\(clock hours, nights included\); (?P<calls>\d+) of them callbacks, "
    r"called after (?P<call_median>\d+\.\d) h in the median "
    r"and (?P<call_longest>\d+\.\d) h at most\."
)


def demo(out: Path, *, seed: int = 7, contacts: int = 300, days: int = 40) -> DemoResult:
    options = DemoOptions(contacts=contacts, days=days, seed=seed, out=out, start=START)
    return run_demo(options, Settings())


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module", params=BACKENDS)
def demo_run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoResult]:
    """Run the demo once per backend: its own SQLite file, or the test PostgreSQL database."""
    out = tmp_path_factory.mktemp(f"demo-{request.param}")
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "postgresql":
            url: str = request.getfixturevalue("postgres_url")
            truncate_all(url)
            patch.setenv("RECRUITBOT_DATABASE_URL", url)
        else:
            patch.delenv("RECRUITBOT_DATABASE_URL", raising=False)
        yield demo(out)


class TestDemoOutputs:
    def test_writes_every_output(self, demo_run: DemoResult) -> None:
        funnel = json.loads((demo_run.out / "funnel.json").read_text())
        assert list(funnel) == FUNNEL_KEYS
        assert all(isinstance(v, int) for v in funnel.values())
        # Every stage of the path was reached in the simulation.
        assert all(funnel[k] > 0 for k in FUNNEL_KEYS), funnel
        assert funnel["invited"] >= funnel["replied"] >= funnel["booked"] >= funnel["attended"]
        messages = read(demo_run.out / "messages.csv")
        assert set(messages[0]) >= {
            "time",
            "direction",
            "channel",
            "contact",
            "kind",
            "trigger",
            "text",
        }
        assert {m["kind"] for m in messages} >= {
            "invitation",
            "question",
            "confirmation",
            "reminder",
            "follow_up",
        }
        contacts = read(demo_run.out / "contacts.csv")
        assert list(contacts[0]) == ["contact", "birth_date", "municipality", "partner", "status"]
        html = (demo_run.out / "report.html").read_text()
        assert "<table" in html and "Sundhedstjek" in html

    def test_only_ages_40_to_60_on_the_invitation_date(self, demo_run: DemoResult) -> None:
        born = {
            c["contact"]: date.fromisoformat(c["birth_date"])
            for c in read(demo_run.out / "contacts.csv")
        }
        invitations = [m for m in read(demo_run.out / "messages.csv") if m["kind"] == "invitation"]
        assert invitations
        for message in invitations:
            sent_on = datetime.fromisoformat(message["time"]).date()
            assert 40 <= age_on(born[message["contact"]], sent_on) <= 60, message

    def test_nothing_after_stop_but_its_confirmation(self, demo_run: DemoResult) -> None:
        stopped_at: dict[str, datetime] = {}
        outs = [m for m in read(demo_run.out / "messages.csv") if m["direction"] == "out"]
        for message in outs:
            if message["kind"] == "opt_out":
                stopped_at.setdefault(message["contact"], datetime.fromisoformat(message["time"]))
        assert stopped_at, "the simulation should include opt-outs"
        for message in outs:
            stop = stopped_at.get(message["contact"])
            if stop and message["status"] in DELIVERED and message["kind"] != "opt_out":
                assert datetime.fromisoformat(message["time"]) <= stop, message

    def test_no_scheduled_message_outside_the_window(self, demo_run: DemoResult) -> None:
        window = SendWindow()
        scheduled = [
            m
            for m in read(demo_run.out / "messages.csv")
            if m["trigger"] == "scheduled" and m["status"] in DELIVERED
        ]
        assert len(scheduled) > 100
        for message in scheduled:
            assert window.is_open(datetime.fromisoformat(message["time"])), message

    def test_replies_go_out_at_once_even_in_the_evening(self, demo_run: DemoResult) -> None:
        window = SendWindow()
        replies = [
            m
            for m in read(demo_run.out / "messages.csv")
            if m["trigger"] == "reply" and m["direction"] == "out"
        ]
        assert any(not window.is_open(datetime.fromisoformat(m["time"])) for m in replies)


class TestDemoInbox:
    def test_states_how_many_items_staff_handled_and_how_fast(self, demo_run: DemoResult) -> None:
        stated = INBOX_LINE.fullmatch(demo_run.inbox)
        assert stated is not None, demo_run.inbox
        items, calls = int(stated["items"]), int(stated["calls"])
        assert 0 < calls <= items
        # What the line states is what the store holds: the items the simulated staff handled.
        engine = make_engine(demo_run.database_url)
        with Session(engine) as session:
            handled = session.scalars(
                select(InboxItem).where(col(InboxItem.handled_by) == ACTOR)
            ).all()
        engine.dispose()
        assert len(handled) == items
        assert sum(1 for item in handled if item.kind == "callback") == calls
        for kinds, median, longest in (
            (None, "median", "longest"),
            ("callback", "call_median", "call_longest"),
        ):
            hours = [
                (item.handled_at - item.created_at).total_seconds() / 3600
                for item in handled
                if item.handled_at is not None and kinds in (None, item.kind)
            ]
            assert f"{statistics.median(hours):.1f}" == stated[median]
            assert f"{max(hours):.1f}" == stated[longest]


class TestDemoRefill:
    def test_the_refill_line_reports_freed_times_booked_again(self, demo_run: DemoResult) -> None:
        """What `recruitbot demo` prints: "Freed times …: F, booked again: R; J citizens took a
        place on the waitlist, W of them got a freed time." (booking.waitlist.refill)."""
        refill = demo_run.refill
        assert set(refill) == {"freed", "refilled", "from_waitlist", "joined"}
        assert 0 < refill["refilled"] <= refill["freed"], refill
        assert 0 <= refill["from_waitlist"] <= refill["joined"], refill


class TestDemoExperiment:
    def test_two_invitations_compared_with_the_difference_and_its_interval(
        self, demo_run: DemoResult
    ) -> None:
        body = json.loads((demo_run.out / "experiment.json").read_text(encoding="utf-8"))
        assert [arm["key"] for arm in body["arms"]] == ["A", "B"]
        assert [arm["label"] for arm in body["arms"]] == ["standard", "kort"]
        invited = [int(arm["invited"]) for arm in body["arms"]]
        assert sum(invited) == demo_run.funnel["invited"]
        assert abs(invited[0] - invited[1]) <= 0.2 * sum(invited)
        (comparison,) = body["comparisons"]
        assert comparison["low"] <= comparison["difference"] <= comparison["high"]
        assert body["verdict"] in ("not_apart", "apart")
        assert body["sentence_da"] and body["primary_outcome"].startswith("booking rate")
        short = [m for m in read(demo_run.out / "messages.csv") if m["kind"] == "invitation"]
        assert any(m["text"].startswith("Gratis sundhedstjek hos Roskilde") for m in short)
        assert any(not m["text"].startswith("Gratis sundhedstjek") for m in short)


class TestRepeatable:
    def test_same_seed_same_run(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("RECRUITBOT_DATABASE_URL", raising=False)
        first = demo(tmp_path / "a", seed=3, contacts=120, days=20)
        second = demo(tmp_path / "b", seed=3, contacts=120, days=20)
        assert first.funnel == second.funnel
        for name in ("messages.csv", "contacts.csv", "funnel.json", "experiment.json"):
            assert (first.out / name).read_bytes() == (second.out / name).read_bytes(), name
