"""``rathaus.settings.dev`` as ``./rathaus.sh start`` runs it, with static files from their sources.

Only the static files differ (no ``collectstatic`` before each test run): the cache, the
sessions, the rate limits, the database settings are the start command's.
"""

from rathaus.settings.dev import *  # noqa: F403
from rathaus.settings.dev import STORAGES

STORAGES = {**STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
