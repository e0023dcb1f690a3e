"""The inbox API: items that need a person, marking them handled, taking over a conversation.

A staff key sees the items of that staff member; a coordinator key every item of its
municipality. Another's item or conversation does not exist (404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Query

from api.deps import CoordinatorDep, ServicesDep, SessionDep, StaffDep
from api.routing import secured_router
from api.schemas import DB_INT_MAX, error_responses
from booking.access import Scope, scope_for
from core.calendar import local
from inbox import service, takeover
from inbox.schemas import (
    ConversationPublic,
    HandleRequest,
    InboxCount,
    ItemKind,
    ItemPublic,
    ItemStatus,
    MessagePublic,
    NoticesUpdate,
    ReplyRequest,
    StaffNoticesPublic,
)
from store.audit import record_reads
from store.models import Contact, Conversation

router = secured_router(prefix="", tags=["inbox"])

BODY = error_responses(400)
CONFLICT = error_responses(400, 409)
PathId = Annotated[int, Path(ge=1, le=DB_INT_MAX)]


def _staff_scope(principal: StaffDep, session: SessionDep) -> Scope:
    return scope_for(session=session, principal=principal)


def _coordinator_scope(principal: CoordinatorDep, session: SessionDep) -> Scope:
    return scope_for(session=session, principal=principal)


StaffScope = Annotated[Scope, Depends(_staff_scope)]
CoordinatorScope = Annotated[Scope, Depends(_coordinator_scope)]


@router.get("/inbox")
def list_inbox(
    scope: StaffScope,
    session: SessionDep,
    services: ServicesDep,
    status: ItemStatus = ItemStatus.OPEN,
    kind: ItemKind | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ItemPublic]:
    """List the caller's inbox, escalated items first, then newest first."""
    views = service.items(
        session=session,
        scope=scope,
        now=services.clock.now(),
        status=status,
        kind=kind.value if kind else None,
        limit=limit,
        where="GET /api/v1/inbox",
    )
    return [ItemPublic.of(view) for view in views]


@router.get("/inbox/count")
def count_inbox(scope: StaffScope, session: SessionDep) -> InboxCount:
    """Count the caller's open items."""
    return InboxCount(open=service.open_count(session=session, scope=scope))


@router.post("/inbox/{item_id}/handled", responses=CONFLICT)
def mark_handled(
    item_id: PathId,
    body: HandleRequest,
    scope: StaffScope,
    session: SessionDep,
    services: ServicesDep,
) -> ItemPublic:
    """Mark an item handled, with a short note of what was done (audited)."""
    now = services.clock.now()
    view = service.handle(session=session, scope=scope, item_id=item_id, note=body.note, now=now)
    # The answer shows the citizen the item is about.
    record_reads(
        session=session,
        actor=scope.actor,
        contact_ids=[view.item.contact_id],
        now=now,
        detail="POST /api/v1/inbox/{id}/handled",
    )
    return ItemPublic.of(view)


@router.get("/conversations/{conversation_id}")
def read_conversation(
    conversation_id: PathId, scope: StaffScope, session: SessionDep, services: ServicesDep
) -> ConversationPublic:
    """Read a conversation: every message in and out, and who holds it."""
    conversation, found = takeover.messages(
        session=session, scope=scope, conversation_id=conversation_id, now=services.clock.now()
    )
    return _public(session, conversation, [MessagePublic.of(m) for m in found])


@router.post("/conversations/{conversation_id}/takeover", responses=CONFLICT)
def take_over(
    conversation_id: PathId, scope: StaffScope, session: SessionDep, services: ServicesDep
) -> ConversationPublic:
    """Hold the conversation: the bot stops answering; replies come to the caller's inbox."""
    conversation = takeover.take_over(
        session=session, scope=scope, conversation_id=conversation_id, now=services.clock.now()
    )
    return _public(
        session, conversation, [], shown_to=scope, now=services.clock.now(), where="takeover"
    )


@router.post("/conversations/{conversation_id}/reply", status_code=201, responses=CONFLICT)
def reply(
    conversation_id: PathId,
    body: ReplyRequest,
    scope: StaffScope,
    session: SessionDep,
    services: ServicesDep,
) -> MessagePublic:
    """Send the citizen a message written by the caller, through the outbox (takes over)."""
    message = takeover.reply(
        session=session,
        scope=scope,
        conversation_id=conversation_id,
        text=body.text,
        now=services.clock.now(),
    )
    return MessagePublic.of(message)


@router.post("/conversations/{conversation_id}/hand-back", responses=CONFLICT)
def hand_back(
    conversation_id: PathId, scope: StaffScope, session: SessionDep, services: ServicesDep
) -> ConversationPublic:
    """Give the conversation back to the bot, which offers times (or keeps the booking)."""
    conversation = takeover.hand_back(
        session=session,
        scope=scope,
        dialogue=services.dialogue,
        conversation_id=conversation_id,
        now=services.clock.now(),
    )
    return _public(
        session, conversation, [], shown_to=scope, now=services.clock.now(), where="hand-back"
    )


@router.put("/staff/{staff_member_id}/notices", responses=BODY)
def set_notices(
    staff_member_id: PathId,
    body: NoticesUpdate,
    scope: CoordinatorScope,
    session: SessionDep,
    services: ServicesDep,
) -> StaffNoticesPublic:
    """Set how notices reach a staff member: own phone, route, and the coordinator's mark.

    A coordinator's entry is also told of callbacks escalated in the municipality.
    """
    member = service.set_notices(
        session=session,
        scope=scope,
        staff_member_id=staff_member_id,
        now=services.clock.now(),
        phone=body.phone,
        notify_by=body.notify_by.value if body.notify_by else None,
        coordinator=body.coordinator,
    )
    return StaffNoticesPublic.of(member)


def _public(
    session: SessionDep,
    conversation: Conversation,
    messages: list[MessagePublic],
    *,
    shown_to: Scope | None = None,
    now: datetime | None = None,
    where: str = "",
) -> ConversationPublic:
    """The conversation as the API shows it; `shown_to` logs the read of the citizen's name."""
    assert conversation.id is not None
    contact = session.get_one(Contact, conversation.contact_id)
    if shown_to is not None and now is not None:
        record_reads(
            session=session,
            actor=shown_to.actor,
            contact_ids=[contact.id],
            now=now,
            detail=f"POST /api/v1/conversations/{{id}}/{where}",
        )
    parts = contact.name.split()
    return ConversationPublic(
        id=conversation.id,
        channel=conversation.channel,
        status=conversation.status,
        held_by=conversation.held_by,
        held_at=local(conversation.held_at) if conversation.held_at else None,
        first_name=parts[0] if parts else None,
        messages=messages,
    )
