"""Email texts from templates that staff edit without touching code.

One file per occasion in the templates folder (`<occasion>.txt`): the first
line is `Subject: ...`, then a blank line, then the body, in Jinja2. Entry
titles, names and reasons are data handed to the template; they are never
compiled as templates themselves, so a title like `{{ 7 * 7 }}` stays
literal text. The sandbox keeps a template from reaching into Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from services.notify.domain import Occasion

DEFAULT_FOLDER = Path(__file__).resolve().parents[1] / "templates"


class TemplateProblem(ValueError):
    """A template is missing, does not parse, or lacks its subject line."""


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str


class Templates:
    def __init__(self, folder: Path = DEFAULT_FOLDER) -> None:
        self.folder = Path(folder)
        # Plain text: no HTML escaping. auto_reload picks up staff edits
        # without a restart.
        self.env = SandboxedEnvironment(
            loader=FileSystemLoader(self.folder),
            autoescape=False,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=True,
        )

    def check(self) -> None:
        """At start: every occasion has a template that parses (a typo stops the start)."""
        for occasion in Occasion:
            try:
                source = (self.folder / f"{occasion.value}.txt").read_text(encoding="utf-8")
                self.env.parse(source)
            except (OSError, TemplateError) as exc:
                raise TemplateProblem(f"template {occasion.value}.txt in {self.folder}: {exc}") from exc
            if not source.startswith("Subject:"):
                raise TemplateProblem(f"template {occasion.value}.txt must start with a 'Subject:' line")

    def render(self, occasion: str, context: dict[str, Any]) -> Rendered:
        text = self.env.get_template(f"{occasion}.txt").render(**context)
        head, _, body = text.partition("\n")
        subject = " ".join(head.removeprefix("Subject:").split())  # one line: no header injection
        return Rendered(subject=subject, body=body.lstrip("\n").rstrip() + "\n")
