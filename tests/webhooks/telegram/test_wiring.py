"""Settings, the composition root and link codes: Telegram is on when a token is set."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import SecretStr, ValidationError
from sqlmodel import Session

from channels.telegram import TelegramChannel
from core.settings import Settings
from recruitbot.runtime import default_channels
from store import link_codes
from tests.factories import MONDAY, add_contact, make_world


class TestSettings:
    def test_off_without_a_token(self) -> None:
        assert "telegram" not in default_channels(Settings(environment="test"))

    def test_on_with_a_token(self) -> None:
        channels = default_channels(
            Settings(environment="test", telegram_bot_token=SecretStr("1:x"))
        )
        assert isinstance(channels["telegram"], TelegramChannel)
        channels["telegram"].close()

    def test_secret_token_has_telegrams_alphabet(self) -> None:
        with pytest.raises(ValidationError, match="SECRET_TOKEN"):
            Settings(environment="test", telegram_secret_token=SecretStr("not allowed!"))

    def test_production_needs_a_real_secret_token(self) -> None:
        real = SecretStr("x" * 32)
        with pytest.raises(ValidationError, match="SECRET_TOKEN must be set"):
            Settings(
                environment="production",
                pseudonym_key=real,
                cpr_hmac_key=real,
                telegram_bot_token=SecretStr("1:x"),
            )

    def test_bot_name_without_at(self) -> None:
        assert Settings(telegram_bot_username="@sundhed_bot").telegram_bot_username == "sundhed_bot"


class TestLinkCodes:
    def test_for_a_contact_once_and_until_it_expires(self, session: Session) -> None:
        world = make_world(session)
        contact = add_contact(session, world, phone="+4520000009")
        assert contact.id is not None
        code = link_codes.link_code_for_contact(session=session, contact_id=contact.id, now=MONDAY)
        assert link_codes.looks_like_code(code.lower())
        later = MONDAY + link_codes.CITIZEN_CODE_TTL - timedelta(seconds=1)
        row = link_codes.redeem(session=session, code=f" {code[:4]}-{code[4:]} ", now=later)
        assert row is not None and (row.kind, row.target_id) == ("citizen", contact.id)
        assert link_codes.redeem(session=session, code=code, now=later) is None

    def test_expired(self, session: Session) -> None:
        _, code = link_codes.issue(
            session=session,
            kind=link_codes.LinkKind.STAFF,
            target_id=1,
            now=MONDAY,
            ttl=timedelta(hours=1),
        )
        assert (
            link_codes.redeem(session=session, code=code, now=MONDAY + timedelta(hours=1)) is None
        )

    @pytest.mark.parametrize("text", ["hej", "ABCDEFG", "ABCDEFGHI", "ABCD0FGH", "Ja tak"])
    def test_what_is_not_shaped_like_a_code(self, text: str) -> None:
        assert not link_codes.looks_like_code(text)

    def test_a_citizen_code_links_once(self, session: Session) -> None:
        world = make_world(session)
        contact = add_contact(session, world, phone="+4520000010")
        assert contact.id is not None
        code = link_codes.link_code_for_contact(session=session, contact_id=contact.id, now=MONDAY)
        assert link_codes.looks_like_code(code)
        row = link_codes.redeem(session=session, code=code, now=MONDAY)
        assert row is not None and row.target_id == contact.id
        assert link_codes.redeem(session=session, code=code, now=MONDAY) is None

    def test_the_start_link_opens_the_bot_with_the_code(self) -> None:
        link = link_codes.start_link(bot_username="@sundhed_bot", code="K7M3Q9TX")
        assert link == "https://t.me/sundhed_bot?start=K7M3Q9TX"
