from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.catalog.models import Department


class Action(models.TextChoices):
    """What happened; the codes are stable, the labels may change."""

    SIGNIN = "staff.signin", _("Signed in")
    SIGNIN_FAILED = "staff.signin_failed", _("Sign-in failed: wrong user name or password")
    CODE_FAILED = "staff.code_failed", _("Sign-in failed: wrong security code")
    LOCKED_OUT = "staff.locked_out", _("Locked out after repeated failures")
    SIGNIN_REFUSED_LOCKED = "staff.signin_locked", _("Sign-in refused: user name locked")
    SIGNOUT = "staff.signout", _("Signed out")
    IDLE_TIMEOUT = "staff.idle_timeout", _("Signed out after inactivity")
    ENROLLED = "staff.2fa_enrolled", _("Two-factor authentication set up")
    RECOVERY_CODE_USED = "staff.recovery_code_used", _("Signed in with a recovery code")
    RECOVERY_CODES_RENEWED = "staff.recovery_codes_renewed", _("New recovery codes created")
    SECOND_FACTOR_RESET = "staff.2fa_reset", _("Two-factor authentication reset")
    PASSWORD_SET = "staff.password_set", _("Password set")
    ACCOUNT_CREATED = "staff.account_created", _("Staff account created")
    ROLE_GRANTED = "staff.role_granted", _("Role granted")
    ROLE_REVOKED = "staff.role_revoked", _("Role taken away")
    SUBMISSION_VIEWED = "submission.viewed", _("Submission viewed")
    ATTACHMENT_DOWNLOADED = "submission.attachment_downloaded", _("Attachment downloaded")
    SUBMISSION_DENIED = "submission.denied", _("Submission of another department requested")
    CASES_EXPORTED = "cases.exported", _("Case list exported (CSV)")
    FILED_ON_BEHALF = "submission.filed_on_behalf", _("Application filed on behalf of a caller "
                                                      "or visitor")
    SENSITIVE_DECRYPTED = "submission.sensitive_decrypted", _("Sensitive data decrypted")
    CASE_HOLD_SET = "cases.hold_set", _("Legal hold set on a case")
    CASE_HOLD_LIFTED = "cases.hold_lifted", _("Legal hold lifted")
    CASE_PURGED = "cases.purged", _("Case deleted after its retention period")
    NOTICE_SENT = "notices.sent", _("Notice sent")
    NOTICE_RETRIEVED = "notices.retrieved", _("Notice retrieved by the citizen")
    NOTICE_OPENED = "notices.opened", _("Issued notice opened")
    NOTICE_PREVIEWED = "notices.previewed", _("Notice preview opened")
    APPOINTMENT_MOVED = "appointments.moved", _("Appointment moved for a caller")
    APPOINTMENT_CANCELLED = "appointments.cancelled", _("Appointment cancelled for a caller")
    ATTENDANCE_RECORDED = "appointments.attendance", _("Attendance recorded")
    STATEMENT_IMPORTED = "payments.statement_imported", _("Bank statement imported")
    STATEMENT_LINE_ASSIGNED = "payments.line_assigned", _("Statement line assigned to a "
                                                          "payment")
    STATEMENT_LINE_DISMISSED = "payments.line_dismissed", _("Statement line dismissed")
    BOOKINGS_EXPORTED = "payments.bookings_exported", _("Bookings exported (CSV)")
    DIRECT_DEBITS_EXPORTED = "payments.debits_exported", _("Direct debits exported (pain.008)")
    REFUND_ISSUED = "payments.refund", _("Refund issued")
    DIRECT_DEBIT_RETURNED = "payments.debit_returned", _("Returned direct debit booked")
    SERVICE_SAVED = "catalog.version_saved", _("Service version saved in the service editor")
    SERVICE_PUBLISHED = "catalog.version_published", _("Service version published")


class AuditEvent(models.Model):
    """One thing a member of staff did or tried, kept for the retention period, never changed."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True,
                              blank=True, on_delete=models.SET_NULL, related_name="+")
    # The name as given or as it was then: kept when the account is renamed or deleted, and the
    # only name there is for failed sign-ins.
    actor_label = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=40, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    department = models.ForeignKey(Department, verbose_name=_("department"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    message = models.CharField(_("message"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["actor_label", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor_label}"
