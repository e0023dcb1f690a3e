"""A citizen's rights: see what is held (export), and the log of every read (erasure: erasing).

Services never commit: the caller's unit of work holds the export's audit entry, or the whole
erasure, in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from core.calendar import local
from core.errors import NotFoundError
from privacy import holdings, repository
from privacy.schemas import (
    AccessEntry,
    Actor,
    BookingPart,
    ChannelPart,
    CitizenExport,
    ContactPart,
    ConversationPart,
    FollowUpPart,
    InboxItemPart,
    InvitationPart,
    MembershipPart,
    MessagePart,
    MonitoringPart,
    OptOutPart,
    StaffNoticePart,
    WaitlistPart,
)
from store import audit
from store.audit import KEY_ACTOR
from store.models import (
    ApiKey,
    AuditEvent,
    Contact,
    Conversation,
    FollowUp,
    Invitation,
    Message,
    MonitoringRecord,
    OptOut,
)
from store.types import Direction

EXPORT = "citizen.export"


def find_citizen(*, session: Session, public_id: str, municipality_id: int | None) -> Contact:
    """Return the citizen with this pseudonym if the key's municipality may see them, else 404."""
    contact = repository.contact_by_ref(session=session, public_id=public_id)
    visible = contact is not None and (
        municipality_id is None
        or repository.belongs_to(session=session, contact=contact, municipality_id=municipality_id)
    )
    if contact is None or not visible:
        raise NotFoundError(f"no citizen {public_id} in this key's municipality")
    return contact


# ---------------------------------------------------------------- export


def export_citizen(
    *,
    session: Session,
    contact: Contact,
    actor: str,
    now: datetime,
    detail: str,
    municipality_id: int | None = None,
) -> CitizenExport:
    """Log the export, then return everything held about the citizen, that entry included.

    With a municipality, only what it processed (privacy.scope): the contact, its opt-outs and
    linked chats, and of the rest only that municipality's rows and audit entries.
    """
    assert contact.id is not None
    audit.add_reads(
        session=session,
        actor=actor,
        action=EXPORT,
        contact_ids=[contact.id],
        now=now,
        detail=detail,
    )
    session.flush()
    held = holdings.load(session=session, contact=contact, municipality_id=municipality_id)
    booking_ids = [row.booking.id for row in held.bookings if row.booking.id is not None]
    entries = repository.access_log(session=session, contact_id=contact.id, booking_ids=booking_ids)
    if municipality_id is not None:
        entries = _not_by_others(session, entries, municipality_id)
    return CitizenExport(
        generated_at=local(now),
        contact=_contact(contact, held.municipality),
        memberships=[
            MembershipPart(partner=partner, since=local(m.created_at))
            for m, partner in held.memberships
        ],
        opt_outs=[_opt_out(o) for o in held.opt_outs],
        channels=[
            ChannelPart(channel=c.channel, address=c.address, linked_at=local(c.created_at))
            for c in held.channels
        ],
        invitations=[_invitation(i, campaign) for i, campaign in held.invitations],
        conversations=[_conversation(c, campaign) for c, campaign in held.conversations],
        messages=[_message(m) for m in held.messages],
        staff_notices=[
            StaffNoticePart(time=local(m.created_at), staff_member=staff, kind=m.kind, text=m.text)
            for m, staff in held.staff_notices
        ],
        inbox_items=[
            InboxItemPart(
                time=local(item.created_at),
                kind=item.kind,
                status=item.status,
                text=item.text,
                handled_at=local(item.handled_at) if item.handled_at else None,
                note=item.note,
            )
            for item in held.inbox_items
        ],
        waitlist=[
            WaitlistPart(
                joined=local(entry.created_at),
                until=local(entry.expires_at),
                status=entry.status,
                offers=entry.offers,
            )
            for entry in held.waitlist
        ],
        bookings=[_booking(row) for row in held.bookings],
        follow_ups=[_follow_up(f) for f in held.follow_ups],
        monitoring_records=[_monitoring(r) for r in held.monitoring_records],
        access_log=_access_log(session, entries),
    )


def _maybe(moment: datetime | None) -> datetime | None:
    return local(moment) if moment else None


def cpr_held(contact: Contact) -> str:
    """Say what is held about the CPR number, without the number."""
    if contact.cpr_hash is None:
        return "not held"
    if contact.cpr_encrypted is not None:
        return "stored as a keyed hash for matching, and an encrypted copy is held"
    return "stored only as a keyed hash, for matching"


def _contact(contact: Contact, municipality: str | None) -> ContactPart:
    return ContactPart(
        ref=contact.public_id,
        name=contact.name,
        phone=contact.phone,
        birth_date=contact.birth_date,
        municipality=municipality,
        education=contact.education,
        language=contact.language,
        workplace=contact.workplace,
        cpr=cpr_held(contact),
        created_at=local(contact.created_at),
        updated_at=local(contact.updated_at),
    )


def _opt_out(opt_out: OptOut) -> OptOutPart:
    return OptOutPart(
        at=local(opt_out.created_at),
        source=opt_out.source,
        channel=opt_out.channel,
        revoked_at=_maybe(opt_out.revoked_at),
    )


def _invitation(invitation: Invitation, campaign: str) -> InvitationPart:
    return InvitationPart(
        campaign_id=invitation.campaign_id,
        campaign=campaign,
        status=invitation.status,
        skip_reason=invitation.skip_reason,
        due_at=_maybe(invitation.due_at),
        done_at=_maybe(invitation.done_at),
    )


def _follow_up(follow_up: FollowUp) -> FollowUpPart:
    return FollowUpPart(
        booking_id=follow_up.booking_id,
        due_at=local(follow_up.due_at),
        status=follow_up.status,
        done_at=_maybe(follow_up.done_at),
        answered_at=_maybe(follow_up.answered_at),
        needs_help=follow_up.needs_help,
    )


def _conversation(conversation: Conversation, campaign: str) -> ConversationPart:
    state = json.loads(conversation.state)
    assert conversation.id is not None
    return ConversationPart(
        id=conversation.id,
        campaign_id=conversation.campaign_id,
        campaign=campaign,
        channel=conversation.channel,
        status=conversation.status,
        step=str(state.get("step", "")),
        language=str(state.get("lang", "da")),
        consent=state.get("consent"),
        screening=state.get("screening") or {},
        screened_out_reason=conversation.screened_out_reason,
        close_reason=conversation.close_reason,
        created_at=local(conversation.created_at),
        replied_at=_maybe(conversation.replied_at),
        closed_at=_maybe(conversation.closed_at),
    )


def _message(message: Message) -> MessagePart:
    sent = message.direction == Direction.OUT and message.sent_at is not None
    return MessagePart(
        time=local(message.sent_at if sent and message.sent_at else message.created_at),
        direction=message.direction,
        channel=message.channel,
        kind=message.kind,
        text=message.text,
        status=message.status,
        conversation_id=message.conversation_id,
    )


def _booking(row: holdings.BookingRow) -> BookingPart:
    assert row.booking.id is not None
    return BookingPart(
        id=row.booking.id,
        status=row.booking.status,
        starts_at=local(row.slot.starts_at),
        location=row.location.name,
        address=row.location.address,
        staff_member=row.staff.name,
        created_at=local(row.booking.created_at),
        ended_at=_maybe(row.booking.ended_at),
    )


def _codes(text: str | None) -> list[str]:
    return [code.strip() for code in (text or "").split(",") if code.strip()]


def _monitoring(record: MonitoringRecord) -> MonitoringPart:
    return MonitoringPart(
        booking_id=record.booking_id,
        health_check_date=record.health_check_date,
        municipality_code=record.municipality_code,
        age=record.age,
        education=record.education,
        recruited_from=record.recruited_from,
        chronic_diseases=_codes(record.chronic_diseases),
        self_rated_health=record.self_rated_health,
        referrals_municipal=_codes(record.referrals_municipal),
        referrals_non_municipal=_codes(record.referrals_non_municipal),
        waiting_days=record.waiting_days,
        gp_advice=record.gp_advice,
        further_course=record.further_course,
        follow_up_date=record.follow_up_date,
    )


def _key_id(entry: AuditEvent) -> int | None:
    suffix = entry.actor.removeprefix(KEY_ACTOR)
    return int(suffix) if entry.actor != suffix and suffix.isdigit() else None


def _not_by_others(
    session: Session, entries: Sequence[AuditEvent], municipality_id: int
) -> list[AuditEvent]:
    """Leave out the entries made by keys limited to another municipality."""
    key_ids = [i for i in map(_key_id, entries) if i is not None]
    keys = repository.api_keys(session=session, key_ids=key_ids)
    others = {
        key_id
        for key_id, (key, _) in keys.items()
        if key.municipality_id is not None and key.municipality_id != municipality_id
    }
    return [e for e in entries if _key_id(e) not in others]


def _access_log(session: Session, entries: Sequence[AuditEvent]) -> list[AccessEntry]:
    key_ids = [
        int(e.actor.removeprefix(KEY_ACTOR))
        for e in entries
        if e.actor.startswith(KEY_ACTOR) and e.actor.removeprefix(KEY_ACTOR).isdigit()
    ]
    keys = repository.api_keys(session=session, key_ids=key_ids)
    return [
        AccessEntry(
            at=local(e.at),
            actor=_actor(e.actor, keys),
            action=e.action,
            subject_type=e.subject_type,
            subject_id=e.subject_id,
            detail=e.detail,
        )
        for e in entries
    ]


def _actor(actor: str, keys: dict[int, tuple[ApiKey, str | None]]) -> Actor:
    suffix = actor.removeprefix(KEY_ACTOR)
    if actor == suffix or not suffix.isdigit():
        return Actor(kind=actor)
    found = keys.get(int(suffix))
    if found is None:
        return Actor(kind="api_key", key_id=int(suffix))
    key, municipality = found
    return Actor(
        kind="api_key",
        key_id=key.id,
        role=key.role,
        name=key.name or None,
        municipality=municipality or "all",
    )
