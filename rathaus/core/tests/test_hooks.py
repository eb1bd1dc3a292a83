"""A hook is provided once by an upper app, and calling it without a provider fails loudly."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rathaus.core.hooks import Hook, HookNotProvided


def test_a_provided_hook_calls_its_provider() -> None:
    hook: Hook[Callable[[int], int]] = Hook("test.double")
    hook.provide(lambda number: number * 2)
    assert hook.call(21) == 42


def test_a_second_provider_is_refused() -> None:
    hook: Hook[Callable[[], str]] = Hook("test.twice")

    def first() -> str:
        return "first"

    hook.provide(first)
    hook.provide(first)  # ready() run again
    with pytest.raises(ValueError, match="provided twice"):
        hook.provide(lambda: "second")
    assert hook.call() == "first"


def test_a_hook_without_provider_says_which() -> None:
    hook: Hook[Callable[[], None]] = Hook("test.nobody")
    with pytest.raises(HookNotProvided, match=r"test\.nobody"):
        hook.call()

