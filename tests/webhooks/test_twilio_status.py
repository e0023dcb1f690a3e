"""Twilio's delivery reports on the real app: kept raw, applied forward only, errors kept."""

from __future__ import annotations

import json

import pytest
from httpx import Response
from sqlalchemy import select
from sqlmodel import Session, col

from delivery.optout import is_opted_out
from delivery.sender import send_batch
from store.models import Message, OptOut, ProviderCallback
from store.types import MessageStatus
from tests.webhooks.twilio_service import (
    NOW,
    STATUS,
    Service,
    invite,
    outbound,
    sid,
)


class TestStatus:
    def sent_message(self, service: Service) -> Message:
        """The invitation, handed to the fake through the real sender."""
        invite(service)
        runtime = service.runtime
        send_batch(
            engine=runtime.engine,
            channels=runtime.channels,
            window=runtime.window,
            now=NOW,
            limit=10,
        )
        [message] = outbound(service)
        assert message.status == MessageStatus.SENT and message.provider_id
        return message

    def report(self, service: Service, message: Message, status: str, **extra: str) -> Response:
        form = {
            "MessageSid": str(message.provider_id),
            "MessageStatus": status,
            "SmsStatus": status,
            "AccountSid": "AC" + "0123456789abcdef" * 2,
            "To": message.address,
            "From": "+4570203040",
            "ApiVersion": "2010-04-01",
            **extra,
        }
        return service.post(STATUS, form, query=f"message_id={message.id}")

    def now_stored(self, service: Service, message: Message) -> Message:
        with Session(service.runtime.engine) as session:
            return session.get_one(Message, message.id)

    def callbacks(self, service: Service) -> list[ProviderCallback]:
        with Session(service.runtime.engine) as session:
            query = select(ProviderCallback).order_by(col(ProviderCallback.id))
            return list(session.scalars(query))

    def test_repeated_and_out_of_order_reports_end_delivered(self, service: Service) -> None:
        message = self.sent_message(service)
        for status in ("queued", "delivered", "sent", "delivered", "sending", "queued"):
            assert self.report(service, message, status).status_code == 204
        stored = self.now_stored(service, message)
        assert stored.status == MessageStatus.DELIVERED
        assert stored.delivered_at == NOW
        kept = self.callbacks(service)
        assert [c.status for c in kept] == [
            "queued",
            "delivered",
            "sent",
            "delivered",
            "sending",
            "queued",
        ]
        assert {c.message_id for c in kept} == {message.id}
        assert json.loads(kept[1].raw)["MessageStatus"] == "delivered"
        assert {c.provider_id for c in kept} == {message.provider_id}

    def test_a_late_sent_never_overwrites_delivered(self, service: Service) -> None:
        message = self.sent_message(service)
        self.report(service, message, "delivered")
        self.report(service, message, "sent")
        assert self.now_stored(service, message).status == MessageStatus.DELIVERED

    def test_21610_opts_the_contact_out(self, service: Service) -> None:
        message = self.sent_message(service)
        self.report(service, message, "failed", ErrorCode="21610")
        stored = self.now_stored(service, message)
        assert stored.status == MessageStatus.FAILED
        assert stored.error is not None and "21610" in stored.error
        with Session(service.runtime.engine) as session:
            assert message.contact_id is not None
            assert is_opted_out(session=session, contact_id=message.contact_id)
            assert session.scalars(select(OptOut)).one().source == "provider"

    @pytest.mark.parametrize("code", ["30003", "30004", "30005", "30006"])
    def test_unreachable_numbers_are_marked(self, service: Service, code: str) -> None:
        message = self.sent_message(service)
        self.report(service, message, "undelivered", ErrorCode=code)
        stored = self.now_stored(service, message)
        assert stored.status == MessageStatus.UNDELIVERED
        assert stored.error is not None and stored.error.startswith(f"unreachable: twilio {code}")
        assert self.callbacks(service)[0].error_code == int(code)

    def test_other_failures_keep_their_code(self, service: Service) -> None:
        message = self.sent_message(service)
        self.report(service, message, "undelivered", ErrorCode="30007")
        self.report(service, message, "failed", ErrorCode="30008")  # too late: kept, not applied
        stored = self.now_stored(service, message)
        assert stored.status == MessageStatus.UNDELIVERED
        assert stored.error == "twilio 30007: filtered by the carrier"
        assert [c.error_code for c in self.callbacks(service)] == [30007, 30008]

    def test_found_by_provider_id_without_our_id(self, service: Service) -> None:
        message = self.sent_message(service)
        form = {"MessageSid": str(message.provider_id), "MessageStatus": "delivered"}
        assert service.post(STATUS, form).status_code == 204
        assert self.now_stored(service, message).status == MessageStatus.DELIVERED

    def test_an_unknown_message_is_kept_and_applied_to_nothing(self, service: Service) -> None:
        form = {"MessageSid": sid(77), "MessageStatus": "delivered"}
        assert service.post(STATUS, form, query="message_id=999").status_code == 204
        [kept] = self.callbacks(service)
        assert kept.message_id is None and kept.provider_id == sid(77)

    def test_an_unknown_status_is_kept_and_applied_to_nothing(self, service: Service) -> None:
        message = self.sent_message(service)
        assert self.report(service, message, "teleported").status_code == 204
        assert self.now_stored(service, message).status == MessageStatus.SENT
        assert self.callbacks(service)[0].status == "teleported"

    def test_a_report_on_an_earlier_attempt_does_not_move_the_message(
        self, service: Service
    ) -> None:
        message = self.sent_message(service)
        form = {"MessageSid": sid(5), "MessageStatus": "failed", "ErrorCode": "30008"}
        assert service.post(STATUS, form, query=f"message_id={message.id}").status_code == 204
        assert self.now_stored(service, message).status == MessageStatus.SENT
        assert self.callbacks(service)[0].message_id == message.id
