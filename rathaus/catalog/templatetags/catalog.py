"""List entries of services, rendered once per process for what they show.

An entry is a pure function of the service's slug, title and summary, the language and the
site's URL prefix: a kept copy can never be stale, and search results and topic pages list
the same entries again and again. Rendering them through the template engine every time was
most of the cost of an uncached search (docs/performance.md, "Search").
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, override

register = template.Library()


class Listable(Protocol):
    @property
    def slug(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def summary(self) -> str: ...


@lru_cache(maxsize=1024)
def _entry(slug: str, title: str, summary: str, language: str, prefix: str) -> SafeString:
    with override(language):
        html = render_to_string("catalog/_service_item.html",
                                {"slug": slug, "title": title, "summary": summary})
    return mark_safe(html)  # rendered and escaped by the template engine


@register.simple_tag
def service_entry(service: Listable) -> SafeString:
    """Return the list entry of a service: its link, title and summary."""
    return _entry(service.slug, service.title, service.summary, get_language() or "de",
                  get_script_prefix())
