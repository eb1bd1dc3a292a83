"""The draw: a reproducible order of registrations from a published seed.

Every registration gets a lottery number ``HMAC-SHA256(key=seed, message=reference)``, read as a
256-bit unsigned integer. Anyone holding the seed and the list of references can recompute it:

- lottery:   ascending lottery number;
- weighted:  descending ``ln(u) / weight`` with ``u = (number + 1) / 2**256`` (Efraimidis and
             Spirakis: each draw without replacement has probability proportional to the weight);
- priority:  ascending group rank, then ascending lottery number within the group.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

SPACE = 2**256


@dataclass(frozen=True)
class Ticket:
    reference: str
    weight: int = 1
    rank: int = 1


def new_seed() -> tuple[str, str]:
    """Return a fresh seed and its SHA-256 commitment (published before the draw)."""
    seed = secrets.token_hex(32)
    return seed, commitment(seed)


def commitment(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


def lottery_number(seed: str, reference: str) -> int:
    digest = hmac.new(seed.encode(), reference.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest, "big")


def order(tickets: Sequence[Ticket], *, seed: str, method: str) -> list[tuple[Ticket, int]]:
    """Return the tickets in drawn order with their lottery numbers."""
    numbered = [(t, lottery_number(seed, t.reference)) for t in tickets]
    if method == "weighted":
        def score(item: tuple[Ticket, int]) -> float:
            ticket, number = item
            return math.log((number + 1) / SPACE) / ticket.weight

        return sorted(numbered, key=lambda item: (-score(item), item[1]))
    if method == "priority":
        return sorted(numbered, key=lambda item: (item[0].rank, item[1]))
    return sorted(numbered, key=lambda item: item[1])
