"""The service editor: staff of the editorial office change services in the browser.

Only verified staff with the editor's permission open these pages (group "Redaktion",
docs/staff-accounts.md). Every change is a plain HTML form: the view reads it into a copy of
the latest saved definition (editor_forms), validates the whole definition with the schema of
the YAML files and saves it as a new version (rathaus.staff.editing); publishing is a separate
step. Errors land next to the input they are about, or, when they are about another place of
the definition, in the summary with a link there (docs/decisions/0035-service-editor.md).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Max, Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rathaus.applications.views import Route
from rathaus.catalog.editing import (
    Problem,
    StaleBase,
    editing_base,
    validate_definition,
    version_diff,
)
from rathaus.catalog.export import definition_yaml
from rathaus.catalog.models import Department, Service, ServiceVersion
from rathaus.catalog.roles import EDIT_SERVICES
from rathaus.core.access import verified_required
from rathaus.forms import engine
from rathaus.forms.fields.base import CleanContext

from . import editor_forms as ef
from .editing import publish_service, save_service

editor_required = verified_required(permission=EDIT_SERVICES)
Data = dict[str, Any]
Apply = Callable[[Data, QueryDict], tuple[Data, dict[str, str]]]
Build = Callable[[Data, QueryDict | None], ef.Page]


@dataclass(frozen=True)
class SummaryEntry:
    """A line of the error summary: a link to the input, or to the page where to fix it."""

    href: str
    message: str


def _service(slug: str) -> Service:
    found = Service.objects.select_related("department", "current_version").filter(
        slug=slug[:80]).first()
    if found is None:
        raise Http404
    return found


def _base(service: Service) -> ServiceVersion:
    base = editing_base(service)
    if base is None:
        raise Http404
    return base


def _version(service: Service, number: int) -> ServiceVersion:
    found = service.versions.filter(number=number).first()
    if found is None:
        raise Http404
    return found


def _when(value: Any) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else ""


# -- where an error belongs -------------------------------------------------------------------

_ROOT_PLACES = [("channel 'form'", "channels"), ("'form' is not among", "channels"),
                ("'link_out'", "link_out.url"), ("appointment_calendar", "appointment_calendar"),
                ("trust_reason", "trust_reason.de"), ("payment.policy", "payment.policy"),
                ("direct_debit", "payment.methods")]


def _located(problem: Problem) -> Problem:
    """Give the checks across the whole definition the place an editor fixes them at."""
    if problem.location:
        return problem
    for needle, place in _ROOT_PLACES:
        if needle in problem.message:
            return Problem(place, problem.kind, problem.message, problem.context)
    return problem


def _place(service: Service, data: Data, location: str) -> tuple[str, str]:
    """The page (address and name) where the place of the definition is edited."""
    slug = service.slug
    if ef.within(location, "form.confirmation_email"):
        return reverse("staff:editor_settings", args=[slug]), _("Settings")
    if ef.within(location, "form.fees") or ef.within(location, "payment") or ef.within(
            location, "fees"):
        return reverse("staff:editor_fees", args=[slug]), _("Fees")
    for path, item in ef.located_fields(data):
        if ef.within(location, path) and not any(
                ef.within(location, f"{path}.fields[{n}]")
                for n in range(len(item.get("fields") or []))):
            return (reverse("staff:editor_field", args=[slug, item.get("id", "")]),
                    _("Field “%(id)s”") % {"id": item.get("id", "")})
    for index, step in enumerate(ef.get_at(data, "form.steps", []) or []):
        if ef.within(location, f"form.steps[{index}]"):
            return (reverse("staff:editor_step", args=[slug, step.get("id", "")]),
                    _("Step “%(id)s”") % {"id": step.get("id", "")})
    if ef.within(location, "form"):
        return reverse("staff:editor_steps", args=[slug]), _("Form")
    if any(ef.within(location, key) for key in (
            "title", "summary", "description", "who_may_apply", "processing_time",
            "documents", "legal_basis")):
        return reverse("staff:editor_texts", args=[slug]), _("Texts")
    return reverse("staff:editor_settings", args=[slug]), _("Settings")


def _rename(location: str, renames: dict[str, str]) -> str:
    for new, posted in sorted(renames.items(), key=lambda item: -len(item[0])):
        if ef.within(location, new):
            return posted + location[len(new):]
    return location


def place_errors(page: ef.Page, problems: list[Problem], *, renames: dict[str, str],
                 service: Service, data: Data) -> list[SummaryEntry]:
    """Put each problem next to its input; list all, linking elsewhere for the others."""
    inputs = list(page.inputs())
    summary = []
    for problem in map(_located, problems):
        location = _rename(problem.location, renames)
        message = ef.message_for(problem)
        holders = [item for item in inputs if ef.within(location, item.location)]
        if not holders and location:
            # A check of a whole field (a choice without options): shown at its type.
            inner = [item for item in inputs if ef.within(item.location, location)]
            holders = [item for item in inner if item.name == f"{location}.type"] or inner[:1]
        if holders:
            target = max(holders, key=lambda item: (len(item.location), bool(item.value)))
            if message not in target.errors:
                target.errors.append(message)
            summary.append(SummaryEntry(f"#{target.input_id}", f"{target.label}: {message}"))
            continue
        url, name = _place(service, data, problem.location)
        summary.append(SummaryEntry(url, _("%(place)s: %(message)s") % {
            "place": name, "message": message}))
    return summary


def _stale(error: StaleBase) -> SummaryEntry:
    latest = error.latest
    return SummaryEntry("#main", _(
        "Version %(number)s was saved by %(who)s on %(when)s while you were editing, so "
        "nothing was saved. Your input is kept below: open the service again to see the new "
        "version and enter your change there.") % {
        "number": latest.number, "who": latest.saved_by or _("someone"),
        "when": _when(latest.saved_at)})


# -- the generic edit page --------------------------------------------------------------------


def _base_number(request: HttpRequest) -> int:
    value = request.POST.get("base", "")
    return int(value) if value.isdigit() else 0


def _saved_message(request: HttpRequest, version: ServiceVersion, created: bool) -> None:
    if created:
        messages.success(request, _(
            "Saved as version %(number)s. Citizens see it once it is published.") % {
            "number": version.number})
    else:
        messages.info(request, _(
            "Nothing new: this is the same as version %(number)s.") % {"number": version.number})


def edit_form(request: HttpRequest, service: Service, *, build: Build, apply: Apply,
              what: str, template: str, context: dict[str, Any],
              done: Callable[[Data], str]) -> HttpResponse:
    """Show a page of inputs; on POST read, validate, save as a new version and go on."""
    base = _base(service)
    data: Data = copy.deepcopy(base.definition)
    posted = request.POST if request.method == "POST" else None
    page = build(data, posted)
    summary: list[SummaryEntry] = []
    status = 200
    if posted is not None:
        page.take(posted)
        if posted.get("action") != "rows":
            summary, edited = _save(request, service, page, data, apply, what)
            if not summary:
                return redirect(done(edited))
            status = 409 if summary and summary[0].href == "#main" else 400
    return render(request, template, {
        **_frame(service, base), **context, "page": page, "problems": summary,
        "base_number": request.POST.get("base") if posted is not None else base.number,
    }, status=status)


def _save(request: HttpRequest, service: Service, page: ef.Page, data: Data, apply: Apply,
          what: str) -> tuple[list[SummaryEntry], Data]:
    try:
        edited, renames = apply(data, request.POST)
        edited = ef.as_before(edited, data)
    except ef.Invalid as invalid:
        summary = []
        for item in page.inputs():
            message = invalid.errors.get(item.name)
            if message:
                item.errors.append(message)
                summary.append(SummaryEntry(f"#{item.input_id}", f"{item.label}: {message}"))
        return summary, data
    spec, problems = validate_definition(edited)
    if spec is None:
        return place_errors(page, problems, renames=renames, service=service, data=edited), data
    try:
        version, created = save_service(request=request, service=service, spec=spec,
                                        base_number=_base_number(request), what=what)
    except StaleBase as error:
        return [_stale(error)], data
    _saved_message(request, version, created)
    return [], edited


def _frame(service: Service, base: ServiceVersion) -> dict[str, Any]:
    return {"service": service, "base": base, "has_form": base.definition.get("form") is not None}


# -- list and overview --------------------------------------------------------------------------


@editor_required
def services(request: HttpRequest) -> HttpResponse:
    """Every service with its current version and whether changes wait to be published."""
    query = request.GET.get("q", "").strip()[:100]
    department = request.GET.get("department", "")[:50]
    found = Service.objects.select_related("department", "current_version").annotate(
        latest=Max("versions__number")).order_by("title_de")
    if query:
        found = found.filter(Q(title_de__icontains=query) | Q(title_en__icontains=query)
                             | Q(slug__icontains=query))
    if department:
        found = found.filter(department__slug=department)
    rows = []
    for item in found:
        current = item.current_version.number if item.current_version else None
        rows.append({"service": item, "current": current, "latest": item.latest,
                     "pending": item.latest is not None and item.latest != current})
    return render(request, "staff/editor/services.html", {
        "rows": rows, "departments": Department.objects.all(), "query": query,
        "department": department,
    })


@editor_required
def service(request: HttpRequest, slug: str) -> HttpResponse:
    """A service's current version, the latest saved one, the history and what to do next."""
    found = _service(slug)
    base = _base(found)
    versions = list(found.versions.order_by("-number"))
    return render(request, "staff/editor/service.html", {
        **_frame(found, base), "versions": versions,
        "current": found.current_version,
        "steps": (base.definition.get("form") or {}).get("steps") or [],
        "pending": found.current_version_id != base.pk,
    })


@require_POST
@editor_required
def publish(request: HttpRequest, slug: str) -> HttpResponse:
    found = _service(slug)
    number = request.POST.get("version", "")
    version = _version(found, int(number)) if number.isdigit() else None
    if version is None:
        raise Http404
    if publish_service(request=request, version=version):
        messages.success(request, _(
            "Version %(number)s is published: citizens see it now. Applications already "
            "started are finished with the version they began with.") % {
            "number": version.number})
    else:
        messages.info(request, _("Version %(number)s is already the published one.") % {
            "number": version.number})
    return redirect("staff:editor_service", slug=found.slug)


@editor_required
def diff(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The YAML of a version against the one before it (or the one chosen), line by line."""
    found = _service(slug)
    version = _version(found, number)
    other_text = request.GET.get("with", "")
    if other_text.isdigit():
        other: ServiceVersion | None = _version(found, int(other_text))
    else:
        other = found.versions.filter(number__lt=number).order_by("-number").first()
    lines = version_diff(other, version)
    return render(request, "staff/editor/diff.html", {
        "service": found, "version": version, "other": other, "lines": lines,
        "added": sum(1 for line in lines if line.kind == "+"),
        "removed": sum(1 for line in lines if line.kind == "-"),
    })


@editor_required
def download(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The version as a services/ file (as export_services writes it)."""
    found = _service(slug)
    version = _version(found, number)
    response = HttpResponse(definition_yaml(version),
                            content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{found.slug}-v{version.number}.yaml"')
    return response


# -- texts, settings, fees --------------------------------------------------------------------


@editor_required
def texts(request: HttpRequest, slug: str) -> HttpResponse:
    found = _service(slug)
    return edit_form(request, found, build=ef.texts_page, apply=ef.apply_texts, what="texts",
                     template="staff/editor/edit.html",
                     context={"title": _("Texts"), "tab": "texts"},
                     done=lambda _data: reverse("staff:editor_service", args=[found.slug]))


@editor_required
def settings(request: HttpRequest, slug: str) -> HttpResponse:
    found = _service(slug)
    return edit_form(request, found, build=ef.settings_page, apply=ef.apply_settings,
                     what="settings", template="staff/editor/edit.html",
                     context={"title": _("Settings"), "tab": "settings"},
                     done=lambda _data: reverse("staff:editor_service", args=[found.slug]))


@editor_required
def fees(request: HttpRequest, slug: str) -> HttpResponse:
    found = _service(slug)
    return edit_form(request, found, build=ef.fees_page, apply=ef.apply_fees, what="fees",
                     template="staff/editor/edit.html",
                     context={"title": _("Fees and payment"), "tab": "fees"},
                     done=lambda _data: reverse("staff:editor_service", args=[found.slug]))


# -- the form: steps and fields -----------------------------------------------------------------


def _with_form(service: Service) -> tuple[ServiceVersion, Data]:
    base = _base(service)
    data: Data = copy.deepcopy(base.definition)
    if data.get("form") is None:
        raise Http404
    return base, data


def _structure_change(request: HttpRequest, service: Service, data: Data, what: str,
                      ) -> list[SummaryEntry]:
    """Save a change of order or a deletion; return the problems when it is refused."""
    spec, problems = validate_definition(data)
    if spec is None:
        return place_errors(ef.Page([]), problems, renames={}, service=service, data=data)
    try:
        version, created = save_service(request=request, service=service, spec=spec,
                                        base_number=_base_number(request), what=what)
    except StaleBase as error:
        return [_stale(error)]
    _saved_message(request, version, created)
    return []


@editor_required
def steps(request: HttpRequest, slug: str) -> HttpResponse:
    """The steps of the form: order, add, and links to each step, its preview and deletion."""
    found = _service(slug)
    base, data = _with_form(found)
    posted = request.POST if request.method == "POST" else None
    new_page = ef.new_step_page(posted)
    summary: list[SummaryEntry] = []
    if posted is not None:
        action, _sep, target = posted.get("action", "").partition(":")
        step_list = data["form"]["steps"]
        if action in {"up", "down"} and target.isdigit():
            if not ef.move(step_list, int(target), action):
                raise Http404
            summary = _structure_change(request, found, data, f"step order ({action})")
            if not summary:
                return redirect("staff:editor_steps", slug=found.slug)
        elif action == "add":
            new_page.take(posted)
            summary, edited = _save(request, found, new_page, data, ef.new_step, "new step")
            if not summary:
                return redirect("staff:editor_step", slug=found.slug,
                                step_id=edited["form"]["steps"][-1]["id"])
        else:
            raise Http404
    return render(request, "staff/editor/steps.html", {
        **_frame(found, base), "tab": "form", "steps": data["form"]["steps"],
        "page": new_page, "problems": summary, "base_number": base.number,
        "current_number": found.current_version.number if found.current_version else None,
    }, status=400 if summary else 200)


def _step_index(data: Data, step_id: str) -> int:
    index = ef.find_step(data, step_id[:60])
    if index is None:
        raise Http404
    return index


@editor_required
def step(request: HttpRequest, slug: str, step_id: str) -> HttpResponse:
    """A step: its title and rules, and its fields in order with their actions."""
    found = _service(slug)
    _base_version, data = _with_form(found)
    index = _step_index(data, step_id)
    action, _sep, target = request.POST.get("action", "").partition(":")
    if request.method == "POST" and action in {"up", "down"}:
        fields = data["form"]["steps"][index]["fields"]
        position = next((n for n, item in enumerate(fields) if item.get("id") == target), -1)
        if not ef.move(fields, position, action):
            raise Http404
        summary = _structure_change(request, found, data, f"field order in {step_id}")
        if not summary:
            return redirect("staff:editor_step", slug=found.slug, step_id=step_id)
        messages.error(request, summary[0].message)
        return redirect("staff:editor_step", slug=found.slug, step_id=step_id)
    return edit_form(
        request, found,
        build=lambda data, posted: ef.step_page(data, index, posted),
        apply=lambda data, posted: ef.apply_step(data, index, posted),
        what=f"step {step_id}", template="staff/editor/step.html",
        context={"tab": "form", "step": data["form"]["steps"][index],
                 "title": _("Step “%(id)s”") % {"id": step_id},
                 "fields": _field_rows(data["form"]["steps"][index]),
                 "types": ef.type_choices(), "step_types": ef.type_choices(groups=True)},
        done=lambda edited: reverse("staff:editor_step", args=[
            found.slug, edited["form"]["steps"][index]["id"]]))


def _shown_label(item: Data) -> str:
    text = ef.get_at(item, "label.de") or ef.get_at(item, "text.de") or item.get("id", "")
    return str(text)


def _field_rows(step_data: Data) -> list[dict[str, Any]]:
    rows = []
    fields = step_data.get("fields") or []
    for position, item in enumerate(fields):
        rows.append({"item": item, "label": _shown_label(item), "child": False,
                     "first": position == 0, "required": item.get("required", True),
                     "shown_if": "show_if" in item,
                     "last": position == len(fields) - 1,
                     "type": ef.FIELD_TYPE_LABELS.get(item.get("type", ""), item.get("type"))})
        for child in item.get("fields") or []:
            rows.append({"item": child, "label": _shown_label(child), "child": True,
                         "required": child.get("required", True),
                         "shown_if": "show_if" in child,
                         "type": ef.FIELD_TYPE_LABELS.get(child.get("type", ""),
                                                          child.get("type"))})
    return rows


@editor_required
def field(request: HttpRequest, slug: str, field_id: str) -> HttpResponse:
    """One field: texts, type, constraints, options and rules."""
    found = _service(slug)
    _base_version, data = _with_form(found)
    path = ef.find_field(data, field_id[:60])
    if path is None:
        raise Http404
    step_index = ef.parse_path(path)[2]
    assert isinstance(step_index, int)
    step_data = data["form"]["steps"][step_index]
    field_type = ef.get_at(data, f"{path}.type", "text")
    return edit_form(
        request, found,
        build=lambda data, posted: ef.field_page(data, path, field_type, posted),
        apply=lambda data, posted: ef.apply_field(data, path, posted),
        what=f"field {field_id}", template="staff/editor/field.html",
        context={"tab": "form", "step": step_data,
                 "title": _("Field “%(id)s”") % {"id": field_id}},
        done=lambda edited: reverse("staff:editor_step", args=[found.slug, step_data["id"]]))


@editor_required
def new_field(request: HttpRequest, slug: str, step_id: str) -> HttpResponse:
    """A new field at the end of a step, of the type chosen on the step's page."""
    found = _service(slug)
    _base_version, data = _with_form(found)
    index = _step_index(data, step_id)
    field_type = (request.POST.get("type") or request.GET.get("type") or "text")[:30]
    group_id = (request.POST.get("group") or request.GET.get("group") or "")[:60]
    if field_type not in dict(ef.type_choices(groups=not group_id)):
        raise Http404
    container = f"form.steps[{index}].fields"
    if group_id:
        group_path = ef.find_field(data, group_id)
        if (group_path is None or not ef.within(group_path, container)
                or ef.get_at(data, f"{group_path}.type") != "group"):
            raise Http404
        container = f"{group_path}.fields"
    path = f"{container}[{len(ef.get_at(data, container, []))}]"

    def with_blank(data: Data) -> Data:
        grown = copy.deepcopy(data)
        ef.get_at(grown, container).append(ef.blank_field(field_type))
        return grown

    return edit_form(
        request, found,
        build=lambda data, posted: ef.field_page(with_blank(data), path, field_type, posted),
        apply=lambda data, posted: ef.apply_field(with_blank(data), path, posted),
        what=f"new field in {step_id}", template="staff/editor/field.html",
        context={"tab": "form", "step": data["form"]["steps"][index], "new_type": field_type,
                 "group": group_id,
                 "title": _("New field: %(type)s") % {
                     "type": ef.FIELD_TYPE_LABELS.get(field_type, field_type)}},
        done=lambda edited: reverse("staff:editor_step", args=[found.slug, step_id]))


@editor_required
def delete_step(request: HttpRequest, slug: str, step_id: str) -> HttpResponse:
    found = _service(slug)
    base, data = _with_form(found)
    index = _step_index(data, step_id)
    step_data = data["form"]["steps"][index]
    summary: list[SummaryEntry] = []
    if request.method == "POST":
        del data["form"]["steps"][index]
        summary = _structure_change(request, found, data, f"step {step_id} deleted")
        if not summary:
            return redirect("staff:editor_steps", slug=found.slug)
    return render(request, "staff/editor/delete.html", {
        **_frame(found, base), "tab": "form", "problems": summary, "base_number": base.number,
        "question": _("Delete the step “%(title)s” with its %(count)s field(s)?") % {
            "title": ef.get_at(step_data, "title.de", step_id),
            "count": len(step_data.get("fields") or [])},
        "back": reverse("staff:editor_step", args=[found.slug, step_id]),
    }, status=400 if summary else 200)


@editor_required
def delete_field(request: HttpRequest, slug: str, field_id: str) -> HttpResponse:
    found = _service(slug)
    base, data = _with_form(found)
    path = ef.find_field(data, field_id[:60])
    if path is None:
        raise Http404
    parts = ef.parse_path(path)
    step_index, position = parts[2], parts[-1]
    assert isinstance(step_index, int)
    assert isinstance(position, int)
    step_data = data["form"]["steps"][step_index]
    summary: list[SummaryEntry] = []
    if request.method == "POST":
        container = ef.get_at(data, ".".join(path.split(".")[:-1]) + ".fields") if (
            path.count("fields") > 1) else step_data["fields"]
        del container[position]
        summary = _structure_change(request, found, data, f"field {field_id} deleted")
        if not summary:
            return redirect("staff:editor_step", slug=found.slug, step_id=step_data["id"])
    return render(request, "staff/editor/delete.html", {
        **_frame(found, base), "tab": "form", "problems": summary, "base_number": base.number,
        "question": _("Delete the field “%(id)s”? Answers already given to it stay in the "
                      "applications submitted with earlier versions.") % {"id": field_id},
        "back": reverse("staff:editor_step", args=[found.slug, step_data["id"]]),
    }, status=400 if summary else 200)


# -- preview ------------------------------------------------------------------------------------

PREVIEW = Route(layout="staff/editor/preview_layout.html")


@editor_required
def preview(request: HttpRequest, slug: str, number: int, step_id: str) -> HttpResponse:
    """A step of a saved version as citizens will see it; a posted step is checked, not kept."""
    found = _service(slug)
    version = _version(found, number)
    spec = version.spec
    if spec.form is None:
        raise Http404
    current = engine.step_by_id(spec.form, step_id[:60])
    if current is None:
        raise Http404
    posted = request.POST if request.method == "POST" else None
    form = engine.StepForm(form=spec.form, step=current, answers={}, data=posted,
                           files=request.FILES if posted is not None else None,
                           ctx=CleanContext(today=timezone.localdate()))
    checked = form.bind(validate=posted is not None)
    order = [item.id for item in spec.form.steps]
    position = order.index(current.id)
    following = order[position + 1] if position + 1 < len(order) else None
    return render(request, "applications/step.html", {
        **PREVIEW.context(), "spec": spec, "step": current, "form": form,
        "errors": form.errors, "step_number": position + 1, "step_total": len(order),
        "back_url": reverse("staff:editor_steps", args=[found.slug]),
        "return_to_check": False, "preview": {
            "service": found, "version": version, "checked": posted is not None and checked,
            "next": reverse("staff:editor_preview", args=[found.slug, number, following])
            if following else "",
        },
    }, status=400 if form.errors else 200)
