"""Messages the system sends to people (login notices for onboarded enterprises, …)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message to one recipient through the configured backend, with its delivery outcome.

    Every backend records the row, so an operator can see what was sent and what failed even
    when the SMS gateway is outside the system."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        STORED = "stored", _("Stored (not sent)")

    recipient = models.ForeignKey(
        "core.User",
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=40)
    body = models.TextField(_("message"))
    backend = models.CharField(_("backend"), max_length=40)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.kind} → {self.phone or self.recipient_id}"
