"""Curated text in the reader's language, falling back to English, marked as such.

Each translatable field `x` has a Simplified Chinese twin `x_zh`. Templates read `obj.tr.x`
(or `obj.tr.x_lines` for one-item-per-line fields); English shown on a Chinese page is wrapped
in lang="en" and labelled, so a reader knows it is untranslated.
"""

from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

TRANSLATION_SUFFIX = "_zh"


def reading_chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


class LocalText(str):
    """A string that knows whether it is an English fallback, and says so when rendered."""

    is_fallback = False

    def __new__(cls, text: str, *, is_fallback: bool = False):
        value = super().__new__(cls, text)
        value.is_fallback = is_fallback
        return value

    def __html__(self) -> str:
        if not self.is_fallback:
            return format_html("{}", str(self))
        return format_html(
            '<span lang="en">{}</span> <span class="fallback-note">({})</span>', str(self), _("in English")
        )


class LocalLines(list):
    """One-item-per-line text in the reader's language; is_fallback when it is the English."""

    is_fallback = False


class Localized:
    def __init__(self, instance):
        self._instance = instance

    def __getattr__(self, name: str):
        field = name.removesuffix("_lines")
        english = getattr(self._instance, field) or ""
        text, fallback = english, False
        if reading_chinese():
            chinese = getattr(self._instance, field + TRANSLATION_SUFFIX, "")
            text, fallback = (chinese, False) if chinese else (english, bool(english))
        if name.endswith("_lines"):
            lines = LocalLines(line.strip() for line in text.split("\n") if line.strip())
            lines.is_fallback = fallback
            return lines
        return LocalText(text, is_fallback=fallback)


class TranslatableMixin:
    @property
    def tr(self) -> Localized:
        return Localized(self)
