"""Users, their role and jurisdiction, and API tokens."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saferisk.core.choices import ENTERPRISE_ROLES, RegionLevel, Role


class User(AbstractUser):
    """A person who signs in. What they may see follows from `role` plus:

    - regulators and experts: `region` (their jurisdiction, a prefix of region codes) and
      optionally `department` (then only industries that department supervises);
    - enterprise filler and principal: `enterprise`.
    """

    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    role = models.CharField(_("role"), max_length=24, choices=Role.choices, db_index=True)
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    organisation = models.CharField(_("organisation"), max_length=100, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=True)
    failed_login_count = models.PositiveSmallIntegerField(_("failed logins"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    @property
    def is_regulator(self) -> bool:
        return self.role == Role.REGULATOR

    @property
    def is_enterprise_user(self) -> bool:
        return self.role in ENTERPRISE_ROLES

    @property
    def level(self) -> str | None:
        """A regulator's level (province / city / county / town) follows from their region."""
        return self.region.level if self.region_id and self.region else None

    @property
    def level_label(self) -> str:
        return str(RegionLevel(self.level).label) if self.level else ""

    @property
    def jurisdiction_prefix(self) -> str | None:
        return self.region.prefix if self.region_id and self.region else None

    def audit_scope(self) -> tuple[str, int | None]:
        if self.enterprise_id and self.enterprise:
            return self.enterprise.region_id, self.enterprise_id
        return self.region_id or "", None

    def is_locked(self, now: dt.datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())


class ApiToken(models.Model):
    """A bearer token for the API. Only a SHA-256 of the key is stored; the key is shown once."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=60, blank=True)
    key_prefix = models.CharField(_("key prefix"), max_length=8)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.key_prefix}… ({self.user})"
