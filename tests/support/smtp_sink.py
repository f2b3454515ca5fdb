"""A local SMTP server that keeps what it receives (aiosmtpd): for tests,
demos, and trying templates. It can refuse every message with a given reply, or take its
time over each one (a slow relay)."""

from __future__ import annotations

import asyncio
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Keeper:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if self.sink.refuse_with:
            return self.sink.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.sink.delay_seconds:
            await asyncio.sleep(self.sink.delay_seconds)
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.sink.lock:
            self.sink.messages.append(message)  # type: ignore[arg-type]
            self.sink.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"


class SmtpSink:
    """`with SmtpSink() as sink:` ... `sink.url`, `sink.messages`."""

    def __init__(self, refuse_with: str | None = None, port: int | None = None, delay_seconds: float = 0.0) -> None:
        self.refuse_with = refuse_with
        self.delay_seconds = delay_seconds  # before each message is accepted
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.lock = threading.Lock()
        self.controller = Controller(_Keeper(self), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def received(self) -> list[EmailMessage]:
        with self.lock:
            return list(self.messages)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.controller.stop()
