from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from drugs.localization import LocalText

register = template.Library()


@register.filter
def or_not_established(value):
    """Show a stored answer, or say in words that no study establishes it."""
    if value is None or value == "":
        return format_html('<span class="not-established">{}</span>', _("not established"))
    return value


@register.filter
def or_not_reported(value):
    """Show a finding's figure, or say that its source does not report it (not that no study answers it)."""
    if value is None or value == "":
        return format_html('<span class="not-reported">{}</span>', _("not reported"))
    return value


@register.filter
def join_local(lines, separator):
    """Join one-per-line text; English shown on a Chinese page is marked once, after the list."""
    return LocalText(separator.join(lines), is_fallback=getattr(lines, "is_fallback", False))
