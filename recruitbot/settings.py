"""All configuration in one place, read from the environment (prefix RECRUITBOT_)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values that are fine on a laptop and never in production.
DEV_SECRET = "development-only-secret"


class Settings(BaseSettings):
    """The service's settings; secrets are SecretStr and refused as placeholders outside dev."""

    model_config = SettingsConfigDict(env_prefix="RECRUITBOT_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///var/recruitbot.db"
    channel: Literal["console"] = "console"
    timezone: str = "Europe/Copenhagen"
    # Scheduled messages go out on working days inside this window (local time).
    send_window_start: int = 9
    send_window_end: int = 18
    # Keyed hashes: the pseudonymous contact id and the CPR match key.
    pseudonym_key: SecretStr = SecretStr(DEV_SECRET)
    cpr_hmac_key: SecretStr = SecretStr(DEV_SECRET)
    tick_seconds: float = 15.0
    sender_batch: int = 200
    log_level: str = "INFO"
    log_json: bool = False

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.environment == "production":
            for name in ("pseudonym_key", "cpr_hmac_key"):
                value: SecretStr = getattr(self, name)
                if value.get_secret_value() in ("", DEV_SECRET) or len(value) < 16:
                    raise ValueError(f"RECRUITBOT_{name.upper()} must be set to a real secret")
        if not 0 <= self.send_window_start < self.send_window_end <= 24:
            raise ValueError("send window must satisfy 0 <= start < end <= 24")
        return self


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings."""
    return Settings()
