"""The app with the Twilio channel on the fake, and the helpers its webhook tests share."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from fastapi.testclient import TestClient
from httpx import Response
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel, col
from twilio.request_validator import RequestValidator

from conversation.service import start
from core.clock import SimulatedClock
from core.settings import Settings
from recruitbot.app import create_app
from recruitbot.runtime import Runtime, build_runtime
from store.models import Contact, Message, OptOut, ProviderCallback
from store.types import Direction
from tests.factories import DIALOGUE, MONDAY, add_contact, make_world
from tests.fakes.twilio_api import TwilioApiFake

PUBLIC = "https://recruitbot.example.dk"
NOW = MONDAY + timedelta(hours=2)
PHONE = "+4520123456"
SMS = "/webhooks/twilio/sms"
STATUS = "/webhooks/twilio/status"


def sid(n: int) -> str:
    return f"SM{n:032x}"


@dataclass
class Service:
    runtime: Runtime
    client: TestClient
    token: str

    def post(
        self,
        path: str,
        form: Mapping[str, str],
        *,
        query: str = "",
        signature: str | None = "sign",
        signed_url: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Post a form as Twilio does; sign it for the public URL unless told otherwise."""
        target = f"{path}?{query}" if query else path
        url = signed_url or f"{PUBLIC}{target}"
        if signature == "sign":
            signature = RequestValidator(self.token).compute_signature(url, dict(form))
        sent = dict(headers or {})
        if signature is not None:
            sent["X-Twilio-Signature"] = signature
        answer: Response = self.client.post(target, data=dict(form), headers=sent)
        return answer

    def count(self, table: type[SQLModel]) -> int:
        with Session(self.runtime.engine) as session:
            return session.scalar(select(func.count()).select_from(table)) or 0

    def rows(self) -> dict[str, int]:
        return {t.__name__: self.count(t) for t in (Message, ProviderCallback, OptOut)}


@contextmanager
def running_service(database_url: str, twilio_api: TwilioApiFake) -> Iterator[Service]:
    """The app on a migrated database, with the Twilio channel talking to the fake."""
    settings = Settings(
        database_url=database_url,
        channel="twilio",
        twilio_account_sid=twilio_api.account_sid,
        twilio_auth_token=SecretStr(twilio_api.auth_token),
        twilio_from="+4570203040",
        public_base_url=PUBLIC,
        twilio_api_base_url=twilio_api.base_url,
        twilio_mps=1000,
    )
    runtime = build_runtime(settings, clock=SimulatedClock(NOW))
    client = TestClient(create_app(runtime), raise_server_exceptions=False)
    try:
        yield Service(runtime, client, twilio_api.auth_token)
    finally:
        runtime.engine.dispose()


def invite(service: Service) -> Contact:
    """A citizen invited by a running Twilio campaign; the invitation waits in the outbox."""
    with Session(service.runtime.engine, expire_on_commit=False) as session:
        world = make_world(session, now=NOW)
        world.campaign.channel = "twilio"
        world.campaign.status = "running"
        contact = add_contact(session, world, phone=PHONE, now=NOW)
        start(session=session, dialogue=DIALOGUE, contact=contact, campaign=world.campaign, now=NOW)
        session.commit()
    return contact


def sms(n: int, body: str = "ja", sender: str = "+45 20 12 34 56") -> dict[str, str]:
    return {
        "MessageSid": sid(n),
        "SmsSid": sid(n),
        "AccountSid": "AC" + "0123456789abcdef" * 2,
        "From": sender,
        "To": "+4570203040",
        "Body": body,
        "NumMedia": "0",
    }


def outbound(service: Service) -> list[Message]:
    with Session(service.runtime.engine) as session:
        query = select(Message).where(col(Message.direction) == Direction.OUT)
        return list(session.scalars(query.order_by(col(Message.id))))
