"""Placeholders: a fixed vocabulary, escaped values, anything else refused when saved."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rathaus.notices.models import NoticeKind, NoticeTemplateVersion
from rathaus.notices.placeholders import allowed_names, check_text, paragraphs, substitute
from rathaus.notices.render import render_notice
from rathaus.notices.services import TemplateText, save_template_version

from .conftest import dog_context, template_of

ALLOWED = allowed_names(["dogs"])


def test_placeholders_are_replaced_and_the_text_around_them_is_escaped() -> None:
    html = substitute("Guten Tag {applicant_name} & willkommen, <b>{answers.dogs}</b>",
                      {"applicant_name": "Erika", "answers.dogs": "Bello"})
    assert html == "Guten Tag Erika &amp; willkommen, &lt;b&gt;Bello&lt;/b&gt;"


def test_a_script_in_an_answer_ends_up_as_text() -> None:
    [html] = paragraphs("Hunde: {answers.dogs}", {"answers.dogs": "<script>alert(1)</script>"})
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_paragraphs_split_at_blank_lines_and_keep_line_breaks() -> None:
    assert paragraphs("Eins\nzwei\n\n\nDrei", {}) == ["Eins<br>\nzwei", "Drei"]


def test_an_unknown_placeholder_is_refused_with_its_name() -> None:
    with pytest.raises(ValidationError) as refused:
        check_text("Guten Tag {applicant_name}, Ihr {answers.cat} und {fees}", ALLOWED)
    messages = refused.value.messages
    assert any("{answers.cat}" in message for message in messages)
    assert any("{fees}" in message for message in messages)
    assert not any("applicant_name" in message for message in messages)


@pytest.mark.parametrize("code", [
    "{% load static %}", "{{ request.user }}", "{applicant_name|upper}", "{ reference }",
    "{ } alone", "a lone } brace", "{reference",
])
def test_template_code_and_stray_braces_are_refused(code: str) -> None:
    with pytest.raises(ValidationError):
        check_text(f"Text {code} mehr", ALLOWED)


def test_saving_refuses_an_answer_the_form_does_not_ask_for(notice_catalog: None) -> None:
    template = template_of("hund-anmelden", NoticeKind.GRANTED)
    current = template.current_version
    assert current is not None
    text = TemplateText(title_de=current.title_de, title_en=current.title_en,
                        body_de="Ihre Katze {answers.cat_name}", body_en=current.body_en,
                        remedy_de=current.remedy_de, remedy_en=current.remedy_en)

    with pytest.raises(ValidationError) as refused:
        save_template_version(service=template.service, kind=NoticeKind.GRANTED, text=text,
                              actor_label="test")

    assert list(refused.value.error_dict) == ["body_de"]
    assert "{answers.cat_name}" in refused.value.error_dict["body_de"][0].messages[0]
    assert NoticeTemplateVersion.objects.filter(template=template).count() == 1


def test_a_template_tag_typed_by_staff_is_never_run(notice_catalog: None) -> None:
    # Even a version that slipped past the check (written straight to the database) is
    # substituted as text, never compiled as a Django template.
    template = template_of("hund-anmelden", NoticeKind.GRANTED)
    current = template.current_version
    assert current is not None
    version = NoticeTemplateVersion(template=template, number=0, title_de="Test",
                                    title_en="Test", body_de="{% now 'Y' %} {{ 7|add:1 }}",
                                    body_en="x", remedy_de="r", remedy_en="r")

    rendered = render_notice(version, dog_context())

    assert "{% now &#x27;Y&#x27; %} {{ 7|add:1 }}" in rendered.html
    assert "2026 8" not in rendered.html
