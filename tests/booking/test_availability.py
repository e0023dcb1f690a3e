"""Opening slots: one by one or recurring, working days only, local time in and UTC stored."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from booking import availability, directory
from booking.access import EVERYTHING, Scope
from booking.directory import LocationKind
from core.calendar import COPENHAGEN
from core.errors import ConflictError, InvalidInputError, NotFoundError
from store.models import Slot
from tests.booking.support import NOW
from tests.factories import WINDOW, World, make_world


def world_without_slots(session: Session) -> World:
    return make_world(session, slot_days=-1)


def one(session: Session, world: World, starts_at: datetime, **changes: object) -> Slot:
    args: dict[str, object] = {
        "session": session,
        "scope": EVERYTHING,
        "location_id": world.location.id,
        "staff_member_id": world.staff.id,
        "starts_at": starts_at,
        "minutes": 45,
        "now": NOW,
        "window": WINDOW,
    }
    args.update(changes)
    return availability.add_slot(**args)  # type: ignore[arg-type]


def recurring(session: Session, world: World, **changes: object) -> availability.CreatedSlots:
    args: dict[str, object] = {
        "session": session,
        "scope": EVERYTHING,
        "weekday": availability.parse_weekday("tue"),
        "day_start": time(9),
        "day_end": time(15),
        "location_id": world.location.id,
        "staff_member_id": world.staff.id,
        "minutes": 45,
        "until": date(2027, 1, 31),
        "now": NOW,
        "window": WINDOW,
    }
    args.update(changes)
    return availability.add_recurring(**args)  # type: ignore[arg-type]


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Slot)) or 0


class TestOneSlot:
    def test_local_time_in_utc_stored(self, session: Session) -> None:
        world = world_without_slots(session)
        slot = one(session, world, datetime(2026, 12, 1, 9, 0))  # no offset: Copenhagen
        session.commit()
        session.expire_all()
        stored = session.get_one(Slot, slot.id)
        assert stored.starts_at == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
        assert stored.starts_at.astimezone(COPENHAGEN).hour == 9

    def test_an_offset_is_honoured(self, session: Session) -> None:
        world = world_without_slots(session)
        slot = one(session, world, datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
        assert slot.starts_at.astimezone(COPENHAGEN).time() == time(9)

    @pytest.mark.parametrize(
        "day", [date(2026, 12, 24), date(2026, 12, 25), date(2026, 11, 28), date(2027, 1, 1)]
    )
    def test_holidays_and_weekends_are_refused(self, session: Session, day: date) -> None:
        world = world_without_slots(session)
        with pytest.raises(InvalidInputError, match="not a working day"):
            one(session, world, datetime.combine(day, time(10)))
        assert count(session) == 0

    def test_the_past_is_refused(self, session: Session) -> None:
        world = world_without_slots(session)
        with pytest.raises(InvalidInputError, match="passed"):
            one(session, world, datetime(2026, 11, 23, 9, 0))

    def test_a_duplicate_or_overlap_is_refused_clearly(self, session: Session) -> None:
        world = world_without_slots(session)
        one(session, world, datetime(2026, 12, 1, 9, 0))
        with pytest.raises(ConflictError, match="already has a slot") as same:
            one(session, world, datetime(2026, 12, 1, 9, 0))
        assert same.value.status_code == 409
        with pytest.raises(ConflictError, match="2026-12-01 09:30"):
            one(session, world, datetime(2026, 12, 1, 9, 30))
        one(session, world, datetime(2026, 12, 1, 9, 45))  # back to back is fine
        assert count(session) == 2

    def test_a_colleague_may_have_the_same_time(self, session: Session) -> None:
        world = world_without_slots(session)
        colleague = directory.add_staff_member(
            session=session, scope=EVERYTHING, name="Jonas", municipality="Roskilde"
        )
        one(session, world, datetime(2026, 12, 1, 9, 0))
        one(session, world, datetime(2026, 12, 1, 9, 0), staff_member_id=colleague.id)
        assert count(session) == 2

    def test_another_municipality_s_location_does_not_exist(self, session: Session) -> None:
        world = world_without_slots(session)
        lejre = Scope(municipality_id=world.other_municipality.id)
        with pytest.raises(NotFoundError):
            one(session, world, datetime(2026, 12, 1, 9, 0), scope=lejre)

    def test_staff_of_another_municipality_is_refused(self, session: Session) -> None:
        world = world_without_slots(session)
        stranger = directory.add_staff_member(
            session=session, scope=EVERYTHING, name="Lone", municipality="Lejre"
        )
        with pytest.raises(InvalidInputError, match="different municipalities"):
            one(session, world, datetime(2026, 12, 1, 9, 0), staff_member_id=stranger.id)

    @pytest.mark.parametrize("minutes", [0, 10, 241])
    def test_a_length_outside_15_to_240_minutes_is_refused(
        self, session: Session, minutes: int
    ) -> None:
        world = world_without_slots(session)
        with pytest.raises(InvalidInputError, match="minutes"):
            one(session, world, datetime(2026, 12, 1, 9, 0), minutes=minutes)


class TestRecurring:
    def test_tuesdays_nine_to_three_until_the_end_of_january(self, session: Session) -> None:
        world = world_without_slots(session)
        created = recurring(session, world)
        local = [s.starts_at.astimezone(COPENHAGEN) for s in created.slots]
        assert {moment.weekday() for moment in local} == {1}
        assert local[0] == datetime(2026, 11, 24, 9, 0, tzinfo=COPENHAGEN)
        assert local[-1] == datetime(2027, 1, 26, 14, 15, tzinfo=COPENHAGEN)
        assert len(created.slots) == 10 * 8  # ten Tuesdays, eight 45-minute slots 09-15
        assert created.skipped_days == []
        assert count(session) == 80

    def test_christmas_eve_and_new_year_s_eve_are_skipped(self, session: Session) -> None:
        world = world_without_slots(session)
        created = recurring(session, world, weekday=availability.parse_weekday("torsdag"))
        assert created.skipped_days == [date(2026, 12, 24), date(2026, 12, 31)]
        days = {s.starts_at.astimezone(COPENHAGEN).date() for s in created.slots}
        assert date(2026, 12, 17) in days and date(2027, 1, 7) in days
        assert not days & {date(2026, 12, 24), date(2026, 12, 31)}

    def test_local_hours_hold_across_summer_time(self, session: Session) -> None:
        world = world_without_slots(session)
        created = recurring(
            session,
            world,
            weekday=availability.parse_weekday("thu"),
            day_start=time(9),
            day_end=time(10),
            first_day=date(2027, 3, 15),
            until=date(2027, 4, 10),
        )
        assert date(2027, 3, 25) in created.skipped_days  # Maundy Thursday
        by_day = {s.starts_at.astimezone(COPENHAGEN).date(): s.starts_at for s in created.slots}
        assert by_day[date(2027, 3, 18)].astimezone(UTC).hour == 8  # winter: UTC+1
        assert by_day[date(2027, 4, 1)].astimezone(UTC).hour == 7  # summer: UTC+2
        assert all(moment.astimezone(COPENHAGEN).hour == 9 for moment in by_day.values())

    def test_a_repeat_is_refused_and_adds_nothing(self, session: Session) -> None:
        world = world_without_slots(session)
        recurring(session, world, until=date(2026, 12, 8))
        with pytest.raises(ConflictError, match="nothing was opened"):
            recurring(session, world, until=date(2026, 12, 15))
        assert count(session) == 3 * 8  # 24 November, 1 and 8 December

    def test_slots_earlier_today_are_left_out(self, session: Session) -> None:
        world = world_without_slots(session)
        monday = availability.parse_weekday("mon")
        created = recurring(session, world, weekday=monday, until=date(2026, 11, 23))
        first = created.slots[0].starts_at.astimezone(COPENHAGEN)
        assert first.time() == time(10, 30)  # 09:00 and 09:45 have passed at 10:00

    @pytest.mark.parametrize("weekday", ["sat", "søndag", "someday"])
    def test_weekends_and_nonsense_are_no_weekdays(self, weekday: str) -> None:
        with pytest.raises(InvalidInputError):
            availability.parse_weekday(weekday)

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"day_start": time(15), "day_end": time(9)}, "end after it starts"),
            ({"until": date(2026, 11, 1)}, "before the first day"),
            ({"until": date(2028, 6, 1)}, "days ahead"),
            ({"day_start": time(9), "day_end": time(9, 30)}, "no slot fits"),
        ],
    )
    def test_impossible_requests_are_refused(
        self, session: Session, changes: dict[str, object], message: str
    ) -> None:
        world = world_without_slots(session)
        with pytest.raises(InvalidInputError, match=message):
            recurring(session, world, **changes)
        assert count(session) == 0


class TestDirectory:
    def test_location_names_are_unique_per_municipality(self, session: Session) -> None:
        world = world_without_slots(session)
        with pytest.raises(ConflictError, match="already has a location"):
            directory.add_location(
                session=session,
                scope=EVERYTHING,
                name=world.location.name,
                address="Et andet sted",
                kind=LocationKind.HEALTH_CENTRE,
                municipality="Roskilde",
            )
        lejre = directory.add_location(
            session=session,
            scope=EVERYTHING,
            name=world.location.name,
            address="Lejre",
            kind=LocationKind.UNION_OFFICE,
            municipality="350",
        )
        assert lejre.kind == "union_office"

    def test_a_key_for_one_municipality_cannot_add_to_another(self, session: Session) -> None:
        world = world_without_slots(session)
        roskilde = Scope(municipality_id=world.municipality.id)
        with pytest.raises(Exception, match="another municipality") as refused:
            directory.add_staff_member(
                session=session, scope=roskilde, name="Lone", municipality="Lejre"
            )
        assert getattr(refused.value, "status_code", None) == 403
        member = directory.add_staff_member(
            session=session, scope=roskilde, name="Lone", municipality=None
        )
        assert member.municipality_id == world.municipality.id

    def test_find_by_name_or_id(self, session: Session) -> None:
        world = world_without_slots(session)
        assert world.location.id is not None
        found = directory.find_location(
            session=session, scope=EVERYTHING, ref="sundhedscenter roskilde"
        )
        assert found.id == world.location.id
        by_id = directory.find_location(session=session, scope=EVERYTHING, ref=str(found.id))
        assert by_id.id == found.id
        with pytest.raises(NotFoundError):
            directory.find_staff_member(session=session, scope=EVERYTHING, ref="Ingen")

    def test_names_with_ae_oe_aa_are_found_in_any_case(self, session: Session) -> None:
        world = world_without_slots(session)
        roskilde = Scope(municipality_id=world.municipality.id)
        member = directory.add_staff_member(
            session=session, scope=roskilde, name="Mads Østergaard", municipality=None
        )
        for typed in (
            "Mads Østergaard",
            "mads østergaard",
            "MADS ØSTERGAARD",
            " mads  Østergaard ",
        ):
            found = directory.find_staff_member(session=session, scope=roskilde, ref=typed)
            assert found.id == member.id, typed
        world.location.name = "Ødsted Forsamlingshus"
        session.flush()
        for typed in ("ødsted forsamlingshus", "ØDSTED FORSAMLINGSHUS"):
            found_place = directory.find_location(session=session, scope=roskilde, ref=typed)
            assert found_place.id == world.location.id, typed
        with pytest.raises(NotFoundError):  # Ø is not O
            directory.find_location(session=session, scope=roskilde, ref="Odsted Forsamlingshus")


def test_slots_span_no_midnight() -> None:
    starts = availability.day_starts(
        day=date(2026, 12, 1), day_start=time(9), day_end=time(10, 30), minutes=45, window=WINDOW
    )
    assert [s.time() for s in starts] == [time(9), time(9, 45)]
    assert starts[1] - starts[0] == timedelta(minutes=45)
