"""The role matrix as data: for every /api/v1 operation, how to call it on a place and what each
caller must get on its own and on a foreign municipality's objects (test_role_matrix.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

from tests.booking.support import NOW


class Expect(Enum):
    OK = "ok"
    HIDDEN = "hidden"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not found"
    NO_KEY = "no key"


OK, HIDDEN, FORBIDDEN, NOT_FOUND, NO_KEY = Expect
CALLERS = ("coordinator", "staff", "evaluator", "none", "revoked")


@dataclass(frozen=True)
class Place:
    """One municipality's objects, as a request names them."""

    municipality: str
    partner: str
    campaign: int  # a draft
    running: int
    paused: int
    staff_member: int  # not the staff caller: issuing a key would revoke the caller's own
    staff: int  # the world's staff member: on Roskilde's side, the staff caller
    location: int
    booking: int
    free_slot: int
    citizen: str  # the booked citizen's pseudonym
    conversation: int  # the booked citizen's
    item: int  # an open inbox item of `staff` about the booking
    feed: int  # a calendar feed of `staff`
    closure: int  # a closed period of `location`, far ahead


Request = tuple[str, str, dict[str, Any]]
Build = Callable[[Place], Request]


def _members_csv() -> bytes:
    return "Navn;Mobil;Født\r\nAnne Jensen;20 55 66 77;01-05-1976\r\n".encode()


# For each operation: the request on a place's objects, and per caller (own, foreign).
# Shorthands for the rows that repeat.
COORDINATOR_ONLY = {"coordinator": (OK, NOT_FOUND), "staff": (FORBIDDEN,) * 2}
COORDINATOR_CREATES = {"coordinator": (OK, FORBIDDEN), "staff": (FORBIDDEN,) * 2}
STAFF_WORK = {"coordinator": (OK, NOT_FOUND), "staff": (OK, NOT_FOUND)}
EVALUATOR_READ = {"coordinator": (OK, NOT_FOUND), "staff": (FORBIDDEN,) * 2}
NOT_EVALUATOR = {"evaluator": (FORBIDDEN,) * 2}


def _at(days: int) -> str:
    return (NOW + timedelta(days=days)).isoformat()


def _row(base: dict[str, tuple[Expect, Expect]], **more: tuple[Expect, Expect]) -> dict[str, Any]:
    row = {**NOT_EVALUATOR, **base, **more}
    return {**row, "none": (NO_KEY, NO_KEY), "revoked": (NO_KEY, NO_KEY)}


MATRIX: dict[str, tuple[Build, dict[str, tuple[Expect, Expect]]]] = {
    "GET /api/v1/campaigns": (
        lambda p: ("GET", "/campaigns", {}),
        _row({"coordinator": (OK, HIDDEN), "staff": (FORBIDDEN,) * 2}),
    ),
    "POST /api/v1/campaigns": (
        lambda p: (
            "POST",
            "/campaigns",
            {
                "json": {
                    "name": "Ny",
                    "municipality": p.municipality,
                    "partners": [p.partner],
                    "sender": f"{p.municipality} Kommune",
                }
            },
        ),
        _row(COORDINATOR_CREATES),
    ),
    "GET /api/v1/campaigns/{campaign_id}": (
        lambda p: ("GET", f"/campaigns/{p.campaign}", {}),
        _row(COORDINATOR_ONLY),
    ),
    "PATCH /api/v1/campaigns/{campaign_id}": (
        lambda p: ("PATCH", f"/campaigns/{p.campaign}", {"json": {"name": "Omdøbt"}}),
        _row(COORDINATOR_ONLY),
    ),
    "POST /api/v1/campaigns/{campaign_id}/preview": (
        lambda p: ("POST", f"/campaigns/{p.campaign}/preview", {}),
        _row(COORDINATOR_ONLY),
    ),
    "POST /api/v1/campaigns/{campaign_id}/launch": (
        lambda p: ("POST", f"/campaigns/{p.campaign}/launch", {}),
        _row(COORDINATOR_ONLY),
    ),
    "POST /api/v1/campaigns/{campaign_id}/pause": (
        lambda p: ("POST", f"/campaigns/{p.running}/pause", {}),
        _row(COORDINATOR_ONLY),
    ),
    "POST /api/v1/campaigns/{campaign_id}/resume": (
        lambda p: ("POST", f"/campaigns/{p.paused}/resume", {}),
        _row(COORDINATOR_ONLY),
    ),
    "POST /api/v1/campaigns/{campaign_id}/cancel": (
        lambda p: ("POST", f"/campaigns/{p.running}/cancel", {}),
        _row(COORDINATOR_ONLY),
    ),
    "GET /api/v1/campaigns/{campaign_id}/funnel": (
        lambda p: ("GET", f"/campaigns/{p.running}/funnel", {}),
        _row(EVALUATOR_READ, evaluator=(OK, NOT_FOUND)),
    ),
    "POST /api/v1/campaigns/{campaign_id}/variants/{key}/stop": (
        lambda p: ("POST", f"/campaigns/{p.running}/variants/A/stop", {}),
        _row(COORDINATOR_ONLY),
    ),
    "GET /api/v1/reports/experiment/{campaign_id}": (
        lambda p: ("GET", f"/reports/experiment/{p.running}", {}),
        _row(EVALUATOR_READ, evaluator=(OK, NOT_FOUND)),
    ),
    "POST /api/v1/contacts/import": (
        lambda p: (
            "POST",
            "/contacts/import",
            {
                "files": {"file": ("m.csv", _members_csv(), "text/csv")},
                "data": {"partner": p.partner, "mapping": "Mobil=phone,Født=birth_date"},
            },
        ),
        _row(COORDINATOR_ONLY),
    ),
    "POST /api/v1/staff": (
        lambda p: ("POST", "/staff", {"json": {"name": "Ny", "municipality": p.municipality}}),
        _row(COORDINATOR_CREATES),
    ),
    "GET /api/v1/staff": (
        lambda p: ("GET", "/staff", {"params": {"municipality": p.municipality}}),
        _row(COORDINATOR_CREATES),
    ),
    "POST /api/v1/staff/{staff_member_id}/key": (
        lambda p: ("POST", f"/staff/{p.staff_member}/key", {}),
        _row(COORDINATOR_ONLY),
    ),
    "POST /api/v1/staff/{staff_id}/telegram-code": (
        lambda p: ("POST", f"/staff/{p.staff_member}/telegram-code", {}),
        _row(COORDINATOR_ONLY),
    ),
    "POST /api/v1/locations": (
        lambda p: (
            "POST",
            "/locations",
            {
                "json": {
                    "name": "Nyt sted",
                    "address": "Torvet 1",
                    "kind": "workplace",
                    "municipality": p.municipality,
                }
            },
        ),
        _row(COORDINATOR_CREATES),
    ),
    "GET /api/v1/locations": (
        lambda p: ("GET", "/locations", {"params": {"municipality": p.municipality}}),
        _row({"coordinator": (OK, FORBIDDEN), "staff": (OK, FORBIDDEN)}),
    ),
    "GET /api/v1/slots": (
        lambda p: ("GET", "/slots", {"params": {"location_id": p.location}}),
        _row({"coordinator": (OK, HIDDEN), "staff": (OK, HIDDEN)}),
    ),
    "POST /api/v1/slots": (
        lambda p: (
            "POST",
            "/slots",
            {
                "json": {
                    "location_id": p.location,
                    "staff_member_id": p.staff_member,
                    "starts_at": (NOW + timedelta(days=15)).replace(hour=14).isoformat(),
                }
            },
        ),
        # A staff key opens slots only for itself: another staff member's are refused.
        _row({"coordinator": (OK, NOT_FOUND), "staff": (FORBIDDEN, NOT_FOUND)}),
    ),
    "GET /api/v1/bookings": (
        lambda p: ("GET", "/bookings", {}),
        _row({"coordinator": (OK, HIDDEN), "staff": (OK, HIDDEN)}),
    ),
    "POST /api/v1/bookings/{booking_id}/cancel": (
        lambda p: ("POST", f"/bookings/{p.booking}/cancel", {}),
        _row(STAFF_WORK),
    ),
    "POST /api/v1/bookings/{booking_id}/move": (
        lambda p: ("POST", f"/bookings/{p.booking}/move", {"json": {"slot_id": p.free_slot}}),
        _row(STAFF_WORK),
    ),
    "POST /api/v1/bookings/{booking_id}/outcome": (
        lambda p: ("POST", f"/bookings/{p.booking}/outcome", {"json": {"attended": True}}),
        _row(STAFF_WORK),
    ),
    "GET /api/v1/offers": (
        lambda p: ("GET", "/offers", {"params": {"municipality": p.municipality}}),
        _row({"coordinator": (OK, FORBIDDEN), "staff": (OK, FORBIDDEN)}),
    ),
    "POST /api/v1/offers": (
        lambda p: (
            "POST",
            "/offers",
            {"json": {"code": "motion_ny", "name": "Motion", "municipality": p.municipality}},
        ),
        _row(COORDINATOR_CREATES),
    ),
    "GET /api/v1/citizens/{public_id}/export": (
        lambda p: ("GET", f"/citizens/{p.citizen}/export", {}),
        _row(COORDINATOR_ONLY),
    ),
    "DELETE /api/v1/citizens/{public_id}": (
        lambda p: ("DELETE", f"/citizens/{p.citizen}", {}),
        _row(COORDINATOR_ONLY),
    ),
    "GET /api/v1/reports/funnel": (
        lambda p: ("GET", "/reports/funnel", {"params": {"municipality": p.municipality}}),
        _row(EVALUATOR_READ, evaluator=(OK, NOT_FOUND)),
    ),
    "GET /api/v1/reports/tables": (
        lambda p: ("GET", "/reports/tables", {"params": {"municipality": p.municipality}}),
        _row(EVALUATOR_READ, evaluator=(OK, NOT_FOUND)),
    ),
    "DELETE /api/v1/locations/{location_id}": (
        lambda p: ("DELETE", f"/locations/{p.location}", {}),
        _row(COORDINATOR_ONLY),
    ),
    "GET /api/v1/closures": (
        lambda p: ("GET", "/closures", {}),
        _row({"coordinator": (OK, HIDDEN), "staff": (OK, HIDDEN)}),
    ),
    "DELETE /api/v1/closures/{closure_id}": (
        lambda p: ("DELETE", f"/closures/{p.closure}", {}),
        # A staff key lifts only its own staff member's closures, not a location's.
        _row({"coordinator": (OK, NOT_FOUND), "staff": (FORBIDDEN, NOT_FOUND)}),
    ),
    "POST /api/v1/closures": (
        lambda p: (
            "POST",
            "/closures",
            {"json": {"staff_member_id": p.staff, "starts_at": _at(20), "ends_at": _at(21)}},
        ),
        _row({"coordinator": (OK, NOT_FOUND), "staff": (OK, FORBIDDEN)}),
    ),
    "GET /api/v1/conversations/{conversation_id}": (
        lambda p: ("GET", f"/conversations/{p.conversation}", {}),
        _row(STAFF_WORK),
    ),
    "POST /api/v1/conversations/{conversation_id}/takeover": (
        lambda p: ("POST", f"/conversations/{p.conversation}/takeover", {}),
        _row(STAFF_WORK),
    ),
    "POST /api/v1/conversations/{conversation_id}/reply": (
        lambda p: (
            "POST",
            f"/conversations/{p.conversation}/reply",
            {"json": {"text": "Hej, vi ringer dig op i morgen."}},
        ),
        _row(STAFF_WORK),
    ),
    "POST /api/v1/conversations/{conversation_id}/hand-back": (
        lambda p: ("POST", f"/conversations/{p.conversation}/hand-back", {}),
        _row(STAFF_WORK),
    ),
    "GET /api/v1/inbox": (
        lambda p: ("GET", "/inbox", {}),
        _row({"coordinator": (OK, HIDDEN), "staff": (OK, HIDDEN)}),
    ),
    "GET /api/v1/inbox/count": (
        lambda p: ("GET", "/inbox/count", {}),
        _row({"coordinator": (OK, HIDDEN), "staff": (OK, HIDDEN)}),
    ),
    "POST /api/v1/inbox/{item_id}/handled": (
        lambda p: ("POST", f"/inbox/{p.item}/handled", {"json": {"note": "Ringet op"}}),
        _row(STAFF_WORK),
    ),
    "PUT /api/v1/staff/{staff_member_id}/notices": (
        lambda p: ("PUT", f"/staff/{p.staff_member}/notices", {"json": {"notify_by": "inbox"}}),
        _row(COORDINATOR_ONLY),
    ),
    # A staff key manages only its own feeds: a colleague's are refused, another municipality's
    # staff members and feeds do not exist for it.
    "GET /api/v1/staff/{staff_member_id}/calendar-feeds": (
        lambda p: ("GET", f"/staff/{p.staff}/calendar-feeds", {}),
        _row({"coordinator": (OK, NOT_FOUND), "staff": (OK, NOT_FOUND)}),
    ),
    "POST /api/v1/staff/{staff_member_id}/calendar-feeds": (
        lambda p: ("POST", f"/staff/{p.staff}/calendar-feeds", {}),
        _row({"coordinator": (OK, NOT_FOUND), "staff": (OK, NOT_FOUND)}),
    ),
    "POST /api/v1/calendar-feeds/{feed_id}/revoke": (
        lambda p: ("POST", f"/calendar-feeds/{p.feed}/revoke", {}),
        _row({"coordinator": (OK, NOT_FOUND), "staff": (OK, NOT_FOUND)}),
    ),
    "POST /api/v1/bookings/{booking_id}/outcome/correction": (
        lambda p: (
            "POST",
            f"/bookings/{p.booking}/outcome/correction",
            {"json": {"attended": True, "gp_advice": True, "reason": "Lægeråd manglede"}},
        ),
        _row(STAFF_WORK),
    ),
}
