"""What the demo writes: funnel.json, messages.csv, contacts.csv, report.html, experiment.json."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session, col

from monitoring import compute_funnel, evaluation_tables, render_report
from monitoring.experiment import experiment_report
from monitoring.experiment_schemas import ExperimentReport
from monitoring.exports import spreadsheet_safe
from store.models import (
    Contact,
    Conversation,
    Invitation,
    Membership,
    Message,
    Municipality,
    OptOut,
    Partner,
)
from store.types import Direction


def write_all(
    *, session: Session, out: Path, campaign_id: int, tz: ZoneInfo, now: datetime
) -> dict[str, int]:
    """Write every demo output and return the funnel."""
    out.mkdir(parents=True, exist_ok=True)
    funnel = compute_funnel(session=session, campaign_id=campaign_id)
    (out / "funnel.json").write_text(
        json.dumps(funnel.as_dict(), indent=2) + "\n", encoding="utf-8"
    )
    write_messages(session=session, path=out / "messages.csv", tz=tz)
    write_contacts(session=session, path=out / "contacts.csv")
    tables = evaluation_tables(session=session, campaign_id=campaign_id)
    html = render_report(
        funnel=funnel,
        tables=tables,
        title="Sundhedstjek for FOA-medlemmer i Roskilde",
        generated_at=now,
    )
    (out / "report.html").write_text(html, encoding="utf-8")
    return funnel.as_dict()


def write_experiment(*, session: Session, path: Path, campaign_id: int) -> ExperimentReport:
    """Write the readout of the demo's two invitations and return it."""
    report = experiment_report(session=session, campaign_id=campaign_id)
    path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return report


def write_messages(*, session: Session, path: Path, tz: ZoneInfo) -> int:
    """Write every citizen message, in and out, with the contact's pseudonym."""
    rows = session.execute(
        select(Message, col(Contact.public_id))
        .join(Contact, col(Contact.id) == col(Message.contact_id), isouter=True)
        .where(col(Message.staff_member_id).is_(None))
        .order_by(col(Message.created_at), col(Message.id))
    ).all()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["time", "direction", "channel", "contact", "kind", "trigger", "text", "status"]
        )
        for message, public_id in rows:
            moment = (
                message.sent_at
                if message.direction == Direction.OUT and message.sent_at
                else message.created_at
            )
            writer.writerow(
                [
                    moment.astimezone(tz).isoformat(timespec="seconds"),
                    message.direction,
                    message.channel,
                    public_id or "",
                    message.kind,
                    message.trigger,
                    spreadsheet_safe(message.text),
                    message.status,
                ]
            )
    return len(rows)


def write_contacts(*, session: Session, path: Path) -> int:
    """Write every member with birth date, municipality, partner and where they got to."""
    # The partner of the list they are on; once invited, the one they were invited through.
    partner_of: dict[int, str] = dict(
        session.execute(
            select(col(Membership.contact_id), col(Partner.name))
            .join(Partner, col(Partner.id) == col(Membership.partner_id))
            .order_by(col(Membership.id).desc())
        ).all()
    )
    partner_of |= dict(
        session.execute(
            select(col(Invitation.contact_id), col(Partner.name))
            .join(Partner, col(Partner.id) == col(Invitation.partner_id))
            .order_by(col(Invitation.id))
        ).all()
    )
    municipality_of: dict[int | None, str] = dict(
        session.execute(select(col(Municipality.id), col(Municipality.name))).all()
    )
    opted_out = set(
        session.scalars(
            select(col(OptOut.contact_id)).where(
                col(OptOut.revoked_at).is_(None), col(OptOut.channel).is_(None)
            )
        )
    )
    latest: dict[int, Conversation] = {}
    for conversation in session.scalars(select(Conversation).order_by(col(Conversation.id))):
        latest[conversation.contact_id] = conversation
    contacts = session.scalars(select(Contact).order_by(col(Contact.id))).all()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["contact", "birth_date", "municipality", "partner", "status"])
        for contact in contacts:
            writer.writerow(
                [
                    contact.public_id,
                    contact.birth_date.isoformat() if contact.birth_date else "",
                    spreadsheet_safe(municipality_of.get(contact.municipality_id or -1, "")),
                    spreadsheet_safe(partner_of.get(contact.id or -1, "")),
                    _status(contact, latest.get(contact.id or -1), opted_out),
                ]
            )
    return len(contacts)


def _status(contact: Contact, conversation: Conversation | None, opted_out: set[int | None]) -> str:
    if contact.id in opted_out:
        return "opted_out"
    if conversation is None:
        return "not_invited"
    if conversation.status == "open":
        return f"open:{_step(conversation)}"
    return conversation.close_reason or "closed"


def _step(conversation: Conversation) -> str:
    return str(json.loads(conversation.state).get("step", ""))
