"""The mail's settings (`WSIS_NOTIFY_*`): sender address, templates, tries, timeouts; checked at start."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.notify.adapters.templates import DEFAULT_FOLDER


class MailSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WSIS_NOTIFY_", extra="ignore", validate_default=True)

    sender: str = "WSIS Prizes <noreply@wsis-prizes.local>"
    templates: Path = DEFAULT_FOLDER
    # Tries before a notification is reported failed, and the pause after
    # the n-th failed try: backoff x 2^(n-1), at most backoff_max.
    max_attempts: int = Field(default=6, ge=1)
    backoff_seconds: float = Field(default=30.0, gt=0)
    backoff_max_seconds: float = Field(default=3600.0, gt=0)
    poll_seconds: float = Field(default=1.0, gt=0)
    # SMTP connections used side by side (per replica): a slow relay is
    # waited on in parallel.
    connections: int = Field(default=2, ge=1, le=32)
    send_timeout_seconds: float = Field(default=60.0, gt=0)
    # A claim older than this belongs to a sender that died mid-send; by
    # default well past the longest a live sender can take over one email.
    lease_after_seconds: float | None = Field(default=None, gt=0)

    @field_validator("templates")
    @classmethod
    def _folder_exists(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError(f"no templates folder at {value}")
        return value

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> MailSettings:
        # A live sender gives up on one email after 2 x send_timeout; a
        # shorter lease would let a second sender send it too.
        if self.lease_after_seconds is not None and self.lease_after_seconds <= 2 * self.send_timeout_seconds:
            raise ValueError("lease_after_seconds must be more than twice send_timeout_seconds")
        return self

    @property
    def lease_seconds(self) -> float:
        return self.lease_after_seconds or 3 * self.send_timeout_seconds + 30
