"""Citizen pages of appointments (being written)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


calendar_list = calendar_detail = hold = details = check_mail = waitlist = register = _todo
draw_record = confirm = manage = ics_download = reschedule = registration = _todo
