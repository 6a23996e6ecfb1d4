"""Risk reporting (江苏省工业企业安全生产风险报告规定): campaigns, each enterprise's task in a
campaign, the frozen reports it submits, and the pre-aggregated progress that dashboards read.

Scale: an annual campaign of a province covers ~500,000 enterprises. Tasks carry the region,
industry division and scale of their enterprise as of the campaign's opening, so progress is
counted without joins; `CampaignProgress` holds those counts by (town, division, scale, state),
moved by the services in the same transaction as each state change."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from saferisk.reporting.choices import (
    CampaignKind,
    CampaignStatus,
    EnforcementKind,
    ReportState,
    ScaleScope,
    TaskState,
)


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
    # {town or county code: [latitude, longitude]}: where each region's enterprises are, averaged
    # when the campaign opens, for the completion map (no boundary shapes on an intranet).
    region_points = models.JSONField(_("region points"), default=dict, blank=True)
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
    key_sectors = models.CharField(
        _("key sectors"), max_length=500, blank=True, help_text=_("Codes, space-separated")
    )
    due_on = models.DateField(_("due on"))
    state = models.CharField(
        _("state"), max_length=12, choices=TaskState.choices, default=TaskState.NOT_STARTED
    )
    nil = models.BooleanField(_("nil report"), default=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0, help_text=_("For optimistic locking"))
    # Change reports: what made the report due, [{"at", "risk", "name", "change"}], oldest first.
    triggers = models.JSONField(_("triggers"), default=list, blank=True)
    # Days before the deadline whose reminder went out, e.g. "7 3": a reminder is sent once.
    reminded = models.CharField(_("reminders sent"), max_length=20, blank=True)

    class Meta:
        ordering = ["campaign_id", "region_code", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "enterprise"], name="report_task_unique")]
        indexes = [
            models.Index(fields=["campaign", "state", "region_code"], name="report_task_campaign_state"),
            models.Index(fields=["enterprise", "campaign"], name="report_task_enterprise"),
            # The dashboard's lists in their order (region, id): the unfiled and the nil filers.
            models.Index(
                fields=["campaign", "region_code", "id"],
                name="report_task_unfiled",
                condition=models.Q(state__in=["not_started", "draft", "returned"]),
            ),
            models.Index(
                fields=["campaign", "region_code", "id"], name="report_task_nil", condition=models.Q(nil=True)
            ),
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
    # The report's identity across platforms (exchange format): importing the same report twice
    # finds it by this id and changes nothing.
    exchange_id = models.UUIDField(_("exchange id"), default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(_("imported from"), max_length=100, blank=True)
    # An imported report's people belong to the sending platform: their names as it sent them
    # ({"prepared_by", "submitted_by", "reviewed_by"}); empty for reports made here.
    source_people = models.JSONField(_("people on the sending platform"), default=dict, blank=True)

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


class _ProgressCounts(models.Model):
    """Task counts by industry division, scale and state, with the nil reports and reportable
    risks of accepted reports: the rows of the progress summaries, by town and by county."""

    division = models.CharField(_("industry division"), max_length=2)
    above_scale = models.BooleanField(_("above scale"))
    state = models.CharField(_("state"), max_length=12, choices=TaskState.choices)
    tasks = models.IntegerField(_("tasks"), default=0)
    nil = models.IntegerField(_("nil reports"), default=0)
    major = models.IntegerField(_("major risks"), default=0)
    large = models.IntegerField(_("large risks"), default=0)
    region_code: str
    campaign_id: int

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.region_code} {self.state}"

    def audit_scope(self) -> tuple[str, int | None]:
        return self.region_code, None


class _SectorCounts(models.Model):
    """Task counts by key sector and state (an enterprise can be in several key sectors, so
    these rows do not sum to the campaign's total)."""

    sector = models.CharField(_("key sector"), max_length=40)  # as long as KeySector.code
    state = models.CharField(_("state"), max_length=12, choices=TaskState.choices)
    tasks = models.IntegerField(_("tasks"), default=0)
    region_code: str
    campaign_id: int

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.region_code} {self.sector} {self.state}"

    def audit_scope(self) -> tuple[str, int | None]:
        return self.region_code, None


class _DayCounts(models.Model):
    """What happened on one day: first submissions, acceptances and returns."""

    day = models.DateField(_("day"))
    submitted = models.IntegerField(_("first submissions"), default=0)
    accepted = models.IntegerField(_("accepted"), default=0)
    returned = models.IntegerField(_("returned"), default=0)
    region_code: str
    campaign_id: int

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.region_code} {self.day}"

    def audit_scope(self) -> tuple[str, int | None]:
        return self.region_code, None


class CampaignProgress(_ProgressCounts):
    """Counts of a campaign's tasks by town (or county), industry division, scale and state,
    with the reportable risks of accepted reports. Dashboards sum these rows; the services move
    one count from a state to another in the transaction that changes the task."""

    campaign = models.ForeignKey(
        ReportingCampaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="progress"
    )
    region_code = models.CharField(_("region code"), max_length=12)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "region_code", "division", "above_scale", "state"],
                name="campaign_progress_unique",
            )
        ]
        verbose_name = _("campaign progress")
        verbose_name_plural = _("campaign progress")


class CampaignSectorProgress(_SectorCounts):
    """Counts of a campaign's tasks by town, key sector and state (an enterprise can be in
    several key sectors, so these rows do not sum to the campaign's total)."""

    campaign = models.ForeignKey(
        ReportingCampaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="sector_progress",
    )
    region_code = models.CharField(_("region code"), max_length=12)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "region_code", "sector", "state"], name="campaign_sector_progress_unique"
            )
        ]
        verbose_name = _("campaign progress by key sector")
        verbose_name_plural = _("campaign progress by key sector")


class CampaignDaily(_DayCounts):
    """What happened on one day in one town of a campaign: first submissions, acceptances and
    returns. The dashboard's trend sums these; the services add to them with each transition."""

    campaign = models.ForeignKey(
        ReportingCampaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="daily"
    )
    region_code = models.CharField(_("region code"), max_length=12)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "region_code", "day"], name="campaign_daily_unique")
        ]
        verbose_name = _("campaign day")
        verbose_name_plural = _("campaign days")


class Bulletin(models.Model):
    """A published ranking (通报) of the regions one level below `region` by completion rate in
    a campaign on a day, with the change since the previous bulletin. Rows are kept as
    published; the Excel and PDF are rendered from them."""

    campaign = models.ForeignKey(
        ReportingCampaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="bulletins"
    )
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    # [{"code", "name", "tasks", "submitted", "accepted", "rate", "rank", "previous_rate",
    #   "change", "lagging"}], ranked.
    rows = models.JSONField(_("rows"), default=list)
    totals = models.JSONField(_("totals"), default=dict)
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
        ordering = ["-date", "region_id", "-id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "region", "date"], name="bulletin_unique")]
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.region_id} {self.date}"

    def audit_scope(self) -> tuple[str, int | None]:
        return self.region_id, None


class EnforcementCase(models.Model):
    """An enterprise on an enforcement list: it did not file by the deadline (`overdue`) or its
    report was found false (`false_report`), and how the regulator handled it."""

    kind = models.CharField(_("kind"), max_length=20, choices=EnforcementKind.choices)
    task = models.ForeignKey(
        ReportTask, verbose_name=_("task"), on_delete=models.CASCADE, related_name="enforcement_cases"
    )
    report = models.ForeignKey(
        RiskReport,
        verbose_name=_("report"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    region_code = models.CharField(_("region code"), max_length=12)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.TextField(_("finding"), blank=True)
    recorded_by = models.ForeignKey(
        "core.User", verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    case_number = models.CharField(_("case number"), max_length=60, blank=True)
    action = models.CharField(_("action taken"), max_length=200, blank=True)
    handled_on = models.DateField(_("handled on"), null=True, blank=True)
    handled_by = models.ForeignKey(
        "core.User",
        verbose_name=_("handled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["task", "kind"], name="enforcement_case_unique")]
        indexes = [models.Index(fields=["kind", "region_code"], name="enforcement_case_list")]
        verbose_name = _("enforcement case")
        verbose_name_plural = _("enforcement cases")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.enterprise_id}"

    def audit_scope(self) -> tuple[str, int | None]:
        return self.region_code, self.enterprise_id


# --- County rollups of the progress (read by the province's and cities' dashboards) ---------------
# A town-level summary of a province holds hundreds of thousands of rows (1,400 towns × divisions
# × scale × state), nearly as many as the tasks; a province or city dashboard reads the same
# counts by county (~100 counties), kept in step by progress.py in the same transaction.


class CampaignCountyProgress(_ProgressCounts):
    """`CampaignProgress` summed by county (the first six digits of the region code)."""

    campaign = models.ForeignKey(
        ReportingCampaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+"
    )
    region_code = models.CharField(_("region code"), max_length=6)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "region_code", "division", "above_scale", "state"],
                name="campaign_county_progress_unique",
            )
        ]
        verbose_name = _("campaign progress by county")
        verbose_name_plural = _("campaign progress by county")


class CampaignCountySectorProgress(_SectorCounts):
    """`CampaignSectorProgress` summed by county."""

    campaign = models.ForeignKey(
        ReportingCampaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+"
    )
    region_code = models.CharField(_("region code"), max_length=6)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "region_code", "sector", "state"],
                name="campaign_county_sector_unique",
            )
        ]
        verbose_name = _("campaign progress by county and key sector")
        verbose_name_plural = _("campaign progress by county and key sector")


class CampaignCountyDaily(_DayCounts):
    """`CampaignDaily` summed by county."""

    campaign = models.ForeignKey(
        ReportingCampaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+"
    )
    region_code = models.CharField(_("region code"), max_length=6)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "region_code", "day"], name="campaign_county_daily_unique"
            )
        ]
        verbose_name = _("campaign day by county")
        verbose_name_plural = _("campaign days by county")
