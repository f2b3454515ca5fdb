"""What every panel decision shares: reading its data, the shapes of an answer.

Refusal reasons are exactly the contract's lists (CONTRACT 5.3). Data that
does not fit the schema is still answered with the domain's refusal
(CONTRACT 6): its reason is the contract reason of the first bad field that
has one (a missing submission id is `unknown_submission`, a category out of
1..18 can never be the entry's own: `category_mismatch`), else the first
reason of the list, and `errors` gives every problem with its field path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from shared.envelope import field_errors
from shared.events import FieldError

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Hold:
    """Wait: business time says a fact this decision needs must already exist.

    Decisions wait in `queue`, in the order the panel sent them, so the
    outcome does not depend on which stream the service happened to read first.
    """

    queue: str
    why: str


@dataclass(frozen=True, slots=True)
class Ignore:
    """Nothing to do and nothing the contract lets us answer; logged and audited."""

    why: str


@dataclass(frozen=True, slots=True)
class Unfit:
    """The data does not fit the schema: the refusal's reason and every error."""

    reason: str
    errors: tuple[FieldError, ...]
    submission_id: str | None
    category: int | None


def read(
    model: type[M], data: Mapping[str, Any], field_reasons: Mapping[str, str], order: tuple[str, ...]
) -> M | Unfit:
    """`data` as `model`, or why not, with the contract reason that fits best."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = tuple(FieldError(**e) for e in field_errors(exc))
    mapped = {field_reasons[e.field.split(".")[0]] for e in errors if e.field.split(".")[0] in field_reasons}
    reason = next((r for r in order if r in mapped), order[0])
    return Unfit(reason, errors, echo_text(data.get("submission_id")), echo_int(data.get("category")))


def echo_text(value: Any) -> str | None:
    """What the publisher sent, to echo back in a refusal, when it is usable text."""
    return value.strip() or None if isinstance(value, str) else None


def echo_int(value: Any) -> int | None:
    """An int worth repeating: it fits the audit trail's INTEGER column (PostgreSQL's is 32-bit)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31 else None


def time_error(message: str) -> tuple[FieldError, ...]:
    return (FieldError(field="time", message=message),)


IN_FUTURE = "time_in_future: the event is stamped more than 5 minutes ahead of the service's clock"
