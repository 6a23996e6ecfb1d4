"""Models of the risk register: the catalogue (较大以上安全风险目录), risks, their controls and versions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from saferisk.risks.choices import AssessmentMethod, ControlTier, MeasureKind, RiskLevel, RiskStatus


class RiskCatalogItem(models.Model):
    """One entry of the catalogue: a risk that enterprises of an industry (GB/T 4754 code
    prefixes) or of a key sector must identify, and the least level they may grade it.

    An item with neither prefixes nor a key sector (lifting equipment, high-voltage rooms …)
    applies to no enterprise by itself: it is offered for adoption, not counted as a gap."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    sector = models.CharField(_("catalogue sector"), max_length=40, db_index=True)
    key_sector = models.ForeignKey(
        "core.KeySector",
        verbose_name=_("key sector"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="catalog_items",
    )
    industry_prefixes = models.CharField(
        _("industry code prefixes"),
        max_length=200,
        blank=True,
        help_text=_("GB/T 4754 codes or their leading digits, separated by spaces"),
    )
    name = models.CharField(_("risk point"), max_length=200)
    hazard = models.TextField(_("hazard"))
    accident_types = models.ManyToManyField(
        "core.AccidentType", verbose_name=_("accident types"), related_name="catalog_items"
    )
    min_level = models.CharField(_("minimum level"), max_length=10, choices=RiskLevel.choices)
    measures = models.JSONField(_("suggested measures"), default=list, blank=True)
    basis = models.JSONField(
        _("legal basis"), default=list, blank=True, help_text=_("[{document, clause, version}]")
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    confidence = models.CharField(_("confidence"), max_length=1, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sector", "code"]
        verbose_name = _("risk catalogue item")
        verbose_name_plural = _("risk catalogue items")

    def __str__(self) -> str:
        return self.name

    def prefixes(self) -> list[str]:
        return self.industry_prefixes.split()

    def audit_scope(self) -> tuple[str, int | None]:
        return "", None


class Risk(models.Model):
    """One safety risk in an enterprise's register, with the fields Article 11 of the Jiangsu
    安全风险管理条例 requires in a control list (name, risk point, location, level, accident
    types, controls, responsible department and person) and those of DESIGN.md §4.

    `computed_level` is what the method gives; `level` is the level in force. They differ only
    with a written `level_reason`. Each saved change bumps `version` and stores a `RiskVersion`."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="risks"
    )
    name = models.CharField(_("name"), max_length=200)
    place = models.CharField(_("risk point"), max_length=200, help_text=_("Area or unit (场所)"))
    part = models.CharField(_("part"), max_length=200, blank=True, help_text=_("Equipment or part (部位)"))
    activity = models.CharField(_("activity"), max_length=200, blank=True, help_text=_("Step or task (环节)"))
    accident_types = models.ManyToManyField(
        "core.AccidentType", verbose_name=_("accident types"), related_name="risks"
    )
    hazard_factors = models.ManyToManyField(
        "core.HazardFactor", verbose_name=_("hazard factors"), related_name="risks", blank=True
    )
    description = models.TextField(_("description"), blank=True)
    people_exposed = models.PositiveIntegerField(_("people exposed"), null=True, blank=True)
    method = models.CharField(_("assessment method"), max_length=10, choices=AssessmentMethod.choices)
    inputs = models.JSONField(_("assessment inputs"), default=dict, blank=True)
    method_version = models.CharField(_("method version"), max_length=40, blank=True)
    score = models.DecimalField(_("score"), max_digits=12, decimal_places=4, null=True, blank=True)
    computed_level = models.CharField(_("computed level"), max_length=10, choices=RiskLevel.choices)
    level = models.CharField(_("level"), max_length=10, choices=RiskLevel.choices, db_index=True)
    level_reason = models.TextField(_("reason for the level"), blank=True)
    control_tier = models.CharField(_("control tier"), max_length=10, choices=ControlTier.choices)
    department = models.CharField(_("responsible department"), max_length=100, blank=True)
    owner_name = models.CharField(_("responsible person"), max_length=60)
    owner_phone = models.CharField(_("responsible person's phone"), max_length=20, blank=True)
    emergency_measures = models.TextField(_("emergency measures"), blank=True)
    catalog_item = models.ForeignKey(
        RiskCatalogItem,
        verbose_name=_("catalogue item"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="risks",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RiskStatus.choices, default=RiskStatus.ACTIVE, db_index=True
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["enterprise_id", "id"]  # by level: see services.LEVEL_ORDER (text order is not severity)
        indexes = [
            models.Index(fields=["enterprise", "status", "level"], name="risk_enterprise_status_level")
        ]
        verbose_name = _("risk")
        verbose_name_plural = _("risks")

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> tuple[str, int | None]:
        return self.enterprise.region_id, self.enterprise_id


class ControlMeasure(models.Model):
    """One control measure of a risk, grouped by kind (管理制度, 工程技术 …)."""

    risk = models.ForeignKey(Risk, verbose_name=_("risk"), on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("kind"), max_length=20, choices=MeasureKind.choices)
    text = models.CharField(_("measure"), max_length=500)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["risk_id", "sort_order", "id"]
        verbose_name = _("control measure")
        verbose_name_plural = _("control measures")

    def __str__(self) -> str:
        return self.text


class RiskVersion(models.Model):
    """A risk as it stood after one saved change: the register's history, and what a report
    compares against ("changed since the last submitted report")."""

    risk = models.ForeignKey(Risk, verbose_name=_("risk"), on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    data = models.JSONField(_("data"))
    changed_by = models.ForeignKey(
        "core.User",
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["risk_id", "version"]
        constraints = [models.UniqueConstraint(fields=["risk", "version"], name="risk_version_unique")]
        verbose_name = _("risk version")
        verbose_name_plural = _("risk versions")

    def __str__(self) -> str:
        return f"{self.risk_id} v{self.version}"

    def audit_scope(self) -> tuple[str, int | None]:
        return self.risk.enterprise.region_id, self.risk.enterprise_id
