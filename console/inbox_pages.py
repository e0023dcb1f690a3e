"""The inbox for staff and coordinators, and a conversation a person can take over.

The same use cases as the inbox API (`inbox.service`, `inbox.takeover`), scoped the same way:
a staff key sees its own staff member's items, a coordinator the municipality's. Every read
and change is audited there.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request, Response

from api.deps import ServicesDep
from api.schemas import DB_INT_MAX
from console.auth import DbDep, FormDep, StaffScopeDep, StaffUser
from console.routing import console_router, see_other
from console.templating import PREFIX, page
from core.errors import InvalidInputError
from inbox import service, takeover
from inbox.schemas import ItemPublic, ItemStatus, MessagePublic

router = console_router()
ItemId = Annotated[int, Path(ge=1, le=DB_INT_MAX)]
STATUS_LABELS = {"open": "Åbne", "handled": "Håndterede", "all": "Alle"}
DONE = {
    "handled": "Markeret som håndteret.",
    "taken": "Du har overtaget samtalen. Systemet svarer ikke borgeren, før du giver den tilbage.",
    "sent": "Beskeden er lagt i kø og sendes.",
    "back": "Samtalen er givet tilbage til systemet, som tilbyder borgeren tider.",
}


def _text(form_value: object, *, field: str, limit: int) -> str:
    if not isinstance(form_value, str) or not form_value.strip():
        raise InvalidInputError(f"Skriv {field}.")
    text = " ".join(form_value.split())  # a line break in a form is a space in an SMS
    if len(text) > limit:
        raise InvalidInputError(f"Højst {limit} tegn i {field}.")
    return text


@router.get("/inbox")
def inbox_page(
    request: Request,
    user: StaffUser,
    scope: StaffScopeDep,
    session: DbDep,
    services: ServicesDep,
    status: Annotated[str, Query(max_length=10)] = "open",
    done: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """List what needs a person, newest first; escalated callbacks on top."""
    chosen = ItemStatus(status) if status in set(ItemStatus) else ItemStatus.OPEN
    views = service.items(
        session=session,
        scope=scope,
        now=services.clock.now(),
        status=chosen,
        where="console inbox",
    )
    return page(
        request,
        "inbox.html",
        active="inbox",
        items=[ItemPublic.of(view) for view in views],
        status=chosen.value,
        statuses=STATUS_LABELS,
        coordinator=scope.staff_member_id is None,
        done=DONE.get(done, ""),
    )


@router.post("/inbox/{item_id}/handled")
def mark_handled(
    item_id: ItemId,
    user: StaffUser,
    form: FormDep,
    scope: StaffScopeDep,
    session: DbDep,
    services: ServicesDep,
) -> Response:
    """Mark an item handled with the note written beside it."""
    note = _text(form.get("note"), field="en kort note om, hvad der er gjort", limit=500)
    service.handle(
        session=session, scope=scope, item_id=item_id, note=note, now=services.clock.now()
    )
    return see_other(f"{PREFIX}/inbox?done=handled")


@router.get("/conversations/{conversation_id}")
def conversation_page(
    request: Request,
    conversation_id: ItemId,
    user: StaffUser,
    scope: StaffScopeDep,
    session: DbDep,
    services: ServicesDep,
    done: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """Show a conversation, who holds it, and what a person can do with it."""
    conversation, found = takeover.messages(
        session=session, scope=scope, conversation_id=conversation_id, now=services.clock.now()
    )
    return page(
        request,
        "conversation.html",
        active="inbox",
        conversation=conversation,
        messages=[
            MessagePublic.of(m)
            for m in found
            if m.staff_member_id is None or m.kind == "person_reply"
        ],
        mine=conversation.held_by == scope.actor,
        done=DONE.get(done, ""),
    )


@router.post("/conversations/{conversation_id}/takeover")
def take_over(
    conversation_id: ItemId,
    user: StaffUser,
    form: FormDep,
    scope: StaffScopeDep,
    session: DbDep,
    services: ServicesDep,
) -> Response:
    """Hold the conversation: the bot stops answering."""
    takeover.take_over(
        session=session, scope=scope, conversation_id=conversation_id, now=services.clock.now()
    )
    return see_other(f"{PREFIX}/conversations/{conversation_id}?done=taken")


@router.post("/conversations/{conversation_id}/reply")
def reply(
    conversation_id: ItemId,
    user: StaffUser,
    form: FormDep,
    scope: StaffScopeDep,
    session: DbDep,
    services: ServicesDep,
) -> Response:
    """Send the citizen the message written in the form."""
    text = _text(form.get("text"), field="en besked", limit=640)
    takeover.reply(
        session=session,
        scope=scope,
        conversation_id=conversation_id,
        text=text,
        now=services.clock.now(),
    )
    return see_other(f"{PREFIX}/conversations/{conversation_id}?done=sent")


@router.post("/conversations/{conversation_id}/hand-back")
def hand_back(
    conversation_id: ItemId,
    user: StaffUser,
    form: FormDep,
    scope: StaffScopeDep,
    session: DbDep,
    services: ServicesDep,
) -> Response:
    """Give the conversation back to the bot."""
    takeover.hand_back(
        session=session,
        scope=scope,
        dialogue=services.dialogue,
        conversation_id=conversation_id,
        now=services.clock.now(),
    )
    return see_other(f"{PREFIX}/conversations/{conversation_id}?done=back")
