"""Evaluate the typed rule vocabulary of a definition: conditions and computed fees."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rathaus.forms.schema import (
    AllCondition,
    AnyCondition,
    Condition,
    FieldCondition,
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
class FeeLine:
    label: Text
    amount: Decimal
    quantity: int
    total: Decimal


def compute_fees(form: FormDef, answers: Answers) -> tuple[list[FeeLine], Decimal]:
    lines: list[FeeLine] = []
    for item in form.fees:
        if not holds(item.when, answers):
            continue
        quantity = 1
        if item.per is not None:
            value = answers.get(item.per)
            if isinstance(value, list):
                quantity = len(value)
            elif isinstance(value, int):
                quantity = value
            else:
                quantity = 0
        if quantity <= 0:
            continue
        lines.append(FeeLine(label=item.label, amount=item.amount, quantity=quantity,
                             total=item.amount * quantity))
    return lines, sum((line.total for line in lines), Decimal("0.00"))
