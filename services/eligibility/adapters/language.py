"""The offline language detector behind S10 (py3langid, its model shipped in the wheel).

Loaded once per process (about 0.7 s). Probabilities are normalised over
the model's 97 languages and rounded, so a stored guess gives the same
verdict when an entry is screened again.
"""

from __future__ import annotations

from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from services.eligibility.domain.entry import EntryRevision, word_count
from services.eligibility.domain.facts import Guess, LanguageFacts

DIGITS = 4
# The detector walks every byte in Python. Any 500 characters (about 80
# words) of the sample descriptions in English, French and Spanish get their
# language at 0.999 or more (400: 0.995), so longer answers are judged on
# their first 500 characters.
SAMPLE_CHARS = 500


@lru_cache(maxsize=1)
def identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def known_languages() -> set[str]:
    return set(identifier().labels)


def guess(text: str) -> Guess:
    if not text.strip():
        return Guess("und", 0.0)
    language, probability = identifier().classify(text[:SAMPLE_CHARS])
    return Guess(language, round(float(probability), DIGITS))


def detect(entry: EntryRevision, min_answer_words: int) -> LanguageFacts:
    """Each answer's language, for answers long enough to tell; else the whole entry's.

    Judging answers one by one finds an entry written partly in another
    language; the whole text is classified only when no answer is long
    enough, which halves the work for ordinary entries (the detector walks
    every byte in Python).
    """
    texts = entry.texts
    long = [(name, text) for name, text in texts.items() if name != "title" and word_count(text) >= min_answer_words]
    if long:
        return LanguageFacts(tuple((name, guess(text)) for name, text in long))
    return LanguageFacts((("entry", guess("\n".join(texts.values()))),))
