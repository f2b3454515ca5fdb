"""Organisations of the five stakeholder types from many countries, and their people's names."""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from typing import Generic, TypeVar

from demo import world

FIRST = ("Amina", "Jorge", "Mei", "Tariq", "Ngozi", "Priya", "Lucas", "Fatima", "Kofi", "Elena", "Omar", "Aiko",
         "Sipho", "Lena", "Rahul", "Ines", "Yusuf", "Chloe", "Tenzin", "Marta", "Kwame", "Sara", "Diego", "Leila")  # fmt: skip
LAST = ("Okafor", "Hernandez", "Chen", "Haddad", "Mensah", "Sharma", "Silva", "Rahman", "Novak", "Kato", "Diallo",
        "Petrov", "Moreau", "Ali", "Nguyen", "Kariuki", "Rossi", "Mukherjee", "Santos", "Abebe", "Lindqvist", "Farouk")  # fmt: skip
MAIL_DOMAINS = ("example.org", "example.net", "example.com")


@dataclass(frozen=True, slots=True)
class Organisation:
    entity_id: str
    name: str
    stakeholder_type: str
    country: str
    city: str

    def entity(self) -> dict[str, str]:
        return {"entity_id": self.entity_id, "name": self.name, "stakeholder_type": self.stakeholder_type, "country": self.country}


T = TypeVar("T")


class Weighted(Generic[T]):
    """Draws from a weighted table with one random number (bisect on cumulative weights)."""

    def __init__(self, items: list[T], weights: list[float]) -> None:
        self.items = items
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def draw(self, rng: random.Random) -> T:
        return self.items[min(bisect_right(self.cum, rng.random() * self.total), len(self.items) - 1)]


COUNTRY = Weighted(list(world.COUNTRIES), [c[3] for c in world.COUNTRIES])
KIND = Weighted([k for k, _ in world.STAKEHOLDER_TYPES], [w for _, w in world.STAKEHOLDER_TYPES])
BY_CODE = {c[0]: c for c in world.COUNTRIES}


def organisation(rng: random.Random, entity_id: str) -> Organisation:
    kind = KIND.draw(rng)
    code, country, city, _ = COUNTRY.draw(rng)
    if kind == "government":
        name = rng.choice((f"Ministry of {rng.choice(world.MINISTRIES)}, {country}", f"{country} {rng.choice(world.AGENCIES)}",
                           f"{city} City Council"))  # fmt: skip
    elif kind == "private_sector":
        name = f"{rng.choice(world.COMPANY_STEMS)} {rng.choice(world.COMPANY_KINDS)} {rng.choice(world.COMPANY_FORMS)}"
    elif kind == "civil_society":
        name = rng.choice(world.CIVIL_FORMS).format(cause=rng.choice(world.CAUSES), country=country, city=city)
    elif kind == "academia":
        name = rng.choice(world.ACADEMIC_FORMS).format(country=country, city=city)
    else:
        code = rng.choice(world.HOST_COUNTRIES)
        code, country, city, _ = BY_CODE.get(code, (code, code, "Geneva", 0))
        name = f"{rng.choice(world.REGIONS)} {rng.choice(world.INTERNATIONAL)}"
    return Organisation(entity_id, name, kind, code, city)


# The ITU's six languages, in which coordinators read their emails (CONTRACT 5.5).
LANGUAGES = ("en", "fr", "es", "ar", "ru", "zh")


def person(rng: random.Random, number: int) -> dict[str, str]:
    """A coordinator: a made-up name, an address on a reserved example domain,
    and a language taken in turn (not drawn, so the seeded contest stays the same)."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    email = f"{first.lower()}.{last.lower()}.{number}@{rng.choice(MAIL_DOMAINS)}"
    return {"name": f"{first} {last}", "email": email, "language": LANGUAGES[number % len(LANGUAGES)]}
