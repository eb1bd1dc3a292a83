"""The form engine's rules: conditions, fees, pruning hidden answers, where a citizen resumes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from rathaus.forms import engine
from rathaus.forms.rules import compute_fees, holds
from rathaus.forms.schema import Condition, FormDef


def text(value: str) -> dict[str, str]:
    return {"de": value, "en": value}


def condition(data: dict[str, Any]) -> Any:
    return TypeAdapter(Condition).validate_python(data)


YES_NO = [{"value": "x", "label": text("X")}, {"value": "y", "label": text("Y")}]

FORM = FormDef.model_validate({
    "steps": [
        {"id": "first", "title": text("First"), "fields": [
            {"id": "a", "type": "yes_no", "label": text("A")},
            {"id": "b", "type": "yes_no", "label": text("B"),
             "show_if": {"field": "a", "equals": True}},
            {"id": "c", "type": "text", "label": text("C"),
             "show_if": {"field": "b", "equals": True}},
            {"id": "count", "type": "number", "label": text("Count"), "min": 0},
            {"id": "kind", "type": "choice", "label": text("Kind"), "options": YES_NO},
            {"id": "address", "type": "group", "label": text("Address"),
             "show_if": {"field": "kind", "equals": "x"},
             "fields": [
                 {"id": "street", "type": "text", "label": text("Street")},
                 {"id": "flat", "type": "text", "label": text("Flat"), "required": False,
                  "show_if": {"field": "a", "equals": True}},
             ]},
        ], "stops": [
            {"when": {"field": "kind", "equals": "y"}, "title": text("Stop"),
             "message": text("Not here.")},
        ]},
        {"id": "pets", "title": text("Pets"), "skip_if": {"field": "a", "equals": False},
         "fields": [
             {"id": "pets", "type": "group", "label": text("Pets"),
              "repeat": {"min": 1, "max": 5, "item_label": text("Pet"),
                         "add_label": text("Add"), "remove_label": text("Remove")},
              "fields": [
                  {"id": "name", "type": "text", "label": text("Name")},
                  {"id": "danger", "type": "yes_no", "label": text("Dangerous")},
                  {"id": "permit", "type": "text", "label": text("Permit"),
                   "show_if": {"field": "danger", "equals": True}},
              ]},
         ]},
        {"id": "last", "title": text("Last"), "fields": [
            {"id": "d", "type": "text", "label": text("D"), "required": False,
             "show_if": {"all": [{"field": "a", "equals": True},
                                 {"not": {"field": "c", "filled": True}}]}},
            {"id": "ok", "type": "declaration", "label": text("OK"), "text": text("True.")},
        ]},
    ],
    "fees": [
        {"label": text("Base"), "amount": "10.00"},
        {"label": text("Per unit"), "amount": "2.50", "per": "count"},
        {"label": text("Per pet"), "amount": "5.00", "per": "pets",
         "when": {"field": "a", "equals": True}},
        {"label": text("Express"), "amount": "20.00", "when": {"field": "kind", "equals": "x"}},
    ],
})

PET = {"name": "Bello", "danger": False}
COMPLETE: dict[str, Any] = {
    "a": True, "b": True, "c": "see", "count": 3, "kind": "x",
    "street": "Lindenallee", "flat": "2",
    "pets": [dict(PET), {"name": "Rex", "danger": True, "permit": "P-1"}],
    "ok": True,
}


# -- conditions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "answers", "expected"),
    [
        ({"field": "k", "equals": "x"}, {"k": "x"}, True),
        ({"field": "k", "equals": "x"}, {"k": "y"}, False),
        ({"field": "k", "equals": "x"}, {}, False),
        ({"field": "k", "equals": True}, {"k": True}, True),
        ({"field": "k", "equals": True}, {"k": "yes"}, False),
        ({"field": "k", "equals": "x"}, {"k": ["y", "x"]}, True),
        ({"field": "k", "not_equals": "x"}, {"k": "y"}, True),
        ({"field": "k", "not_equals": "x"}, {"k": "x"}, False),
        ({"field": "k", "not_equals": "x"}, {}, True),
        ({"field": "k", "not_equals": "x"}, {"k": ["y", "x"]}, False),
        ({"field": "k", "not_equals": "x"}, {"k": ["y"]}, True),
        ({"field": "k", "in": ["x", "y"]}, {"k": "y"}, True),
        ({"field": "k", "in": ["x", "y"]}, {"k": "z"}, False),
        ({"field": "k", "in": ["x", "y"]}, {"k": ["z", "x"]}, True),
        ({"field": "k", "in": ["x", "y"]}, {"k": ["z"]}, False),
        ({"field": "k", "in": ["x"]}, {}, False),
        ({"field": "k", "filled": True}, {"k": "text"}, True),
        ({"field": "k", "filled": True}, {"k": ""}, False),
        ({"field": "k", "filled": True}, {"k": []}, False),
        ({"field": "k", "filled": True}, {"k": False}, False),
        ({"field": "k", "filled": True}, {"k": 0}, True),
        ({"field": "k", "filled": False}, {"k": 0}, False),
        ({"field": "k", "filled": True}, {}, False),
        ({"field": "k", "filled": False}, {}, True),
        ({"field": "k", "filled": False}, {"k": {"street": "x"}}, False),
    ],
)
def test_a_field_condition(rule: dict[str, Any], answers: dict[str, Any], expected: bool) -> None:
    assert holds(condition(rule), answers) is expected


def test_no_condition_always_holds() -> None:
    assert holds(None, {}) is True


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"a": "x", "b": 1, "c": "n"}, True),
        ({"a": "x", "b": 2, "c": "n"}, True),
        ({"a": "x", "b": 3, "c": "n"}, False),
        ({"a": "y", "b": 1, "c": "n"}, False),
        ({"a": "x", "b": 1, "c": "stop"}, False),
        ({"a": "x", "b": 1}, True),
    ],
)
def test_nested_all_any_not(answers: dict[str, Any], expected: bool) -> None:
    rule = condition({"all": [
        {"field": "a", "equals": "x"},
        {"any": [{"field": "b", "equals": 1}, {"field": "b", "in": [2]}]},
        {"not": {"field": "c", "equals": "stop"}},
    ]})

    assert holds(rule, answers) is expected


def test_not_of_any_and_all_of_one() -> None:
    rule = condition({"not": {"any": [{"all": [{"field": "a", "filled": True}]},
                                      {"field": "b", "equals": True}]}})

    assert holds(rule, {}) is True
    assert holds(rule, {"a": "typed"}) is False
    assert holds(rule, {"b": True}) is False


def test_a_condition_inside_a_group_reads_its_own_item_first() -> None:
    rule = condition({"field": "danger", "equals": True})

    assert holds(rule, {"danger": False}, {"danger": True}) is True
    assert holds(rule, {"danger": True}, {"danger": False}) is False
    assert holds(rule, {"danger": True}, {"name": "Bello"}) is True, "falls back to the form"
    assert holds(rule, {}, {"name": "Bello"}) is False


# -- fees ---------------------------------------------------------------------------------------


def fee_table(answers: dict[str, Any]) -> dict[str, tuple[int, Decimal]]:
    lines, _total = compute_fees(FORM, answers)
    return {line.label.en: (line.quantity, line.total) for line in lines}


def test_fees_count_a_number_field_and_a_repeated_group() -> None:
    lines, total = compute_fees(FORM, COMPLETE)

    assert fee_table(COMPLETE) == {
        "Base": (1, Decimal("10.00")),
        "Per unit": (3, Decimal("7.50")),
        "Per pet": (2, Decimal("10.00")),
        "Express": (1, Decimal("20.00")),
    }
    assert total == Decimal("47.50")
    assert sum(line.total for line in lines) == total


def test_fees_apply_only_when_their_condition_holds() -> None:
    answers = {**COMPLETE, "a": False, "kind": "y"}

    assert fee_table(answers) == {"Base": (1, Decimal("10.00")),
                                  "Per unit": (3, Decimal("7.50"))}


def test_a_fee_per_nothing_is_left_out() -> None:
    answers = {"a": True, "count": 0, "pets": []}

    assert fee_table(answers) == {"Base": (1, Decimal("10.00"))}
    assert compute_fees(FORM, {"count": "3"})[1] == Decimal("10.00"), "only numbers count"


# -- pruning ------------------------------------------------------------------------------------


def test_prune_keeps_a_complete_consistent_application() -> None:
    assert engine.prune(FORM, COMPLETE) == COMPLETE


def test_prune_drops_answers_of_a_skipped_step() -> None:
    answers = {**COMPLETE, "a": False}

    pruned = engine.prune(FORM, answers)

    assert "pets" not in pruned
    assert [step.id for step in engine.active_steps(FORM, pruned)] == ["first", "last"]


def test_prune_cascades_through_fields_that_depend_on_hidden_ones() -> None:
    answers = {**COMPLETE, "a": False}

    pruned = engine.prune(FORM, answers)

    # a=no hides b; without b, c is hidden; without a, the flat inside the address is hidden.
    assert "b" not in pruned
    assert "c" not in pruned
    assert "flat" not in pruned
    assert pruned["street"] == "Lindenallee"
    assert pruned["count"] == 3


def test_prune_follows_a_not_condition_both_ways() -> None:
    # d shows while a holds and c is empty.
    hidden = engine.prune(FORM, {**COMPLETE, "d": "typed"})
    without_c = {key: value for key, value in COMPLETE.items() if key != "c"}
    shown = engine.prune(FORM, {**without_c, "b": False, "d": "typed"})

    assert "d" not in hidden
    assert shown["d"] == "typed"
    assert engine.prune(FORM, {**without_c, "a": False, "d": "typed"}).get("d") is None


def test_prune_drops_a_hidden_group_and_hidden_fields_inside_items() -> None:
    answers = {**COMPLETE, "kind": "y",
               "pets": [{"name": "Bello", "danger": False, "permit": "forged"},
                        COMPLETE["pets"][1]]}

    pruned = engine.prune(FORM, answers)

    assert "street" not in pruned
    assert "flat" not in pruned
    assert pruned["pets"] == [PET, {"name": "Rex", "danger": True, "permit": "P-1"}]


def test_prune_drops_ids_the_form_does_not_know() -> None:
    assert "admin" not in engine.prune(FORM, {**COMPLETE, "admin": True})


def test_merge_step_replaces_the_step_and_prunes() -> None:
    merged = engine.merge_step(FORM, FORM.steps[0], COMPLETE, {"a": False, "kind": "x",
                                                               "count": 1, "street": "Neu"})

    assert merged == {"a": False, "kind": "x", "count": 1, "street": "Neu", "ok": True}


# -- where to go on -----------------------------------------------------------------------------


def test_first_incomplete_is_the_first_unanswered_step() -> None:
    assert engine.first_incomplete(FORM, {}, []) == FORM.steps[0]
    assert engine.first_incomplete(FORM, COMPLETE, ["first"]) == FORM.steps[1]
    assert engine.first_incomplete(FORM, COMPLETE, ["first", "pets", "last"]) is None


def test_first_incomplete_skips_a_skipped_step() -> None:
    answers = engine.prune(FORM, {**COMPLETE, "a": False})

    assert engine.first_incomplete(FORM, answers, ["first"]) == FORM.steps[2]


def test_first_incomplete_returns_a_completed_step_whose_stop_applies() -> None:
    answers = {**COMPLETE, "kind": "y"}

    step = engine.first_incomplete(FORM, answers, ["first", "pets", "last"])

    assert step == FORM.steps[0]
    stop = engine.triggered_stop(FORM.steps[0], answers)
    assert stop is not None
    assert stop.title.en == "Stop"


def test_first_incomplete_returns_a_completed_step_missing_a_newly_required_answer() -> None:
    answers = {**COMPLETE, "pets": [{"name": "Rex", "danger": True}]}

    assert engine.first_incomplete(FORM, answers, ["first", "pets", "last"]) == FORM.steps[1]


# -- property: pruning is idempotent ------------------------------------------------------------

scalars = st.one_of(st.none(), st.booleans(), st.sampled_from(["", "x", "y", "see", "Bello"]),
                    st.integers(min_value=-3, max_value=5))
pet = st.dictionaries(st.sampled_from(["name", "danger", "permit", "other"]), scalars,
                      max_size=4)
answer_dicts = st.dictionaries(
    st.sampled_from(["a", "b", "c", "count", "kind", "street", "flat", "d", "ok", "stray"]),
    scalars,
    max_size=10,
).flatmap(lambda base: st.one_of(
    st.just(base),
    st.lists(pet, max_size=4).map(lambda pets: {**base, "pets": pets}),
))


@settings(max_examples=300, deadline=None)
@given(answer_dicts)
def test_prune_is_idempotent_and_only_removes(answers: dict[str, Any]) -> None:
    once = engine.prune(FORM, answers)

    assert engine.prune(FORM, once) == once
    assert set(once) <= set(answers)
    for key, value in once.items():
        if key != "pets":
            assert value == answers[key]
    if "pets" in once:
        assert len(once["pets"]) == len(answers["pets"])
        for kept, original in zip(once["pets"], answers["pets"], strict=True):
            assert kept.items() <= original.items()


PARKING = FormDef.model_validate({
    "steps": [{"id": "zone", "title": text("Zone"), "fields": [
        {"id": "length_m", "type": "number", "label": text("Length"), "min": 5},
        {"id": "copies", "type": "number", "label": text("Copies"), "min": 0},
        {"id": "date_from", "type": "date", "label": text("From")},
        {"id": "date_until", "type": "date", "label": text("Until")},
    ]}],
    "fees": [
        {"label": text("Order"), "amount": "30.00"},
        {"label": text("Per day"), "amount": "25.00",
         "per": {"days": {"from": "date_from", "to": "date_until"}}},
        {"label": text("Per metre and day"), "amount": "0.35",
         "per": [{"field": "length_m", "unit": {"de": "m", "en": "m"}},
                 {"days": {"from": "date_from", "to": "date_until"}}]},
        {"label": text("Copies per day"), "amount": "1.50",
         "per": ["copies", {"days": {"from": "date_from", "to": "date_until"}}]},
    ],
})


def test_a_fee_by_days_counts_both_the_first_and_the_last_day() -> None:
    answers = {"length_m": 15, "copies": 0, "date_from": "2026-12-30",
               "date_until": "2027-01-01"}
    lines, total = compute_fees(PARKING, answers)
    assert [(line.label.en, line.quantity, line.total) for line in lines] == [
        ("Order", 1, Decimal("30.00")),
        ("Per day", 3, Decimal("75.00")),
        ("Per metre and day", 45, Decimal("15.75")),
    ], "no copies: that line is left out"
    assert total == Decimal("120.75")
    from django.utils import translation

    with translation.override("de"):
        assert [line.counts_text for line in lines] == ["1", "3 Tage", "15 m × 3 Tage"]
    with translation.override("en"):
        assert lines[1].counts_text == "3 days"


def test_a_fee_multiplies_two_numbers() -> None:
    answers = {"length_m": 10, "copies": 2, "date_from": "2026-12-30", "date_until": "2026-12-30"}
    lines, total = compute_fees(PARKING, answers)
    assert [(line.quantity, line.total) for line in lines] == [
        (1, Decimal("30.00")), (1, Decimal("25.00")), (10, Decimal("3.50")), (2, Decimal("3.00"))]
    assert total == Decimal("61.50")


def test_a_period_ending_before_it_starts_counts_no_days() -> None:
    answers = {"length_m": 10, "copies": 0, "date_from": "2026-12-30", "date_until": "2026-12-29"}
    lines, total = compute_fees(PARKING, answers)
    assert [line.label.en for line in lines] == ["Order"]
    assert total == Decimal("30.00")


@pytest.mark.parametrize(("per", "message"), [
    ({"days": {"from": "date_from", "to": "length_m"}}, "must name two date fields"),
    ({"days": {"from": "date_from", "to": "date_from"}}, "must be two fields"),
    (["length_m", "date_from"], r"per\[1\]: must name a number field"),
    ({"field": "nowhere"}, "must name a number field or a repeated group, not 'nowhere'"),
    ([], "one to three factors"),
])
def test_fee_factors_must_name_fields_that_count(per: Any, message: str) -> None:
    data = PARKING.model_dump(mode="json", by_alias=True, exclude_unset=True)
    data["fees"] = [{"label": text("Fee"), "amount": "1.00", "per": per}]
    with pytest.raises(ValueError, match=message):
        FormDef.model_validate(data)
