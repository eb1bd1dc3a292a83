from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from rathaus.audit.models import Action
from rathaus.audit.services import record

from . import services
from .models import Notice, NoticeKind, NoticeTemplate, NoticeTemplateVersion
from .placeholders import VOCABULARY
from .remedy import DEFAULT_REMEDY_DE, DEFAULT_REMEDY_EN
from .render import RenderedNotice, render_notice, sample_context

LANGUAGES = ("de", "en")


class NoticeTemplateForm(forms.ModelForm[NoticeTemplate]):
    """The template's texts: saving them makes a new version, the old ones stay."""

    title_de = forms.CharField(label=_("title (German)"), max_length=200)
    title_en = forms.CharField(label=_("title (English)"), max_length=200)
    body_de = forms.CharField(label=_("text (German)"), widget=forms.Textarea(attrs={"rows": 16}))
    body_en = forms.CharField(label=_("text (English)"), widget=forms.Textarea(attrs={"rows": 16}))
    remedy_de = forms.CharField(label=_("legal remedy instructions (German)"),
                                widget=forms.Textarea(attrs={"rows": 10}),
                                initial=DEFAULT_REMEDY_DE)
    remedy_en = forms.CharField(label=_("legal remedy instructions (English)"),
                                widget=forms.Textarea(attrs={"rows": 10}),
                                initial=DEFAULT_REMEDY_EN)

    class Meta:
        model = NoticeTemplate
        fields = ["service", "kind"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.instance.current_version if self.instance.pk else None
        if current is not None:
            for part in services.TEXT_PARTS:
                self.initial[part] = getattr(current, part)

    def text(self) -> services.TemplateText:
        return services.TemplateText(**{part: self.cleaned_data[part].replace("\r\n", "\n")
                                        for part in services.TEXT_PARTS})

    def service(self) -> Any:
        return self.cleaned_data.get("service") or (
            self.instance.service if self.instance.pk else None)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        service = self.service()
        if service is None or any(part not in cleaned for part in services.TEXT_PARTS):
            return cleaned
        try:
            services.check_template_text(service=service, text=self.text())
        except ValidationError as error:
            for part, messages in error.error_dict.items():
                for message in messages:
                    self.add_error(part, message)
        return cleaned


class VersionInline(admin.TabularInline[NoticeTemplateVersion, NoticeTemplate]):
    model = NoticeTemplateVersion
    fields = ["number", "created_at", "created_by", "checksum", "preview"]
    readonly_fields = ["number", "created_at", "created_by", "checksum", "preview"]
    extra = 0
    can_delete = False
    verbose_name_plural = _("versions (never changed once saved)")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("preview"))
    def preview(self, obj: NoticeTemplateVersion) -> SafeString:
        return preview_links(obj)


def preview_links(version: NoticeTemplateVersion) -> SafeString:
    links = [(reverse("admin:notices_noticetemplate_preview", args=[version.pk, language]),
              f"PDF ({language.upper()})") for language in LANGUAGES]
    links.append((reverse("admin:notices_noticetemplate_preview", args=[version.pk, "de"])
                  + "?format=html", "HTML (DE)"))
    return format_html_join(" · ", '<a href="{}">{}</a>', links)


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(admin.ModelAdmin[NoticeTemplate]):
    form = NoticeTemplateForm
    change_form_template = "notices/admin/change_form.html"
    list_display = ["service", "kind", "version_number", "current_preview"]
    list_filter = ["kind", "service__department"]
    search_fields = ["service__title_de", "service__slug"]
    list_select_related = ["service", "current_version"]
    inlines = [VersionInline]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["service", "kind", "placeholder_list", *services.TEXT_PARTS,
                *(["current_preview"] if obj is not None else [])]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fixed = ["service", "kind"] if obj is not None else []
        return [*fixed, "placeholder_list", "current_preview"]

    @admin.display(description=_("version"))
    def version_number(self, obj: NoticeTemplate) -> int | None:
        return obj.current_version.number if obj.current_version is not None else None

    @admin.display(description=_("preview of the current version"))
    def current_preview(self, obj: NoticeTemplate) -> SafeString:
        if obj.current_version is None:
            return SafeString("–")
        return preview_links(obj.current_version)

    @admin.display(description=_("placeholders"))
    def placeholder_list(self, obj: NoticeTemplate | None) -> SafeString:
        names = (sorted(services.allowed_placeholders(obj.service)) if obj is not None
                 else [*VOCABULARY, "answers.<field id>"])
        return format_html(
            "{}<br>{}", _("Written in braces, e.g. {reference}; everything else is plain text."),
            format_html_join(", ", "<code>{{{}}}</code>", ((name,) for name in names)))

    def save_model(self, request: HttpRequest, obj: NoticeTemplate, form: Any,
                   change: bool) -> None:
        version = services.save_template_version(
            service=form.service(), kind=NoticeKind(obj.kind), text=form.text(),
            actor_label=request.user.get_username())
        obj.pk = version.template.pk
        obj.current_version = version

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        return [
            path("preview/<int:version_id>/<str:language>/",
                 self.admin_site.admin_view(self.preview_view),
                 name="notices_noticetemplate_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest, version_id: int, language: str
                     ) -> HttpResponse:
        """Show a saved version filled with a made-up case of its service."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if language not in LANGUAGES:
            raise Http404
        version = get_object_or_404(
            NoticeTemplateVersion.objects.select_related(
                "template__service__department", "template__service__current_version"),
            pk=version_id)
        return self._preview_response(request, version, language)

    def changeform_view(self, request: HttpRequest, object_id: str | None = None,
                        form_url: str = "", extra_context: dict[str, Any] | None = None
                        ) -> HttpResponse:
        # "Vorschau" posts the form as it is: shown filled in, nothing saved. An invalid form
        # goes on to the normal view, which shows the errors and saves nothing either.
        if request.method == "POST" and request.POST.get("_preview") in LANGUAGES:
            response = self._preview_unsaved(request, object_id)
            if response is not None:
                return response
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _preview_unsaved(self, request: HttpRequest, object_id: str | None
                         ) -> HttpResponse | None:
        obj = self.get_object(request, object_id) if object_id else None
        allowed = (self.has_change_permission(request, obj) if obj is not None
                   else self.has_add_permission(request))
        if not allowed:
            raise PermissionDenied
        form = self.get_form(request, obj, change=obj is not None)(request.POST, instance=obj)
        assert isinstance(form, NoticeTemplateForm)
        if not form.is_valid():
            return None
        template = obj if obj is not None else NoticeTemplate(
            service=form.cleaned_data["service"], kind=form.cleaned_data["kind"])
        version = NoticeTemplateVersion(template=template, number=0, **vars(form.text()))
        return self._preview_response(request, version, request.POST["_preview"])

    def _preview_response(self, request: HttpRequest, version: NoticeTemplateVersion,
                          language: str) -> HttpResponse:
        template = version.template
        user = request.user
        clerk = (user.get_full_name() if isinstance(user, User) else "") or user.get_username()
        context = sample_context(
            service=template.service, kind=NoticeKind(template.kind), language=language,
            clerk_name=clerk)
        rendered: RenderedNotice = render_notice(version, context)
        record(action=Action.NOTICE_PREVIEWED, request=request,
               object_type="notices.noticetemplate", object_id=str(template.pk or ""),
               department=template.service.department_id,
               message=f"{template.service.slug} {template.kind} v{version.number} {language}"
               + (" html" if request.GET.get("format") == "html" else ""))
        if request.GET.get("format") == "html":
            return HttpResponse(rendered.html)
        response = HttpResponse(rendered.pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'inline; filename="vorschau.pdf"'
        return response


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin[Notice]):
    """Issued notices are frozen: they can be read and downloaded, never changed."""

    list_display = ["reference", "kind", "subject_reference", "language", "issued_at"]
    list_filter = ["kind", "language"]
    search_fields = ["reference", "subject_reference"]
    readonly_fields = ["reference", "subject_reference", "kind", "language", "title",
                       "template_version", "issued_at", "issued_by", "sha256", "size", "download"]
    fields = ["reference", "subject_reference", "kind", "language", "title",
              "template_version", "issued_at", "issued_by", "sha256", "size", "download"]

    @admin.display(description=_("PDF"))
    def download(self, obj: Notice) -> SafeString:
        return format_html('<a href="{}">{}</a>',
                           reverse("admin:notices_notice_pdf", args=[obj.pk]),
                           _("Open the issued PDF"))

    def get_urls(self) -> list[URLPattern]:
        return [
            path("<int:notice_id>/pdf/", self.admin_site.admin_view(self.pdf_view),
                 name="notices_notice_pdf"),
            *super().get_urls(),
        ]

    def pdf_view(self, request: HttpRequest, notice_id: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        notice = get_object_or_404(Notice, pk=notice_id)
        data = services.issued_pdf(notice)
        record(action=Action.NOTICE_OPENED, request=request, target=notice,
               message=f"{notice.reference} {notice.subject_reference} sha256={notice.sha256}")
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{notice.reference}.pdf"'
        return response

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
