"""Production: secrets required, HTTPS cookies, SMTP, no development pages."""

import os

from .base import *  # noqa: F403
from .base import LOGGING, env_bool

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("RATHAUS_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
RATHAUS_PRODUCTION = True

# One JSON object per log line, for the town's log collector (docs/deployment.md).
RATHAUS_LOG_FORMAT = os.environ.get("RATHAUS_LOG_FORMAT", "json")
LOGGING["handlers"]["console"]["formatter"] = RATHAUS_LOG_FORMAT
