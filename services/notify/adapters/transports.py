"""The ways an email leaves: SMTP, or a Maildir when no server is configured.

A transport either returns (delivered) or raises `Transient` (try again
later) or `Permanent` (the server said no for good).
"""

from __future__ import annotations

import asyncio
import mailbox
import os
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

import aiosmtplib

from services.notify.adapters.settings import MailSettings
from shared.settings import Settings


class Transient(Exception):
    """Worth another try: the server is down, busy, or said 4xx."""


class Permanent(Exception):
    """Not worth another try: the server refused with 5xx, or the address is unusable."""


class Transport(Protocol):
    async def deliver(self, key: str, message: EmailMessage) -> None: ...
    async def close(self) -> None: ...


class SmtpTransport:
    """One connection kept open across messages; reopened after any error."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlparse(url)
        self.options: dict[str, Any] = {
            "hostname": parts.hostname or "localhost",
            "port": parts.port or (465 if parts.scheme == "smtps" else 25),
            "use_tls": parts.scheme == "smtps",
            "timeout": timeout,
            "username": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None,
        }
        self.client: aiosmtplib.SMTP | None = None

    async def deliver(self, key: str, message: EmailMessage) -> None:
        try:
            if self.client is None or not self.client.is_connected:
                self.client = aiosmtplib.SMTP(**self.options)
                await self.client.connect()
            await self.client.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            await self.close()
            codes = [r.code for r in exc.recipients]
            raise (Permanent if all(c >= 500 for c in codes) else Transient)(f"recipient refused: {codes}") from None
        except aiosmtplib.SMTPResponseException as exc:
            await self.close()
            raise (Permanent if exc.code >= 500 else Transient)(f"{type(exc).__name__} {exc.code}: {exc.message}") from None
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            await self.close()
            raise Transient(f"{type(exc).__name__}: {exc}") from None

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError):
                client.close()


class MaildirTransport:
    """Delivery into a Maildir, idempotent: the file is named by the
    notification id, so a retry after a crash finds it and writes nothing."""

    def __init__(self, folder: Path) -> None:
        Path(folder).parent.mkdir(parents=True, exist_ok=True)
        self.box = mailbox.Maildir(folder, create=True)
        self.folder = Path(folder)

    def delivered(self, key: str) -> bool:
        if (self.folder / "new" / key).exists():
            return True
        return any(name.split(":", 1)[0] == key for name in os.listdir(self.folder / "cur"))

    async def deliver(self, key: str, message: EmailMessage) -> None:
        try:
            await asyncio.to_thread(self._write, key, message.as_bytes())
        except OSError as exc:
            raise Transient(f"{type(exc).__name__}: {exc.strerror}") from None

    def _write(self, key: str, data: bytes) -> None:
        if self.delivered(key):
            return
        temporary = self.folder / "tmp" / f"{key}.{os.getpid()}"
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(temporary, self.folder / "new" / key)  # atomic: the mail is there whole, or not at all

    async def close(self) -> None:
        return None


def transport_for(settings: Settings, mail: MailSettings) -> Transport:
    """SMTP when `WSIS_SMTP_URL` is set, else the Maildir under the data folder."""
    if settings.smtp_url:
        return SmtpTransport(settings.smtp_url, mail.send_timeout_seconds)
    return MaildirTransport(settings.data_dir / "mail")
