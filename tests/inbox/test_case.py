"""The whole case: a citizen asks for a call, a person takes over, answers, and hands back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from store.models import AuditEvent, Booking, Message
from store.types import BookingStatus
from tests.inbox.support import Office


class TestCallbackTakeoverHandBack:
    def test_the_whole_case(self, office: Office) -> None:
        replies = office.write("Ring mig op")
        (answer,) = [m for m in replies if m.kind == "callback"]
        assert "inden for to hverdage" in answer.text  # Jonas gets the notice by SMS
        (notice,) = [m for m in replies if m.kind == "staff_callback"]
        assert notice.channel == "twilio" and notice.address == "+4530000002"

        # The item is in Jonas's inbox, the coordinator's, and nowhere else.
        (item,) = office.call("GET", "/inbox", "jonas").json()
        assert item["kind"] == "callback" and item["text"] == "Ring mig op"
        assert item["campaign"] == "Test" and item["first_name"] == "Anne"
        assert item["notice"] == "sms" and item["delivered"] is True and item["due_at"]
        assert office.call("GET", "/inbox", "mette").json() == []
        assert office.call("GET", "/inbox", "lejre").json() == []
        assert [i["id"] for i in office.call("GET", "/inbox", "roskilde").json()] == [item["id"]]
        assert office.call("GET", "/inbox/count", "jonas").json() == {"open": 1}

        conversation = item["conversation_id"]
        taken = office.call("POST", f"/conversations/{conversation}/takeover", "jonas")
        assert taken.status_code == 200 and taken.json()["held_by"].startswith("api_key:")
        sent = office.call(
            "POST",
            f"/conversations/{conversation}/reply",
            "jonas",
            json={"text": "Hej Anne, det er Jonas. Passer det, at jeg ringer kl. 14?"},
        )
        assert sent.status_code == 201 and sent.json()["by_staff"] is True
        (mine,) = office.outbox(kind="person_reply")
        assert mine.staff_member_id == office.jonas_id and mine.trigger == "reply"

        # The citizen's answer reaches Jonas, and the bot says nothing.
        office.clock.advance(timedelta(minutes=5))
        after = office.write("Ja, kl 14 passer fint")
        assert [m.kind for m in after] == ["staff_citizen_reply"]
        assert after[0].address == "+4530000002"
        kinds = {i["kind"] for i in office.call("GET", "/inbox", "jonas").json()}
        assert kinds == {"callback", "reply"}

        # Handed back, the bot offers times, and the citizen books one.
        back = office.call("POST", f"/conversations/{conversation}/hand-back", "jonas")
        assert back.status_code == 200 and back.json()["held_by"] is None
        (offer,) = office.outbox(kind="slot_offer")
        assert offer.text.startswith("Her er ledige tider") and offer.trigger == "scheduled"
        office.write("1")
        with Session(office.engine) as session:
            booking = session.scalars(select(Booking)).one()
            assert booking.status == BookingStatus.BOOKED

        handled = office.call(
            "POST", f"/inbox/{item['id']}/handled", "jonas", json={"note": "Ringet op, tid booket"}
        )
        assert handled.status_code == 200
        assert handled.json()["status"] == "handled" and handled.json()["note"]
        assert office.call("GET", "/inbox/count", "jonas").json() == {"open": 1}  # the reply
        with Session(office.engine) as session:
            actions = set(session.scalars(select(col(AuditEvent.action))))
        assert {"inbox.handled", "conversation.takeover", "conversation.reply"} <= actions
        assert {"conversation.hand_back", "inbox.read"} <= actions


class TestRefusals:
    def test_another_staff_member_cannot_see_or_take_over(self, office: Office) -> None:
        office.write("Ring mig op")
        (item,) = office.call("GET", "/inbox", "jonas").json()
        conversation = item["conversation_id"]
        assert (
            office.call("POST", f"/conversations/{conversation}/takeover", "mette").status_code
            == 404
        )
        assert (
            office.call(
                "POST", f"/inbox/{item['id']}/handled", "mette", json={"note": "x"}
            ).status_code
            == 404
        )
        assert office.call("GET", f"/conversations/{conversation}", "lejre").status_code == 404
        assert office.call("GET", "/inbox", "evaluator").status_code == 403

    def test_handled_needs_a_note_and_happens_once(self, office: Office) -> None:
        office.write("Ring mig op")
        (item,) = office.call("GET", "/inbox", "jonas").json()
        path = f"/inbox/{item['id']}/handled"
        assert office.call("POST", path, "jonas", json={"note": ""}).status_code == 422
        assert office.call("POST", path, "jonas", json={"note": "Ringet"}).status_code == 200
        assert office.call("POST", path, "roskilde", json={"note": "Igen"}).status_code == 409

    def test_no_reply_to_a_citizen_who_opted_out(self, office: Office) -> None:
        office.write("Ring mig op")
        conversation = office.conversation_id()
        office.call("POST", f"/conversations/{conversation}/takeover", "jonas")
        office.write("STOP")  # STOP always stops, whoever holds the conversation
        response = office.call(
            "POST", f"/conversations/{conversation}/reply", "roskilde", json={"text": "Hej"}
        )
        assert response.status_code == 409
        with Session(office.engine) as session:
            kinds = list(
                session.scalars(select(col(Message.kind)).where(col(Message.direction) == "out"))
            )
        assert "opt_out" in kinds and "person_reply" not in kinds
