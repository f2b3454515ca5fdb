"""The offline language detector behind S10 (py3langid, its model shipped in the wheel).

Loaded once per process (about 0.7 s, and numpy with it), off the start's
path: `preload` starts it on a thread of its own while the service starts,
and the first entry waits for it if it comes sooner. The start checks the
contest's language against `LABELS`, the model's languages written out
(a unit test compares them with the model's). Probabilities are normalised
over the model's languages and rounded, so a stored guess gives the same
verdict when an entry is screened again.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import TYPE_CHECKING

from services.eligibility.domain.entry import EntryRevision, word_count
from services.eligibility.domain.facts import Guess, LanguageFacts

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

DIGITS = 4
# The detector walks every byte in Python. Any 500 characters (about 80
# words) of the sample descriptions in English, French and Spanish get their
# language at 0.999 or more (400: 0.995), so longer answers are judged on
# their first 500 characters.
SAMPLE_CHARS = 500


# py3langid's model's languages, in its order.
LABELS = (
    "af am ar as az be bg bn br bs ca cs cy da de el en eo es et eu fa fi fr fy ga gd gl gu ha he hi hr ht hu hy id ig is "
    "it ja jv ka kk km kn ko ku ky la lg ln lo lt lv mg mk ml mn mr ms my ne nl no om or pa pl ps pt qu ro ru sa si sk sl "
    "so sq sr sv sw ta te th tl tr ug uk ur uz vi xh yo zh zu zxx ace bcl dz ext gcf gom grc gug hbo kik nso pcm rw se sn "
    "st an ary crh fo fuv gcr guw kab lb lij ltg uzs wa sdh arz ba mt nn oc tg tk tt vec vo wuu yue"
).split()

_loading = threading.Lock()


@lru_cache(maxsize=1)
def _load() -> LanguageIdentifier:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identifier() -> LanguageIdentifier:
    with _loading:  # the preloading thread and the first entry load it once between them
        return _load()


def preload() -> None:
    """Load the detector on a thread of its own; `identifier()` waits for it."""
    threading.Thread(target=identifier, name="language-model", daemon=True).start()


def known_languages() -> set[str]:
    return set(LABELS)


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
