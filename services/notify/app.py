"""The notify service: tells coordinators, by email, what the contest decided about their entries.

What it reads and writes is `shared.topology.NOTIFY`; voting's weekly
progress and close come on its internal copy of them, not among the
million answers to ballots.
"""

from __future__ import annotations

from services.notify.adapters.sender import Sender
from services.notify.adapters.settings import MailSettings
from services.notify.adapters.transports import transport_for
from services.notify.handler import NotifyHandler
from shared import topology
from shared.runtime import Service
from shared.settings import Settings, get_settings


class NotifyService(Service):
    """The notify service and its sender loop, `service.sender`: public for
    tests and operators (`await service.sender.step()` sends what is due now)."""

    def __init__(self, settings: Settings, mail: MailSettings) -> None:
        super().__init__(topology.NOTIFY, NotifyHandler, settings)
        self.sender = Sender(self, mail, lambda: transport_for(settings, mail))
        self.app.after_startup(self.sender.start)
        self.before_stop(self.sender.stop)


def build(settings: Settings | None = None, mail: MailSettings | None = None) -> NotifyService:
    service = NotifyService(settings or get_settings(), mail or MailSettings())
    service.wire()
    return service


app = build().app
