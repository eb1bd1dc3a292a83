"""Bearer tokens of the appointments API: issued once, stored only as their SHA-256."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import ApiToken, Channel
from .roles import BOOK_FOR_CALLERS

# Recognisable in logs and secret scanners; the 8 random characters after it name the token.
TOKEN_START = "rth_"  # noqa: S105 (a marker, not a secret)
PREFIX_LENGTH = 12
# last_used_at is informational: writing it on every request would add a write to the hot path.
TOUCH_EVERY = dt.timedelta(minutes=1)


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_api_token(*, user: User, channel: str = Channel.STAFF, name: str = ""
                     ) -> tuple[ApiToken, str]:
    """Issue a token for ``user``; the key is returned once and never stored."""
    key = TOKEN_START + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, channel=channel, name=name,
                                    key_hash=hash_token(key), prefix=key[:PREFIX_LENGTH])
    return token, key


def revoke_api_tokens(*, tokens: QuerySet[ApiToken]) -> int:
    """Revoke the given tokens: refused at once here, within ``REMEMBER_SECONDS`` everywhere."""
    revoked = tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    forget_tokens()
    return revoked


def tokens_matching(prefix: str) -> QuerySet[ApiToken]:
    """Return the tokens beginning with ``prefix`` as shown in the admin (or the full token)."""
    if len(prefix) <= PREFIX_LENGTH:
        return ApiToken.objects.filter(prefix=prefix)
    return ApiToken.objects.filter(key_hash=hash_token(prefix))


@dataclass(frozen=True)
class Bearer:
    """A live token and whether its user may book for callers."""

    token: ApiToken
    may_book: bool

    @property
    def user(self) -> User:
        return self.token.user

    @property
    def channel(self) -> str:
        return self.token.channel


# What the hot path reads; other fields load on access.
_TOKEN_COLUMNS = ("id", "user_id", "channel", "last_used_at")
_USER_COLUMNS = ("username", "is_superuser", "is_staff", "is_active")


@functools.cache
def _lookup_sql() -> str:
    """The token lookup, written out: as ORM query its two EXISTS cost ~2 ms to compile.

    That was more than the booking itself on the hot path (measured on PostgreSQL); this SQL
    costs about as much as fetching the token alone.
    """
    q = connection.ops.quote_name
    user_perms = User.user_permissions.through._meta.db_table
    user_groups = User.groups.through._meta.db_table
    group_perms = Group.permissions.through._meta.db_table
    permission, content_type = Permission._meta.db_table, ContentType._meta.db_table
    is_ours = f"p.{q('codename')} = %s AND ct.{q('app_label')} = %s"
    join_permission = (f"JOIN {q(permission)} p ON p.{q('id')} = x.{q('permission_id')} "
                       f"JOIN {q(content_type)} ct ON ct.{q('id')} = p.{q('content_type_id')}")
    columns = ", ".join([*(f"t.{q(c)}" for c in _TOKEN_COLUMNS),
                         *(f"u.{q(c)} AS {q('user_' + c)}" for c in _USER_COLUMNS)])
    # Only quoted table and column names are put into the text; values are parameters.
    return (
        f"SELECT {columns}, "  # noqa: S608
        f"EXISTS(SELECT 1 FROM {q(user_perms)} x {join_permission} "
        f"WHERE x.{q('user_id')} = t.{q('user_id')} AND {is_ours}) AS {q('direct')}, "
        f"EXISTS(SELECT 1 FROM {q(user_groups)} ug "
        f"JOIN {q(group_perms)} x ON x.{q('group_id')} = ug.{q('group_id')} {join_permission} "
        f"WHERE ug.{q('user_id')} = t.{q('user_id')} AND {is_ours}) AS {q('via_group')} "
        f"FROM {q(ApiToken._meta.db_table)} t "
        f"JOIN {q(User._meta.db_table)} u ON u.{q('id')} = t.{q('user_id')} "
        f"WHERE t.{q('key_hash')} = %s AND t.{q('revoked_at')} IS NULL AND u.{q('is_active')}"
    )


# A web process remembers a token it has checked for a few seconds, so that a rush of bookings
# does not look the same token up thousands of times. Revoking a token, deactivating its user or
# taking the permission away therefore takes effect in other processes within this time.
REMEMBER_SECONDS = 10.0
_REMEMBERED_MAX = 1000
_remembered: dict[str, tuple[float, Bearer]] = {}
_remembered_lock = threading.Lock()


def forget_tokens() -> None:
    """Forget the tokens this process has checked (revocations take effect at once here)."""
    with _remembered_lock:
        _remembered.clear()


def find_token(key: str) -> Bearer | None:
    """Return the live token for ``key`` (remembered for a few seconds, see above)."""
    if not key.startswith(TOKEN_START) or len(key) > 200:
        return None
    digest = hash_token(key)
    now = time.monotonic()
    remembered = _remembered.get(digest)
    if remembered is not None and remembered[0] > now:
        return remembered[1]
    bearer = _look_up(digest)
    if bearer is not None:
        with _remembered_lock:
            if len(_remembered) >= _REMEMBERED_MAX:
                _remembered.clear()
            _remembered[digest] = (now + REMEMBER_SECONDS, bearer)
    return bearer


def _look_up(digest: str) -> Bearer | None:
    """Look up the live token with this hash, with its user and permission, in one query.

    ``may_book`` says whether the user holds the agents' permission directly or through a group,
    as ``ModelBackend.has_perm`` would answer, without its two extra queries.
    """
    app_label, codename = BOOK_FOR_CALLERS.split(".")
    # A raw queryset, not a bare cursor: it converts the values as the ORM does (SQLite dates).
    found = ApiToken.objects.raw(_lookup_sql(), [codename, app_label, codename, app_label, digest])
    token = next(iter(found), None)
    if token is None:
        return None
    extra = token.__dict__
    known = {"id": token.user_id, **{c: extra[f"user_{c}"] for c in _USER_COLUMNS}}
    # from_db takes a partial row in the order of the model's fields, whatever the SQL's order.
    names = [f.attname for f in User._meta.concrete_fields if f.attname in known]
    token.user = User.from_db(found.db, names, [known[name] for name in names])
    return Bearer(token=token, may_book=bool(
        extra["user_is_superuser"] or extra["direct"] or extra["via_group"]))


def touch(token: ApiToken, now: dt.datetime | None = None) -> None:
    """Record that the token was used, at most once a minute."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    ApiToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_EVERY), pk=token.pk,
    ).update(last_used_at=now)
    token.last_used_at = now
