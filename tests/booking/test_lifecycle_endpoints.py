"""The API for corrections, closed periods, removed locations and calendar feeds."""

from __future__ import annotations

from datetime import timedelta

import icalendar
from sqlalchemy import select
from sqlmodel import Session, col

from store.models import AuditEvent, Booking, FollowUp, Location, MonitoringRecord
from tests.booking.test_endpoints import Api, api, error

__all__ = ["api"]  # the fixture, shared with the booking API's own tests


def held(api: Api) -> int:
    """Record the first citizen as attended with a follow-up; return the booking id."""
    booking = api.bookings[0]
    api.clock.advance(timedelta(days=2, hours=3))  # Wednesday 25 November, 13:00
    outcome = {"attended": True, "further_course": True, "referrals_municipal": ["rygestop"]}
    recorded = api.call("POST", f"/bookings/{booking}/outcome", "staff", json=outcome)
    assert recorded.status_code == 201, recorded.text
    return booking


class TestCorrection:
    def test_staff_correct_an_outcome_with_a_reason(self, api: Api) -> None:
        booking = held(api)
        path = f"/bookings/{booking}/outcome/correction"
        assert "reason" in str(api.call("POST", path, "staff", json={"attended": False}).json())
        error(api.call("POST", path, "colleague", json={"attended": False, "reason": "x"}), 404)
        fixed = api.call(
            "POST", path, "staff", json={"attended": False, "reason": "borgeren kom ikke"}
        )
        assert fixed.status_code == 200, fixed.text
        body = fixed.json()
        assert body["booking"]["status"] == "no_show" and body["monitoring_record_id"] is None
        assert body["follow_up_at"] is None
        with Session(api.engine) as session:
            assert session.scalars(select(MonitoringRecord)).all() == []
            assert session.scalars(select(FollowUp)).one().status == "cancelled"
            entry = session.scalars(
                select(AuditEvent).where(col(AuditEvent.action) == "booking.outcome_corrected")
            ).one()
            assert entry.actor.startswith("api_key:") and "borgeren kom ikke" in entry.detail
        # And back again, by the coordinator.
        back = api.call(
            "POST", path, "roskilde", json={"attended": True, "reason": "registreret forkert"}
        )
        assert back.status_code == 200 and back.json()["monitoring_record_id"]
        api.clock.advance(timedelta(days=31))
        late = {"attended": False, "reason": "for sent"}
        assert "30 days" in error(api.call("POST", path, "staff", json=late), 409)

    def test_the_evaluator_may_not(self, api: Api) -> None:
        booking = held(api)
        body = {"attended": False, "reason": "x"}
        error(
            api.call("POST", f"/bookings/{booking}/outcome/correction", "evaluator", json=body), 403
        )


class TestClosures:
    def test_a_staff_member_closes_their_day_and_sees_who_was_affected(self, api: Api) -> None:
        period = {
            "staff_member_id": api.world.staff.id,
            "starts_at": "2026-11-25T00:00:00",
            "ends_at": "2026-11-26T00:00:00",
            "reason": "sygdom",
        }
        closed = api.call("POST", "/closures", "staff", json=period)
        assert closed.status_code == 201, closed.text
        body = closed.json()
        assert [b["id"] for b in body["cancelled"]] == api.bookings
        assert {b["status"] for b in body["cancelled"]} == {"cancelled"}
        assert body["closure"]["starts_at"] == "2026-11-25T00:00:00+01:00"
        listed = api.call("GET", "/closures", "roskilde").json()
        assert [c["id"] for c in listed] == [body["closure"]["id"]]
        assert api.call("GET", "/closures", "lejre").json() == []
        free = api.call("GET", "/slots?free=true&from=2026-11-25&to=2026-11-25", "roskilde")
        assert free.status_code == 200 and free.json() == []
        error(api.call("POST", "/closures", "colleague", json=period), 403)
        backwards = {**period, "ends_at": "2026-11-24T00:00:00"}
        assert "end after" in error(api.call("POST", "/closures", "roskilde", json=backwards), 422)

    def test_lifting_a_closure(self, api: Api) -> None:
        period = {
            "staff_member_id": api.world.staff.id,
            "starts_at": "2026-11-25T00:00:00",
            "ends_at": "2026-11-26T00:00:00",
        }
        closed = api.call("POST", "/closures", "staff", json=period).json()
        closure = closed["closure"]["id"]
        error(api.call("DELETE", f"/closures/{closure}", "colleague"), 403)
        error(api.call("DELETE", f"/closures/{closure}", "lejre"), 404)
        error(api.call("DELETE", f"/closures/{closure}", "evaluator"), 403)
        lifted = api.call("DELETE", f"/closures/{closure}", "staff")
        assert lifted.status_code == 200, lifted.text
        body = lifted.json()
        assert body["closure"]["id"] == closure and body["reopened_slots"] > 0
        assert "not restored" in body["note"]
        assert api.call("GET", "/closures", "roskilde").json() == []
        free = api.call("GET", "/slots?free=true&from=2026-11-25&to=2026-11-25", "roskilde")
        assert len(free.json()) == body["reopened_slots"]
        with Session(api.engine) as session:
            statuses = {b.status for b in session.scalars(select(Booking))}
            assert statuses == {"cancelled"}  # the cancelled bookings stay cancelled
        error(api.call("DELETE", f"/closures/{closure}", "staff"), 404)
        error(api.call("DELETE", "/closures/99999999999", "staff"), 422)

    def test_removing_a_location(self, api: Api) -> None:
        location = api.world.location.id
        error(api.call("DELETE", f"/locations/{location}", "staff"), 403)
        error(api.call("DELETE", f"/locations/{location}", "lejre"), 404)
        removed = api.call("DELETE", f"/locations/{location}", "roskilde")
        assert removed.status_code == 200, removed.text
        assert len(removed.json()["cancelled"]) == 2
        with Session(api.engine) as session:
            assert session.get_one(Location, location).retired_at is not None
            statuses = {b.status for b in session.scalars(select(Booking))}
            assert statuses == {"cancelled"}
        again = api.call("DELETE", f"/locations/{location}", "roskilde")
        assert "removed already" in error(again, 422)


class TestCalendarFeeds:
    def test_create_subscribe_and_revoke(self, api: Api) -> None:
        staff = api.world.staff.id
        created = api.call("POST", f"/staff/{staff}/calendar-feeds", "staff")
        assert created.status_code == 201, created.text
        url = created.json()["url"]
        assert url.startswith("http") and "/calendar/rbc_" in url and url.endswith(".ics")
        path = url[url.index("/calendar/") :]
        feed = api.client.get(path)
        assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
        parsed = icalendar.Calendar.from_ical(feed.content)
        assert len(list(parsed.walk("VEVENT"))) == 2
        with Session(api.engine) as session:
            reads = session.scalars(
                select(AuditEvent).where(col(AuditEvent.detail) == "calendar feed")
            ).all()
            assert {e.actor for e in reads} == {f"calendar_feed:{staff}"} and len(reads) == 2
        listed = api.call("GET", f"/staff/{staff}/calendar-feeds", "roskilde").json()
        assert [f["url"] for f in listed] == [None]
        error(api.call("POST", f"/staff/{staff}/calendar-feeds", "colleague"), 403)
        feed_id = created.json()["id"]
        revoked = api.call("POST", f"/calendar-feeds/{feed_id}/revoke", "staff")
        assert revoked.status_code == 200 and revoked.json()["revoked_at"]
        assert api.client.get(path).status_code == 404
        assert api.client.get("/calendar/rbc_nothing.ics").status_code == 404
