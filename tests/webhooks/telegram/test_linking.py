"""Linking a staff member's Telegram with a one-time code from the admin API, and unlinking."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from core.clock import SimulatedClock
from core.principal import Role
from recruitbot.runtime import Runtime
from store.db import unit_of_work
from store.keys import create_key
from store.models import AuditEvent, LinkCode, StaffMember
from tests.factories import World
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_updates import Updates, post
from tests.webhooks.telegram import scenario
from webhooks.telegram import throttle
from webhooks.telegram.chat import BAD_CODE, TOO_MANY_CODES

CHAT = scenario.STAFF_CHAT


def api_key(runtime: Runtime, role: Role, municipality_id: int | None = None) -> dict[str, str]:
    with unit_of_work(runtime.engine) as session:
        _, plain = create_key(
            session=session,
            role=role,
            municipality_id=municipality_id,
            name="test",
            now=runtime.clock.now(),
        )
    return {"Authorization": f"Bearer {plain}"}


def staff_member(runtime: Runtime, made: World) -> StaffMember:
    with Session(runtime.engine) as session:
        return session.get_one(StaffMember, made.staff.id)


def ask_code(client: TestClient, runtime: Runtime, made: World) -> str:
    response = client.post(
        f"/api/v1/staff/{made.staff.id}/telegram-code",
        headers=api_key(runtime, Role.COORDINATOR),
    )
    assert response.status_code == 201, response.text
    code: str = response.json()["code"]
    return code


class TestCodeFromTheApi:
    def test_coordinator_gets_a_code_and_a_link(self, client: TestClient, runtime: Runtime) -> None:
        made = scenario.world(runtime.engine, runtime.clock.now())
        response = client.post(
            f"/api/v1/staff/{made.staff.id}/telegram-code",
            headers=api_key(runtime, Role.COORDINATOR),
        )
        body = response.json()
        assert response.status_code == 201
        assert re.fullmatch(r"[A-Z2-9]{8}", body["code"])
        assert body["command"] == f"/start {body['code']}"
        assert body["link"] == f"https://t.me/sundhed_bot?start={body['code']}"
        with Session(runtime.engine) as session:
            row = session.scalars(select(LinkCode)).one()
            audit = session.scalars(select(AuditEvent)).one()
        assert row.code_hash != body["code"] and body["code"] not in row.code_hash
        assert row.expires_at == runtime.clock.now() + timedelta(hours=24)
        assert (audit.action, audit.subject_id) == ("staff.telegram_code_issued", made.staff.id)

    def test_only_coordinators_of_the_municipality(
        self, client: TestClient, runtime: Runtime
    ) -> None:
        made = scenario.world(runtime.engine, runtime.clock.now())
        url = f"/api/v1/staff/{made.staff.id}/telegram-code"
        assert client.post(url).status_code == 401
        assert client.post(url, headers=api_key(runtime, Role.STAFF)).status_code == 403
        other = api_key(runtime, Role.COORDINATOR, made.other_municipality.id)
        assert client.post(url, headers=other).status_code == 404
        missing = "/api/v1/staff/999/telegram-code"
        assert client.post(missing, headers=api_key(runtime, Role.COORDINATOR)).status_code == 404


class TestStartWithCode:
    def test_a_valid_code_links_the_chat(
        self, client: TestClient, runtime: Runtime, updates: Updates, telegram_api: FakeTelegram
    ) -> None:
        made = scenario.world(runtime.engine, runtime.clock.now())
        code = ask_code(client, runtime, made)
        post(client, updates.text(CHAT, f"/start {code}"))
        staff = staff_member(runtime, made)
        assert (staff.channel, staff.address) == ("telegram", str(CHAT))
        [confirmation] = telegram_api.sent(CHAT)
        assert confirmation["text"].startswith("Hej Mette! Din Telegram er nu koblet")
        with Session(runtime.engine) as session:
            actions = session.scalars(select(col(AuditEvent.action))).all()
        assert "staff.telegram_linked" in actions

    def test_typed_in_lower_case_with_the_bot_name(
        self, client: TestClient, runtime: Runtime, updates: Updates
    ) -> None:
        made = scenario.world(runtime.engine, runtime.clock.now())
        code = ask_code(client, runtime, made)
        post(client, updates.text(CHAT, f"/start@sundhed_bot {code[:4].lower()}-{code[4:]}"))
        assert staff_member(runtime, made).channel == "telegram"

    def test_an_expired_code_is_refused(
        self,
        client: TestClient,
        runtime: Runtime,
        updates: Updates,
        telegram_api: FakeTelegram,
        clock: SimulatedClock,
    ) -> None:
        made = scenario.world(runtime.engine, runtime.clock.now())
        code = ask_code(client, runtime, made)
        clock.advance(timedelta(hours=24, seconds=1))
        post(client, updates.text(CHAT, f"/start {code}"))
        assert staff_member(runtime, made).channel == "console"
        assert "ugyldig" in telegram_api.sent(CHAT)[0]["text"]

    def test_a_code_works_once(
        self, client: TestClient, runtime: Runtime, updates: Updates, telegram_api: FakeTelegram
    ) -> None:
        made = scenario.world(runtime.engine, runtime.clock.now())
        code = ask_code(client, runtime, made)
        post(client, updates.text(CHAT, f"/start {code}"))
        post(client, updates.text(CHAT + 1, f"/start {code}"))
        assert staff_member(runtime, made).address == str(CHAT)
        assert "ugyldig" in telegram_api.sent(CHAT + 1)[0]["text"]

    def test_an_unknown_code_is_refused(
        self, client: TestClient, runtime: Runtime, updates: Updates, telegram_api: FakeTelegram
    ) -> None:
        made = scenario.world(runtime.engine, runtime.clock.now())
        post(client, updates.text(CHAT, "/start ABCDEFGH"))
        assert staff_member(runtime, made).channel == "console"
        assert "ugyldig" in telegram_api.sent(CHAT)[0]["text"]


class TestUnlink:
    def test_stop_unlinks_and_says_so(
        self, client: TestClient, runtime: Runtime, updates: Updates, telegram_api: FakeTelegram
    ) -> None:
        made = scenario.world(runtime.engine, runtime.clock.now())
        post(client, updates.text(CHAT, f"/start {ask_code(client, runtime, made)}"))
        post(client, updates.text(CHAT, "/stop"))
        staff = staff_member(runtime, made)
        assert (staff.channel, staff.address) == ("console", "")
        assert telegram_api.sent(CHAT)[-1]["text"].startswith("Du er koblet fra")

    def test_other_text_from_staff_gets_help(
        self, client: TestClient, runtime: Runtime, updates: Updates, telegram_api: FakeTelegram
    ) -> None:
        made = scenario.world(runtime.engine, runtime.clock.now())
        post(client, updates.text(CHAT, f"/start {ask_code(client, runtime, made)}"))
        post(client, updates.text(CHAT, "hvad nu?"))
        assert "knapperne" in telegram_api.sent(CHAT)[-1]["text"]

    def test_a_new_code_moves_the_link_to_a_new_phone(
        self, client: TestClient, runtime: Runtime, updates: Updates
    ) -> None:
        made = scenario.world(runtime.engine, runtime.clock.now())
        post(client, updates.text(CHAT, f"/start {ask_code(client, runtime, made)}"))
        post(client, updates.text(CHAT + 7, f"/start {ask_code(client, runtime, made)}"))
        assert staff_member(runtime, made).address == str(CHAT + 7)


class TestWrongCodesAreThrottled:
    def test_a_chat_is_told_once_to_wait_and_its_codes_are_not_tried(
        self,
        client: TestClient,
        runtime: Runtime,
        updates: Updates,
        telegram_api: FakeTelegram,
        clock: SimulatedClock,
    ) -> None:
        made = scenario.world(runtime.engine, runtime.clock.now())
        for n in range(throttle.PER_CHAT):
            post(client, updates.text(CHAT, f"/start ABCDEF{n}H"))
        code = ask_code(client, runtime, made)
        post(client, updates.text(CHAT, f"/start {code}"))
        post(client, updates.text(CHAT, f"/start {code}"))
        texts = [m["text"] for m in telegram_api.sent(CHAT)]
        assert [t for t in texts if "ugyldig" in t] == [BAD_CODE] * throttle.PER_CHAT
        assert texts.count(TOO_MANY_CODES) == 1, "told once, not once a try"
        assert staff_member(runtime, made).channel == "console", "not even a good code"
        clock.advance(throttle.WINDOW + timedelta(seconds=1))
        post(client, updates.text(CHAT, f"/start {code}"))
        assert staff_member(runtime, made).address == str(CHAT)

    def test_another_chat_is_not_held_up_by_one(
        self, client: TestClient, runtime: Runtime, updates: Updates
    ) -> None:
        made = scenario.world(runtime.engine, runtime.clock.now())
        for n in range(throttle.PER_CHAT + 2):
            post(client, updates.text(CHAT + 5, f"/start ABCDEF{n}H"))
        post(client, updates.text(CHAT, f"/start {ask_code(client, runtime, made)}"))
        assert staff_member(runtime, made).address == str(CHAT)
