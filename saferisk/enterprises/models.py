"""The enterprise directory."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saferisk.enterprises.choices import EnterpriseStatus, StandardisationGrade


class Enterprise(models.Model):
    """An industrial enterprise under supervision, identified by its USCC."""

    uscc = models.CharField(_("USCC"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="enterprises"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    industry = models.ForeignKey(
        "core.Industry", verbose_name=_("industry"), on_delete=models.PROTECT, related_name="enterprises"
    )
    above_scale = models.BooleanField(_("above scale"), default=False, db_index=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    revenue = models.DecimalField(
        _("revenue (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    key_sectors = models.ManyToManyField(
        "core.KeySector", verbose_name=_("key sectors"), blank=True, related_name="enterprises"
    )
    key_supervised = models.BooleanField(_("key supervised"), default=False, db_index=True)
    legal_representative = models.CharField(_("legal representative"), max_length=60, blank=True)
    principal_name = models.CharField(_("principal"), max_length=60, blank=True)
    principal_phone = models.CharField(_("principal phone"), max_length=20, blank=True)
    safety_director_name = models.CharField(_("safety director"), max_length=60, blank=True)
    safety_director_phone = models.CharField(_("safety director phone"), max_length=20, blank=True)
    standardisation_grade = models.CharField(
        _("standardisation grade"),
        max_length=10,
        choices=StandardisationGrade.choices,
        default=StandardisationGrade.NONE,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EnterpriseStatus.choices, default=EnterpriseStatus.OPERATING
    )
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> tuple[str, int | None]:
        return self.region_id, self.pk
