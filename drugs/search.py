"""Search for published drugs and their conditions by any part of a name.

A scan of every drug's names costs more with every drug added. Instead each server process keeps an
index of the published drugs' names (generic, Chinese, each brand) by their two- and three-letter pieces,
built once per freshness stamp, so a publication is searchable on the next request: a query only checks
the drugs that contain its rarest piece, so its cost follows what it finds, not the size of the catalogue.
The conditions with a published drug (a few hundred at most) are kept beside it and simply scanned.
"""

import unicodedata
from dataclasses import dataclass

from drugs import freshness

# A separator no query can contain (the search form refuses null characters), so that a match
# never spans two names.
SEPARATOR = "\x00"
# Enough to choose from; more means the query is too broad to read as a list.
MAX_RESULTS = 50


def normalize(text: str) -> str:
    # NFKC folds the full-width letters a Chinese input method types (ＯＬＵ) into plain ones (olu).
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def searchable(names: list[str]) -> str:
    """One string to match queries against, in which no match can span two names."""
    return SEPARATOR.join(normalize(name) for name in names if name)


def pieces(text: str, length: int) -> set[str]:
    return {text[i : i + length] for i in range(len(text) - length + 1)}


@dataclass(frozen=True)
class Matches:
    drug_ids: list[int]  # the first MAX_RESULTS, in the catalogue's order (by name)
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.drug_ids)


class NameIndex:
    def __init__(self, rows: list[tuple[int, list[str]]]):
        """rows: (drug id, its names), in the order results are shown."""
        self.ids = [drug_id for drug_id, _ in rows]
        self.texts = [searchable(names) for _, names in rows]
        self.positions: dict[str, list[int]] = {}
        for position, text in enumerate(self.texts):
            for piece in pieces(text, 2) | pieces(text, 3):
                if SEPARATOR not in piece:
                    self.positions.setdefault(piece, []).append(position)

    def find(self, query: str, limit: int = MAX_RESULTS) -> Matches:
        query = normalize(query)
        candidates = min(
            (self.positions.get(piece, []) for piece in pieces(query, 3 if len(query) >= 3 else 2)),
            key=len,
            default=[],
        )
        found = [position for position in candidates if query in self.texts[position]]
        return Matches(drug_ids=[self.ids[position] for position in found[:limit]], total=len(found))


NO_MATCHES = Matches(drug_ids=[], total=0)


def names(*single: str, lists: tuple[str, ...] = ()) -> list[str]:
    """Names to match, each on its own: single names, and comma-separated lists split into their items."""
    from drugs.models.catalog import split_list

    return [*single, *(item for text in lists for item in split_list(unicodedata.normalize("NFKC", text)))]


def published_name_index() -> NameIndex:
    from drugs.models import Drug

    def build() -> NameIndex:
        rows = Drug.objects.published().in_catalogue_order().values_list("pk", "name", "name_zh", "brand_names")
        return NameIndex([(pk, names(name, name_zh, lists=(brands,))) for pk, name, name_zh, brands in rows])

    return freshness.per_stamp("published_name_index", build)


def find_drugs(query: str) -> Matches:
    return published_name_index().find(query)


def published_conditions() -> list[tuple[str, object]]:
    """(the names to match, the condition) for each condition with a published drug, alphabetically."""
    from drugs.models import Condition

    def build() -> list[tuple[str, object]]:
        return [
            (searchable(names(c.name, c.name_zh, lists=(c.synonyms, c.synonyms_zh))), c)
            for c in Condition.objects.with_published_drugs()
        ]

    return freshness.per_stamp("published_conditions", build)


def find_conditions(query: str) -> list:
    query = normalize(query)
    return [condition for text, condition in published_conditions() if query in text]
