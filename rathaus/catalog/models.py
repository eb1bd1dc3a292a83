from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from rathaus.forms.schema import OfflineNeed as OfflineNeedDef
from rathaus.forms.schema import ServiceDef


def _pick(de: str, en: str) -> str:
    return en if (get_language() or "de")[:2] == "en" else de


class Department(models.Model):
    slug = models.SlugField(_("short name"), unique=True)
    name_de = models.CharField(_("name (German)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    email = models.EmailField(_("e-mail"))
    notify_email = models.EmailField(
        _("notify of new applications at"), blank=True,
        help_text=_("Receives a notice without personal data for every new application, with "
                    "a link to the inbox. Empty: no notice."))

    class Meta:
        ordering = ["name_de"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _pick(self.name_de, self.name_en)


class Category(models.Model):
    slug = models.SlugField(_("short name"), unique=True)
    title_de = models.CharField(_("title (German)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return _pick(self.title_de, self.title_en)

    @property
    def description(self) -> str:
        return _pick(self.description_de, self.description_en)


class LifeSituation(models.Model):
    slug = models.SlugField(_("short name"), unique=True)
    title_de = models.CharField(_("title (German)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("life situation")
        verbose_name_plural = _("life situations")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return _pick(self.title_de, self.title_en)


class Service(models.Model):
    """A service of the town; its content lives in immutable versions, the newest is current."""

    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    department = models.ForeignKey(Department, verbose_name=_("department"),
                                   on_delete=models.PROTECT, related_name="services")
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="services")
    life_situations = models.ManyToManyField(LifeSituation, verbose_name=_("life situations"),
                                             blank=True, related_name="services")
    current_version = models.ForeignKey(
        "ServiceVersion", verbose_name=_("current version"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+"
    )
    title_de = models.CharField(_("title (German)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    summary_de = models.TextField(_("summary (German)"))
    summary_en = models.TextField(_("summary (English)"))
    # Folded (case, umlauts, ß) words of both languages, for search, in three parts separated
    # by " | ": title, keywords, summary and LeiKa key (catalog.search weighs them).
    search_text = models.TextField(_("search text"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["title_de"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        permissions = [
            ("edit_services", _("Can edit and publish services in the service editor")),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return _pick(self.title_de, self.title_en)

    @property
    def summary(self) -> str:
        return _pick(self.summary_de, self.summary_en)


class Origin(models.TextChoices):
    """Where a published version came from: the town's files, its admin, or another town."""

    FILE = "file", _("file in services/")
    ADMIN = "admin", _("admin")
    IMPORT = "import", _("import of a bundle")


class ServiceVersion(models.Model):
    """One saved definition of a service; its content never changes once written.

    A version saved in the service editor waits until it is published; ``published_at`` and
    ``published_by`` are set once, when it first becomes the current version.
    """

    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.PROTECT,
                                related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    checksum = models.CharField(_("checksum"), max_length=64)
    source_path = models.CharField(_("source file"), max_length=300, blank=True)
    saved_at = models.DateTimeField(_("saved"), auto_now_add=True)
    saved_by = models.CharField(_("saved by"), max_length=150, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # Provenance: loading services/ never replaces a version published in the admin or
    # imported from another town (docs/decisions/0034-service-bundles-and-provenance.md).
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices,
                              default=Origin.FILE)
    published_by = models.CharField(_("published by"), max_length=150, blank=True)
    import_bundle = models.CharField(_("imported from bundle"), max_length=300, blank=True)
    import_town = models.CharField(_("imported from town"), max_length=200, blank=True)
    # The checksum the exporting town gave the definition, before mapping and kept local parts.
    import_checksum = models.CharField(_("checksum in the bundle"), max_length=64, blank=True)

    class Meta:
        ordering = ["service", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["service", "number"], name="service_version_number"),
            models.UniqueConstraint(
                fields=["service", "checksum"], name="service_version_checksum"
            ),
        ]
        verbose_name = _("service version")
        verbose_name_plural = _("service versions")

    def __str__(self) -> str:
        return f"{self.service.slug} v{self.number}"

    @cached_property
    def spec(self) -> ServiceDef:
        cached = _SPEC_CACHE.get(self.checksum)
        if cached is not None:
            return cached
        return parse_definition(self.checksum, self.definition)


_SPEC_CACHE: dict[str, ServiceDef] = {}


def parse_definition(checksum: str, data: dict[str, Any]) -> ServiceDef:
    """Parse a stored definition once per process, keyed by its content checksum."""
    spec = _SPEC_CACHE.get(checksum)
    if spec is None:
        spec = ServiceDef.model_validate(data)
        _SPEC_CACHE[checksum] = spec
    return spec


class OfflineNeed(models.Model):
    """A need without an online service yet (services/_catalog.yaml), shown by search."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("department"),
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="offline_needs",
        verbose_name=_("topic"),
    )
    definition = models.JSONField(_("definition"))
    checksum = models.CharField(_("checksum"), max_length=64)
    # As Service.search_text: folded title | keywords.
    search_text = models.TextField(_("search text"), blank=True)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("need not online yet")
        verbose_name_plural = _("needs not online yet")

    def __str__(self) -> str:
        return self.slug

    @property
    def spec(self) -> OfflineNeedDef:
        cached = _NEED_CACHE.get(self.checksum)
        if cached is None:
            cached = OfflineNeedDef.model_validate(self.definition)
            _NEED_CACHE[self.checksum] = cached
        return cached


_NEED_CACHE: dict[str, OfflineNeedDef] = {}


class ServiceDailyCount(models.Model):
    """How often a service page was opened on a day: no IP, no cookie, no user."""

    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.CASCADE,
                                related_name="daily_counts")
    day = models.DateField(_("day"))
    views = models.PositiveIntegerField(_("page views"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "day"], name="service_daily_count_day")
        ]
        verbose_name = _("page views of a day")
        verbose_name_plural = _("page views per day")

    def __str__(self) -> str:
        return f"{self.service_id} {self.day}: {self.views}"
