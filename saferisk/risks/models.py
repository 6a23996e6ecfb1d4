"""Models of the risk register: the catalogue (较大以上安全风险目录), risks, their controls and versions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from saferisk.risks.choices import (
    AreaShape,
    AssessmentMethod,
    ControlTier,
    MeasureKind,
    ReassessmentTrigger,
    RiskLevel,
    RiskStatus,
    TaskStatus,
)


class AssessmentScheme(models.Model):
    """The assessment configuration in force from `effective_from`: the LEC and LS scales and
    level bands, and per level its label, colour and usual control tier. Admins add a new
    scheme rather than edit one in use, so an assessment's `method_version` (the scheme's
    `version`) always names what it was made with."""

    version = models.SlugField(_("version"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    effective_from = models.DateField(_("effective from"), db_index=True)
    lec = models.JSONField(_("LEC scales and bands"))
    ls = models.JSONField(_("LS matrix scales and bands"))
    levels = models.JSONField(_("level labels, colours and tiers"))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        "core.User",
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "-id"]
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"

    def audit_scope(self) -> tuple[str, int | None]:
        return "", None


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
    typical_places = models.CharField(_("typical places"), max_length=300, blank=True)
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
    # Re-grading once the controls are in place: the residual level beside the inherent one.
    residual_inputs = models.JSONField(_("residual assessment inputs"), default=dict, blank=True)
    residual_score = models.DecimalField(
        _("residual score"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    residual_level = models.CharField(
        _("residual level"), max_length=10, choices=RiskLevel.choices, blank=True
    )
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
    basis = models.JSONField(
        _("legal basis"), default=list, blank=True, help_text=_("[{document, clause, version}]")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RiskStatus.choices, default=RiskStatus.ACTIVE, db_index=True
    )
    status_reason = models.TextField(_("reason for the status"), blank=True)
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


class EnterpriseRiskSummary(models.Model):
    """Per enterprise, its active risks by level and its completeness gap: kept up to date by
    the services, so regulators' counts by region are a sum over one row per enterprise."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="risk_summary",
    )
    major = models.PositiveIntegerField(_("major risks"), default=0)
    large = models.PositiveIntegerField(_("large risks"), default=0)
    general = models.PositiveIntegerField(_("general risks"), default=0)
    low = models.PositiveIntegerField(_("low risks"), default=0)
    gap = models.PositiveIntegerField(_("completeness gap"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("enterprise risk summary")
        verbose_name_plural = _("enterprise risk summaries")

    def __str__(self) -> str:
        return str(self.enterprise_id)

    def audit_scope(self) -> tuple[str, int | None]:
        return self.enterprise.region_id, self.enterprise_id


class ReassessmentTask(models.Model):
    """A re-assessment the enterprise owes (Article 12 of the 条例): opened by a trigger on the
    risks it affects, done when each of them has been re-assessed (saved or confirmed)."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="reassessment_tasks",
    )
    trigger = models.CharField(_("trigger"), max_length=12, choices=ReassessmentTrigger.choices)
    description = models.TextField(_("description"))
    deaths = models.PositiveIntegerField(_("deaths"), null=True, blank=True)
    serious_injuries = models.PositiveIntegerField(_("serious injuries"), null=True, blank=True)
    catalog_item = models.ForeignKey(
        RiskCatalogItem,
        verbose_name=_("catalogue item"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN, db_index=True
    )
    opened_by = models.ForeignKey(
        "core.User",
        verbose_name=_("opened by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("re-assessment task")
        verbose_name_plural = _("re-assessment tasks")

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} #{self.pk}"

    def audit_scope(self) -> tuple[str, int | None]:
        return self.enterprise.region_id, self.enterprise_id


class ReassessmentItem(models.Model):
    """One affected risk of a re-assessment task."""

    task = models.ForeignKey(
        ReassessmentTask, verbose_name=_("task"), on_delete=models.CASCADE, related_name="items"
    )
    risk = models.ForeignKey(
        Risk, verbose_name=_("risk"), on_delete=models.CASCADE, related_name="reassessments"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_version = models.PositiveIntegerField(_("version re-assessed"), null=True, blank=True)
    note = models.TextField(_("conclusion"), blank=True)

    class Meta:
        ordering = ["task_id", "risk_id"]
        constraints = [models.UniqueConstraint(fields=["task", "risk"], name="reassessment_item_unique")]
        verbose_name = _("re-assessed risk")
        verbose_name_plural = _("re-assessed risks")

    def __str__(self) -> str:
        return f"{self.task_id}/{self.risk_id}"


class SitePlan(models.Model):
    """The enterprise's site plan (厂区平面图), the base of its four-colour risk plan."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="site_plan",
    )
    image = models.FileField(_("site plan image"), upload_to="site_plans/%Y/")
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    uploaded_by = models.ForeignKey(
        "core.User",
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now=True)

    class Meta:
        verbose_name = _("site plan")
        verbose_name_plural = _("site plans")

    def __str__(self) -> str:
        return str(self.enterprise_id)

    def audit_scope(self) -> tuple[str, int | None]:
        return self.enterprise.region_id, self.enterprise_id


class RiskArea(models.Model):
    """An area (polygon) or a marker drawn on the site plan, with the risks inside it. Points
    are fractions of the image's width and height, so they survive a re-scaled image. Its
    colour is the most severe level among its active risks."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="risk_areas",
    )
    name = models.CharField(_("name"), max_length=100)
    shape = models.CharField(_("shape"), max_length=10, choices=AreaShape.choices)
    points = models.JSONField(_("points"), help_text=_("[[x, y], …] as fractions of the image size"))
    risks = models.ManyToManyField(Risk, verbose_name=_("risks"), related_name="areas", blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["enterprise_id", "id"]
        verbose_name = _("risk area")
        verbose_name_plural = _("risk areas")

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> tuple[str, int | None]:
        return self.enterprise.region_id, self.enterprise_id


class DocumentJob(models.Model):
    """A batch of risk documents built in the background, e.g. the dossiers (一企一册) of every
    enterprise of a town as one ZIP for a regulator."""

    created_by = models.ForeignKey(
        "core.User", verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, default="dossier_zip")
    status = models.CharField(_("status"), max_length=10, default="queued", db_index=True)
    total = models.PositiveIntegerField(_("documents"), default=0)
    processed = models.PositiveIntegerField(_("documents done"), default=0)
    file = models.FileField(_("file"), upload_to="documents/%Y/%m/", blank=True)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("document job")
        verbose_name_plural = _("document jobs")

    def __str__(self) -> str:
        return f"{self.kind} {self.region_id} #{self.pk}"

    def audit_scope(self) -> tuple[str, int | None]:
        return self.region_id, None
