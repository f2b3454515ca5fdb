"""The notify service: tells coordinators, by email, what the contest decided about their entries.

What it reads and writes is `shared.topology.NOTIFY`; the runtime lets the
million vote echoes on voting's stream pass unread.
"""

from __future__ import annotations

from services.notify.config import NotifyConfig
from services.notify.handler import NotifyHandler
from services.notify.sender import Sender
from services.notify.transports import MaildirTransport, SmtpTransport, Transport
from shared import topology
from shared.runtime import Service
from shared.settings import Settings, get_settings


def transport_for(settings: Settings, config: NotifyConfig) -> Transport:
    if settings.smtp_url:
        return SmtpTransport(settings.smtp_url, config.send_timeout_seconds)
    return MaildirTransport(settings.data_dir / "mail")


def build(settings: Settings | None = None, config: NotifyConfig | None = None) -> Service:
    settings = settings or get_settings()
    config = config or NotifyConfig()
    service = Service(topology.NOTIFY, NotifyHandler, settings).wire()
    sender = Sender(service, config, lambda: transport_for(settings, config))
    service.app.after_startup(sender.start)
    service.before_stop(sender.stop)
    service.sender = sender  # type: ignore[attr-defined]  # for tests and operators
    return service


app = build().app
