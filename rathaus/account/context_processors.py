"""The header's sign-in state, without a query (see base.html and catalog.views._cached_page)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse

from rathaus.identity.session import is_signed_in

# The staff area (/<language>/staff/…) has its own sign-in; the citizens' one does not belong there.
STAFF_AREA = re.compile(r"^/[a-z]{2}/staff/")


def account(request: HttpRequest) -> dict[str, Any]:
    if STAFF_AREA.match(request.path):
        return {"staff_area": True}
    if is_signed_in(request):
        return {"citizen_signed_in": True}
    url = reverse("account:sign_in")
    path = request.path
    # Only the path: shared cached pages (start page, service pages) have the same path for
    # everybody, and the sign-in pages do not send people back to themselves.
    if path.startswith(url):
        return {"citizen_signed_in": False, "sign_in_url": url}
    return {"citizen_signed_in": False, "sign_in_url": f"{url}?{urlencode({'next': path})}"}
