"""The notify benchmark's SMTP server: aiosmtpd in a process of its own, as a local relay would be.

    python -m bench.notify.smtp_server PORT

Prints `ready` once it listens on 127.0.0.1:PORT; when its standard input
closes it stops and prints what it received, as one line of JSON: messages
(accepted DATA), their distinct Message-IDs, bytes, and the process's CPU
seconds from the first connection to the last message. It speaks the whole protocol (EHLO, MAIL, RCPT, DATA, QUIT) and
keeps nothing but the counts.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from typing import Any

from aiosmtpd.smtp import SMTP

MESSAGE_ID = re.compile(rb"^Message-ID: *(<[^>\r\n]+>)", re.MULTILINE | re.IGNORECASE)


class Counter:
    def __init__(self) -> None:
        self.messages = 0
        self.ids: set[bytes] = set()
        self.bytes = 0
        self.first_connection: float | None = None  # CPU seconds of the process at the first connection, and at the last message
        self.last_message = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content: bytes = envelope.original_content or b""
        found = MESSAGE_ID.search(content)
        self.messages += 1
        self.bytes += len(content)
        if found:
            self.ids.add(found.group(1))
        self.last_message = time.process_time()
        return "250 Message accepted"


class Server(SMTP):
    def __init__(self, counter: Counter) -> None:
        super().__init__(counter, hostname="bench.local")
        self.counter = counter

    def connection_made(self, transport: Any) -> None:
        if self.counter.first_connection is None:
            self.counter.first_connection = time.process_time()
        super().connection_made(transport)


async def serve(port: int) -> dict[str, Any]:
    counter = Counter()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Server(counter), "127.0.0.1", port)
    print("ready", flush=True)
    await loop.run_in_executor(None, sys.stdin.read)  # until the benchmark closes our input
    server.close()
    busy = counter.last_message - counter.first_connection if counter.first_connection is not None else 0.0
    return {"messages": counter.messages, "message_ids": len(counter.ids), "bytes": counter.bytes, "cpu_seconds": busy}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(serve(int(sys.argv[1])))), flush=True)
