"""The OZG maturity (Reifegrad) of every service, decided from its definition and the settings.

Follows the Reifegradmodell 1.1 and its "Reifegrad-Check" (docs/maturity.md): each criterion
allows the service at most some level, and the lowest criterion decides the level reached.
Nothing here is entered by hand, so the report cannot claim more than the portal does: a
service that charges a fee names online payment as missing until its definition takes the
fee online and a payment provider is configured, a service that needs BundID is held back
while BundID is not configured.

Here in ``staff`` because it reads the catalog, the notice templates, the identity settings
and the configured payment providers (``payments``).

Bank transfer alone does not meet criterion 5 (docs/maturity.md): the Reifegrad-Check asks
whether the fee is paid in the online procedure (e-payment, § 4 EGovG); with a transfer the
citizen leaves the procedure, and the town learns of the money days later from the statement.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rathaus.catalog.models import Service
from rathaus.forms.schema import FieldDef, ServiceDef
from rathaus.forms.workflow import DEFAULT_WORKFLOW
from rathaus.identity.levels import TrustLevel
from rathaus.notices.models import NoticeTemplate
from rathaus.payments.providers.registry import configured
from rathaus.payments.selectors import provider_label

# The consent to receive the notice electronically, for retrieval from the mailbox
# (§ 41 (2a) VwVfG); a form field with exactly this id carries it.
NOTICE_CONSENT_FIELD = "notice_by_retrieval"
# A listed document the citizen sends as a file says so in its text ("(PDF oder Foto)").
_FILE_WORDS = re.compile(r"\b(pdf|jpe?g|png|fotos?|photos?|scans?|passbild|kopie|copy)\b",
                         re.IGNORECASE)

LEVEL_NAMES: dict[int, Promise] = {
    0: gettext_lazy("Offline"),
    1: gettext_lazy("Information"),
    2: gettext_lazy("Form assistant"),
    3: gettext_lazy("Online service"),
    4: gettext_lazy("Online transaction"),
}
TOP = 4

MET, MISSING, NOT_APPLICABLE = "met", "missing", "not_applicable"
STATUS_LABELS: dict[str, Promise] = {
    MET: gettext_lazy("met"),
    MISSING: gettext_lazy("missing"),
    NOT_APPLICABLE: gettext_lazy("not applicable"),
}


@dataclass(frozen=True)
class Criterion:
    key: str
    name: Promise
    # Where the criterion comes from in the Reifegrad-Check or the level definitions.
    source: Promise


def criteria() -> tuple[Criterion, ...]:
    """The criteria in the order of the Reifegrad-Check."""
    return (
        Criterion("information", gettext_lazy("Information (service description)"),
                  gettext_lazy("Check criterion 1")),
        Criterion("application", gettext_lazy("Online application with all evidence"),
                  gettext_lazy("Check criteria 2 and 6")),
        Criterion("authentication", gettext_lazy("User account and authentication"),
                  gettext_lazy("Check criteria 3 and 4")),
        Criterion("payment", gettext_lazy("Online payment"), gettext_lazy("Check criterion 5")),
        Criterion("notice", gettext_lazy("Notice delivered online"),
                  gettext_lazy("Level 3: digital notice")),
        Criterion("prefill", gettext_lazy("Data taken from the citizen account"),
                  gettext_lazy("Check criterion 2, counted for level 4")),
        Criterion("once_only", gettext_lazy("Evidence fetched from registers (once-only)"),
                  gettext_lazy("Level 4")),
    )


@dataclass(frozen=True)
class Check:
    """One criterion for one service: met or not, the highest level it allows, in words."""

    key: str
    status: str
    allows: int
    detail: str
    missing: str = ""

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass(frozen=True)
class Assessment:
    slug: str
    title: str
    department: str
    checks: tuple[Check, ...]

    @property
    def level(self) -> int:
        """The level the lowest criterion allows."""
        return min(check.allows for check in self.checks)

    @property
    def level_name(self) -> str:
        return str(LEVEL_NAMES[self.level])

    @property
    def missing_for_next(self) -> list[str]:
        """What keeps the service at its level: the criteria that allow no more than it."""
        if self.level >= TOP:
            return []
        return [check.missing for check in self.checks
                if check.allows == self.level and check.missing]

    def check(self, key: str) -> Check:
        return next(check for check in self.checks if check.key == key)


@dataclass(frozen=True)
class Environment:
    """What the assessment needs besides the definition: configuration and notice templates."""

    bundid: bool
    notice_kinds: frozenset[str] = frozenset()
    # What citizens read for each configured payment provider (RATHAUS_PAYMENT_PROVIDERS).
    payment_providers: tuple[str, ...] = ()


def bundid_configured() -> bool:
    """Return whether citizens can sign in with the real BundID (its metadata is set).

    The development simulator does not count: nobody outside a test signs in with it.
    """
    conf = settings.RATHAUS_SAML
    return bool(conf.get("IDP_METADATA_FILE") or conf.get("IDP_METADATA_URL"))


def _fields(spec: ServiceDef) -> list[FieldDef]:
    return [field for _step, _group, field in spec.form.iter_fields()] if spec.form else []


def _money(amount: Decimal) -> str:
    return f"{formats.number_format(amount, 2)} €"


def _information(spec: ServiceDef) -> Check:
    lacking = []
    if spec.leika is None:
        lacking.append(_("the LeiKa key of the FIM service description"))
    if not spec.legal_basis:
        lacking.append(_("the legal basis"))
    if not lacking:
        return Check("information", MET, TOP, _(
            "The service page describes the service, who may apply, documents, fees, "
            "processing time and legal basis; the LeiKa key links it to the FIM description."))
    missing = _("Service description: add %(what)s.") % {"what": _(" and ").join(lacking)}
    return Check("information", MISSING, 2, _(
        "The service page informs citizens, but the description is not complete for the "
        "Portalverbund."), missing)


def _documents_as_files(spec: ServiceDef) -> list[str]:
    return [document.de for document in spec.documents
            if _FILE_WORDS.search(document.de) or _FILE_WORDS.search(document.en)]


def _application(spec: ServiceDef) -> Check:
    if spec.form is None:
        if "link_out" in spec.channels and spec.link_out is not None:
            return Check("application", MISSING, 1, _(
                "Rathaus informs and links to the online service of %(authority)s; that "
                "service's level is assessed there.") % {
                    "authority": spec.link_out.authority.get_text()},
                _("Online application: the town offers no form of its own."))
        return Check("application", MISSING, 1, _(
            "Appointments can be booked online; the application itself is made in person "
            "(information and appointment booking: level 1)."),
            _("Online application: there is no online form; the application is made in "
              "person."))
    uploads = sum(1 for field in _fields(spec) if field.type == "file")
    as_files = _documents_as_files(spec)
    stops = sum(len(step.stops) for step in spec.form.steps)
    detail = _("The application is submitted online; %(documents)s of the listed documents "
               "are sent as files, the form has %(uploads)s upload fields.") % {
        "documents": len(as_files), "uploads": uploads}
    if stops:
        detail += " " + _("For some answers the form sends the applicant elsewhere "
                          "(%(stops)s exit pages).") % {"stops": stops}
    if uploads < len(as_files):
        return Check("application", MISSING, 2, detail, _(
            "Evidence online: the form has no upload for every document to send as a file "
            "(%(documents)s).") % {"documents": "; ".join(as_files)})
    return Check("application", MET, TOP, detail)


def _authentication(spec: ServiceDef, env: Environment) -> Check:
    if spec.form is None:
        return Check("authentication", NOT_APPLICABLE, TOP,
                     _("No online application, so no sign-in."))
    level = spec.required_trust_level
    if level == TrustLevel.NONE:
        return Check("authentication", MET, TOP, _(
            "No sign-in is needed; signing in to prefill the form is optional."))
    if env.bundid:
        return Check("authentication", MET, TOP, _(
            "Sign-in with BundID at the level “%(level)s” the service needs.") % {
                "level": level.label})
    return Check("authentication", MISSING, 2, _(
        "The service needs sign-in at the level “%(level)s”, but BundID is not configured "
        "(only the development simulator, or nothing).") % {"level": level.label}, _(
        "Authentication: configure BundID (RATHAUS_SAML_IDP_METADATA_FILE or _URL)."))


def _payment(spec: ServiceDef, env: Environment) -> Check:
    if spec.form is None:
        return Check("payment", NOT_APPLICABLE, TOP,
                     _("No online application; fees are paid in person."))
    amounts = [item.amount for item in spec.form.fees if item.amount > 0]
    if not amounts:
        return Check("payment", MET, TOP, _("No fee is due with the application."))
    listed = ", ".join(_money(amount) for amount in amounts)
    policy = spec.payment
    online = policy.at_submit and "online" in policy.methods
    if online and env.payment_providers:
        return Check("payment", MET, TOP, _(
            "The fees (%(fees)s) are paid online when submitting, through: %(providers)s.")
            % {"fees": listed, "providers": ", ".join(env.payment_providers)})
    if online:
        detail = _("The definition takes the fees (%(fees)s) online, but no payment provider "
                   "is configured (RATHAUS_PAYMENT_PROVIDERS).")
    elif policy.at_submit:
        detail = _("The fees (%(fees)s) are paid by bank transfer or direct debit only; "
                   "criterion 5 asks for payment online in the procedure.")
    else:
        detail = _("The form charges fees (%(fees)s); the definition takes no payment when "
                   "submitting, so they are paid after a fee notice.")
    return Check("payment", MISSING, 2, detail % {"fees": listed},
                 _("Online payment: the fees cannot be paid online yet."))


def _decides(spec: ServiceDef) -> bool:
    workflow = spec.workflow or DEFAULT_WORKFLOW
    return any(transition.to == "decided" for transition in workflow.transitions)


def _notice(spec: ServiceDef, env: Environment) -> Check:
    if spec.form is None:
        return Check("notice", NOT_APPLICABLE, TOP, _("No online application, so no notice."))
    if spec.kind == "report":
        return Check("notice", NOT_APPLICABLE, TOP, _(
            "A report is answered, not decided: there is no notice."))
    if not _decides(spec):
        return Check("notice", MISSING, 2, _(
            "The town does not decide this service (its workflow forwards the case); whether "
            "the deciding authority delivers its notice online is not known here."),
            _("Notice online: the deciding authority's notice is not delivered through "
              "Rathaus."))
    lacking = []
    if not env.notice_kinds:
        lacking.append(_("notice templates"))
    if not any(field.id == NOTICE_CONSENT_FIELD for field in _fields(spec)):
        lacking.append(_("the consent to electronic delivery in the form (field "
                         "“notice_by_retrieval”)"))
    if not lacking:
        return Check("notice", MET, TOP, _(
            "Notices are written from templates and delivered to the mailbox of those who "
            "consent in the form."))
    return Check("notice", MISSING, 2, _(
        "The notice cannot be delivered online yet."),
        _("Notice online: add %(what)s.") % {"what": _(" and ").join(lacking)})


def _prefill(spec: ServiceDef) -> Check:
    if spec.form is None:
        return Check("prefill", NOT_APPLICABLE, TOP, _("No online application."))
    names = {"name": _("name"), "birth_date": _("date of birth"), "address": _("address")}
    taken = sorted({names.get(field.identity_attribute, field.identity_attribute)
                    for field in _fields(spec) if field.identity_attribute})
    if taken:
        return Check("prefill", MET, TOP, _(
            "Fields filled from the citizen's BundID account, with their consent: "
            "%(attributes)s.") % {"attributes": ", ".join(taken)})
    return Check("prefill", MISSING, 3, _("No field is filled from the citizen account."),
                 _("Prefill: take name, address or date of birth from the citizen account."))


def _once_only(spec: ServiceDef) -> Check:
    if spec.form is None:
        return Check("once_only", NOT_APPLICABLE, TOP, _("No online application."))
    return Check("once_only", MISSING, 3, _(
        "Rathaus fetches no evidence from registers yet: citizens upload or state it."),
        _("Once-only: evidence fetched from the registers (NOOTS) instead of asked for."))


def assess(spec: ServiceDef, env: Environment, *, title: str = "",
           department: str = "") -> Assessment:
    """Assess one definition against every criterion."""
    return Assessment(
        slug=spec.slug, title=title or spec.title.get_text(), department=department,
        checks=(_information(spec), _application(spec), _authentication(spec, env),
                _payment(spec, env), _notice(spec, env), _prefill(spec), _once_only(spec)))


def assess_catalog() -> list[Assessment]:
    """Assess every active, published service (two queries), ordered by title."""
    services = list(Service.objects.filter(is_active=True, current_version__isnull=False)
                    .select_related("current_version", "department").order_by("title_de"))
    kinds: dict[int, set[str]] = {}
    for service_id, kind in NoticeTemplate.objects.filter(
            current_version__isnull=False).values_list("service_id", "kind"):
        kinds.setdefault(service_id, set()).add(kind)
    bundid = bundid_configured()
    providers = tuple(provider_label(key) for key in configured())
    found = []
    for service in services:
        assert service.current_version is not None
        env = Environment(bundid=bundid, notice_kinds=frozenset(kinds.get(service.pk, ())),
                          payment_providers=providers)
        found.append(assess(service.current_version.spec, env, title=service.title,
                            department=service.department.name))
    return found


def level_counts(found: Iterable[Assessment]) -> list[tuple[int, str, int]]:
    """(level, its name, how many services reached it), for every level."""
    counted = Counter(assessment.level for assessment in found)
    return [(level, str(name), counted.get(level, 0)) for level, name in LEVEL_NAMES.items()]


def as_rows(found: Iterable[Assessment]) -> list[dict[str, object]]:
    """The assessments as plain data, for JSON (and, flattened, CSV)."""
    return [{
        "slug": assessment.slug, "title": assessment.title,
        "department": assessment.department, "level": assessment.level,
        "level_name": assessment.level_name,
        "criteria": [{"id": check.key, "status": check.status, "allows_level": check.allows,
                      "detail": check.detail, "missing": check.missing}
                     for check in assessment.checks],
        "missing_for_next_level": assessment.missing_for_next,
    } for assessment in found]
