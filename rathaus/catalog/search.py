"""Match what citizens type against the catalog: missing umlauts, small typos, keywords.

Words are compared in their folded form (rathaus.core.text.fold) reduced once more to a
"skeleton" in which a spelled-out umlaut and its plain vowel are the same ("fuehrung",
"fuhrung"), so "fuhrungszeugnis", "führungszeugnis" and "fuehrungszeugnis" all match. A query
term matches an indexed word when it is the word, begins it, or is inside it ("hund" in
"hundesteuer", as search always did), or, for longer terms, differs from the word or from its
beginning by at most one or two letters (a typo, a missing or swapped letter) if it is found
nowhere as typed. Typos are only forgiven against titles and keywords, not the free-text
summary, so a long summary does not make a mistyped word match at random. Every term of a
query must match.

The index is a plain in-process structure rebuilt from the rows a search reads anyway (the
active services and the offline needs), keyed by their content, so a stale index is never
used, whichever process published the change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SEARCH_PARTS = " | "
# Title, keywords, summary: how much a match in each part counts.
PART_WEIGHTS = (3.0, 2.0, 1.0)
# A typo is forgiven only in parts at least this heavy (title and keywords).
FUZZY_MIN_WEIGHT = 2.0

EXACT, PREFIX, INSIDE, TYPO, TYPO_PREFIX = 1.0, 0.8, 0.6, 0.5, 0.4

_SPELLED_OUT = re.compile(r"([aou])e")
# Words of a question that say nothing about the service, folded ("möchte" is "moechte").
FILLER_WORDS = frozenset({
    "ich", "wir", "moechte", "moechten", "will", "wollen", "muss", "muessen", "kann", "koennen",
    "brauche", "brauchen", "mein", "meine", "meinen", "meinem", "meiner", "meines", "unser",
    "unsere", "ein", "eine", "einen", "einem", "einer", "der", "die", "das", "den", "dem", "des",
    "und", "oder", "fuer", "zur", "zum", "von", "vom", "mit", "bei", "beim", "im", "in", "wie",
    "was", "wo", "bitte", "online", "i", "we", "want", "need", "to", "a", "an", "the", "my",
    "our", "for", "of", "how", "do", "can", "please",
})


def skeleton(word: str) -> str:
    """Reduce a folded word so that "ue" and "u" (and "ae"/"a", "oe"/"o") compare equal."""
    return _SPELLED_OUT.sub(r"\1", word)


def typos_allowed(term: str) -> int:
    """Return how many wrong letters a term of this length may have: 0, 1 or 2."""
    if len(term) < 5:
        return 0
    if len(term) < 9:
        return 1
    return 2


def edit_distance(term: str, word: str, limit: int) -> tuple[int, int]:
    """Return the distance of term to word and to word's closest beginning, each capped.

    Optimal string alignment: insertions, deletions, substitutions and swaps of neighbours
    cost one. Values above `limit` come back as `limit + 1`.
    """
    over = limit + 1
    before: list[int] | None = None
    previous = list(range(len(word) + 1))
    for i in range(1, len(term) + 1):
        current = [i] + [0] * len(word)
        for j in range(1, len(word) + 1):
            cost = 0 if term[i - 1] == word[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if (before is not None and j > 1 and term[i - 1] == word[j - 2]
                    and term[i - 2] == word[j - 1]):
                value = min(value, before[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return over, over
        before, previous = previous, current
    return min(previous[-1], over), min(min(previous), over)


def _quality(term: str, word: str) -> float:
    if term == word:
        return EXACT
    if word.startswith(term):
        return PREFIX
    if term in word:
        return INSIDE
    return 0.0


def _typo_quality(term: str, word: str) -> float:
    limit = typos_allowed(term)
    # A typo in the first letter is rare and most often another word: as search engines do
    # (a fuzzy "prefix length" of one), the first letter must be right. It also spares most
    # of the comparisons.
    if limit == 0 or len(word) < len(term) - limit or term[0] != word[0]:
        return 0.0
    whole, beginning = edit_distance(term, word[:len(term) + limit], limit)
    if len(word) > len(term) + limit:
        whole = limit + 1  # the whole word is longer than any typo explains
    if whole <= limit:
        return TYPO
    if beginning <= limit and len(word) > len(term):
        return TYPO_PREFIX
    return 0.0


@dataclass(frozen=True)
class Hit:
    key: int | str
    score: float


class CatalogIndex:
    """The words of services and offline needs, with where and how heavily each stands."""

    def __init__(self, documents: Iterable[tuple[int | str, str]]) -> None:
        self.keys: list[int | str] = []
        # skeleton word -> {document number: heaviest weight it has there}
        self.words: dict[str, dict[int, float]] = {}
        for number, (key, search_text) in enumerate(documents):
            self.keys.append(key)
            for weight, part in zip(PART_WEIGHTS, search_text.split(SEARCH_PARTS), strict=False):
                for word in part.split():
                    postings = self.words.setdefault(skeleton(word), {})
                    postings[number] = max(postings.get(number, 0.0), weight)
        self._terms: dict[str, dict[int, float]] = {}

    def _term_scores(self, term: str) -> dict[int, float]:
        scores = self._terms.get(term)
        if scores is not None:
            return scores
        scores = {}
        for word, postings in self.words.items():
            quality = _quality(term, word)
            if quality:
                for number, weight in postings.items():
                    scores[number] = max(scores.get(number, 0.0), weight * quality)
        if not scores:
            # Only a word found nowhere as typed is taken for a typo: "abmelden" does not
            # also find "anmelden", "Meldebescheinigng" finds "Meldebescheinigung".
            for word, postings in self.words.items():
                quality = _typo_quality(term, word)
                if quality:
                    for number, weight in postings.items():
                        if weight >= FUZZY_MIN_WEIGHT:
                            scores[number] = max(scores.get(number, 0.0), weight * quality)
        if len(self._terms) > 2000:  # bounded: queries are typed by anyone
            self._terms.clear()
        self._terms[term] = scores
        return scores

    def search(self, terms: Sequence[str]) -> list[Hit]:
        """Return the documents matching every term, best first (ties keep document order).

        Filler words ("ich möchte meinen Hund anmelden") are left out unless the query has
        nothing else.
        """
        terms = [term for term in terms if term not in FILLER_WORDS] or list(terms)
        if not terms:
            return []
        total: dict[int, float] | None = None
        for term in terms:
            scores = self._term_scores(skeleton(term))
            if total is None:
                total = dict(scores)
            else:
                total = {number: total[number] + score
                         for number, score in scores.items() if number in total}
            if not total:
                return []
        assert total is not None
        ranked = sorted(total.items(), key=lambda item: (-item[1], item[0]))
        return [Hit(key=self.keys[number], score=score) for number, score in ranked]


_INDEXES: dict[tuple[tuple[int | str, str], ...], CatalogIndex] = {}


def index_for(documents: Sequence[tuple[int | str, str]]) -> CatalogIndex:
    """Return the index of exactly these documents, built once per process and content."""
    key = tuple(documents)
    index = _INDEXES.get(key)
    if index is None:
        index = CatalogIndex(documents)
        _INDEXES.clear()  # one catalog at a time; an old one is never asked again
        _INDEXES[key] = index
    return index
