"""Near-copy search: word shingles, MinHash signatures and LSH band keys.

An entry's signature is a MinHash of its word shingles; it is cut into
`bands` bands of `rows` values, and each band hashes to a key. Two entries
sharing a key are candidates, checked by their exact Jaccard similarity. A
lookup reads one index entry per band, so its cost does not grow with the
number of entries (only with the few candidates it finds).

The signature is datasketch's MinHash (scheme "affine32", sha1 of each
shingle, seed 1), computed here in a few lines of numpy so that the service
imports neither datasketch (whose package imports scipy) nor numpy at
start: numpy is imported on the first signature. A unit test checks the
values against datasketch's own.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# Share of pairs at exactly the threshold that must meet in some band. The
# layout with the most rows per band (fewest false candidates) that reaches
# it is used; similarity above the threshold is found more surely still.
RECALL_AT_THRESHOLD = 0.9
SEED = 1  # fixed, with the scheme: stored signatures must stay comparable across restarts
SCHEME = "affine32"
# A candidate whose signature estimate is this far below the threshold is
# not compared exactly: at 128 values the estimate's standard error near the
# threshold is about 0.045, so 0.15 drops a true near copy once in thousands.
ESTIMATE_MARGIN = 0.15


@dataclass(frozen=True, slots=True)
class Bands:
    num_perm: int
    bands: int
    rows: int

    def recall(self, similarity: float) -> float:
        """Chance that two entries of this Jaccard similarity share a band."""
        return 1 - (1 - similarity**self.rows) ** self.bands

    @property
    def label(self) -> str:
        return f"minhash-{SCHEME}-sha1-seed{SEED}-p{self.num_perm}-b{self.bands}x{self.rows}"


@lru_cache(maxsize=16)
def band_layout(threshold: float, num_perm: int) -> Bands:
    best = Bands(num_perm, num_perm, 1)
    for rows in range(1, num_perm + 1):
        layout = Bands(num_perm, num_perm // rows, rows)
        if layout.recall(threshold) < RECALL_AT_THRESHOLD:
            break
        best = layout
    return best


def shingles(content: str, size: int) -> set[str]:
    words = content.split()
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def estimate(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity estimated from two signatures."""
    import numpy as np

    return float(np.count_nonzero(a == b)) / len(a)


@lru_cache(maxsize=4)
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutations: h -> a*h + b mod 2**32, `a` odd, drawn from RandomState(SEED)."""
    import numpy as np

    draw = np.random.RandomState(SEED)
    a = draw.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = draw.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's finalizer (a bijection on 32 bits), which datasketch applies before permuting."""
    import numpy as np

    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    mixed: np.ndarray = h ^ (h >> np.uint32(16))  # numpy types the operators' result as Any
    return mixed


def _sha1_32(gram: str) -> int:
    value: int = struct.unpack("<I", hashlib.sha1(gram.encode()).digest()[:4])[0]
    return value


def signature(grams: set[str], num_perm: int) -> np.ndarray:
    """MinHash values as uint32 (deterministic: sha1 of each shingle, fixed seed and scheme)."""
    import numpy as np

    if not grams:
        return np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
    a, b = _permutations(num_perm)
    hashed = _fmix32(np.array([_sha1_32(g) for g in grams], dtype=np.uint32).reshape(-1, 1))
    minima: np.ndarray = (hashed * a + b).min(axis=0)
    return minima


def band_keys(values: np.ndarray, layout: Bands) -> list[int]:
    """One signed 63-bit key per band (fits a BIGINT column)."""
    keys = []
    for band in range(layout.bands):
        chunk = values[band * layout.rows : (band + 1) * layout.rows]
        digest = hashlib.blake2b(band.to_bytes(2, "big") + chunk.tobytes(), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big") >> 1)
    return keys


def to_bytes(values: np.ndarray) -> bytes:
    return values.astype("<u4").tobytes()


def from_bytes(raw: bytes) -> np.ndarray:
    import numpy as np

    return np.frombuffer(raw, dtype="<u4")
