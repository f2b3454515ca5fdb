"""Screening with the other entries at hand: gathers the facts, stores, re-screens.

An entry's verdict depends on the entries before it (S3, S4: first entry
wins, by first business time then arrival). So when an entry arrives or is
amended, the entries after it that it may concern (same entity and
category, same or similar content, before or after the change) are screened
again, and each whose verdict changed gets a new `screened` event. Entries
before it never change. Nothing arriving at or after the submission close
changes another entry: a late entry is after every timely one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from services.eligibility import store
from services.eligibility.adapters import language
from services.eligibility.domain import similarity as sim
from services.eligibility.domain.entry import EntryRevision, content_of, fingerprint
from services.eligibility.domain.facts import Facts, Guess, LanguageFacts, RuleBook
from services.eligibility.domain.screening import screen
from shared.events import SubmissionScreened
from shared.rules import FirstEntryRule, LanguageRule, NotACopyRule


@dataclass(frozen=True, slots=True)
class Verdict:
    submission_id: str
    revision: int
    screened: SubmissionScreened
    rescreen: bool  # another entry's change caused it


@dataclass(frozen=True, slots=True)
class Repeat:
    """This revision (or a later one) was screened before: nothing to publish."""

    stored_revision: int


class Screener:
    def __init__(self, book: RuleBook) -> None:
        self.book = book
        self.copy_rule = book.rule(NotACopyRule)
        self.language_rule = book.rule(LanguageRule)
        self.first_rule = book.rule(FirstEntryRule)
        params = self.copy_rule.params if self.copy_rule else None
        self.shingle_words = params.shingle_words if params else 2
        self.layout = sim.band_layout(params.similarity, params.num_perm) if params else sim.Bands(16, 16, 1)
        self.index_label = f"{self.layout.label}-k{self.shingle_words}"
        if self.language_rule:
            language.preload()  # while the service starts, not in its way

    # --- features of one entry ------------------------------------------------

    def signature_of(self, content: str) -> bytes:
        grams = sim.shingles(content, self.shingle_words)
        return sim.to_bytes(sim.signature(grams, self.layout.num_perm))

    def keys_of(self, signature: bytes) -> list[int]:
        return sim.band_keys(sim.from_bytes(signature), self.layout) if self.copy_rule else []

    def language_of(self, entry: EntryRevision) -> dict:
        if not self.language_rule:
            return {}
        found = language.detect(entry, self.language_rule.params.min_answer_words)
        return {"parts": [[name, g.language, g.confidence] for name, g in found.parts]}

    # --- the entry point --------------------------------------------------------

    def receive(self, session: Session, entry: EntryRevision) -> list[Verdict] | Repeat:
        """Screen this revision; then the later entries it may concern. Verdicts to publish, in order."""
        arrival = store.take_turn(session)
        row = store.load(session, entry.submission_id)
        if row is not None and row.revision >= entry.revision:
            return Repeat(row.revision)
        before = (row.entity_id, row.category, row.fingerprint, self.keys_of(row.signature)) if row else None
        if row is None:
            row = store.EntryRow(submission_id=entry.submission_id, first_us=store.micros(entry.received_at), arrival=arrival,
                                 revision=0, entity_id="", content="", fingerprint="", signature=b"", language={}, data={})  # fmt: skip
        keys = self._update(session, row, entry, before)
        near = self._neighbours(session, row, keys, before)
        screened = screen(entry, self._facts(row, near), self.book)
        row.verdict = machine_verdict(screened)
        session.add(row)  # after the lookup: a new row is written once, with its verdict
        verdicts = [Verdict(entry.submission_id, entry.revision, screened, rescreen=False)]
        if entry.received_at < self.book.close:
            later = sorted((n for n in near if n.order > row.order), key=lambda n: n.order)
            verdicts += self._rescreen(session, [n.submission_id for n in later])
        return verdicts

    def _update(self, session: Session, row: store.EntryRow, entry: EntryRevision, before: tuple | None) -> list[int]:
        """The row's fields and band keys for this revision (its place in the order stays)."""
        content = content_of(entry)
        row.revision, row.entity_id, row.category = entry.revision, entry.entity.entity_id, entry.category
        row.content, row.fingerprint, row.signature = content, fingerprint(content), self.signature_of(content)
        row.language, row.data = self.language_of(entry), entry.model_dump(mode="json")
        keys = self.keys_of(row.signature)
        store.replace_bands(session, row.submission_id, before[3] if before else [], keys)
        return keys

    def _rescreen(self, session: Session, submission_ids: list[str]) -> list[Verdict]:
        """Screen these entries again (in order); a verdict only for those that changed."""
        order = {sid: i for i, sid in enumerate(submission_ids)}
        changed = []
        for other in sorted(store.rows(session, submission_ids), key=lambda r: order[r.submission_id]):
            again = screen(EntryRevision.model_validate(other.data), self.facts(session, other), self.book)
            if machine_verdict(again) != other.verdict:
                other.verdict = machine_verdict(again)
                session.add(other)
                changed.append(Verdict(other.submission_id, other.revision, again, rescreen=True))
        return changed

    # --- facts about the others ---------------------------------------------------

    def facts(self, session: Session, row: store.EntryRow) -> Facts:
        return self._facts(row, self._neighbours(session, row, self.keys_of(row.signature), None))

    def _neighbours(self, session: Session, row: store.EntryRow, keys: list[int], before: tuple | None) -> list[store.Neighbour]:
        """Entries this one's S3/S4 facts may involve, now and (for an amendment) before."""
        found = {n.submission_id: n for n in store.neighbours(session, row.entity_id, row.category, [row.fingerprint], keys)}
        if before:
            found.update((n.submission_id, n) for n in store.neighbours(session, before[0], before[1], [before[2]], before[3]))
        found.pop(row.submission_id, None)
        return list(found.values())

    def _facts(self, row: store.EntryRow, near: list[store.Neighbour]) -> Facts:
        earlier = sorted((n for n in near if n.order < row.order), key=lambda n: n.order)
        first = next((n.submission_id for n in earlier if (n.entity_id, n.category) == (row.entity_id, row.category)), None)
        exact = next((n.submission_id for n in earlier if n.fingerprint == row.fingerprint), None)
        similar = self._most_similar(row, earlier) if self.copy_rule and not exact else None
        return Facts(
            first if self.first_rule else None,
            exact if self.copy_rule else None,
            similar,
            _language(row.language) if self.language_rule else None,
        )

    def _most_similar(self, row: store.EntryRow, earlier: list[store.Neighbour]) -> tuple[str, float] | None:
        """The earlier entry most similar to this one at or above the threshold (the earliest on a tie).

        Candidates are first estimated from the signatures (cheap), and only
        the plausible ones compared exactly on their word shingles.
        """
        if self.copy_rule is None:  # only asked for when S4 applies (`_facts`)
            return None
        threshold = self.copy_rule.params.similarity
        mine = sim.from_bytes(row.signature)
        grams: set[str] | None = None
        best: tuple[float, str] | None = None
        for other in earlier:
            if sim.estimate(mine, sim.from_bytes(other.signature)) < threshold - sim.ESTIMATE_MARGIN:
                continue
            grams = grams if grams is not None else sim.shingles(row.content, self.shingle_words)
            similarity = round(sim.jaccard(grams, sim.shingles(other.content, self.shingle_words)), 4)
            if similarity >= threshold and (best is None or similarity > best[0]):
                best = (similarity, other.submission_id)
        return (best[1], best[0]) if best else None


def machine_verdict(screened: SubmissionScreened) -> dict:
    """The verdict as stored and compared: the rules' alone (a staff decision is kept apart, `audit`)."""
    return screened.model_dump(mode="json", exclude={"decided_by"})


def _language(stored: dict) -> LanguageFacts | None:
    if not stored:
        return None
    return LanguageFacts(tuple((name, Guess(lang, p)) for name, lang, p in stored["parts"]))
