"""Who is asking: the client's address and browser, as far as the portal can tell."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

USER_AGENT_LENGTH = 200


def client_ip(request: HttpRequest) -> str | None:
    """Return the client's IP address, trusting only the configured number of proxies."""
    proxies = settings.RATHAUS_TRUSTED_PROXY_COUNT
    if proxies > 0:
        # Each trusted proxy appends the address it received the request from; entries left of
        # those can be sent by the client itself and prove nothing.
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        chain = [part.strip() for part in forwarded.split(",")]
        chain = [part for part in chain if part]
        if len(chain) >= proxies:
            return chain[-proxies]
    address = request.META.get("REMOTE_ADDR")
    return str(address) if address else None


def user_agent(request: HttpRequest) -> str:
    """Return the browser's User-Agent, shortened to what the audit log keeps."""
    return str(request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_LENGTH]
