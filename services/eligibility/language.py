"""The offline language detector behind S10 (py3langid, its model shipped in the wheel).

Loaded once per process (about 0.7 s). Probabilities are normalised over
the model's 97 languages and rounded, so a stored guess gives the same
verdict when an entry is screened again.
"""

from __future__ import annotations

from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from services.eligibility.domain.entry import Entry, word_count
from services.eligibility.domain.facts import Guess, LanguageFacts

DIGITS = 4


@lru_cache(maxsize=1)
def identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def known_languages() -> set[str]:
    return set(identifier().labels)


def guess(text: str) -> Guess:
    if not text.strip():
        return Guess("und", 0.0)
    language, probability = identifier().classify(text)
    return Guess(language, round(float(probability), DIGITS))


def detect(entry: Entry, min_answer_words: int) -> LanguageFacts:
    """The whole entry's language, and each answer's that is long enough to tell."""
    texts = entry.texts
    answers = tuple((name, guess(text)) for name, text in texts.items() if word_count(text) >= min_answer_words)
    return LanguageFacts(guess("\n".join(texts.values())), answers)
