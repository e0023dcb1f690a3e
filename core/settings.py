"""All configuration in one place, read from the environment (prefix RECRUITBOT_)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# What Telegram allows as a webhook's secret token.
TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Values that are fine on a laptop and never in production.
DEV_SECRET = "development-only-secret"


# About the whole 40-60 target group of a large municipality (Roskilde has some 25,000); a
# partner's list in one municipality is far smaller, so a bigger campaign is likely a mistake.
DEFAULT_MAX_RECIPIENTS = 20_000
# 20,000 one-segment invitations at 0.35 DKK cost 7,000 DKK; the same in two segments 14,000.
DEFAULT_MAX_COST_DKK = 10_000.0


class Settings(BaseSettings):
    """The service's settings; secrets are SecretStr and refused as placeholders outside dev."""

    model_config = SettingsConfigDict(env_prefix="RECRUITBOT_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///var/recruitbot.db"
    channel: Literal["console", "twilio"] = "console"
    # Scheduled messages go out on working days inside this window (local time).
    send_window_start: int = 9
    send_window_end: int = 18
    # Keyed hashes: the pseudonymous contact id and the CPR match key.
    pseudonym_key: SecretStr = SecretStr(DEV_SECRET)
    cpr_hmac_key: SecretStr = SecretStr(DEV_SECRET)
    # A Fernet key; when set, an encrypted copy of the CPR number is kept beside its hash.
    cpr_encryption_key: SecretStr | None = None
    tick_seconds: float = 15.0
    # Citizens are erased this many days after anything last happened with them (privacy/).
    # 90 at least: the re-invitation guard needs 90 days of history (docs/privacy.md).
    retention_days: int = Field(default=365, ge=90, le=3650)
    # What one SMS segment costs, for the preview's estimate; a parameter, not a quote: set it
    # from your provider's price list for Danish numbers.
    sms_segment_price_dkk: float = Field(default=0.35, ge=0)
    # Caps on each campaign, checked before launch writes anything (docs/campaigns.md).
    campaign_max_recipients: int = Field(default=DEFAULT_MAX_RECIPIENTS, ge=1)
    campaign_max_cost_dkk: float = Field(default=DEFAULT_MAX_COST_DKK, gt=0)
    sender_batch: int = 200
    # How long a claimed message is left to its sender before another may take it over (the
    # first died); then its provider is asked whether it arrived. Far above a send's timeout.
    sender_lease_seconds: int = Field(default=600, ge=5)
    # Admin API rate limits, in requests a minute (token buckets a minute deep): per key, and
    # per client address for requests without a valid key (docs/campaigns.md).
    api_rate_per_minute: int = Field(default=120, ge=1)
    api_rate_unauthenticated_per_minute: int = Field(default=10, ge=1)
    # Failed console sign-ins a minute, per client address and per key prefix tried.
    console_sign_in_failures_per_minute: int = Field(default=5, ge=1)
    # Reverse proxies whose X-Forwarded-For/-Proto are believed, comma-separated addresses or
    # networks ("10.0.0.5,192.168.1.0/24"); empty: none, the TCP peer is the client.
    trusted_proxies: str = Field(default="", max_length=2000)
    log_level: str = "INFO"
    log_json: bool = False
    # SMS through Twilio (channel = "twilio"); see docs/twilio.md.
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from: str | None = None  # a Twilio number or sender ID; or use a messaging service
    twilio_messaging_service_sid: str | None = None
    twilio_api_base_url: str = "https://api.twilio.com"
    twilio_mps: float = Field(default=10.0, gt=0)  # the sender's messages per second
    # Seconds a message may wait in Twilio's queue: a late one never arrives at night.
    twilio_validity_period: int = Field(default=4 * 3600, ge=1, le=36000)
    # The address Twilio reaches this service at; webhook signatures are checked against it.
    public_base_url: str | None = None
    # Telegram for staff notices and citizens who prefer it; see docs/telegram.md.
    telegram_bot_token: SecretStr | None = None  # from @BotFather; the channel is on when set
    telegram_api_base_url: str = "https://api.telegram.org/bot"  # a local fake in tests
    telegram_secret_token: SecretStr | None = None  # X-Telegram-Bot-Api-Secret-Token
    telegram_bot_username: str = ""  # without @; named in texts and t.me links
    # The console's page for recording an outcome, with {booking_id}; a button on Telegram.
    telegram_console_url: str = ""

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.environment == "production":
            for name in ("pseudonym_key", "cpr_hmac_key"):
                value: SecretStr = getattr(self, name)
                if value.get_secret_value() in ("", DEV_SECRET) or len(value) < 16:
                    raise ValueError(f"RECRUITBOT_{name.upper()} must be set to a real secret")
        if not 0 <= self.send_window_start < self.send_window_end <= 24:
            raise ValueError("send window must satisfy 0 <= start < end <= 24")
        if self.public_base_url is not None:
            self.public_base_url = self.public_base_url.rstrip("/")
        if self.channel == "twilio":
            self._check_twilio()
        return self

    def _check_twilio(self) -> None:
        missing = [
            f"RECRUITBOT_{name.upper()}"
            for name in ("twilio_account_sid", "twilio_auth_token")
            if not getattr(self, name)
        ]
        if not (self.twilio_from or self.twilio_messaging_service_sid):
            missing.append("RECRUITBOT_TWILIO_FROM or RECRUITBOT_TWILIO_MESSAGING_SERVICE_SID")
        if self.environment == "production" and not self.public_base_url:
            missing.append("RECRUITBOT_PUBLIC_BASE_URL")
        if missing:
            raise ValueError("the twilio channel needs " + ", ".join(missing))
        if self.environment == "production" and not str(self.public_base_url).startswith(
            "https://"
        ):
            raise ValueError("RECRUITBOT_PUBLIC_BASE_URL must be https:// in production")

    @model_validator(mode="after")
    def _check_telegram(self) -> Settings:
        secret = self.telegram_secret_token
        if secret is not None and not TELEGRAM_SECRET.fullmatch(secret.get_secret_value()):
            raise ValueError("RECRUITBOT_TELEGRAM_SECRET_TOKEN: 1-256 of A-Z, a-z, 0-9, _ and -")
        self.telegram_bot_username = self.telegram_bot_username.removeprefix("@")
        production = self.environment == "production" and self.telegram_bot_token is not None
        if production and (secret is None or len(secret) < 16):
            raise ValueError("RECRUITBOT_TELEGRAM_SECRET_TOKEN must be set (16+ characters)")
        return self


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings."""
    return Settings()
