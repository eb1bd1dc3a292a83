"""The service editor as the editorial office uses it: save, check, preview, publish, compare."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
import yaml
from django.contrib.auth.models import User
from django.test import Client

from rathaus.applications.models import Draft
from rathaus.applications.tests.journey import Journey
from rathaus.audit.models import Action, AuditEvent
from rathaus.catalog import editing
from rathaus.catalog.models import Service, ServiceVersion
from rathaus.catalog.roles import EDIT_SERVICES, EDITOR_GROUP, editor_group
from rathaus.forms.schema import ServiceDef

from .factories import sign_in_verified, staff_user

pytestmark = pytest.mark.django_db
BASE = "/en/staff/services/geburtsurkunde"


def page_text(response: Any) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


@pytest.fixture
def editor(catalog: None, client: Client) -> User:
    user = staff_user("redakteurin")
    user.groups.add(editor_group())
    sign_in_verified(client, user)
    return user


def service() -> Service:
    return Service.objects.get(slug="geburtsurkunde")


def latest() -> ServiceVersion:
    found = editing.editing_base(service())
    assert found is not None
    return found


def form_of(client: Client, url: str) -> dict[str, Any]:
    """The values a browser would post for the page's first editor form, as they stand."""
    body = client.get(url).content.decode()
    form = body[body.index('class="editor-form"'):]
    form = form[:form.index("</form>")]
    data: dict[str, Any] = {}
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if name is None:
            continue
        key = html.unescape(name[1])
        kind = re.search(r'type="([^"]+)"', tag)
        if tag.startswith("<input") and kind and kind[1] == "checkbox":
            if " checked" in tag:
                value = re.search(r'value="([^"]*)"', tag)
                data.setdefault(key, []).append(html.unescape(value[1]) if value else "on")
            continue
        if tag.startswith("<select"):
            rest = form[form.index(tag):]
            rest = rest[:rest.index("</select>")]
            chosen = re.search(r'<option value="([^"]*)" selected', rest)
            first = re.search(r'<option value="([^"]*)"', rest)
            picked = chosen or first
            data[key] = html.unescape(picked[1]) if picked else ""
        elif tag.startswith("<textarea"):
            rest = form[form.index(tag) + len(tag):]
            data[key] = html.unescape(rest[:rest.index("</textarea>")])
        else:
            value = re.search(r'value="([^"]*)"', tag)
            data[key] = html.unescape(value[1]) if value else ""
    data.pop("action", None)
    data["action"] = "save"
    return data


def input_html(response: Any, input_id: str) -> str:
    """The markup of one input with its label, hint and error."""
    body: str = response.content.decode()
    start = body.index(f'id="{input_id}"')
    begin = max(body.rfind('<div class="kern-form-input field', 0, start),
                body.rfind('<div class="kern-form-check field', 0, start))
    return body[begin:body.find("</div>", start) + 6]


# -- the service layer ------------------------------------------------------------------------


def _retitled(version: ServiceVersion, title: str) -> ServiceDef:
    data = dict(version.definition)
    data["title"] = {"de": title, "en": title}
    return ServiceDef.model_validate(data)


def test_saving_waits_for_publishing_and_publishing_makes_the_version_current(
        catalog: None, client: Client) -> None:
    first = service().current_version
    assert first is not None
    saved, created = editing.save_version(service=service(), spec=_retitled(first, "Neu"),
                                          by="anna", base_number=first.number)
    assert created
    assert (saved.number, saved.published_at, saved.saved_by) == (first.number + 1, None, "anna")
    assert service().current_version == first
    assert "Neu" not in page_text(client.get("/de/services/geburtsurkunde/"))

    assert editing.publish_version(version=saved, by="ben")
    saved.refresh_from_db()
    assert service().current_version == saved
    assert saved.published_by == "ben"
    assert saved.published_at is not None
    assert service().title_de == "Neu"
    assert "Neu" in page_text(client.get("/de/services/geburtsurkunde/"))
    assert not editing.publish_version(version=saved, by="ben")


def test_a_save_on_an_outdated_version_is_refused_and_names_who_saved(catalog: None) -> None:
    first = service().current_version
    assert first is not None
    editing.save_version(service=service(), spec=_retitled(first, "A"), by="anna",
                         base_number=first.number)
    with pytest.raises(editing.StaleBase) as refused:
        editing.save_version(service=service(), spec=_retitled(first, "B"), by="ben",
                             base_number=first.number)
    assert refused.value.latest.saved_by == "anna"
    assert service().versions.count() == 2


def test_saving_the_same_definition_again_creates_no_version(catalog: None) -> None:
    first = service().current_version
    assert first is not None
    again, created = editing.save_version(service=service(), spec=first.spec, by="anna",
                                          base_number=first.number)
    assert (again, created) == (first, False)
    assert service().versions.count() == 1


# -- who may open it -------------------------------------------------------------------------


def test_the_redaktion_group_holds_the_permission(catalog: None) -> None:
    group = editor_group()
    assert group.name == EDITOR_GROUP
    assert [f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()] == [
        EDIT_SERVICES]


def test_a_clerk_without_the_role_is_refused(catalog: None, client: Client) -> None:
    assert client.get("/en/staff/services/").status_code == 302  # signed out: to sign-in
    clerk = staff_user("clerk", clerk_of=("standesamt",))
    sign_in_verified(client, clerk)
    for url in ("/en/staff/services/", f"{BASE}/", f"{BASE}/fees/", f"{BASE}/steps/",
                f"{BASE}/versions/1/preview/birth_place/", f"{BASE}/versions/1.yaml"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"{BASE}/publish/", {"version": "1"}).status_code == 403
    assert "Service editor" not in page_text(client.get("/en/staff/"))


def test_the_staff_home_and_the_admin_lead_editors_to_the_editor(
        editor: User, admin_client: Client) -> None:
    home = page_text(editor_client_get(editor, "/en/staff/"))
    assert "Service editor" in home
    assert "Editorial office (Redaktion)" in home
    admin_page = admin_client.get(f"/admin/catalog/service/{service().pk}/change/")
    assert re.search(r'href="/(de|en)/staff/services/geburtsurkunde/"',
                     admin_page.content.decode())


def editor_client_get(user: User, url: str) -> Any:
    client = Client()
    sign_in_verified(client, user)
    return client.get(url)


# -- the pages -------------------------------------------------------------------------------


def test_the_list_marks_unpublished_changes_and_filters(editor: User, client: Client) -> None:
    first = latest()
    editing.save_version(service=service(), spec=_retitled(first, "Geburtsurkunde neu"),
                         by="anna", base_number=first.number)
    listed = page_text(client.get("/en/staff/services/"))
    assert "Unpublished changes (version 2)" in listed
    assert "Register a dog for dog tax" in listed
    standesamt = page_text(client.get("/en/staff/services/?department=standesamt"))
    assert "Apply for a birth certificate" in standesamt
    assert "Register a dog for dog tax" not in standesamt
    only = page_text(client.get("/de/staff/services/?q=geburt"))
    assert "Geburtsurkunde beantragen" in only
    assert "Hund zur Hundesteuer anmelden" not in only


def test_changing_a_fee_saves_a_new_version_that_citizens_see_after_publishing(
        editor: User, client: Client) -> None:
    data = form_of(client, f"{BASE}/fees/")
    assert data["form.fees[0].amount"] == "12,00"
    data["form.fees[0].amount"] = "14,50"
    response = client.post(f"{BASE}/fees/", data)
    assert response.status_code == 302
    saved = latest()
    assert saved.number == 2
    assert saved.definition["form"]["fees"][0]["amount"] == "14.50"
    assert service().current_version.number == 1  # type: ignore[union-attr]
    event = AuditEvent.objects.get(action=Action.SERVICE_SAVED)
    assert (event.actor, event.message) == (editor, "geburtsurkunde v2: fees")

    overview = page_text(client.get(f"{BASE}/"))
    assert "Version 2 is not published yet" in overview
    response = client.post(f"{BASE}/publish/", {"version": "2"})
    assert response.status_code == 302
    assert service().current_version == saved
    assert AuditEvent.objects.filter(action=Action.SERVICE_PUBLISHED,
                                     message="geburtsurkunde v2").exists()
    history = page_text(client.get(f"{BASE}/"))
    assert "redakteurin" in history
    assert "not published yet" not in history

    diff = client.get(f"{BASE}/versions/2/compare/")
    body = html.unescape(diff.content.decode())
    assert re.search(r'<ins class="editor-diff__added">.*amount: "14.50"</ins>', body)
    assert re.search(r'<del class="editor-diff__removed">.*amount: "12.00"</del>', body)
    assert "1 line added, 1 line removed" in page_text(diff)


def test_an_amount_that_is_no_amount_is_named_and_kept(editor: User, client: Client) -> None:
    data = form_of(client, f"{BASE}/fees/")
    data["form.fees[0].amount"] = "12,5x"
    response = client.post(f"{BASE}/fees/", data)
    assert response.status_code == 400
    field = input_html(response, "in-form-fees-0-amount")
    assert 'value="12,5x"' in field
    assert "Enter the amount in euros" in field
    assert 'href="#in-form-fees-0-amount"' in response.content.decode()
    assert latest().number == 1


def test_texts_in_both_languages_are_saved_and_an_empty_one_is_refused_in_place(
        editor: User, client: Client) -> None:
    data = form_of(client, f"{BASE}/texts/")
    data["summary.en"] = ""
    data["processing_time.de"] = "Eine Woche"
    response = client.post(f"{BASE}/texts/", data)
    assert response.status_code == 400
    assert "Fill this in." in input_html(response, "in-summary-en")
    assert 'value="Eine Woche"' in input_html(response, "in-processing-time-de")
    data["summary.en"] = "Order a birth certificate."
    data["documents[2].de"] = "Personalausweis"
    data["documents[2].en"] = "ID card"
    assert client.post(f"{BASE}/texts/", data).status_code == 302
    saved = latest().definition
    assert saved["processing_time"]["de"] == "Eine Woche"
    assert saved["documents"][-1] == {"de": "Personalausweis", "en": "ID card"}


def test_a_sign_in_level_without_its_reason_is_refused_at_the_reason(
        editor: User, client: Client) -> None:
    data = form_of(client, f"{BASE}/settings/")
    data["trust_level"] = "basic"
    response = client.post(f"{BASE}/settings/", data)
    assert response.status_code == 400
    assert "Say why the service needs a sign-in." in input_html(response, "in-trust-reason-de")
    data["trust_reason.de"] = "Wir prüfen Ihre Identität."
    data["trust_reason.en"] = "We check who you are."
    assert client.post(f"{BASE}/settings/", data).status_code == 302
    assert latest().definition["trust_level"] == "basic"


def test_an_option_with_an_invalid_value_is_named_at_its_row(
        editor: User, client: Client) -> None:
    url = f"{BASE}/fields/certificate_kind/"
    data = form_of(client, url)
    row = "form.steps[3].fields[0].options[1]"
    assert data[f"{row}.value"] == "international"
    data[f"{row}.value"] = "Inter national"
    response = client.post(url, data)
    assert response.status_code == 400
    cell = input_html(response, "in-form-steps-3-fields-0-options-1-value")
    assert "Use only small letters" in cell
    assert 'value="Inter national"' in cell
    assert latest().number == 1


def test_options_are_added_in_an_empty_row(editor: User, client: Client) -> None:
    url = f"{BASE}/fields/certificate_kind/"
    data = form_of(client, url)
    row = "form.steps[3].fields[0].options[2]"
    data.update({f"{row}.value": "extract", f"{row}.label.de": "Auszug",
                 f"{row}.label.en": "Extract"})
    assert client.post(url, data).status_code == 302
    options = latest().definition["form"]["steps"][3]["fields"][0]["options"]
    assert [item["value"] for item in options] == ["standard", "international", "extract"]


def test_a_rule_on_an_unknown_field_is_refused_where_it_was_written(
        editor: User, client: Client) -> None:
    url = f"{BASE}/fields/birth_name/"
    data = form_of(client, url)
    data["form.steps[2].fields[1].show_if:yaml"] = "any:\n  - {field: nowhere, equals: x}"
    response = client.post(url, data)
    assert response.status_code == 400
    box = input_html(response, "in-form-steps-2-fields-1-show-if-yaml")
    assert "Refers to the field “nowhere”, which is not in the form." in box
    assert "nowhere" in box  # what was typed is kept


def test_a_simple_rule_is_saved_from_field_operator_and_value(
        editor: User, client: Client) -> None:
    url = f"{BASE}/fields/birth_name/"
    data = form_of(client, url)
    path = "form.steps[2].fields[1].show_if"
    data.update({f"{path}:field": "born_in_town", f"{path}:op": "equals",
                 f"{path}:value": "ja"})
    assert client.post(url, data).status_code == 302
    saved = latest().definition["form"]["steps"][2]["fields"][1]
    assert saved["show_if"] == {"field": "born_in_town", "equals": True}


def test_deleting_a_field_another_rule_needs_is_refused_with_a_link_there(
        editor: User, client: Client) -> None:
    url = f"{BASE}/fields/relation/delete/"
    assert "Delete the field “relation”?" in page_text(client.get(url))
    response = client.post(url, {"base": "1"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'href="/en/staff/services/geburtsurkunde/fields/legal_interest/"' in body
    assert "Refers to the field “relation”" in page_text(response)
    assert latest().number == 1
    assert client.post(f"{BASE}/fields/purpose_other/delete/", {"base": "1"}).status_code == 302
    ids = [item["id"] for item in latest().definition["form"]["steps"][3]["fields"]]
    assert "purpose_other" not in ids


def test_a_new_field_is_added_at_the_end_of_its_step(editor: User, client: Client) -> None:
    url = f"{BASE}/steps/person/new-field/?type=text"
    data = form_of(client, url)
    path = "form.steps[2].fields[4]"
    data.update({f"{path}.id": "file_number", f"{path}.label.de": "Aktenzeichen",
                 f"{path}.label.en": "File number", f"{path}.max_length": "30"})
    data.pop(f"{path}.required", None)
    response = client.post(url, data)
    assert response.status_code == 302, page_text(response)[:2000]
    added = latest().definition["form"]["steps"][2]["fields"][4]
    assert added == {"id": "file_number", "type": "text", "required": False,
                     "label": {"de": "Aktenzeichen", "en": "File number"}, "max_length": 30}
    assert "Aktenzeichen" in page_text(client.get(f"{BASE}/steps/person/"))


def test_a_new_field_with_a_used_id_is_refused_at_the_id(editor: User, client: Client) -> None:
    url = f"{BASE}/steps/person/new-field/?type=text"
    data = form_of(client, url)
    path = "form.steps[2].fields[4]"
    data.update({f"{path}.id": "birth_date", f"{path}.label.de": "X", f"{path}.label.en": "X"})
    response = client.post(url, data)
    assert response.status_code == 400
    assert "already used by another field" in input_html(response, "in-form-steps-2-fields-4-id")


def test_steps_and_fields_move_up_and_down(editor: User, client: Client) -> None:
    response = client.post(f"{BASE}/steps/", {"base": "1", "action": "down:1"})
    assert response.status_code == 302
    steps = [item["id"] for item in latest().definition["form"]["steps"]]
    assert steps[1:3] == ["person", "relation"]
    response = client.post(f"{BASE}/steps/person/", {"base": "2", "action": "up:birth_name"})
    assert response.status_code == 302
    fields = [item["id"] for item in latest().definition["form"]["steps"][1]["fields"]]
    assert fields[:2] == ["birth_name", "person_name"]


def test_a_step_is_added_with_its_first_field_and_renamed(editor: User,
                                                          client: Client) -> None:
    response = client.post(f"{BASE}/steps/", {
        "base": "1", "action": "add", "new.id": "remarks", "new.title.de": "Bemerkungen",
        "new.title.en": "Remarks", "new.field_id": "remark", "new.field_type": "long_text",
        "new.field_label.de": "Ihre Bemerkung", "new.field_label.en": "Your remark"})
    assert response.status_code == 302
    assert response["Location"].endswith("/steps/remarks/")
    data = form_of(client, f"{BASE}/steps/remarks/")
    last = len(latest().definition["form"]["steps"]) - 1
    data[f"form.steps[{last}].title.de"] = "Hinweise"
    assert client.post(f"{BASE}/steps/remarks/", data).status_code == 302
    assert latest().definition["form"]["steps"][-1]["title"]["de"] == "Hinweise"


def test_a_save_on_an_outdated_page_keeps_the_input_and_names_who_saved(
        editor: User, client: Client) -> None:
    data = form_of(client, f"{BASE}/fees/")
    other = Client()
    anna = staff_user("anna")
    anna.groups.add(editor_group())
    sign_in_verified(other, anna)
    theirs = dict(data, **{"form.fees[0].amount": "13,00"})
    assert other.post(f"{BASE}/fees/", theirs).status_code == 302
    data["form.fees[0].amount"] = "15,00"
    response = client.post(f"{BASE}/fees/", data)
    assert response.status_code == 409
    assert "Version 2 was saved by anna" in page_text(response)
    assert 'value="15,00"' in input_html(response, "in-form-fees-0-amount")
    assert latest().definition["form"]["fees"][0]["amount"] == "13.00"


def test_the_preview_shows_a_step_as_citizens_see_it_and_stores_nothing(
        editor: User, client: Client) -> None:
    response = client.get(f"{BASE}/versions/1/preview/person/")
    shown = page_text(response)
    assert "Preview – nothing is saved" in shown
    assert "Name of the person" in shown
    assert "Date of birth" in shown
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    posted = client.post(f"{BASE}/versions/1/preview/person/", {"action": "continue"})
    assert posted.status_code == 400
    assert "error-summary" in posted.content.decode()
    assert Draft.objects.count() == 0


def test_bad_addresses_are_not_found(editor: User, client: Client) -> None:
    for url in ("/en/staff/services/nothing/", f"{BASE}/steps/nowhere/",
                f"{BASE}/fields/nothing/", f"{BASE}/versions/99/compare/",
                f"{BASE}/versions/99.yaml", f"{BASE}/versions/1/preview/nowhere/",
                f"{BASE}/steps/person/new-field/?type=rocket",
                f"{BASE}/fields/nothing/delete/", f"{BASE}/steps/nowhere/delete/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{BASE}/publish/", {"version": "x"}).status_code == 404
    assert client.post(f"{BASE}/steps/", {"base": "1", "action": "up:99"}).status_code == 404
    assert client.post(f"{BASE}/steps/", {"base": "1", "action": "launch"}).status_code == 404
    assert client.post(f"{BASE}/fees/", {"base": "nonsense", "action": "save"}).status_code in {
        400, 409}


def test_the_yaml_download_is_a_valid_services_file(editor: User, client: Client) -> None:
    response = client.get(f"{BASE}/versions/1.yaml")
    assert response["Content-Disposition"] == 'attachment; filename="geburtsurkunde-v1.yaml"'
    data = yaml.safe_load(response.content.decode())
    assert list(data)[:3] == ["slug", "leika", "title"]
    assert ServiceDef.model_validate(data) == latest().spec


def test_more_empty_rows_without_javascript(editor: User, client: Client) -> None:
    data = form_of(client, f"{BASE}/texts/")
    rows = int(data["rows:documents"])
    data["action"] = "rows"
    response = client.post(f"{BASE}/texts/", data)
    assert response.status_code == 200
    assert f'id="in-documents-{rows + 2}-de"' in response.content.decode()
    assert latest().number == 1


# -- citizens -------------------------------------------------------------------------------


def test_a_citizen_finishes_on_the_version_they_started_and_a_new_one_gets_the_new(
        editor: User, client: Client) -> None:
    citizen = Client()
    started = Journey(citizen, "geburtsurkunde", language="en").start()
    draft = Draft.objects.get()
    first = draft.service_version

    url = f"{BASE}/steps/birth_place/new-field/?type=text"
    data = form_of(client, url)
    path = "form.steps[0].fields[1]"
    data.update({f"{path}.id": "hospital", f"{path}.label.de": "Krankenhaus",
                 f"{path}.label.en": "Hospital"})
    assert client.post(url, data).status_code == 302
    assert client.post(f"{BASE}/publish/", {"version": "2"}).status_code == 302

    assert "Hospital" not in started.page()
    started.answer("birth_place", {"born_in_town": "yes"})
    draft.refresh_from_db()
    assert draft.service_version == first

    newcomer = Journey(Client(), "geburtsurkunde", language="en").start()
    assert "Hospital" in newcomer.page()
    assert Draft.objects.exclude(pk=draft.pk).get().service_version.number == 2


def test_the_list_needs_the_same_queries_for_many_services(
        editor: User, client: Client, django_assert_max_num_queries: Any) -> None:
    assert Service.objects.count() > 40
    with django_assert_max_num_queries(12):
        response = client.get("/en/staff/services/")
    assert response.status_code == 200


def test_the_pages_speak_german(editor: User, client: Client) -> None:
    data = form_of(client, "/de/staff/services/geburtsurkunde/fees/")
    data["form.fees[0].amount"] = "12,5x"
    response = client.post("/de/staff/services/geburtsurkunde/fees/", data)
    shown = page_text(response)
    assert "Nicht gespeichert: Bitte prüfen Sie Ihre Angaben" in shown
    assert ("Betrag in Euro: Geben Sie den Betrag in Euro mit höchstens zwei "
            "Nachkommastellen an") in shown
    overview = page_text(client.get("/de/staff/services/geburtsurkunde/"))
    assert "Veröffentlichte Version (für Bürgerinnen und Bürger sichtbar)" in overview
    assert "Übersicht und Verlauf" in overview


def test_loading_the_files_keeps_a_version_saved_in_the_editor(
        editor: User, client: Client, settings: Any) -> None:
    from rathaus.catalog.loader import load_directory
    from rathaus.catalog.management.commands.load_services import describe_conflict
    from rathaus.catalog.services import publish_catalog

    data = form_of(client, f"{BASE}/fees/")
    data["form.fees[0].amount"] = "14,00"
    assert client.post(f"{BASE}/fees/", data).status_code == 302
    changed = settings.RATHAUS_SERVICES_DIR
    loaded = load_directory(changed)
    target = next(item for item in loaded.services if item.spec.slug == "geburtsurkunde")
    edited = dict(target.data, processing_time={"de": "Sofort", "en": "At once"})
    spec = ServiceDef.model_validate(edited)
    from rathaus.catalog.loader import LoadedCatalog, LoadedService

    report = publish_catalog(loaded=LoadedCatalog(catalog=loaded.catalog, services=[
        LoadedService(spec=spec, data=edited, path=target.path)]))
    assert [conflict.slug for conflict in report.kept] == ["geburtsurkunde"]
    assert "saved in the service editor by redakteurin and not published yet" in (
        describe_conflict(report.kept[0]))
    assert latest().number == 2
    assert service().current_version.number == 1  # type: ignore[union-attr]
    taken = publish_catalog(loaded=LoadedCatalog(catalog=loaded.catalog, services=[
        LoadedService(spec=spec, data=edited, path=target.path)]),
        take_file=frozenset({"geburtsurkunde"}))
    assert taken.new_versions == ["geburtsurkunde"]
    assert service().current_version.published_at is not None  # type: ignore[union-attr]


def test_the_demo_has_an_editor_account(catalog: None, client: Client) -> None:
    from rathaus.staff.demo import DEMO_PASSWORD, seed_demo_staff

    assert "redaktion" in seed_demo_staff()
    demo = User.objects.get(username="redaktion")
    assert demo.check_password(DEMO_PASSWORD)
    assert demo.has_perm(EDIT_SERVICES)
    sign_in_verified(client, demo)
    assert "Service editor" in page_text(client.get("/en/staff/"))
    assert client.get("/en/staff/services/").status_code == 200


def _unchanged_saves(client: Client, slug: str) -> list[str]:
    """Post every page of a service as it is shown; return those that changed something."""
    base = f"/en/staff/services/{slug}"
    version = Service.objects.get(slug=slug).versions.order_by("-number").first()
    assert version is not None
    urls = [f"{base}/texts/", f"{base}/settings/", f"{base}/fees/"]
    for step_data in (version.definition.get("form") or {}).get("steps", []):
        urls.append(f"{base}/steps/{step_data['id']}/")
        for item in step_data["fields"]:
            urls.append(f"{base}/fields/{item['id']}/")
            urls += [f"{base}/fields/{child['id']}/" for child in item.get("fields") or []]
        preview = f"{base}/versions/{version.number}/preview/{step_data['id']}/"
        assert client.get(preview).status_code == 200, preview
        assert client.post(preview, {"action": "continue"}).status_code in {200, 400}, preview
    changed = []
    for url in urls:
        response = client.post(url, form_of(client, url))
        if response.status_code != 302 or Service.objects.get(
                slug=slug).versions.count() != 1:
            versions = list(Service.objects.get(slug=slug).versions.order_by("number"))
            lines = editing.version_diff(versions[0], versions[-1]) if len(versions) > 1 else []
            changed.append(f"{url}: {response.status_code} {page_text(response)[:300]} "
                           + " | ".join(f"{line.kind}{line.text}" for line in lines
                                        if line.kind in "+-"))
            break
    return changed


@pytest.mark.parametrize("slug", ["geburtsurkunde", "hund-anmelden", "gewerbe-anmelden",
                                  "schwerbehindertenausweis", "fuehrungszeugnis",
                                  "halle-mieten", "sepa-lastschriftmandat",
                                  # times, fee factors by metres and days, a drop-down list
                                  "halteverbot-umzug", "baumfaellung"])
def test_saving_a_page_as_it_is_shown_changes_nothing(
        editor: User, client: Client, slug: str) -> None:
    assert _unchanged_saves(client, slug) == []


def test_exit_pages_are_edited_as_yaml_with_errors_in_place(editor: User,
                                                            client: Client) -> None:
    url = f"{BASE}/steps/birth_place/"
    data = form_of(client, url)
    stops = "form.steps[0].stops"
    assert "born_in_town" in data[stops]
    data[stops] = data[stops].replace("born_in_town", "born_here")
    response = client.post(url, data)
    assert response.status_code == 400
    box = input_html(response, "in-form-steps-0-stops")
    assert "Refers to the field “born_here”, which is not in the form." in box
    assert "born_here" in box
    data[stops] = ""
    assert client.post(url, data).status_code == 302
    assert "stops" not in latest().definition["form"]["steps"][0]


def test_the_confirmation_field_is_chosen_in_the_settings(editor: User,
                                                          client: Client) -> None:
    response = client.post(f"{BASE}/fields/applicant_email/delete/", {"base": "1"})
    assert response.status_code == 400
    assert 'href="/en/staff/services/geburtsurkunde/settings/"' in response.content.decode()
    data = form_of(client, f"{BASE}/settings/")
    assert data["form.confirmation_email"] == "applicant_email"
    data["form.confirmation_email"] = ""
    assert client.post(f"{BASE}/settings/", data).status_code == 302
    assert client.post(f"{BASE}/fields/applicant_email/delete/", {"base": "2"}).status_code == 302
    assert "confirmation_email" not in latest().definition["form"]


def test_publishing_reaches_cached_service_pages_and_saving_does_not(
        editor: User, client: Client, settings: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    settings.RATHAUS_PAGE_CACHE_SECONDS = 60
    citizen = Client()
    assert "Wir schicken sie Ihnen per Post." in page_text(
        citizen.get("/de/services/geburtsurkunde/"))
    data = form_of(client, f"{BASE}/texts/")
    data["summary.de"] = "Bestellen Sie Ihre Geburtsurkunde online."
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{BASE}/texts/", data).status_code == 302
    assert "Wir schicken sie Ihnen per Post." in page_text(
        citizen.get("/de/services/geburtsurkunde/"))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{BASE}/publish/", {"version": "2"}).status_code == 302
    shown = page_text(citizen.get("/de/services/geburtsurkunde/"))
    assert "Bestellen Sie Ihre Geburtsurkunde online." in shown


def test_publishing_leaves_a_service_switched_off_in_the_admin_off(catalog: None) -> None:
    Service.objects.filter(slug="geburtsurkunde").update(is_active=False)
    first = latest()
    saved, _created = editing.save_version(service=service(), spec=_retitled(first, "Neu"),
                                           by="anna", base_number=first.number)
    editing.publish_version(version=saved, by="anna")
    assert service().current_version == saved
    assert not service().is_active


def test_a_field_turned_into_a_choice_is_told_at_its_type_that_it_needs_options(
        editor: User, client: Client) -> None:
    url = f"{BASE}/fields/birth_name/"
    data = form_of(client, url)
    data["form.steps[2].fields[1].type"] = "choice"
    response = client.post(url, data)
    assert response.status_code == 400
    assert "A choice needs at least one option." in input_html(
        response, "in-form-steps-2-fields-1-type")


def test_a_field_is_added_to_a_repeated_group(editor: User, client: Client) -> None:
    base = "/en/staff/services/hund-anmelden"
    step_page = client.get(f"{base}/steps/dogs/").content.decode()
    assert 'name="group" value="dogs"' in step_page
    url = f"{base}/steps/dogs/new-field/?type=text&group=dogs"
    data = form_of(client, url)
    children = Service.objects.get(slug="hund-anmelden").current_version.definition[  # type: ignore[union-attr]
        "form"]["steps"][2]["fields"][0]["fields"]
    path = f"form.steps[2].fields[0].fields[{len(children)}]"
    data.update({f"{path}.id": "tattoo_number", f"{path}.label.de": "Tätowiernummer",
                 f"{path}.label.en": "Tattoo number"})
    response = client.post(url, data)
    assert response.status_code == 302, page_text(response)[:1500]
    group = Service.objects.get(slug="hund-anmelden").versions.order_by("-number").first()
    assert group is not None
    assert group.definition["form"]["steps"][2]["fields"][0]["fields"][-1]["id"] == "tattoo_number"
    assert client.get(f"{base}/steps/dogs/new-field/?type=text&group=owner_name").status_code == (
        404)


def test_an_earlier_version_is_published_again_from_the_history(
        editor: User, client: Client) -> None:
    first = latest()
    saved, _created = editing.save_version(service=service(), spec=_retitled(first, "Neu"),
                                           by="anna", base_number=first.number)
    editing.publish_version(version=saved, by="anna")
    history = client.get(f"{BASE}/").content.decode()
    assert "Publish version 1 again" in html.unescape(history)
    assert client.post(f"{BASE}/publish/", {"version": "1"}).status_code == 302
    assert service().current_version == first
    assert service().title_de == "Geburtsurkunde beantragen"


def test_fee_factors_are_edited_as_yaml_with_errors_in_place(editor: User,
                                                             client: Client) -> None:
    url = "/en/staff/services/halteverbot-umzug/fees/"
    data = form_of(client, url)
    factors = next(name for name in data if name.endswith(".per:yaml") and data[name])
    assert "days:" in data[factors], "the fee by days shows its factors"
    data[factors] = "- {field: nowhere, unit: {de: m, en: m}}"

    response = client.post(url, data)

    assert response.status_code == 400
    box = input_html(response, "in-" + factors.replace(".", "-").replace("[", "-")
                     .replace("]", "").replace(":", "-"))
    assert "nowhere" in box, "what was typed is kept"
    assert "kern-error" in box


def test_a_drop_down_list_keeps_its_options_and_a_time_its_range(editor: User,
                                                                 client: Client) -> None:
    url = "/en/staff/services/halteverbot-umzug/fields/time_from/"
    data = form_of(client, url)
    path = next(name for name in data if name.endswith(".min_time"))
    data[path] = "25:00"
    refused = client.post(url, data)
    assert refused.status_code == 400
    data[path] = "06:00"
    assert client.post(url, data).status_code == 302
    edited = latest_of("halteverbot-umzug")
    assert _field(edited, "time_from")["min_time"] == "06:00"

    species = "/en/staff/services/baumfaellung/fields/species/"
    data = form_of(client, species)
    assert any(value == "select" for name, value in data.items() if name.endswith(".type"))
    label = next(name for name, value in data.items()
                 if name.endswith(".label.de") and value == "Stieleiche")
    data[label] = "Stiel-Eiche"
    assert client.post(species, data).status_code == 302
    options = _field(latest_of("baumfaellung"), "species")["options"]
    assert {"value": "stieleiche", "label": {"de": "Stiel-Eiche", "en": "Pedunculate oak"}} \
        in options


def latest_of(slug: str) -> dict[str, Any]:
    version = Service.objects.get(slug=slug).versions.order_by("-number").first()
    assert version is not None
    return dict(version.definition)


def _field(definition: dict[str, Any], field_id: str) -> dict[str, Any]:
    for step in definition["form"]["steps"]:
        for item in step["fields"]:
            for candidate in [item, *(item.get("fields") or [])]:
                if candidate["id"] == field_id:
                    return dict(candidate)
    raise KeyError(field_id)


def test_a_repeated_group_is_added_with_its_first_field_and_citizens_can_add_items(
        editor: User, client: Client) -> None:
    base = "/en/staff/services/hund-anmelden"
    assert client.get(f"{base}/steps/dogs/new-field/?type=group&group=dogs").status_code == (
        404), "groups are not nested"
    url = f"{base}/steps/keeping/new-field/?type=group"
    data = form_of(client, url)
    path = next(name for name in data if name.endswith(".first.id")).removesuffix(".first.id")
    data.update({
        f"{path}.id": "other_animals", f"{path}.label.de": "Weitere Tiere im Haushalt",
        f"{path}.label.en": "Other animals in the household",
        f"{path}.repeat:on": "on", f"{path}.repeat.min": "0", f"{path}.repeat.max": "5",
        f"{path}.repeat.item_label.de": "Tier", f"{path}.repeat.item_label.en": "Animal",
        f"{path}.repeat.add_label.de": "Weiteres Tier hinzufügen",
        f"{path}.repeat.add_label.en": "Add another animal",
        f"{path}.repeat.remove_label.de": "Entfernen",
        f"{path}.repeat.remove_label.en": "Remove",
        f"{path}.first.id": "", f"{path}.first.type": "text",
        f"{path}.first.label.de": "Tierart", f"{path}.first.label.en": "Kind of animal",
    })
    missing = client.post(url, data)
    assert missing.status_code == 400
    box = input_html(missing, "in-" + re.sub(r"[.\[\]]+", "-", f"{path}.first.id"))
    assert 'aria-invalid="true"' in box, "the first field's missing ID is marked at its input"
    assert "ID of the field: Begin with a small letter" in page_text(missing)

    data[f"{path}.first.id"] = "animal_kind"
    assert client.post(url, data).status_code == 302
    group = _field(latest_of("hund-anmelden"), "other_animals")
    assert group["repeat"]["min"] == 0
    assert group["repeat"]["max"] == 5
    assert group["fields"] == [{"id": "animal_kind", "type": "text",
                                "label": {"de": "Tierart", "en": "Kind of animal"}}]

    number = Service.objects.get(slug="hund-anmelden").versions.order_by("-number").first()
    assert number is not None
    preview = client.get(f"{base}/versions/{number.number}/preview/keeping/").content.decode()
    assert "Other animals in the household" in preview
    assert "Add another animal" in preview, "none is needed: the citizen adds them"
    assert client.post(f"{base}/publish/", {"version": str(number.number)}).status_code == 302
