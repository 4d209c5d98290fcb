"""Search published drugs and their conditions as a clinician types: any words, any order, typos forgiven.

Each server process keeps an index of what readers may find, built once per content version (drugs/cache.py)
from the public copies only (Drug.objects.published()), so a publication is searchable on the next request and
a draft never:

- every *term*: a drug's name, Chinese name, each brand (English and Chinese), its class in both languages;
  each condition's names, synonyms (both languages), ICD-10 and SNOMED CT codes. A condition's terms also
  find the published drugs that have a profile for it ("alopecia areata baricitinib").
- the terms by their two- and three-letter pieces: a word only checks the terms that contain its rarest
  piece, so its cost follows what it finds, not the size of the catalogue.

A query is split into words; strengths, units and dose forms ("2 mg", "4mg", "tablets", "片") are dropped.
Every word must be part of some term of a drug (in any order, each within one term: a match never spans two
names). A word that is part of no term at all is taken as a typo and matched to the words of the terms
within one edit (words of 4 to 6 letters) or two (longer), transpositions counting as one (rapidfuzz, in C:
a few milliseconds over the whole vocabulary). Results are ranked: the query is a drug's exact name or
brand, then the start of one, then a name or brand matched, then class or condition only, then spellings
corrected; the catalogue's order within each. What matched is returned with each result, to be shown.

This is the same on SQLite and PostgreSQL: the database only gives the rows (pg_trgm would need an
extension, a second code path and different rankings per database; at 10,000 drugs the index in memory
answers in milliseconds).
"""

import heapq
import re
import unicodedata
from dataclasses import dataclass, field
from html import escape

from django.utils.translation import gettext_lazy as _
from rapidfuzz import process
from rapidfuzz.distance import OSA

from drugs import cache

# Enough to choose from; more means the query is too broad to read as a list.
MAX_RESULTS = 50

KIND_LABELS = {
    "name": _("name"),
    "name_zh": _("Chinese name"),
    "brand": _("brand"),
    "brand_zh": _("Chinese brand"),
    "class": _("class"),
    "class_zh": _("class (Chinese)"),
    "condition": _("condition"),
    "condition_zh": _("condition (Chinese)"),
    "synonym": _("synonym"),
    "synonym_zh": _("synonym (Chinese)"),
    "icd10": _("ICD-10"),
    "snomed": _("SNOMED CT"),
}
NAME_KINDS = frozenset({"name", "name_zh", "brand", "brand_zh"})

# Units and dose forms say which product, not which drug: "Olumiant 2 mg tablets" looks for Olumiant.
UNITS = "mg|mcg|µg|μg|ug|ng|g|kg|ml|l|iu|u|units?|%|mmol|毫克|克|微克|毫升"  # noqa: RUF001 (µ and μ: both are typed)
IGNORED_WORDS = frozenset(
    (  # noqa: SIM905 (a list of words reads best as words)
        "mg mcg µg μg ug ng g ml iu unit units % tablet tablets tab tabs capsule capsules cap caps film-coated "
        "oral daily once twice od bd bid qd 毫克 克 微克 毫升 片 粒 胶囊 口服 每日"
    ).split()
)
STRENGTH = re.compile(rf"\d+(?:[.,]\d+)?(?:{UNITS})(?:/\S*)?")
# A bare dose ("Olumiant 2"): up to four digits without a leading zero. Longer numbers and those with a
# leading zero are codes or parts of names (SNOMED CT 68225006, synthetinib-00042) and are kept.
DOSE_NUMBER = re.compile(r"(?:0|[1-9]\d{0,3})(?:[.,]\d+)?")
CJK_DOSE_FORM = re.compile(r"(?<=..)(?:片|胶囊|注射液|缓释片)$")
CJK = re.compile(r"[\u3400-\u9fff]")
EDGE_PUNCTUATION = ",;:()[]{}\"'“”‘’、。!?"
WORD = re.compile(r"\w+")


def _fold(character: str) -> str:
    # NFKC folds the full-width letters a Chinese input method types (ＯＬＵ) into plain ones (olu).
    return unicodedata.normalize("NFKC", character).casefold()


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """The text folded for matching, and for each of its characters the index of the curated character it
    came from (to mark the matched part in the text as curated)."""
    chars: list[str] = []
    offsets: list[int] = []
    for index, character in enumerate(text):
        for folded in _fold(character):
            if folded.isspace():
                if not chars or chars[-1] == " ":
                    continue
                folded = " "
            chars.append(folded)
            offsets.append(index)
    if chars and chars[-1] == " ":
        chars.pop()
        offsets.pop()
    return "".join(chars), offsets


def normalize(text: str) -> str:
    return normalize_with_offsets(text)[0]


def split_list(text: str) -> list[str]:
    from drugs.models.catalog import split_list

    # Full-width commas (，) as a Chinese input method types them separate too.
    return split_list(unicodedata.normalize("NFKC", text))


def query_words(query: str) -> list[str]:
    """The words of a query that name something, without strengths, units and dose forms."""
    text = normalize(query)
    text = re.sub(r"(?<=[\u3400-\u9fff])(?=\d)", " ", text)  # 艾乐明2mg → 艾乐明 2mg
    words: list[str] = []
    for token in text.split():
        token = token.strip(EDGE_PUNCTUATION)
        if CJK.search(token):
            token = CJK_DOSE_FORM.sub("", token)
        if (
            not token
            or token in IGNORED_WORDS
            or STRENGTH.fullmatch(token)
            or DOSE_NUMBER.fullmatch(token)
            or (len(token) == 1 and token.isascii())  # a single letter names nothing
        ):
            continue
        if token not in words:
            words.append(token)
    return words


def max_edits(word: str) -> int:
    """How many typing errors a word may hold: none in short words, codes or Chinese."""
    if len(word) < 4 or any(c.isdigit() for c in word) or CJK.search(word):
        return 0
    return 1 if len(word) <= 6 else 2


def pieces(text: str, length: int) -> set[str]:
    return {text[i : i + length] for i in range(len(text) - length + 1)}


@dataclass
class Term:
    kind: str
    text: str  # as curated
    norm: str
    offsets: list[int]
    words: frozenset[str]
    condition: int | None  # the condition's place in the index, for a condition's term
    drugs: set[int] = field(default_factory=set)  # the places of the drugs it finds


@dataclass(frozen=True)
class Highlight:
    """A term that matched, as curated, cut into (text, matched) parts."""

    kind: str
    parts: list[tuple[str, bool]]

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    def __html__(self) -> str:
        """What matched, for a results list: the kind, then the term with its matched parts in <mark>, every
        text escaped (built here: looping over the parts of 50 results in a template was most of a search's
        time)."""
        term = "".join(f"<mark>{escape(text)}</mark>" if marked else escape(text) for text, marked in self.parts)
        return f"{escape(str(self.label))} “{term}”"


@dataclass(frozen=True)
class Matches:
    drug_ids: list[int]  # the first MAX_RESULTS, best first
    total: int
    highlights: dict[int, list[Highlight]] = field(default_factory=dict)  # by drug id
    conditions: list[tuple[object, list[Highlight]]] = field(default_factory=list)
    corrected: bool = False  # some word matched only after correcting its spelling

    @property
    def more(self) -> int:
        return self.total - len(self.drug_ids)


NO_MATCHES = Matches(drug_ids=[], total=0)


@dataclass
class WordMatch:
    terms: list[int]
    near: frozenset[str] | None  # the corrected spellings, when the word itself is part of no term


def _spans(term: Term, word: str, near: frozenset[str] | None) -> list[tuple[int, int]]:
    if near is None:
        start = term.norm.find(word)
        return [(start, start + len(word))] if start >= 0 else []
    return [m.span() for m in WORD.finditer(term.norm) if m.group() in near]


def _parts(term: Term, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """The curated text cut at the matched spans (given in the folded text)."""
    marked: list[list[int]] = []  # in the curated text, merged
    for start, end in sorted(spans):
        if end <= start:
            continue
        first, last = term.offsets[start], term.offsets[end - 1] + 1
        if marked and first <= marked[-1][1]:
            marked[-1][1] = max(marked[-1][1], last)
        else:
            marked.append([first, last])
    parts: list[tuple[str, bool]] = []
    at = 0
    for first, last in marked:
        if first > at:
            parts.append((term.text[at:first], False))
        parts.append((term.text[first:last], True))
        at = last
    if at < len(term.text):
        parts.append((term.text[at:], False))
    return parts


class SearchIndex:
    def __init__(
        self,
        drugs: list[tuple[int, list[tuple[str, str]]]],
        conditions: list[tuple[object, list[tuple[str, str]], list[int]]],
    ):
        """drugs: (id, its (kind, text) terms) in the catalogue's order; conditions: (condition, its terms,
        the ids of its published drugs), in the order they are listed."""
        self.ids = [drug_id for drug_id, _terms in drugs]
        place = {drug_id: n for n, drug_id in enumerate(self.ids)}
        self.terms: list[Term] = []
        self.drug_terms: list[list[int]] = [[] for _drug in drugs]
        self.conditions = [condition for condition, *_rest in conditions]
        self.condition_terms: list[list[int]] = [[] for _condition in conditions]
        self.condition_drugs: list[frozenset[int]] = []
        self.drug_conditions: list[list[int]] = [[] for _drug in drugs]
        shared: dict[tuple[str, str], int] = {}  # one term for a class many drugs share

        def add(kind: str, text: str, condition: int | None) -> int | None:
            norm, offsets = normalize_with_offsets(text)
            if not norm:
                return None
            key = (kind, norm)
            if condition is None and key in shared:
                return shared[key]
            self.terms.append(Term(kind, text, norm, offsets, frozenset(WORD.findall(norm)), condition))
            if condition is None:
                shared[key] = len(self.terms) - 1
            return len(self.terms) - 1

        for n, (_drug_id, terms) in enumerate(drugs):
            for kind, text in terms:
                if (t := add(kind, text, None)) is not None and t not in self.drug_terms[n]:
                    self.drug_terms[n].append(t)
                    self.terms[t].drugs.add(n)
        for c, (_condition, terms, drug_ids) in enumerate(conditions):
            places = frozenset(place[d] for d in drug_ids if d in place)
            self.condition_drugs.append(places)
            for n in places:
                self.drug_conditions[n].append(c)
            for kind, text in terms:
                if (t := add(kind, text, c)) is not None:
                    self.condition_terms[c].append(t)
                    self.terms[t].drugs |= places
        self.drug_sets = [frozenset(term.drugs) for term in self.terms]
        self.positions: dict[str, list[int]] = {}
        vocabulary: dict[str, list[int]] = {}
        for t, term in enumerate(self.terms):
            for piece in pieces(term.norm, 2) | pieces(term.norm, 3):
                self.positions.setdefault(piece, []).append(t)
            for word in term.words:
                vocabulary.setdefault(word, []).append(t)
        self.vocabulary = vocabulary
        self.vocabulary_words = list(vocabulary)

    def containing(self, text: str) -> list[int]:
        """The terms of which text is a part."""
        candidates = min(
            (self.positions.get(piece, []) for piece in pieces(text, 3 if len(text) >= 3 else 2)),
            key=len,
            default=[],
        )
        return [t for t in candidates if text in self.terms[t].norm]

    def match_word(self, word: str) -> WordMatch:
        found = self.containing(word)
        if found or not (edits := max_edits(word)):
            return WordMatch(found, None)
        near = frozenset(
            choice
            for choice, _distance, _place in process.extract(
                word, self.vocabulary_words, scorer=OSA.distance, score_cutoff=edits, limit=None
            )
        )
        return WordMatch(sorted({t for w in near for t in self.vocabulary[w]}), near)

    def drugs_matching_every_word(self, matched: dict[str, "WordMatch"]) -> set[int]:
        """The drugs each word is part of a term of: those of the rarest word, kept when every other word
        matches one of their own terms or one of their conditions' (its cost follows the rarest word, not
        the catalogue)."""
        rarest, *others = sorted(matched.values(), key=lambda m: sum(len(self.drug_sets[t]) for t in m.terms))
        found = set().union(*(self.drug_sets[t] for t in rarest.terms))
        for match in others:
            own = {t for t in match.terms if self.terms[t].condition is None}
            conditions = {self.terms[t].condition for t in match.terms} - {None}
            found = {
                n
                for n in found
                if not own.isdisjoint(self.drug_terms[n]) or not conditions.isdisjoint(self.drug_conditions[n])
            }
        return found

    def terms_of_drug(self, n: int) -> list[int]:
        """Its own terms, and those of the conditions it has a profile for."""
        return self.drug_terms[n] + [t for c in self.drug_conditions[n] for t in self.condition_terms[c]]

    def highlights(self, terms: list[int], words: dict[str, WordMatch], cut: dict | None = None) -> list[Highlight]:
        """For each word, the first of these terms it matched; the spans of one term together. `cut` keeps
        the parts of a term already cut for another result (fifty drugs share one condition's name)."""
        cut = {} if cut is None else cut
        spans: dict[int, list[tuple[int, int]]] = {}
        for word, match in words.items():
            for t in terms:
                if found := _spans(self.terms[t], word, match.near):
                    spans.setdefault(t, []).extend(found)
                    break
        highlights = []
        for t, term_spans in spans.items():
            key = (t, tuple(term_spans))
            if key not in cut:
                cut[key] = Highlight(self.terms[t].kind, _parts(self.terms[t], term_spans))
            highlights.append(cut[key])
        return highlights

    def find(self, query: str, limit: int = MAX_RESULTS) -> Matches:
        words = query_words(query)
        if not words:
            return NO_MATCHES
        matched = {word: self.match_word(word) for word in words}
        if not all(m.terms for m in matched.values()):
            return NO_MATCHES
        found = self.drugs_matching_every_word(matched)
        corrected = any(m.near is not None for m in matched.values())

        phrase = " ".join(words)
        named = [t for t in self.containing(phrase) if self.terms[t].kind in NAME_KINDS]
        exact = frozenset().union(*(self.drug_sets[t] for t in named if self.terms[t].norm == phrase))
        starting = frozenset().union(*(self.drug_sets[t] for t in named if self.terms[t].norm.startswith(phrase)))
        by_name = frozenset().union(
            *(self.drug_sets[t] for m in matched.values() for t in m.terms if self.terms[t].kind in NAME_KINDS)
        )

        def rank(n: int) -> tuple[int, int]:
            if corrected:
                return (4, n)
            return (0 if n in exact else 1 if n in starting else 2 if n in by_name else 3, n)

        best = heapq.nsmallest(limit, found, key=rank)
        cut: dict = {}
        highlights = {self.ids[n]: self.highlights(self.terms_of_drug(n), matched, cut) for n in best}
        return Matches(
            drug_ids=[self.ids[n] for n in best],
            total=len(found),
            highlights=highlights,
            conditions=self.find_conditions(matched, phrase),
            corrected=corrected,
        )

    def find_conditions(self, matched: dict[str, WordMatch], phrase: str) -> list[tuple[object, list[Highlight]]]:
        """Conditions named by at least one word, every other word naming one of their published drugs."""
        own = {word: {self.terms[t].condition for t in m.terms} for word, m in matched.items()}
        drugs = {
            word: frozenset().union(*(self.drug_sets[t] for t in m.terms if self.terms[t].condition is None))
            for word, m in matched.items()
        }
        found = []
        for c in set().union(*own.values()) - {None}:
            if all(c in own[w] or not drugs[w].isdisjoint(self.condition_drugs[c]) for w in matched):
                exact = any(self.terms[t].norm == phrase for t in self.condition_terms[c])
                found.append((not exact, c))
        return [
            (self.conditions[c], self.highlights(self.condition_terms[c], matched)) for _not_exact, c in sorted(found)
        ]


def drug_terms(name: str, name_zh: str, brands: str, brands_zh: str, drug_class: str, class_zh: str):
    return [
        ("name", name),
        ("name_zh", name_zh),
        *(("brand", brand) for brand in split_list(brands)),
        *(("brand_zh", brand) for brand in split_list(brands_zh)),
        ("class", drug_class),
        ("class_zh", class_zh),
    ]


def condition_terms(condition) -> list[tuple[str, str]]:
    return [
        ("condition", condition.name),
        ("condition_zh", condition.name_zh),
        *(("synonym", synonym) for synonym in split_list(condition.synonyms)),
        *(("synonym_zh", synonym) for synonym in split_list(condition.synonyms_zh)),
        ("icd10", condition.icd10_code),
        ("snomed", condition.snomed_code),
    ]


def published_index() -> SearchIndex:
    from drugs.models import Condition, Drug, RelapseProfile

    def build() -> SearchIndex:
        rows = (
            Drug.objects.published()
            .in_catalogue_order()
            .values_list("pk", "name", "name_zh", "brand_names", "brand_names_zh", "drug_class", "drug_class_zh")
        )
        drugs = [(pk, drug_terms(*names)) for pk, *names in rows]
        treated: dict[int, list[int]] = {}
        for drug_id, condition_id in RelapseProfile.objects.filter(drug__public_copy_of__isnull=False).values_list(
            "drug_id", "condition_id"
        ):
            treated.setdefault(condition_id, []).append(drug_id)
        conditions = [(c, condition_terms(c), treated.get(c.pk, [])) for c in Condition.objects.with_published_drugs()]
        return SearchIndex(drugs, conditions)

    return cache.per_version("published_search_index", build)


def find(query: str) -> Matches:
    return published_index().find(query)
