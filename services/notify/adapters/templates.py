"""Email texts from templates that staff edit without touching code.

One folder per language in the templates folder, one file per occasion in
it (`fr/acknowledgement.txt`): the first line is `Subject: ...`, then a
blank line, then the body, in Jinja2. English (`en/`) is complete; another
language's missing template falls back to English (the shipped set misses
none: a test sees to it). Entry titles, names and reasons are data handed
to the template; they are never compiled as templates themselves, so a
title like `{{ 7 * 7 }}` stays literal text. The sandbox keeps a template
from reaching into Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound
from jinja2.sandbox import SandboxedEnvironment

from services.notify.domain import Occasion
from shared.events import Language

DEFAULT_FOLDER = Path(__file__).resolve().parents[1] / "templates"
LANGUAGES: tuple[str, ...] = get_args(Language)  # CONTRACT 5.1, coordinator.language
FALLBACK = "en"


class TemplateProblem(ValueError):
    """A template is missing, does not parse, or lacks its subject line."""


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str
    language: str  # the language the text is written in


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

    def missing(self) -> list[str]:
        """The language/occasion templates that fall back to English."""
        return [f"{lang}/{o.value}.txt" for lang in LANGUAGES for o in Occasion if not (self.folder / lang / f"{o.value}.txt").is_file()]

    def check(self) -> None:
        """At start: English has every occasion, and every template there is
        parses and starts with its subject (a typo stops the start)."""
        for lang in LANGUAGES:
            for occasion in Occasion:
                name = f"{lang}/{occasion.value}.txt"
                path = self.folder / name
                if lang != FALLBACK and not path.is_file():
                    continue
                try:
                    source = path.read_text(encoding="utf-8")
                    self.env.parse(source)
                except (OSError, TemplateError) as exc:
                    raise TemplateProblem(f"template {name} in {self.folder}: {exc}") from exc
                if not source.startswith("Subject:"):
                    raise TemplateProblem(f"template {name} must start with a 'Subject:' line")

    def render(self, occasion: str, context: dict[str, Any], language: str = FALLBACK) -> Rendered:
        language = language if language in LANGUAGES else FALLBACK
        try:
            template = self.env.get_template(f"{language}/{occasion}.txt")
        except TemplateNotFound:
            language = FALLBACK
            template = self.env.get_template(f"{language}/{occasion}.txt")
        text = template.render(**context)
        head, _, body = text.partition("\n")
        subject = " ".join(head.removeprefix("Subject:").split())  # one line: no header injection
        return Rendered(subject=subject, body=body.lstrip("\n").rstrip() + "\n", language=language)
