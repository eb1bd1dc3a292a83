"""Evaluate the typed rule vocabulary of a definition: conditions and computed fees."""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language, ngettext

from rathaus.forms.schema import (
    AllCondition,
    AnyCondition,
    Condition,
    DaysFactor,
    FieldCondition,
    FieldFactor,
    FormDef,
    NotCondition,
    Text,
)

Answers = Mapping[str, Any]


def lookup(field_id: str, answers: Answers, scope: Answers | None) -> Any:
    if scope is not None and field_id in scope:
        return scope[field_id]
    return answers.get(field_id)


def is_filled(value: Any) -> bool:
    # `is False`, not `in (..., False)`: 0 == False, and a number answered 0 is filled in.
    return value is not False and value not in (None, "", [], {})


def holds(condition: Condition | None, answers: Answers, scope: Answers | None = None) -> bool:
    """Return whether the condition holds; an absent condition always holds."""
    if condition is None:
        return True
    if isinstance(condition, AllCondition):
        return all(holds(part, answers, scope) for part in condition.all)
    if isinstance(condition, AnyCondition):
        return any(holds(part, answers, scope) for part in condition.any)
    if isinstance(condition, NotCondition):
        return not holds(condition.not_, answers, scope)
    assert isinstance(condition, FieldCondition)
    value = lookup(condition.field, answers, scope)
    fields_set = condition.model_fields_set
    if "filled" in fields_set:
        return is_filled(value) == condition.filled
    if "in_" in fields_set:
        options = condition.in_ or []
        if isinstance(value, list):
            return any(item in options for item in value)
        return value in options
    if "not_equals" in fields_set:
        return value != condition.not_equals and not (
            isinstance(value, list) and condition.not_equals in value
        )
    if isinstance(value, list):
        return condition.equals in value
    return bool(value == condition.equals)


@dataclass(frozen=True)
class FeeCount:
    """One factor of a fee line as counted: 3 days, 15 m, 2."""

    count: int
    days: bool = False
    unit: Text | None = None

    def text(self, language: str | None = None) -> str:
        if self.days:
            return ngettext("%(count)s day", "%(count)s days", self.count) % {"count": self.count}
        if self.unit is not None:
            return f"{self.count} {self.unit.get_text(language or get_language())}"
        return str(self.count)


@dataclass(frozen=True)
class FeeLine:
    label: Text
    amount: Decimal
    quantity: int
    total: Decimal
    counts: tuple[FeeCount, ...] = ()

    @property
    def counts_text(self) -> str:
        """Say what the amount is multiplied by, in the active language: "3 Tage × 15 m"."""
        return " × ".join(count.text() for count in self.counts) or str(self.quantity)


def days_between(first: Any, last: Any) -> int:
    """Return the days from the first to the last date (ISO), both counted; 0 if not a range."""
    try:
        start, end = datetime.date.fromisoformat(first), datetime.date.fromisoformat(last)
    except (TypeError, ValueError):
        return 0
    return max((end - start).days + 1, 0)


def _count(factor: DaysFactor | FieldFactor, answers: Answers) -> FeeCount:
    if isinstance(factor, DaysFactor):
        return FeeCount(count=days_between(answers.get(factor.days.from_),
                                           answers.get(factor.days.to)), days=True)
    value = answers.get(factor.field)
    if isinstance(value, list):
        count = len(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        count = value
    else:
        count = 0
    return FeeCount(count=count, unit=factor.unit)


def compute_fees(form: FormDef, answers: Answers) -> tuple[list[FeeLine], Decimal]:
    """Return the fee lines that apply to the answers, each amount times its factors, and
    their total; a line whose factors count nothing is left out."""
    lines: list[FeeLine] = []
    for item in form.fees:
        if not holds(item.when, answers):
            continue
        counts = tuple(_count(factor, answers) for factor in item.factors)
        quantity = math.prod(count.count for count in counts)
        if quantity <= 0:
            continue
        # A bare count says nothing the quantity does not: only units and days are spelled out.
        shown = counts if any(count.days or count.unit for count in counts) or len(counts) > 1 \
            else ()
        lines.append(FeeLine(label=item.label, amount=item.amount, quantity=quantity,
                             total=item.amount * quantity, counts=shown))
    return lines, sum((line.total for line in lines), Decimal("0.00"))
