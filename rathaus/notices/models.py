from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from rathaus.catalog.models import Service


class NoticeKind(models.TextChoices):
    GRANTED = "granted", _("granted")
    REFUSED = "refused", _("refused")
    PARTLY_GRANTED = "partly_granted", _("partly granted")
    FEE = "fee", _("fee notice")


class NoticeTemplate(models.Model):
    """The notice of one kind for one service; its texts live in immutable versions."""

    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.PROTECT,
                                related_name="notice_templates")
    kind = models.CharField(_("kind of decision"), max_length=20, choices=NoticeKind.choices)
    current_version = models.ForeignKey(
        "NoticeTemplateVersion", verbose_name=_("current version"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["service__title_de", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["service", "kind"], name="notice_template_per_kind"),
        ]
        verbose_name = _("notice template")
        verbose_name_plural = _("notice templates")

    def __str__(self) -> str:
        return f"{self.service} – {self.get_kind_display()}"


class NoticeTemplateVersion(models.Model):
    """One saved text of a notice template; never changed once written."""

    template = models.ForeignKey(NoticeTemplate, verbose_name=_("notice template"),
                                 on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title_de = models.CharField(_("title (German)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    body_de = models.TextField(_("text (German)"))
    body_en = models.TextField(_("text (English)"))
    remedy_de = models.TextField(_("legal remedy instructions (German)"))
    remedy_en = models.TextField(_("legal remedy instructions (English)"))
    checksum = models.CharField(_("checksum"), max_length=64)
    created_by = models.CharField(_("saved by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"],
                                    name="notice_template_version_number"),
            models.UniqueConstraint(fields=["template", "checksum"],
                                    name="notice_template_version_checksum"),
        ]
        verbose_name = _("notice template version")
        verbose_name_plural = _("notice template versions")

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"

    def text(self, part: str, language: str | None = None) -> str:
        """Return ``part`` (title, body, remedy) in ``language`` (default: the active one)."""
        english = (language or get_language() or "de")[:2] == "en"
        value: str = getattr(self, f"{part}_{'en' if english else 'de'}")
        return value


def notice_path(notice: Notice, filename: str) -> str:
    return f"notices/{notice.issued_at:%Y/%m}/{filename}"


class Notice(models.Model):
    """An issued notice: the stored PDF is the notice, served as it is for ever."""

    template_version = models.ForeignKey(
        NoticeTemplateVersion, verbose_name=_("template version"), on_delete=models.PROTECT,
        related_name="notices")
    kind = models.CharField(_("kind of decision"), max_length=20, choices=NoticeKind.choices)
    language = models.CharField(_("language"), max_length=8)
    # What the notice decides on (a case, a submission): a reference, not a foreign key, so
    # this layer knows nothing of the apps above it.
    subject_reference = models.CharField(_("decides on"), max_length=100, db_index=True)
    reference = models.CharField(_("reference"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    pdf = models.FileField(_("PDF"), upload_to=notice_path, max_length=200)
    sha256 = models.CharField(_("SHA-256 checksum"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    issued_by = models.CharField(_("issued by"), max_length=150, blank=True)
    issued_at = models.DateTimeField(_("issued"))

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return f"{self.reference} {self.get_kind_display()}"
