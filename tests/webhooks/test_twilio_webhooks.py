"""Twilio's inbound SMS webhook on the real app: signatures, one dialogue step per SMS."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col
from twilio.request_validator import RequestValidator

from core.clock import SimulatedClock
from core.settings import Settings
from delivery.sender import send_batch
from recruitbot.app import create_app
from recruitbot.runtime import build_runtime
from store.models import Booking, Conversation, Message, StaffMember
from store.types import Direction, MessageStatus, Trigger
from tests.fakes.twilio_api import Drop, TwilioApiFake, TwilioError
from tests.webhooks.twilio_service import (
    NOW,
    PHONE,
    PUBLIC,
    SMS,
    STATUS,
    Service,
    invite,
    outbound,
    sid,
    sms,
)


class TestInbound:
    def test_a_signed_sms_runs_one_dialogue_step(self, service: Service) -> None:
        invite(service)
        before = outbound(service)
        answer = service.post(SMS, sms(1))
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/xml")
        assert "<Response" in answer.text and "<Message" not in answer.text
        replies = outbound(service)[len(before) :]
        assert len(replies) == 1
        assert replies[0].channel == "twilio" and replies[0].trigger == Trigger.REPLY
        assert replies[0].address == PHONE  # "+45 20 12 34 56" was normalised to E.164
        with Session(service.runtime.engine) as session:
            inbound = session.scalars(
                select(Message).where(col(Message.direction) == Direction.IN)
            ).one()
            assert (inbound.provider_id, inbound.channel) == (sid(1), "twilio")
            assert inbound.contact_id is not None
            conversation = session.scalars(select(Conversation)).one()
            assert conversation.replied_at == NOW

    def test_an_unknown_sender_gets_a_short_answer(self, service: Service) -> None:
        assert service.post(SMS, sms(1, sender="+4520999999")).status_code == 200
        [reply] = outbound(service)
        assert reply.address == "+4520999999" and reply.kind == "info"

    def test_the_same_message_sid_five_times_is_processed_once(self, service: Service) -> None:
        invite(service)
        before = len(outbound(service))
        codes = [service.post(SMS, sms(1)).status_code for _ in range(2)]
        threads = [
            threading.Thread(target=lambda: codes.append(service.post(SMS, sms(1)).status_code))
            for _ in range(3)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert codes == [200] * 5
        with Session(service.runtime.engine) as session:
            inbound = session.scalars(
                select(Message).where(col(Message.direction) == Direction.IN)
            ).all()
        assert len(inbound) == 1
        assert len(outbound(service)) == before + 1

    def test_the_webhook_answers_while_twilio_is_down(
        self, service: Service, twilio_api: TwilioApiFake
    ) -> None:
        invite(service)
        twilio_api.then(Drop(), Drop())  # the invitation and the reply both meet a dropped line
        assert service.post(SMS, sms(1)).status_code == 200
        runtime = service.runtime
        send_batch(
            engine=runtime.engine,
            channels=runtime.channels,
            window=runtime.window,
            now=NOW,
            limit=10,
        )
        waiting = outbound(service)
        assert {m.status for m in waiting} == {MessageStatus.ERRORED}
        later = NOW + timedelta(minutes=1)
        send_batch(
            engine=runtime.engine,
            channels=runtime.channels,
            window=runtime.window,
            now=later,
            limit=10,
        )
        assert {m.status for m in outbound(service)} == {MessageStatus.SENT}
        assert len(twilio_api.messages) == len(waiting)


class TestSignature:
    def test_missing_signature_is_refused_and_writes_nothing(self, service: Service) -> None:
        invite(service)
        before = service.rows()
        answer = service.post(SMS, sms(1), signature=None)
        assert answer.status_code == 403
        assert "X-Twilio-Signature" in answer.json()["error"]["message"]
        assert service.rows() == before

    @pytest.mark.parametrize("path", [SMS, STATUS])
    def test_bad_signature_is_refused_and_writes_nothing(self, service: Service, path: str) -> None:
        invite(service)
        before = service.rows()
        form = sms(1) | {"MessageStatus": "delivered"}
        assert service.post(path, form, signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
        signed_by_other = RequestValidator("another-token").compute_signature(PUBLIC + path, form)
        assert service.post(path, form, signature=signed_by_other).status_code == 403
        assert service.rows() == before

    def test_the_signature_is_checked_before_anything_else(self, service: Service) -> None:
        junk = {"MessageSid": "junk"}
        answer = service.post(STATUS, junk, query="message_id=abc", signature=None)
        assert answer.status_code == 403

    def test_a_tampered_body_is_refused(self, service: Service) -> None:
        signature = RequestValidator(service.token).compute_signature(PUBLIC + SMS, sms(1))
        tampered = sms(1, body="STOP")
        assert service.post(SMS, tampered, signature=signature).status_code == 403

    def test_forged_host_headers_do_not_change_the_url_checked(self, service: Service) -> None:
        forged = {
            "Host": "evil.example",
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Proto": "http",
            "X-Forwarded-Port": "8080",
        }
        evil_url = "http://evil.example/webhooks/twilio/sms"
        before = service.rows()
        refused = service.post(SMS, sms(1), signed_url=evil_url, headers=forged)
        assert refused.status_code == 403
        assert service.rows() == before
        assert service.post(SMS, sms(1), headers=forged).status_code == 200

    def test_the_query_is_part_of_the_signed_url(self, service: Service) -> None:
        form = {"MessageSid": sid(9), "MessageStatus": "sent"}
        signed_for_1 = RequestValidator(service.token).compute_signature(
            f"{PUBLIC}{STATUS}?message_id=1", form
        )
        answer = service.post(STATUS, form, query="message_id=2", signature=signed_for_1)
        assert answer.status_code == 403

    def test_without_configuration_every_webhook_is_refused(
        self, database_url: str, twilio_api: TwilioApiFake
    ) -> None:
        runtime = build_runtime(Settings(database_url=database_url), clock=SimulatedClock(NOW))
        unconfigured = Service(runtime, TestClient(create_app(runtime)), twilio_api.auth_token)
        assert unconfigured.post(SMS, sms(1)).status_code == 403
        assert unconfigured.count(Message) == 0
        runtime.engine.dispose()


class TestMalformed:
    @pytest.mark.parametrize(
        ("path", "form", "query"),
        [
            (SMS, {"From": PHONE, "Body": "ja"}, ""),
            (SMS, {"MessageSid": sid(1), "Body": "ja"}, ""),
            (SMS, {"MessageSid": "not-a-sid", "From": PHONE, "Body": "ja"}, ""),
            (SMS, {"MessageSid": sid(1), "From": "junk", "Body": "ja"}, ""),
            (SMS, {"MessageSid": sid(1), "From": "+45 1", "Body": "ja"}, ""),
            (SMS, {}, ""),
            (STATUS, {"MessageSid": sid(1)}, ""),
            (STATUS, {"MessageStatus": "sent"}, ""),
            (STATUS, {"MessageSid": sid(1), "MessageStatus": "failed", "ErrorCode": "x1"}, ""),
            (STATUS, {"MessageSid": sid(1), "MessageStatus": "sent"}, "message_id=abc"),
            (STATUS, {"MessageSid": sid(1), "MessageStatus": "sent"}, "message_id=-4"),
            (STATUS, {"MessageSid": sid(1), "MessageStatus": "sent"}, "message_id=99999999999"),
        ],
    )
    def test_signed_junk_is_a_4xx(
        self, service: Service, path: str, form: dict[str, str], query: str
    ) -> None:
        before = service.rows()
        answer = service.post(path, form, query=query)
        assert 400 <= answer.status_code < 500, answer.text
        assert answer.json()["error"]["message"]
        assert service.rows() == before

    def test_a_body_that_is_not_a_form(self, service: Service) -> None:
        for body in (b"\xff\xfe\x00junk", b'{"MessageSid": "SM1"}', b"x" * 70_000):
            answer = service.client.post(
                SMS,
                content=body,
                headers={"X-Twilio-Signature": "c2ln", "Content-Type": "application/json"},
            )
            assert 400 <= answer.status_code < 500

    def test_a_get_is_not_allowed(self, service: Service) -> None:
        assert service.client.get(SMS).status_code == 405


def test_the_reply_goes_out_on_twilio_at_once(service: Service, twilio_api: TwilioApiFake) -> None:
    """The answer is sent right after the webhook's response, by the same process: no tick."""
    assert set(service.runtime.channels) == {"console", "twilio"}
    assert service.post(SMS, sms(1, sender="+4520999999")).status_code == 200
    [reply] = outbound(service)
    assert (reply.channel, reply.status) == ("twilio", MessageStatus.SENT)
    assert reply.provider_id in twilio_api.messages
    assert [form["To"] for form in twilio_api.created()] == [["+4520999999"]]


def test_a_reply_that_cannot_go_at_once_goes_with_the_tick_once(
    service: Service, twilio_api: TwilioApiFake
) -> None:
    """Twilio refuses for a moment: the answer stays in the outbox and the tick sends it once."""
    twilio_api.then(TwilioError(code=20429, status=429))
    assert service.post(SMS, sms(1, sender="+4520999999")).status_code == 200
    [reply] = outbound(service)
    assert reply.status == MessageStatus.ERRORED and twilio_api.created() == []
    runtime = service.runtime
    for minutes in (1, 2):  # the backoff's first retry, then a tick with nothing left to do
        send_batch(
            engine=runtime.engine,
            channels=runtime.channels,
            window=runtime.window,
            now=NOW + timedelta(minutes=minutes),
            limit=10,
        )
    assert [m.status for m in outbound(service)] == [MessageStatus.SENT]
    assert len(twilio_api.created()) == 1


def test_a_booking_notice_to_staff_on_sms_goes_out_with_the_answer(
    service: Service, twilio_api: TwilioApiFake
) -> None:
    """What one SMS queues for a staff member's phone leaves at once too, not with the tick."""
    contact = invite(service)
    staff_phone = "+4530303030"
    with Session(service.runtime.engine) as session:
        [staff] = session.scalars(select(StaffMember)).all()
        staff.phone, staff.notify_by = staff_phone, "sms"
        session.commit()
    for n, text in enumerate(("Ja tak", "nej", "1"), start=1):
        assert service.post(SMS, sms(n, body=text)).status_code == 200
    with Session(service.runtime.engine) as session:
        assert session.scalars(select(Booking)).one().contact_id == contact.id
    [notice] = [m for m in outbound(service) if m.address == staff_phone]
    assert (notice.kind, notice.status) == ("staff_booking", MessageStatus.SENT)
    assert [staff_phone] in [form["To"] for form in twilio_api.created()]
