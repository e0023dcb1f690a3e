"""Tables for access and provider plumbing: API keys, console sessions, callbacks, Telegram."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.types import utc_column as _utc


class ApiKey(SQLModel, table=True):
    """An admin API key; only its SHA-256 is stored, the key itself is shown once."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(default="", max_length=120)
    prefix: str = Field(max_length=16)  # the first characters, so a person can tell keys apart
    key_hash: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=16)  # coordinator | staff | evaluator
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id")  # None: all
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=_utc())


class ProviderCallback(SQLModel, table=True):
    """Every delivery report a provider sent, kept raw as received, repeats included."""

    __tablename__ = "provider_callback"

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    provider_id: str = Field(max_length=64, index=True)  # the provider's id for the message
    message_id: int | None = Field(default=None, foreign_key="message.id", index=True)
    status: str = Field(max_length=32)  # the provider's word, e.g. Twilio's "undelivered"
    error_code: int | None = None
    raw: str = Field(sa_column=Column(Text, nullable=False))  # the form as JSON
    received_at: datetime = Field(sa_column=_utc(nullable=False))


class LinkCode(SQLModel, table=True):
    """A one-time code that links a Telegram chat to a staff member or a citizen; hash only."""

    __tablename__ = "link_code"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # staff | citizen
    target_id: int  # staff_member.id or contact.id, by kind
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    expires_at: datetime = Field(sa_column=_utc(nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=_utc())


class ContactChannel(SQLModel, table=True):
    """Where else a citizen can be reached besides their phone: a Telegram chat."""

    __tablename__ = "contact_channel"
    __table_args__ = (
        UniqueConstraint("channel", "address"),
        UniqueConstraint("contact_id", "channel"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    channel: str = Field(max_length=16)
    address: str = Field(max_length=64)  # the chat id
    created_at: datetime = Field(sa_column=_utc(nullable=False))


class TelegramUpdate(SQLModel, table=True):
    """Each Telegram update id once: a repeated delivery is recognised and not processed."""

    __tablename__ = "telegram_update"

    id: int | None = Field(default=None, primary_key=True)
    update_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    kind: str = Field(max_length=32)
    received_at: datetime = Field(sa_column=_utc(nullable=False))


class ConsoleSession(SQLModel, table=True):
    """A sign-in to the web console with an API key; the cookie's token is stored as a hash."""

    __tablename__ = "console_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    api_key_id: int = Field(foreign_key="api_key.id", index=True)
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    expires_at: datetime = Field(sa_column=_utc(nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=_utc())  # signed out
