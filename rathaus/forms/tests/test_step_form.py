"""One step bound to what a citizen posted: what is checked, what is kept, what is shown."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict
from pydantic import ValidationError

from rathaus.forms import engine
from rathaus.forms.schema import FormDef


def text(value: str) -> dict[str, str]:
    return {"de": value, "en": value}


REPEAT = {"item_label": text("Helper"), "add_label": text("Add a helper"),
          "remove_label": text("Remove")}


def form(fields: list[dict[str, Any]]) -> FormDef:
    return FormDef.model_validate({"steps": [{"id": "only", "title": text("Only"),
                                              "fields": fields}]})


def posted(**values: str) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in values.items():
        data[key.replace("__", "-")] = value
    return data


def bound(definition: FormDef, data: QueryDict | None, answers: dict[str, Any] | None = None
          ) -> engine.StepForm:
    step_form = engine.StepForm(form=definition, step=definition.steps[0],
                                answers=answers or {}, data=data)
    step_form.bind(validate=data is not None)
    return step_form


HELPERS = form([
    {"id": "helped", "type": "yes_no", "label": text("Does anyone help?")},
    {"id": "helpers", "type": "group", "label": text("Helpers"),
     "show_if": {"field": "helped", "equals": True}, "repeat": {"min": 1, **REPEAT},
     "fields": [{"id": "helper_name", "type": "text", "label": text("Name")}]},
])


def test_a_repeated_group_hidden_by_an_answer_on_the_same_page_is_not_checked_or_kept() -> None:
    step = bound(HELPERS, posted(helped="no", helpers__count="1", helpers__0__helper_name=""))

    assert step.errors == []
    assert step.values == {"helped": False}
    merged = engine.merge_step(HELPERS, HELPERS.steps[0], {}, step.values)
    assert "helpers" not in merged


def test_the_same_group_shown_demands_its_items_and_keeps_them() -> None:
    step = bound(HELPERS, posted(helped="yes", helpers__count="1", helpers__0__helper_name=""))
    assert [error.input_id for error in step.errors] == ["helpers-0-helper_name"]

    step = bound(HELPERS, posted(helped="yes", helpers__count="1",
                                 helpers__0__helper_name="Jan"))
    assert step.errors == []
    assert step.values["helpers"] == [{"helper_name": "Jan"}]


def test_a_hidden_group_is_still_rendered_for_browsers_without_javascript() -> None:
    step = bound(HELPERS, None)
    group = step.fields[1]
    assert group.client_condition, "the browser hides it while 'no' is chosen"
    assert [child.name for child in group.items[0].fields] == ["helpers-0-helper_name"]


OPTIONAL_HELPERS = form([
    {"id": "helpers", "type": "group", "label": text("Helpers"),
     "repeat": {"min": 0, **REPEAT},
     "fields": [{"id": "helper_name", "type": "text", "label": text("Name")}]},
])


def test_a_group_with_min_0_starts_without_items_and_can_be_sent_empty() -> None:
    step = bound(OPTIONAL_HELPERS, None)
    group = step.fields[0]
    assert group.count == 0
    assert group.items == []
    assert group.can_add

    step = bound(OPTIONAL_HELPERS, posted(helpers__count="0"))
    assert step.errors == []
    assert step.values["helpers"] == []
    assert engine.missing_required(OPTIONAL_HELPERS, OPTIONAL_HELPERS.steps[0], step.values) \
        is False


def test_the_one_item_of_a_min_0_group_can_be_removed_again() -> None:
    step = bound(OPTIONAL_HELPERS, posted(helpers__count="1", helpers__0__helper_name="Jan"))
    group = step.fields[0]
    assert group.count == 1
    assert group.can_remove
    assert step.values["helpers"] == [{"helper_name": "Jan"}]

    at_least_one = form([{**OPTIONAL_HELPERS.steps[0].fields[0].model_dump(
        mode="json", exclude_unset=True), "repeat": {"min": 1, **REPEAT}}])
    assert bound(at_least_one, None).fields[0].count == 1
    assert not bound(at_least_one, None).fields[0].can_remove


DELIVERY = form([
    {"id": "delivery", "type": "choice", "label": text("Delivery"),
     "options": [{"value": "post", "label": text("Post")},
                 {"value": "pickup", "label": text("Pick up")}]},
    {"id": "phone", "type": "phone", "label": text("Telephone"), "required": False,
     "required_if": {"field": "delivery", "equals": "pickup"}},
])


def test_required_if_follows_an_earlier_answer_on_the_same_page() -> None:
    step = bound(DELIVERY, posted(delivery="pickup", phone=""))
    assert [error.input_id for error in step.errors] == ["phone"]
    assert step.errors[0].message == "Geben Sie „Telephone“ an."

    step = bound(DELIVERY, posted(delivery="post", phone=""))
    assert step.errors == []
    assert step.values == {"delivery": "post"}
    assert not step.fields[1].required, "marked optional once the answer above says so"


def test_a_field_required_by_an_answer_not_given_yet_is_not_called_optional() -> None:
    from django.template.loader import render_to_string

    phone = bound(DELIVERY, None).fields[1]
    assert phone.required
    assert "optional" not in render_to_string(phone.template, {"f": phone})


def test_a_condition_on_a_field_further_down_the_page_is_refused() -> None:
    with pytest.raises(ValidationError, match="refers to 'delivery', which comes after"):
        form([
            {"id": "phone", "type": "phone", "label": text("Telephone"), "required": False,
             "required_if": {"field": "delivery", "equals": "pickup"}},
            {"id": "delivery", "type": "text", "label": text("Delivery")},
        ])


PERIOD = form([
    {"id": "first_day", "type": "date", "label": text("First day")},
    {"id": "last_day", "type": "date", "label": text("Last day"), "not_before": "first_day",
     "max_days": 7},
])


def test_the_last_day_of_a_period_cannot_be_before_its_first() -> None:
    step = bound(PERIOD, posted(first_day="2026-12-20", last_day="2026-12-19"))
    assert [error.input_id for error in step.errors] == ["last_day"]
    assert step.errors[0].message == "„Last day“ darf nicht vor „First day“ (20.12.2026) liegen."
    assert bound(PERIOD, posted(first_day="2026-12-20", last_day="2026-12-20")).errors == []
    assert bound(PERIOD, posted(first_day="2026-12-20", last_day="2026-12-26")).errors == []
    step = bound(PERIOD, posted(first_day="2026-12-20", last_day="2026-12-27"))
    assert step.errors[0].message == (
        "Von „First day“ bis „Last day“ sind höchstens 7 Tage möglich, beide mitgezählt.")


def test_not_before_names_a_date_field_further_up() -> None:
    with pytest.raises(ValidationError, match="not_before: must name a date field further up"):
        form([
            {"id": "first_day", "type": "text", "label": text("First day")},
            {"id": "last_day", "type": "date", "label": text("Last day"),
             "not_before": "first_day"},
        ])
