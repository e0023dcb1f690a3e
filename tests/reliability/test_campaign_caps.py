"""Caps on one campaign's size and cost: the preview warns, launch refuses before anything exists.

The service sends through the real Twilio adapter to the local fake of Twilio's API, so "no
provider call" is counted where Twilio would count it. A refused launch leaves the campaign a
draft with no invitation and no outbox row, and a day of ticks sends nothing; the same campaign
under a raised cap does send, which shows the setup would have reached Twilio. `make test` uses
a list of 60; `make soak` a list one above the default cap of 20,000.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel
from typer.testing import CliRunner

from core.clock import SimulatedClock
from core.principal import Role
from core.settings import DEFAULT_MAX_RECIPIENTS, Settings, get_settings
from recruitbot.app import create_app
from recruitbot.cli import app as cli
from recruitbot.runtime import Runtime, build_runtime
from store.models import Campaign, Invitation, Message
from tests.api.support import bearer, make_key
from tests.factories import MONDAY
from tests.fakes.twilio_api import TwilioApiFake
from tests.fakes.twilio_api import twilio_api as twilio_api  # a fixture, used by name
from tests.outreach.worlds import world_with_members
from tests.reliability import SOAK, size

MEMBERS = size(60, DEFAULT_MAX_RECIPIENTS + 1)
# The cost tests keep the size cap out of the way, at any list size.
SIZE_FITS = {"campaign_max_recipients": MEMBERS}
DAILY = 25  # the control campaign sends this many on its first day, whatever the list's size


@dataclass
class Service:
    runtime: Runtime
    client: TestClient
    key: dict[str, str]
    campaign_id: int
    twilio: TwilioApiFake

    def call(self, action: str) -> Any:
        response = self.client.post(
            f"/api/v1/campaigns/{self.campaign_id}/{action}", headers=self.key
        )
        assert response.status_code < 500, response.text
        return response

    def count(self, table: type[SQLModel]) -> int:
        with Session(self.runtime.engine) as session:
            return session.scalar(select(func.count()).select_from(table)) or 0

    def status(self) -> str:
        with Session(self.runtime.engine) as session:
            return session.get_one(Campaign, self.campaign_id).status

    def tick_through_the_day(self) -> None:
        clock = self.runtime.clock
        assert isinstance(clock, SimulatedClock)
        for _ in range(4 * 11):  # 08:00 to 19:00 in quarters of an hour
            self.runtime.ticker.tick()
            clock.advance(timedelta(minutes=15))


def _settings(database_url: str, twilio: TwilioApiFake, **caps: object) -> Settings:
    return Settings(
        database_url=database_url,
        channel="twilio",
        twilio_account_sid=twilio.account_sid,
        twilio_auth_token=SecretStr(twilio.auth_token),
        twilio_from="+4570203040",
        twilio_api_base_url=twilio.base_url,
        twilio_mps=1000,
        **caps,  # type: ignore[arg-type]
    )


def _service(database_url: str, twilio: TwilioApiFake, **caps: object) -> Service:
    """The app on Twilio's fake; the first call also lays a draft campaign to a long list."""
    runtime = build_runtime(
        _settings(database_url, twilio, **caps), clock=SimulatedClock(MONDAY), migrate=False
    )
    with Session(runtime.engine, expire_on_commit=False) as session:
        existing = session.scalars(select(Campaign)).first()
        if existing is None:
            world = world_with_members(
                session, members=MEMBERS, channel="twilio", paced=False, daily_limit=DAILY
            )
            existing = world.campaign
        session.commit()
    assert existing.id is not None
    key = bearer(make_key(runtime.engine, role=Role.COORDINATOR, municipality="Roskilde"))
    client = TestClient(create_app(runtime), raise_server_exceptions=False)
    return Service(runtime, client, key, existing.id, twilio)


@pytest.fixture
def services(database_url: str, twilio_api: TwilioApiFake) -> Iterator[list[Service]]:
    made: list[Service] = []
    yield made
    for service in made:
        service.runtime.engine.dispose()


def _refused_and_nothing_happened(service: Service, answer: Any, *, says: str) -> None:
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert error["code"] == "campaign_over_cap"
    assert says in error["message"]
    assert service.status() == "draft"
    assert (service.count(Invitation), service.count(Message)) == (0, 0)
    service.tick_through_the_day()
    assert service.twilio.requests == [], "a refused campaign reached Twilio"
    assert (service.count(Invitation), service.count(Message)) == (0, 0)


class TestSizeCap:
    def test_over_the_cap_is_refused_and_nothing_reaches_twilio(
        self, database_url: str, twilio_api: TwilioApiFake, services: list[Service]
    ) -> None:
        capped = {} if SOAK else {"campaign_max_recipients": MEMBERS - 1}
        services.append(_service(database_url, twilio_api, **capped))
        service = services[0]
        preview = service.call("preview").json()
        assert preview["targeted"] == MEMBERS
        assert preview["max_recipients"] == MEMBERS - 1
        assert preview["within_caps"] is False
        assert any(w.startswith("Launch will be refused") for w in preview["warnings"])
        _refused_and_nothing_happened(service, service.call("launch"), says=f"{MEMBERS:,} people")

        # The same campaign at a cap it keeps to (exactly its size) launches and reaches Twilio.
        # (No cost cap in the way: at the soak's size the list costs more than the default.)
        services.append(
            _service(
                database_url, twilio_api, campaign_max_recipients=MEMBERS, campaign_max_cost_dkk=1e9
            )
        )
        raised = services[1]
        assert raised.call("preview").json()["within_caps"] is True
        launched = raised.call("launch")
        assert launched.status_code == 200, launched.text
        assert launched.json()["invitations"] == MEMBERS
        raised.tick_through_the_day()
        assert len(twilio_api.created()) == DAILY


class TestCostCap:
    def test_over_the_cost_cap_is_refused(
        self, database_url: str, twilio_api: TwilioApiFake, services: list[Service]
    ) -> None:
        services.append(_service(database_url, twilio_api, **SIZE_FITS))
        cost = services[0].call("preview").json()["cost_dkk"]
        assert cost > 0
        services.append(
            _service(database_url, twilio_api, **SIZE_FITS, campaign_max_cost_dkk=cost - 0.01)
        )
        service = services[1]
        preview = service.call("preview").json()
        assert preview["within_caps"] is False and preview["cost_dkk"] == cost
        _refused_and_nothing_happened(service, service.call("launch"), says=f"{cost:,.2f} DKK")

    def test_a_longer_text_is_refused_where_the_plain_one_passes(
        self, database_url: str, twilio_api: TwilioApiFake, services: list[Service]
    ) -> None:
        """A template of three segments costs half again the default's two: the cap catches it."""
        services.append(_service(database_url, twilio_api, **SIZE_FITS))
        cost = services[0].call("preview").json()["cost_dkk"]
        services.append(
            _service(database_url, twilio_api, **SIZE_FITS, campaign_max_cost_dkk=cost * 1.25)
        )
        service = services[1]
        assert service.call("preview").json()["within_caps"] is True
        long = (
            "Hej {first_name}! {sender} tilbyder dig et gratis sundhedstjek: en samtale på "
            "30-45 minutter med en sundhedskonsulent om dit helbred, dine vaner og det, du selv "
            "gerne vil tale om. Samtalen foregår på sundhedscentret eller på din arbejdsplads, "
            "og du får gode råd med hjem. Svar JA for at få tider, eller NEJ, hvis du ikke "
            "ønsker det. Skriv STOP for at afmelde."
        )
        patched = service.client.patch(
            f"/api/v1/campaigns/{service.campaign_id}",
            json={"template_da": long},
            headers=service.key,
        )
        assert patched.status_code == 200, patched.text
        preview = service.call("preview").json()
        assert preview["templates"][0]["segments"] == 3
        assert preview["within_caps"] is False
        _refused_and_nothing_happened(service, service.call("launch"), says="DKK")


class TestCli:
    def test_the_cli_refuses_with_the_reason(
        self,
        database_url: str,
        twilio_api: TwilioApiFake,
        services: list[Service],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        services.append(_service(database_url, twilio_api))
        service = services[0]
        monkeypatch.setenv("RECRUITBOT_DATABASE_URL", database_url)
        monkeypatch.setenv("RECRUITBOT_CAMPAIGN_MAX_RECIPIENTS", str(MEMBERS - 1))
        get_settings.cache_clear()
        try:
            runner = CliRunner()
            shown = runner.invoke(cli, ["campaign", "preview", str(service.campaign_id)])
            assert shown.exit_code == 0, shown.output
            assert "launch will be refused" in " ".join(shown.output.split())
            result = runner.invoke(cli, ["campaign", "launch", str(service.campaign_id)])
        finally:
            get_settings.cache_clear()
        assert result.exit_code == 2, result.output
        assert "not launched" in " ".join(result.output.split())
        assert service.status() == "draft"
        assert (service.count(Invitation), service.count(Message)) == (0, 0)
