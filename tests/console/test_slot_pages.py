"""Opening slots in the console: one time or recurring weekdays, refusals said in Danish."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import col

from core.calendar import COPENHAGEN
from store.db import unit_of_work
from store.models import Slot, StaffMember
from tests.console.support import Console

NEW = "/console/slots/new"


def _ids(console: Console) -> dict[str, int]:
    with unit_of_work(console.engine) as session:
        staff = {m.name: m.id or 0 for m in session.scalars(select(StaffMember))}
        place = session.scalar(select(Slot.location_id).limit(1)) or 0
    return {"mette": staff["Mette"], "jonas": staff["Jonas"], "place": place}


def _slots_of(console: Console, staff_id: int) -> int:
    with unit_of_work(console.engine) as session:
        query = select(func.count()).where(col(Slot.staff_member_id) == staff_id)
        return int(session.scalar(query) or 0)


def _recurring(ids: dict[str, int], **changes: object) -> dict[str, object]:
    return {
        "weekday": ["1", "3"],
        "from": "13:00",
        "to": "14:30",
        "first_day": "2026-12-01",
        "until": "2026-12-31",
        "minutes": "45",
        "staff": str(ids["jonas"]),
        "place": str(ids["place"]),
        **changes,
    }


class TestOneSlot:
    def test_staff_open_a_slot_for_themselves_only(self, console: Console) -> None:
        console.sign_in("staff")
        ids = _ids(console)
        assert 'href="/console/slots/new"' in console.get("/console/slots").text
        form = console.get(NEW).text
        assert "Mette" in form and "Jonas" not in form  # a staff key opens its own time
        before = _slots_of(console, ids["mette"])
        one = {"day": "2026-12-14", "at": "13:00", "minutes": "30", "place": str(ids["place"])}
        done = console.post(NEW, {**one, "staff": str(ids["mette"])}, page=NEW)
        assert done.status_code == 200 and "1 tid er oprettet" in done.text
        assert "14.12.2026 kl. 13.00" in done.text
        assert _slots_of(console, ids["mette"]) == before + 1
        with unit_of_work(console.engine) as session:
            slot = session.scalars(select(Slot).order_by(col(Slot.id).desc())).first()
            assert slot is not None and slot.duration_min == 30
            assert slot.starts_at == datetime(2026, 12, 14, 13, 0, tzinfo=COPENHAGEN)
        refused = console.post(NEW, {**one, "staff": str(ids["jonas"])}, page=NEW)
        assert refused.status_code == 422 and "kun oprette tider for dig selv" in refused.text
        assert _slots_of(console, ids["jonas"]) == 0

    def test_refusals_keep_what_was_typed(self, console: Console) -> None:
        console.sign_in("coordinator")
        ids = _ids(console)
        base = {"day": "2026-12-12", "at": "10:00", "minutes": "45",
                "staff": str(ids["jonas"]), "place": str(ids["place"])}  # fmt: skip
        saturday = console.post(NEW, base, page=NEW)
        assert saturday.status_code == 422 and "ikke en hverdag" in saturday.text
        assert 'value="2026-12-12"' in saturday.text
        long = console.post(NEW, {**base, "day": "2026-12-14", "minutes": "60"}, page=NEW)
        assert long.status_code == 422 and "30 til 45 minutter" in long.text
        past = console.post(NEW, {**base, "day": "2026-11-26"}, page=NEW)
        assert past.status_code == 422 and "allerede gået" in past.text
        clash = {**base, "day": "2026-11-30", "at": "09:30", "staff": str(ids["mette"])}
        overlap = console.post(NEW, clash, page=NEW)
        assert overlap.status_code == 422 and "overlapper 2026-11-30 09:30" in overlap.text

    def test_an_evaluator_may_not(self, console: Console) -> None:
        console.sign_in("evaluator")
        assert console.get(NEW).status_code == 403


class TestRecurring:
    def test_tuesdays_and_thursdays_of_december_skip_the_holidays(self, console: Console) -> None:
        console.sign_in("coordinator")
        ids = _ids(console)
        done = console.post("/console/slots/recurring", _recurring(ids), page=NEW)
        assert done.status_code == 200, done.text
        # Five Tuesdays and three Thursdays (24 and 31 December are no working days), two each.
        assert "16 tider er oprettet" in done.text
        assert "24.12.2026" in done.text and "31.12.2026" in done.text
        assert _slots_of(console, ids["jonas"]) == 16
        again = console.post("/console/slots/recurring", _recurring(ids), page=NEW)
        assert again.status_code == 422 and "Intet er oprettet" in again.text
        assert _slots_of(console, ids["jonas"]) == 16

    def test_refusals(self, console: Console) -> None:
        console.sign_in("coordinator")
        ids = _ids(console)
        post = lambda **c: console.post("/console/slots/recurring", _recurring(ids, **c), page=NEW)  # noqa: E731
        assert "Vælg mindst én ugedag" in post(weekday=[]).text
        assert "Til-klokkeslættet skal ligge efter" in post(to="12:00").text
        assert "Sidste dag ligger før første dag" in post(until="2026-11-30").text
        assert "Ingen tid passer" in post(to="13:30").text
        assert _slots_of(console, ids["jonas"]) == 0
