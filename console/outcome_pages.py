"""One booking for staff: who, when and where, the outcome form, and cancelling it.

Its address, `/console/bookings/{id}/outcome`, is what `RECRUITBOT_TELEGRAM_CONSOLE_URL` points
the Telegram outcome form's button to. Recording calls `booking.outcomes.record_outcome` and
cancelling `booking.changes.cancel_by_staff`, which audits itself as it does for the API.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request, Response
from sqlmodel import Session

from api.deps import Services, ServicesDep
from api.schemas import DB_INT_MAX
from booking import changes, corrections, follow_ups, offers, outcomes
from booking import repository as bookings
from booking.access import Scope, audit
from booking.outcomes import InvalidOutcomeError
from booking.repository import BookingView
from console import labels, outcome_form, repository
from console.auth import DbDep, FormDep, StaffScopeDep, StaffUser
from console.outcome_form import OutcomeForm
from console.routing import NotConfirmedError, console_router, see_other
from console.templating import PREFIX, page
from core.calendar import local
from core.errors import InvalidInputError
from store.audit import record_reads
from store.types import BookingStatus

router = console_router()
BookingId = Annotated[int, Path(ge=1, le=DB_INT_MAX)]


def _audit(
    session: Session, scope: Scope, services: Services, action: str, booking_id: int
) -> None:
    audit(
        session=session,
        scope=scope,
        action=action,
        subject_type="booking",
        subject_id=booking_id,
        now=services.clock.now(),
    )


def _booking_page(
    request: Request,
    *,
    session: Session,
    services: Services,
    view: BookingView,
    filled: OutcomeForm | None = None,
) -> Response:
    """Render a booking with what can be done with it now."""
    now = services.clock.now()
    booking, slot = view.booking, view.slot
    assert booking.id is not None
    conversation_day = local(slot.starts_at).date()
    today = local(now).date()
    booked = booking.status == BookingStatus.BOOKED
    correctable = (
        booking.status in (BookingStatus.ATTENDED, BookingStatus.NO_SHOW)
        and now <= slot.starts_at + corrections.CORRECTION_PERIOD
    )
    record = repository.record_of_booking(session=session, booking_id=booking.id)
    if filled is None and correctable:
        filled = outcome_form.recorded(
            attended=booking.status == BookingStatus.ATTENDED, record=record
        )
    first, last = outcome_form.follow_up_range(conversation_day=conversation_day, today=today)
    return page(
        request,
        "booking.html",
        status_code=422 if filled and filled.errors else 200,
        active="bookings",
        view=view,
        recordable=booked and slot.starts_at <= now,
        correctable=correctable,
        correction_days=corrections.CORRECTION_PERIOD.days,
        cancellable=booked and slot.starts_at > now,
        offers=offers.list_offers(session=session, municipality_id=view.location.municipality_id),
        record=record,
        follow_up=follow_ups.for_booking(session=session, booking_id=booking.id),
        values=filled.values if filled else {},
        errors=filled.errors if filled else {},
        follow_up_first=first,
        follow_up_last=last,
        done=labels.DONE.get(request.query_params.get("done", "")),
    )


@router.get("/bookings/{booking_id}")
@router.get("/bookings/{booking_id}/outcome")
def booking_page(
    request: Request,
    booking_id: BookingId,
    user: StaffUser,
    scope: StaffScopeDep,
    session: DbDep,
    services: ServicesDep,
) -> Response:
    """Show one booking the key sees; another's is not found."""
    view = bookings.booking_view(session=session, scope=scope, booking_id=booking_id)
    _audit(session, scope, services, "booking.read", booking_id)
    record_reads(
        session=session,
        actor=scope.actor,
        contact_ids=[view.contact.id],
        now=services.clock.now(),
        detail="console booking",
    )
    return _booking_page(request, session=session, services=services, view=view)


@router.post("/bookings/{booking_id}/outcome")
def record_outcome(
    request: Request,
    booking_id: BookingId,
    user: StaffUser,
    form: FormDep,
    scope: StaffScopeDep,
    session: DbDep,
    services: ServicesDep,
) -> Response:
    """Record attendance and the outcome; a refused field is shown again beside its problem."""
    view = bookings.booking_view(session=session, scope=scope, booking_id=booking_id, lock=True)
    filled = outcome_form.read(form)
    outcome = outcome_form.to_outcome(filled)

    def again() -> Response:
        return _booking_page(request, session=session, services=services, view=view, filled=filled)

    if outcome is None:
        return again()
    try:
        with session.begin_nested():
            outcomes.record_outcome(
                session=session,
                dialogue=services.dialogue,
                booking_id=booking_id,
                outcome=outcome,
                now=services.clock.now(),
                actor=scope.actor,
            )
    except InvalidOutcomeError as refused:
        conversation_day = local(view.slot.starts_at).date()
        today = local(services.clock.now()).date()
        message = outcome_form.refusal(
            refused.field, conversation_day=conversation_day, today=today
        )
        filled.add(refused.field, message)
        return again()
    return see_other(f"{PREFIX}/bookings/{booking_id}?done=outcome")


@router.post("/bookings/{booking_id}/cancel")
def cancel_booking(
    booking_id: BookingId,
    user: StaffUser,
    form: FormDep,
    scope: StaffScopeDep,
    session: DbDep,
    services: ServicesDep,
) -> Response:
    """Cancel a booking; the citizen is told and offered new times, the slot is free again."""
    bookings.booking_view(session=session, scope=scope, booking_id=booking_id)
    if form.get("confirm") != "yes":
        raise NotConfirmedError("Sæt kryds i »Ja, aflys tiden« for at aflyse den. Intet er ændret.")
    changes.cancel_by_staff(
        session=session,
        dialogue=services.dialogue,
        scope=scope,
        booking_id=booking_id,
        now=services.clock.now(),
    )
    return see_other(f"{PREFIX}/bookings/{booking_id}?done=booking_cancelled")


@router.post("/bookings/{booking_id}/outcome/correction")
def correct_outcome(
    request: Request,
    booking_id: BookingId,
    user: StaffUser,
    form: FormDep,
    scope: StaffScopeDep,
    session: DbDep,
    services: ServicesDep,
) -> Response:
    """Correct a recorded outcome with a reason; refusals are shown beside their field."""
    view = bookings.booking_view(session=session, scope=scope, booking_id=booking_id, lock=True)
    filled = outcome_form.read(form)
    outcome = outcome_form.to_outcome(filled)
    reason = filled.values["reason"]

    def again() -> Response:
        return _booking_page(request, session=session, services=services, view=view, filled=filled)

    if outcome is None:
        return again()
    try:
        with session.begin_nested():
            corrections.correct_outcome(
                session=session,
                window=services.window,
                booking_id=booking_id,
                outcome=outcome,
                reason=str(reason),
                now=services.clock.now(),
                actor=scope.actor,
            )
    except InvalidOutcomeError as refused:
        conversation_day = local(view.slot.starts_at).date()
        today = local(services.clock.now()).date()
        message = outcome_form.refusal(
            refused.field, conversation_day=conversation_day, today=today
        )
        filled.add(refused.field, message)
        return again()
    except InvalidInputError:
        filled.add("reason", outcome_form.REASON_NEEDED)
        return again()
    return see_other(f"{PREFIX}/bookings/{booking_id}?done=outcome_corrected")
