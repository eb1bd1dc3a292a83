from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


@register(deploy=True)
def check_production_secret(app_configs: Any, **kwargs: Any) -> list[Error]:
    if getattr(settings, "RATHAUS_PRODUCTION", False) and (
        not settings.SECRET_KEY or settings.SECRET_KEY.startswith("dev-only")
    ):
        return [Error("RATHAUS_SECRET_KEY must be set in production.", id="rathaus.E002")]
    return []


@register()
def check_dev_tools_not_in_production(app_configs: Any, **kwargs: Any) -> list[Error]:
    if getattr(settings, "RATHAUS_PRODUCTION", False) and settings.RATHAUS_DEV_TOOLS:
        return [
            Error(
                "RATHAUS_DEV_TOOLS cannot be switched on with production settings.",
                id="rathaus.E001",
            )
        ]
    return []


@register()
def check_bundid_simulator_not_in_production(app_configs: Any, **kwargs: Any) -> list[Error]:
    if getattr(settings, "RATHAUS_PRODUCTION", False) and getattr(
            settings, "RATHAUS_BUNDID_SIMULATOR", False):
        return [
            Error(
                "The BundID simulator (RATHAUS_BUNDID_SIMULATOR) cannot be switched on with "
                "production settings: it signs anybody in as anybody.",
                id="rathaus.E003",
            )
        ]
    return []


@register(deploy=True)
def check_shared_cache_in_production(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if not getattr(settings, "RATHAUS_PRODUCTION", False) or settings.REDIS_URL:
        return []
    return [
        Warning(
            "REDIS_URL is not set: the cache, the sessions and the rate-limit counts that every "
            "web process shares live in the database.",
            hint="This is correct with several processes, but every page from the cache, "
                 "every session and every rate-limited request then costs a database query "
                 "or write, and the database carries load that Redis takes off it. Set "
                 "REDIS_URL (docs/configuration.md).",
            id="rathaus.W010",
        )
    ]


@register(deploy=True)
def check_sensitive_keys_in_production(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if not getattr(settings, "RATHAUS_PRODUCTION", False) or settings.RATHAUS_SENSITIVE_KEYS:
        return []
    return [
        Warning(
            "RATHAUS_SENSITIVE_KEYS is not set: health data and their files are sealed with a "
            "key generated into the data directory.",
            hint="That key lies next to what it protects and is lost with the server. Generate "
                 "a key, keep it apart from the database and its backups and set "
                 "RATHAUS_SENSITIVE_KEYS (docs/data-protection.md).",
            id="rathaus.W011",
        )
    ]


@register()
def check_sensitive_keys_are_keys(app_configs: Any, **kwargs: Any) -> list[Error]:
    from cryptography.fernet import Fernet

    broken = []
    for position, key in enumerate(settings.RATHAUS_SENSITIVE_KEYS, start=1):
        try:
            Fernet(key.encode())
        except ValueError:
            broken.append(position)
    if not broken:
        return []
    return [
        Error(
            "RATHAUS_SENSITIVE_KEYS holds something that is not a Fernet key (position "
            f"{', '.join(map(str, broken))}).",
            hint="Each key is 32 random bytes in URL-safe base64 (44 characters); "
                 "docs/data-protection.md says how to generate one.",
            id="rathaus.E004",
        )
    ]
