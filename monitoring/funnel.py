"""The recruitment funnel: how many got from invitation to follow-up, counted in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from sqlalchemy import ColumnElement, distinct, func, or_, select
from sqlalchemy.sql.selectable import ScalarSelect
from sqlmodel import Session, col

from bot.types import MessageKind
from monitoring.filters import ReportFilter
from monitoring.scope import conversations
from store.models import Booking, Conversation, FollowUp, Message, MonitoringRecord, OptOut
from store.types import BookingStatus, Direction, DueStatus, MessageStatus

# The steps in order; `opted_out` is counted beside the funnel, not as a step of it.
FUNNEL_STEPS = (
    "invited",
    "delivered",
    "replied",
    "screened_in",
    "booked",
    "attended",
    "referred",
    "followed_up",
)
# An invitation counts once the provider accepted it, whether or not it reached the handset.
REACHED_PROVIDER = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.UNDELIVERED)


@dataclass(frozen=True, slots=True)
class Funnel:
    """Counts of people (or conversations, records) at each step of recruitment."""

    invited: int
    delivered: int
    replied: int
    screened_in: int
    booked: int
    attended: int
    referred: int
    followed_up: int
    opted_out: int

    def as_dict(self) -> dict[str, int]:
        """Return the counts by field name."""
        return {
            "invited": self.invited,
            "delivered": self.delivered,
            "replied": self.replied,
            "screened_in": self.screened_in,
            "booked": self.booked,
            "attended": self.attended,
            "referred": self.referred,
            "followed_up": self.followed_up,
            "opted_out": self.opted_out,
        }

    def conversions(self) -> dict[str, float | None]:
        """Return each step over the one before it, keyed by the later step; None over 0."""
        counts = self.as_dict()
        return {
            later: counts[later] / counts[earlier] if counts[earlier] else None
            for earlier, later in pairwise(FUNNEL_STEPS)
        }


def compute_funnel(
    *,
    session: Session,
    campaign_id: int | None = None,
    report_filter: ReportFilter | None = None,
) -> Funnel:
    """Count the funnel of the conversations a filter picks (default: all), in one query."""
    report_filter = report_filter or ReportFilter()
    if campaign_id is not None:
        report_filter = report_filter.with_(campaign_id=campaign_id)
    scope = conversations(report_filter)
    queries = {
        "invited": _invited(scope=scope, statuses=REACHED_PROVIDER),
        "delivered": _invited(scope=scope, statuses=(MessageStatus.DELIVERED,)),
        "replied": _conversations(scope=scope, condition=col(Conversation.replied_at).is_not(None)),
        "screened_in": _conversations(scope=scope, condition=col(Conversation.screening) == "in"),
        "booked": _booked(scope=scope, statuses=tuple(BookingStatus)),
        "attended": _booked(scope=scope, statuses=(BookingStatus.ATTENDED,)),
        "referred": _referred(scope=scope),
        "followed_up": _followed_up(scope=scope),
        "opted_out": _opted_out(scope=scope),
    }
    # The ORM's autoflush is bypassed by running on the connection; keep its semantics.
    session.flush()
    statement = select(*(query.label(name) for name, query in queries.items()))
    row = session.connection().execute(statement).mappings().one()
    return Funnel(**{name: int(row[name] or 0) for name in queries})


Scope = list[ColumnElement[bool]]  # conditions on Conversation


def _invited(*, scope: Scope, statuses: tuple[MessageStatus, ...]) -> ScalarSelect[int]:
    """Count distinct contacts with an outbound invitation in one of `statuses`."""
    contact = func.coalesce(col(Message.contact_id), col(Conversation.contact_id))
    statement = (
        select(func.count(distinct(contact)))
        .select_from(Message)
        .outerjoin(Conversation, col(Message.conversation_id) == col(Conversation.id))
        .where(
            col(Message.kind) == MessageKind.INVITATION,
            col(Message.direction) == Direction.OUT,
            col(Message.status).in_(statuses),
            *scope,
        )
    )
    return statement.scalar_subquery()


def _conversations(*, scope: Scope, condition: ColumnElement[bool]) -> ScalarSelect[int]:
    """Count conversations that meet `condition`."""
    return select(func.count(col(Conversation.id))).where(condition, *scope).scalar_subquery()


def _booked(*, scope: Scope, statuses: tuple[BookingStatus, ...]) -> ScalarSelect[int]:
    """Count distinct contacts with a booking in one of `statuses`."""
    statement = (
        select(func.count(distinct(col(Booking.contact_id))))
        .select_from(Booking)
        .join(Conversation, col(Booking.conversation_id) == col(Conversation.id))
        .where(col(Booking.status).in_(statuses), *scope)
    )
    return statement.scalar_subquery()


def _referred(*, scope: Scope) -> ScalarSelect[int]:
    """Count monitoring records with a referral to any offer."""
    statement = (
        select(func.count(col(MonitoringRecord.id)))
        .select_from(MonitoringRecord)
        .outerjoin(Booking, col(MonitoringRecord.booking_id) == col(Booking.id))
        .outerjoin(Conversation, col(Booking.conversation_id) == col(Conversation.id))
        .where(
            or_(
                func.trim(col(MonitoringRecord.referrals_municipal)) != "",
                func.trim(col(MonitoringRecord.referrals_non_municipal)) != "",
            ),
            *scope,
        )
    )
    return statement.scalar_subquery()


def _followed_up(*, scope: Scope) -> ScalarSelect[int]:
    """Count follow-ups that were carried out."""
    statement = (
        select(func.count(col(FollowUp.id)))
        .select_from(FollowUp)
        .join(Conversation, col(FollowUp.conversation_id) == col(Conversation.id))
        .where(col(FollowUp.status) == DueStatus.DONE, *scope)
    )
    return statement.scalar_subquery()


def _opted_out(*, scope: Scope) -> ScalarSelect[int]:
    """Count distinct contacts with an opt-out that still stands, among those in scope."""
    statement = select(func.count(distinct(col(OptOut.contact_id)))).where(
        col(OptOut.revoked_at).is_(None), col(OptOut.channel).is_(None)
    )
    if scope:
        in_scope = select(col(Conversation.contact_id)).where(*scope)
        statement = statement.where(col(OptOut.contact_id).in_(in_scope))
    return statement.scalar_subquery()
