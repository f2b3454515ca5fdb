"""V3's "own project" (CONTRACT 5.2): which organisations a project belongs to, and
whether a voter's organisation is one of them.

A project belongs to the entity that submitted it and to its `owner` where one
is named (CONTRACT 5.1). A voter's organisation is one of them when both have
an `entity_id` and it is the same; where either side lacks one, when the
organisation's name (case, accents, punctuation and spacing ignored) and
country are the same. Keys are made once, when a member registers or an entry
is received, never per ballot.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from shared.countries import assigned_code
from shared.events import Data, Entity, Owner

# "CC name": the country's code, a space, the name's key (which has no space). One
# string, so a look-up hashes it once and a stored key is one column.
OrgKey = str
_KEPT = frozenset("LNS")  # letters, digits, symbols; marks, punctuation, spaces and controls go


def name_key(name: str) -> str:
    """An organisation's name with case, accents, punctuation and spacing taken out."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", name).casefold())
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in _KEPT)


@lru_cache(maxsize=65_536)  # members of one organisation share its key
def org_key(name: str | None, country: str | None) -> OrgKey | None:
    """The key of a name and a country ("KE openschoolsnetwork"), None if either is missing or meaningless."""
    if not name or not country:
        return None
    code = assigned_code(country.strip())
    key = name_key(name)
    if code is None or not key:
        return None
    return sys.intern(f"{code} {key}")


@dataclass(frozen=True, slots=True)
class Organisation:
    """A project's submitter or owner, as V3 compares it."""

    entity_id: str | None
    key: OrgKey | None


@dataclass(frozen=True, slots=True)
class Project:
    """The organisations a project belongs to (submitter first), from its latest revision.

    What a ballot asks of them is made once, here: the ids, and the name keys of
    all of them and of those without an id (`owned_by` is a set look-up or two)."""

    revision: int
    organisations: tuple[Organisation, ...]
    ids: frozenset[str] = field(init=False, repr=False, compare=False)
    keys: frozenset[OrgKey] = field(init=False, repr=False, compare=False)
    keys_without_id: frozenset[OrgKey] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        orgs = self.organisations
        object.__setattr__(self, "ids", frozenset(o.entity_id for o in orgs if o.entity_id is not None))
        object.__setattr__(self, "keys", frozenset(o.key for o in orgs if o.key is not None))
        object.__setattr__(self, "keys_without_id", frozenset(o.key for o in orgs if o.key is not None and o.entity_id is None))

    def owned_by(self, entity_id: str | None, key: OrgKey | None) -> bool:
        """`same_organisation` with any of the project's organisations."""
        if entity_id is not None:
            return entity_id in self.ids or (bool(self.keys_without_id) and key in self.keys_without_id)
        return key in self.keys


def same_organisation(entity_id: str | None, key: OrgKey | None, other: Organisation) -> bool:
    """V3's match: the same entity_id when both sides have one, else the same name and country."""
    if entity_id is not None and other.entity_id is not None:
        return entity_id == other.entity_id
    return key is not None and key == other.key


class _Received(Data):
    submission_id: str
    revision: int
    entity: Entity
    owner: Owner | None = None


def read_project(data: Mapping[str, Any]) -> tuple[str, Project] | None:
    """(submission_id, project) of a `wsis.submission.received`, or None if it does not fit.

    Only the organisations are read: never the coordinator."""
    try:
        received = _Received.model_validate(data)
    except ValidationError:
        return None
    entity, owner = received.entity, received.owner
    organisations = [Organisation(entity.entity_id, org_key(entity.name, entity.country))]
    if owner is not None:
        organisations.append(Organisation(owner.entity_id, org_key(owner.name, owner.country)))
    return received.submission_id, Project(received.revision, tuple(organisations))
