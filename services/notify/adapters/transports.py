"""The ways an email leaves: SMTP, or a Maildir when no server is configured.

A transport either returns (delivered) or raises `Transient` (try again
later) or `Permanent` (the server said no for good). `deliver_all` takes a
batch and says that of each message, or `NOT_TRIED` for those it did not
get to (it lost its connection, the service is stopping).
"""

from __future__ import annotations

import asyncio
import mailbox
import os
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

import aiosmtplib

from services.notify.adapters.settings import MailSettings
from services.notify.adapters.wire import as_bytes, smtp_envelope
from shared.settings import Settings


class Transient(Exception):
    """Worth another try: the server is down, busy, or said 4xx."""


class Permanent(Exception):
    """Not worth another try: the server refused with 5xx, or the address is unusable."""


NOT_TRIED = object()
Result = BaseException | object | None  # None: delivered; an exception; NOT_TRIED
Batch = list[tuple[str, EmailMessage]]  # (notification id, message)


class Transport(Protocol):
    batch: int  # notifications a sender claims at a time for this transport

    async def deliver(self, key: str, message: EmailMessage) -> None: ...
    async def deliver_all(self, messages: Batch, stopping: asyncio.Event) -> list[Result]: ...
    async def close(self) -> None: ...


class SmtpTransport:
    """One connection kept open across messages; reopened after any error."""

    # A few at a time: each connection's task claims its own, so a slow
    # relay is waited on by every connection side by side.
    batch = 20

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
            await self._send(self.client, message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            await self.close()
            codes = [r.code for r in exc.recipients]
            raise (Permanent if all(c >= 500 for c in codes) else Transient)(f"recipient refused: {codes}") from None
        except aiosmtplib.SMTPResponseException as exc:
            await self.close()
            raise (Permanent if exc.code >= 500 else Transient)(f"{type(exc).__name__} {exc.code}: {exc.message}") from None
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            await self.close()
            raise Transient(f"{type(exc).__name__}: {exc}") from None

    @staticmethod
    async def _send(client: aiosmtplib.SMTP, message: EmailMessage) -> None:
        """`client.send_message(message)`: the same envelope, options and bytes
        (`as_bytes`: written without the email package when compose made the
        message), and `send_message` itself for any other message."""
        await client._ehlo_or_helo_if_needed()  # what send_message does first: the server's extensions are known after it
        eight_bit = client.supports_extension("8bitmime")
        envelope = smtp_envelope(message)
        data = as_bytes(message, "\r\n") if envelope is not None else b""
        if envelope is None or not (eight_bit or data.isascii()):  # the email package encodes the body for a 7bit server
            await client.send_message(message)
            return
        sender, recipient = envelope
        await client.sendmail(sender, [recipient], data, mail_options=["BODY=8BITMIME"] if eight_bit else [])

    async def deliver_all(self, messages: Batch, stopping: asyncio.Event) -> list[Result]:
        """One after the other on this connection; after an error on the
        connection (not a refusal for good) the rest wait for the next claim."""
        results: list[Result] = [NOT_TRIED] * len(messages)
        for i, (key, message) in enumerate(messages):
            if stopping.is_set():
                break
            try:
                async with asyncio.timeout(2 * self.options["timeout"]):
                    await self.deliver(key, message)
            except Permanent as exc:
                results[i] = exc
                continue
            except Exception as exc:  # Transient, a timeout
                await self.close()
                results[i] = exc
                break
            results[i] = None
        return results

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (TimeoutError, aiosmtplib.SMTPException, OSError):
                client.close()


class MaildirTransport:
    """Delivery into a Maildir, idempotent: the file is named by the
    notification id, so a retry after a crash finds it and writes nothing.

    A batch is written to `tmp/`, made durable together (an fsync per file,
    issued side by side on the file written), renamed into `new/`, and the
    renames made durable by one fsync of `new/`: a message is recorded as
    sent only once it is on disk, whole, under its name."""

    batch = 200

    def __init__(self, folder: Path) -> None:
        Path(folder).parent.mkdir(parents=True, exist_ok=True)
        self.box = mailbox.Maildir(folder, create=True)
        self.folder = Path(folder)

    def delivered(self, key: str, read: set[str] | None = None) -> bool:
        if (self.folder / "new" / key).exists():
            return True
        if read is None:
            read = self._read()
        return key in read

    def _read(self) -> set[str]:
        """The notification ids of the messages a mail client has moved to `cur/`."""
        return {name.split(":", 1)[0] for name in os.listdir(self.folder / "cur")}

    async def deliver(self, key: str, message: EmailMessage) -> None:
        [result] = await self.deliver_all([(key, message)], asyncio.Event())
        if isinstance(result, BaseException):
            raise result

    async def deliver_all(self, messages: Batch, stopping: asyncio.Event) -> list[Result]:
        return await asyncio.to_thread(self._write_all, messages)

    def _write_all(self, messages: Batch) -> list[Result]:
        results: list[Result] = [None] * len(messages)
        read = self._read()
        new, tmp, pid = str(self.folder / "new"), str(self.folder / "tmp"), os.getpid()
        written: list[tuple[int, int, str, str]] = []  # (index, open file, temporary, final)
        try:
            for i, (key, message) in enumerate(messages):
                final = f"{new}/{key}"
                if os.path.exists(final) or key in read:
                    continue
                temporary = f"{tmp}/{key}.{pid}"
                try:
                    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
                except OSError as exc:
                    results[i] = Transient(f"{type(exc).__name__}: {exc.strerror}")
                    continue
                written.append((i, fd, temporary, final))
                try:
                    _write(fd, as_bytes(message))
                except OSError as exc:
                    results[i] = Transient(f"{type(exc).__name__}: {exc.strerror}")
                    written.pop()
                    os.close(fd)
            try:
                _sync([fd for _, fd, _, _ in written])
                for _, _, temporary, final in written:
                    os.rename(temporary, final)  # atomic: the mail is there whole, or not at all
                _fsync(new)
            except OSError as exc:
                for i, _, _, _ in written:
                    results[i] = Transient(f"{type(exc).__name__}: {exc.strerror}")
        finally:
            for _, fd, _, _ in written:
                os.close(fd)
        return results

    async def close(self) -> None:
        return None


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _sync(fds: list[int]) -> None:
    """The files' contents on disk: an fsync each, side by side, so that the
    file system commits them together rather than one journal commit each."""
    if fds:
        list(_FSYNCS.map(os.fsync, fds))


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_FSYNCS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="maildir-fsync")


def transport_for(settings: Settings, mail: MailSettings) -> Transport:
    """SMTP when `WSIS_SMTP_URL` is set, else the Maildir under the data folder."""
    if settings.smtp_url:
        return SmtpTransport(settings.smtp_url, mail.send_timeout_seconds)
    return MaildirTransport(settings.data_dir / "mail")
