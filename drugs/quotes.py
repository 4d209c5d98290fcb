"""Is a finding's stored figure in the sentence it was copied from?

The check compares numbers, not spellings: 60.00 = "60%" = "60 %" = "60.0%"; a range 10–11 = "10 to 11%" =
"10-11%" = "10%–11%"; counts 21/24 = "21 of 24" = "twenty-one of twenty-four", 5/8 = "five of eight".
Full-width digits and signs (as in Chinese text) count as ordinary ones. A percentage must be written as one
(with %, "percent" or "per cent"), so "4 mg" never vouches for 4%.
"""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_NUMBER = r"(\d+(?:\.\d+)?)"
_PERCENT_SIGN = r"\s*(?:%|per\s*cent\b|percent\b)"
_RANGE_JOIN = r"\s*(?:-|–|—|~|to|至|到)\s*"
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")

PERCENT = re.compile(_NUMBER + _PERCENT_SIGN, re.IGNORECASE)
PERCENT_RANGE = re.compile(_NUMBER + f"(?:{_PERCENT_SIGN})?" + _RANGE_JOIN + _NUMBER + _PERCENT_SIGN, re.IGNORECASE)
COUNT = re.compile(r"(\d+)\s*(?:/|of|out\s+of)\s*(\d+)", re.IGNORECASE)
# Papers and reports spell small counts out ("five of eight patients").
_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
_UNITS += "seventeen eighteen nineteen"
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_WORD_VALUES = {word: value for value, word in enumerate(_UNITS.split())} | _TENS
_NUMBER_WORD = re.compile(
    rf"\b({'|'.join(_TENS)})(?:[- ]({'|'.join(_UNITS.split()[1:10])}))?\b|\b({'|'.join(_UNITS.split())})\b",
    re.IGNORECASE,
)
NUMBER = re.compile(_NUMBER)


def normalise(text: str) -> str:
    """Full-width characters as ASCII, thousands separators dropped, all spaces one space."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _THOUSANDS.sub("", text)
    return re.sub(r"\s+", " ", text)


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


# A table cell "n/N (p)", as trial tables print it under a "No./total No. (%)" heading.
COUNT_AND_PERCENT = re.compile(r"(\d+)\s*/\s*(\d+)\s*\((\d+(?:\.\d+)?)\)")


def _printed_percent(match: re.Match) -> Decimal | None:
    """The bracketed number after n/N when it is n/N as a percentage to its printed places ("24/79 (30.4)"):
    then it can only be the percentage, not a year or a reference."""
    events, total, printed = int(match.group(1)), int(match.group(2)), Decimal(match.group(3))
    if not total:
        return None
    places = Decimal(1).scaleb(printed.as_tuple().exponent)
    exact = (Decimal(events) * 100 / Decimal(total)).quantize(places, rounding=ROUND_HALF_UP)
    return printed if exact == printed else None


def percentages(text: str) -> set[Decimal]:
    """Every number written as a percentage, including both ends of a range ('10% to 11%', '10–11%') and the
    bracketed percentage of a table's n/N cell."""
    text = normalise(text)
    found = {_decimal(m.group(1)) for m in PERCENT.finditer(text)}
    found |= {_printed_percent(m) for m in COUNT_AND_PERCENT.finditer(text)}
    for low, high in percent_ranges(text):
        found |= {low, high}
    return found - {None}


def percent_ranges(text: str) -> set[tuple[Decimal, Decimal]]:
    return {(Decimal(m.group(1)), Decimal(m.group(2))) for m in PERCENT_RANGE.finditer(normalise(text))}


def _digits(match: re.Match) -> str:
    if match.group(3):
        return str(_WORD_VALUES[match.group(3).lower()])
    return str(_WORD_VALUES[match.group(1).lower()] + (_WORD_VALUES[match.group(2).lower()] if match.group(2) else 0))


def counts(text: str) -> set[tuple[int, int]]:
    """n/N pairs: '21/24', '21 of 24', '21 out of 24', 'five of eight'."""
    text = _NUMBER_WORD.sub(_digits, normalise(text))
    return {(int(m.group(1)), int(m.group(2))) for m in COUNT.finditer(text)}


def numbers(text: str) -> set[Decimal]:
    return {Decimal(m.group(1)) for m in NUMBER.finditer(normalise(text))}


def derived_percent_matches(proportion: Decimal, events: int, total: int) -> bool:
    """A curator's n/N percentage, rounded to any number of places down to whole percent."""
    if not total:
        return False
    exact = Decimal(events) * 100 / Decimal(total)
    return abs(exact - Decimal(proportion)) <= Decimal("0.5")


def problems(finding) -> list[str]:
    """What the quote does not show of the stored figures (empty when everything is there)."""
    quote = finding.quote or ""
    if not quote.strip():
        return ["no source text stored"]
    found: list[str] = []
    if finding.is_derived:
        if finding.events is None or finding.total is None:
            found.append("a derived figure needs n and N")
        elif (finding.events, finding.total) not in counts(quote):
            found.append(f"counts {finding.events}/{finding.total} not in the source text")
        elif finding.proportion is not None and not derived_percent_matches(
            finding.proportion, finding.events, finding.total
        ):
            found.append(f"{finding.proportion}% is not {finding.events}/{finding.total}")
        return found
    if finding.proportion_upper is not None:
        if (Decimal(finding.proportion), Decimal(finding.proportion_upper)) not in percent_ranges(quote):
            found.append(f"range {finding.proportion}–{finding.proportion_upper}% not in the source text")
    elif finding.proportion is not None and Decimal(finding.proportion) not in percentages(quote):
        found.append(f"{finding.proportion}% not in the source text")
    if finding.events is not None and finding.total is not None:
        if (finding.events, finding.total) not in counts(quote):
            found.append(f"counts {finding.events}/{finding.total} not in the source text")
    elif finding.total is not None:
        total_quote = getattr(finding, "total_quote", "")  # N may come with its own source (the paper of a report)
        if Decimal(finding.total) not in numbers(total_quote or quote):
            found.append(f"N = {finding.total} not in the source text" + (" for N" if total_quote else ""))
    return found


def figure_in_quote(finding) -> bool:
    """True when the stored proportion (and upper end), n and N all appear in the finding's quote; for a
    figure the curator derived, when its counts do and the percentage follows from them."""
    return not problems(finding)


def has_figure(finding) -> bool:
    """Whether the finding shows any number a quote must back."""
    return any(value is not None for value in (finding.proportion, finding.events, finding.total))
