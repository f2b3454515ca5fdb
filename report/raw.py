"""A bare Redis connection for bulk work: hand-packed commands in, hiredis-parsed replies out.

A million stream entries through redis-py cost microseconds each in Python
objects and callbacks; here a reply is parsed in C into plain lists of
bytes. Used to publish by the chunk and to read streams by the chunk.
"""

from __future__ import annotations

import asyncio
from typing import Any, Self

import hiredis
from redis.connection import parse_url

from shared.bus import pack


class CommandError(RuntimeError):
    """The server answered a command with an error."""


class RawConnection:
    def __init__(self, url: str) -> None:
        self.options = parse_url(url)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.replies = hiredis.Reader()
        self.lock = asyncio.Lock()  # one command stream on the connection, whoever uses it

    async def __aenter__(self) -> Self:
        o = self.options
        if "path" in o:
            self.reader, self.writer = await asyncio.open_unix_connection(o["path"], limit=2**22)
        else:
            self.reader, self.writer = await asyncio.open_connection(o.get("host", "127.0.0.1"), o.get("port", 6379), limit=2**22)
        if o.get("password"):
            await self.command(b"AUTH", *([o["username"].encode()] if o.get("username") else []), o["password"].encode())
        if o.get("db"):
            await self.command(b"SELECT", str(o["db"]).encode())
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass  # the server is gone already

    async def command(self, *args: bytes) -> Any:
        async with self.lock:
            self.send(pack(list(args)))
            return (await self.read(1))[0]

    def send(self, packed: bytes) -> None:
        assert self.writer is not None
        self.writer.write(packed)

    async def drain(self) -> None:
        assert self.writer is not None
        await self.writer.drain()

    async def read(self, count: int) -> list[Any]:
        """The next `count` replies; an error reply raises once they are all read."""
        assert self.reader is not None
        got: list[Any] = []
        while len(got) < count:
            reply = self.replies.gets()
            if reply is False:
                data = await self.reader.read(2**20)
                if not data:
                    raise ConnectionError("the server closed the connection")
                self.replies.feed(data)
                continue
            got.append(reply)
        errors = [r for r in got if isinstance(r, hiredis.ReplyError)]
        if errors:
            raise CommandError(str(errors[0]))
        return got
