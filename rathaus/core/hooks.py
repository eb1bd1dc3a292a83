"""A named call a lower layer makes and an upper layer provides at start (AppConfig.ready).

Layers import only downwards (docs/architecture.md). When a lower layer needs something only an
upper one knows (the mailbox of Mein Rathaus, a clerk's right to a download), it declares a hook
and calls it; the upper app provides the function in its ``ready()``. A hook is provided once:
a second provider is an error, and a call before anyone provided it fails loudly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class HookNotProvided(LookupError):
    pass


class Hook(Generic[F]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._provided: F | None = None

    def provide(self, implementation: F) -> F:
        """Make ``implementation`` the one this hook calls; usable as a decorator.

        Providing the same function again is no change (Django may run ``ready()`` twice).
        """
        if self._provided is not None and self._provided is not implementation:
            raise ValueError(f"hook {self.name!r} is provided twice")
        self._provided = implementation
        return implementation

    @property
    def call(self) -> F:
        """The provided function, to be called with the hook's signature."""
        if self._provided is None:
            raise HookNotProvided(f"hook {self.name!r} has no provider; is its app installed?")
        return self._provided

    def __repr__(self) -> str:
        return f"<Hook {self.name}>"
