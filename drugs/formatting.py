"""Plain helpers that turn stored figures into the words a clinician reads.

Each returns None when the figure is not stored, so the page can say
"not established" instead of inventing a value.
"""

from decimal import Decimal

EN_DASH = "\u2013"


def number(value: Decimal | int | float | None) -> str | None:
    """12.50 -> '12.5', 60.0 -> '60', None -> None."""
    if value is None:
        return None
    text = f"{Decimal(str(value)):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def value_range(low, high) -> str | None:
    """A single value, or 'low–high' when the two ends differ."""
    low_text, high_text = number(low), number(high)
    if low_text is None:
        return high_text
    if high_text is None or high_text == low_text:
        return low_text
    return f"{low_text}{EN_DASH}{high_text}"


def percent(value, upper=None, *, approximate: bool = False) -> str | None:
    """'60%', '10–11%', '≈80%'."""
    text = value_range(value, upper)
    if text is None:
        return None
    return f"{'≈' if approximate else ''}{text}%"


def confidence_interval(low, high) -> str | None:
    """'50–70%', for a label such as '95% CI' to precede."""
    text = value_range(low, high) if low is not None and high is not None else None
    return f"{text}%" if text else None


def count(events: int | None, total: int | None) -> str | None:
    """'21/24' when both are known, 'N = 30' when only the denominator is (n without N is refused)."""
    if total is None:
        return None
    if events is None:
        return f"N = {total}"
    return f"{events}/{total}"


def duration(value, unit_label: str, upper=None) -> str | None:
    """'24 weeks', '8–24 weeks'."""
    text = value_range(value, upper)
    if text is None or not unit_label:
        return None
    return f"{text} {unit_label}"
