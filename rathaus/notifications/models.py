from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """An e-mail kept locally instead of sent (embedded default and development only)."""

    sender = models.CharField(_("sender"), max_length=300)
    recipients = models.JSONField(_("recipients"))
    subject = models.CharField(_("subject"), max_length=500)
    body = models.TextField(_("text"))
    raw = models.BinaryField(_("raw message"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")

    def __str__(self) -> str:
        return self.subject
