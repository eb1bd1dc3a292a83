"""Template helpers: pick the right language from a definition text, switch language."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import template
from django.urls import translate_url
from django.utils import formats
from django.utils.translation import get_language, ngettext

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


@register.filter
def euro(value: Any) -> str:
    if value in (None, ""):
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    return f"{formats.number_format(amount, 2, use_l10n=True, force_grouping=True)} €"


@register.filter
def cents_euro(cents: int) -> str:
    """An amount in integer cents as euros, in the active language ("24,00 €")."""
    return euro(Decimal(int(cents)) / 100)


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
