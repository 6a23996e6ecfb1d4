"""Risk reporting (江苏省工业企业安全生产风险报告规定): campaigns, each enterprise's task in a
campaign, the frozen reports it submits, and the pre-aggregated progress that dashboards read.

Scale: an annual campaign of a province covers ~500,000 enterprises. Tasks carry the region,
industry division and scale of their enterprise as of the campaign's opening, so progress is
counted without joins; `CampaignProgress` holds those counts by (town, division, scale, state),
moved by the services in the same transaction as each state change."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from saferisk.reporting.choices import CampaignKind, CampaignStatus, ReportState, ScaleScope, TaskState


class ReportingCampaign(models.Model):
    """A reporting round opened by a regulator for (part of) its jurisdiction."""

    kind = models.CharField(_("kind"), max_length=10, choices=CampaignKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        "core.Region", verbose_name=_("jurisdiction"), on_delete=models.PROTECT, related_name="+"
    )
    scope_regions = models.JSONField(
        _("regions covered"),
        default=list,
        blank=True,
        help_text=_("Region codes; empty: the whole jurisdiction"),
    )
    scale = models.CharField(_("scale"), max_length=10, choices=ScaleScope.choices, default=ScaleScope.ALL)
    industry_prefixes = models.CharField(_("industry code prefixes"), max_length=200, blank=True)
    key_sectors = models.ManyToManyField(
        "core.KeySector", verbose_name=_("key sectors"), blank=True, related_name="+"
    )
    opens_on = models.DateField(_("opens on"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.OPEN, db_index=True
    )
    enterprises = models.PositiveIntegerField(_("enterprises covered"), default=0)
    opened_by = models.ForeignKey(
        "core.User", verbose_name=_("opened by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-year", "-created_at", "-id"]
        verbose_name = _("reporting campaign")
        verbose_name_plural = _("reporting campaigns")

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> tuple[str, int | None]:
        return self.region_id, None


class ReportTask(models.Model):
    """One enterprise's obligation in one campaign, with its current state."""

    campaign = models.ForeignKey(
        ReportingCampaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="tasks"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="report_tasks",
    )
    # The enterprise's place in the dashboards' dimensions when the task was made.
    region_code = models.CharField(_("region code"), max_length=12)
    division = models.CharField(_("industry division"), max_length=2)
    above_scale = models.BooleanField(_("above scale"), default=False)
    due_on = models.DateField(_("due on"))
    state = models.CharField(
        _("state"), max_length=12, choices=TaskState.choices, default=TaskState.NOT_STARTED
    )
    nil = models.BooleanField(_("nil report"), default=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0, help_text=_("For optimistic locking"))

    class Meta:
        ordering = ["campaign_id", "region_code", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "enterprise"], name="report_task_unique")]
        indexes = [
            models.Index(fields=["campaign", "state", "region_code"], name="report_task_campaign_state"),
            models.Index(fields=["enterprise", "campaign"], name="report_task_enterprise"),
        ]
        verbose_name = _("report task")
        verbose_name_plural = _("report tasks")

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.enterprise_id}"

    def audit_scope(self) -> tuple[str, int | None]:
        return self.region_code, self.enterprise_id


class RiskReport(models.Model):
    """One submission of a task: a frozen snapshot of the enterprise and of its reportable risks
    (MAJOR and LARGE) with controls and owners. Never changed after submission except for its
    review; a returned report is followed by a new one (`number` + 1)."""

    task = models.ForeignKey(
        ReportTask, verbose_name=_("task"), on_delete=models.CASCADE, related_name="reports"
    )
    number = models.PositiveIntegerField(_("submission number"))
    state = models.CharField(
        _("state"), max_length=10, choices=ReportState.choices, default=ReportState.DRAFT
    )
    enterprise_data = models.JSONField(_("enterprise data"), default=dict)
    risks = models.JSONField(_("reported risks"), default=list)
    major_count = models.PositiveIntegerField(_("major risks"), default=0)
    large_count = models.PositiveIntegerField(_("large risks"), default=0)
    nil = models.BooleanField(_("nil report"), default=False)
    gap_explanations = models.JSONField(_("explanations of the completeness gap"), default=dict, blank=True)
    prepared_by = models.ForeignKey(
        "core.User", verbose_name=_("prepared by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    prepared_at = models.DateTimeField(_("prepared at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        "core.User", verbose_name=_("submitted by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    declaration = models.TextField(_("declaration"), blank=True)
    reviewed_by = models.ForeignKey(
        "core.User", verbose_name=_("reviewed by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    risk_reasons = models.JSONField(_("reasons per risk"), default=dict, blank=True)

    class Meta:
        ordering = ["task_id", "number"]
        constraints = [models.UniqueConstraint(fields=["task", "number"], name="risk_report_unique")]
        indexes = [models.Index(fields=["state", "submitted_at"], name="risk_report_queue")]
        verbose_name = _("risk report")
        verbose_name_plural = _("risk reports")

    def __str__(self) -> str:
        return f"{self.task_id} #{self.number}"

    def audit_scope(self) -> tuple[str, int | None]:
        return self.task.region_code, self.task.enterprise_id


class CampaignProgress(models.Model):
    """Counts of a campaign's tasks by town (or county), industry division, scale and state,
    with the reportable risks of accepted reports. Dashboards sum these rows; the services move
    one count from a state to another in the transaction that changes the task."""

    campaign = models.ForeignKey(
        ReportingCampaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="progress"
    )
    region_code = models.CharField(_("region code"), max_length=12)
    division = models.CharField(_("industry division"), max_length=2)
    above_scale = models.BooleanField(_("above scale"))
    state = models.CharField(_("state"), max_length=12, choices=TaskState.choices)
    tasks = models.IntegerField(_("tasks"), default=0)
    nil = models.IntegerField(_("nil reports"), default=0)
    major = models.IntegerField(_("major risks"), default=0)
    large = models.IntegerField(_("large risks"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "region_code", "division", "above_scale", "state"],
                name="campaign_progress_unique",
            )
        ]
        verbose_name = _("campaign progress")
        verbose_name_plural = _("campaign progress")

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.region_code} {self.state}"

    def audit_scope(self) -> tuple[str, int | None]:
        return self.region_code, None
