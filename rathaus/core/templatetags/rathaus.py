"""Template helpers: pick the right language from a definition text, switch language."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix, translate_url
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext, override

register = template.Library()


def localized(value: Any, language: str | None = None) -> str:
    """Return the text for the active language from a {"de": ..., "en": ...} mapping."""
    if value is None:
        return ""
    if isinstance(value, Mapping):
        lang = (language or get_language() or "de")[:2]
        return str(value.get(lang) or value.get("de") or next(iter(value.values()), ""))
    if hasattr(value, "get_text"):
        return str(value.get_text(language or get_language()))
    return str(value)


@register.filter(name="t")
def t_filter(value: Any) -> str:
    return localized(value)


@register.simple_tag(takes_context=True)
def language_url(context: template.Context, language: str) -> str:
    request = context.get("request")
    if request is None:
        return f"/{language}/"
    return translate_url(request.get_full_path(), language)


@lru_cache(maxsize=64)
def _footer(language: str, prefix: str, dev_tools: bool,
            town: tuple[tuple[str, str], ...]) -> SafeString:
    with override(language):
        html = render_to_string("_site_footer.html",
                                {"town": dict(town), "dev_tools": dev_tools})
    return mark_safe(html)  # rendered and escaped by the template engine


@register.simple_tag
def site_footer() -> SafeString:
    """Return the page footer, rendered once per process and language.

    It shows only fixed links and the town's address from the settings, so a kept copy is
    never stale; every page pays for it otherwise (docs/performance.md, "Search").
    """
    return _footer(get_language() or "de", get_script_prefix(), settings.RATHAUS_DEV_TOOLS,
                   tuple(sorted(settings.RATHAUS_TOWN.items())))


@register.filter
def euro(value: Any) -> str:
    if value in (None, ""):
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    return f"{formats.number_format(amount, 2, use_l10n=True, force_grouping=True)} €"


@register.filter
def cents_euro(value: Any) -> str:
    """Integer cents as euros, as ``euro`` writes them."""
    if value in (None, ""):
        return ""
    return euro(Decimal(int(value)) / 100)


@register.filter
def retention(days: int) -> str:
    """Say a retention period in years where it is whole years, else in days."""
    if days % 365 == 0:
        years = days // 365
        return ngettext("%(count)s year", "%(count)s years", years) % {"count": years}
    return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}


@register.filter
def kinds_text(field_type: Any, field: Any) -> str:
    return str(field_type.kinds_text(field))


@register.filter
def accept_attr(field_type: Any, field: Any) -> str:
    return str(field_type.accept_attr(field))
