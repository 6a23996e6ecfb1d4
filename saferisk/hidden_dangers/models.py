"""Models of hidden-danger investigation and treatment (隐患排查治理): checklists and their
inspections, hidden dangers through their closed loop, deadline extensions, listed supervision
of major ones (挂牌督办), and the counts the regulators' statistics read.

A hidden danger carries its enterprise's town (`region_code`) and industry division
(`division`) as they were when it was found: 20 million rows a year are scoped and counted by a
prefix match on one column, without a join to the enterprise.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from saferisk.hidden_dangers.choices import (
    ExtensionState,
    Frequency,
    HiddenDangerGrade,
    HiddenDangerSource,
    HiddenDangerState,
    InspectionKind,
    InspectionState,
    Outcome,
    PhotoStage,
    SupervisionLevel,
    SupervisionState,
)
from saferisk.hidden_dangers.workflow import STATE_LABELS
from saferisk.risks.choices import ControlTier

# The steps of a hidden danger's record, as its timeline shows them.
EVENT_LABELS = {
    "register": "登记隐患",
    "report": "报告监管部门",
    "assess": "评估定级",
    "plan": "制定整改方案",
    "plan_updated": "修订整改方案",
    "report_rectified": "整改完成",
    "refuse_acceptance": "验收不通过",
    "accept": "验收通过",
    "close": "销号",
    "extension_requested": "申请延期",
    "extension_decided": "延期审批",
    "listed": "挂牌督办",
    "progress": "督办进展",
    "checked": "核查验收",
    "lifted": "摘牌",
    "reminded": "逾期提醒",
}

UNRECTIFIED = [HiddenDangerState.FOUND, HiddenDangerState.ASSESSED, HiddenDangerState.RECTIFYING]
# Not closed yet. Lists of open ones filter with `state__in=OPEN` (never `exclude(state=closed)`),
# so PostgreSQL can prove the partial indexes below apply.
OPEN = [*UNRECTIFIED, HiddenDangerState.RECTIFIED, HiddenDangerState.ACCEPTED]


class Checklist(models.Model):
    """The inspection checklist (排查清单) of one control tier of an enterprise: one item per
    control measure of the risks controlled at that tier, inspected on a schedule."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="+"
    )
    tier = models.CharField(_("control tier"), max_length=10, choices=ControlTier.choices)
    name = models.CharField(_("name"), max_length=100)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    assignee = models.ForeignKey(
        "core.User",
        verbose_name=_("inspector"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    active = models.BooleanField(_("active"), default=True)
    last_inspected_on = models.DateField(_("last inspected on"), null=True, blank=True)
    next_due_on = models.DateField(_("next due on"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["enterprise_id", "tier", "id"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "tier"], name="checklist_tier_unique")]
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> tuple[str, int | None]:
        return self.enterprise.region_id, self.enterprise_id


class ChecklistItem(models.Model):
    """One thing to check: a control measure of a risk, in words the inspector can tick."""

    checklist = models.ForeignKey(
        Checklist, verbose_name=_("checklist"), on_delete=models.CASCADE, related_name="items"
    )
    risk = models.ForeignKey(
        "risks.Risk",
        verbose_name=_("risk"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    measure = models.ForeignKey(
        "risks.ControlMeasure",
        verbose_name=_("control measure"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    text = models.CharField(_("item"), max_length=500)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["checklist_id", "sort_order", "id"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self) -> str:
        return self.text

    def audit_scope(self) -> tuple[str, int | None]:
        return self.checklist.audit_scope()


class Inspection(models.Model):
    """One inspection (排查 or 执法检查) of an enterprise: by its own people against a checklist,
    or by a regulator, item by item."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("region code"), max_length=12)
    kind = models.CharField(_("kind"), max_length=12, choices=InspectionKind.choices)
    checklist = models.ForeignKey(
        Checklist,
        verbose_name=_("checklist"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspections",
    )
    title = models.CharField(_("title"), max_length=200)
    inspector = models.ForeignKey(
        "core.User", verbose_name=_("inspector"), on_delete=models.PROTECT, related_name="+"
    )
    authority = models.CharField(_("inspecting authority"), max_length=100, blank=True)
    inspected_on = models.DateField(_("inspected on"))
    state = models.CharField(
        _("state"), max_length=10, choices=InspectionState.choices, default=InspectionState.OPEN
    )
    note = models.TextField(_("note"), blank=True)
    items = models.PositiveIntegerField(_("items"), default=0)
    failed = models.PositiveIntegerField(_("failed items"), default=0)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-inspected_on", "-id"]
        indexes = [models.Index(fields=["enterprise", "-inspected_on", "-id"], name="inspection_enterprise")]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self) -> str:
        return self.title

    def audit_scope(self) -> tuple[str, int | None]:
        return self.region_code, self.enterprise_id


class InspectionResult(models.Model):
    """The answer to one item of an inspection; a failed one opens a hidden danger."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="results"
    )
    item = models.ForeignKey(
        ChecklistItem,
        verbose_name=_("checklist item"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    risk = models.ForeignKey(
        "risks.Risk",
        verbose_name=_("risk"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    text = models.CharField(_("item"), max_length=500)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    outcome = models.CharField(_("outcome"), max_length=4, choices=Outcome.choices, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    hidden_danger = models.ForeignKey(
        "HiddenDanger",
        verbose_name=_("hidden danger"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["inspection_id", "sort_order", "id"]
        verbose_name = _("inspection result")
        verbose_name_plural = _("inspection results")

    def __str__(self) -> str:
        return self.text

    def audit_scope(self) -> tuple[str, int | None]:
        return self.inspection.audit_scope()


class HiddenDanger(models.Model):
    """A hidden danger (事故隐患) and where it stands in the closed loop (workflow.py).

    `version` is bumped by every change; a change made against an older version is refused
    (optimistic locking), so two people acting at once cannot overwrite each other. The
    rectification plan (整改方案, 五到位: measures, owner, funds, deadline, contingency) lives on
    the row; the deadline is set at assessment and moved only by an approved extension."""

    # Indexed by hd_enterprise (enterprise, -id); the people below are never searched by, so
    # their foreign keys carry no index of their own (each would cost ~130 MB at 20 million).
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    region_code = models.CharField(_("region code"), max_length=12)
    division = models.CharField(_("industry division"), max_length=2, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=HiddenDangerSource.choices)
    grade = models.CharField(
        _("grade"), max_length=8, choices=HiddenDangerGrade.choices, default=HiddenDangerGrade.GENERAL
    )
    criteria = models.JSONField(
        _("major hidden danger criteria"),
        default=list,
        blank=True,
        help_text=_("Codes of the criteria met (hidden_danger_criteria.json)"),
    )
    grade_reason = models.TextField(_("grading note"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=HiddenDangerState.choices, default=HiddenDangerState.FOUND
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    title = models.CharField(_("hidden danger"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    risk = models.ForeignKey(
        "risks.Risk",
        verbose_name=_("risk"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hidden_dangers",
    )
    found_on = models.DateField(_("found on"))
    found_by = models.ForeignKey(
        "core.User",
        verbose_name=_("found by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        db_index=False,
    )
    found_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    reported_at = models.DateTimeField(_("reported to the regulator at"), null=True, blank=True)
    assessed_by = models.ForeignKey(
        "core.User",
        verbose_name=_("assessed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    assessed_at = models.DateTimeField(_("assessed at"), null=True, blank=True)
    deadline = models.DateField(_("rectification deadline"), null=True, blank=True)
    # The rectification plan (五到位) and the interim safeguards while it is carried out.
    measures = models.TextField(_("rectification measures"), blank=True)
    owner_name = models.CharField(_("person responsible"), max_length=60, blank=True)
    owner_phone = models.CharField(_("phone of the person responsible"), max_length=20, blank=True)
    funds = models.DecimalField(_("funds (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    contingency = models.TextField(_("contingency plan"), blank=True)
    safeguards = models.TextField(_("interim safeguards"), blank=True)
    planned_at = models.DateTimeField(_("planned at"), null=True, blank=True)
    rectified_by = models.ForeignKey(
        "core.User",
        verbose_name=_("rectified by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    rectified_on = models.DateField(_("rectified on"), null=True, blank=True)
    rectification_note = models.TextField(_("rectification done"), blank=True)
    on_time = models.BooleanField(_("rectified on time"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        "core.User",
        verbose_name=_("accepted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    acceptance_note = models.TextField(_("acceptance opinion"), blank=True)
    closed_by = models.ForeignKey(
        "core.User",
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Reminders and escalation of an overdue one: the highest step already sent (reminders.py).
    escalation = models.PositiveSmallIntegerField(_("escalation step"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The enterprise's lists: all of them newest first, the open ones by deadline.
            models.Index(fields=["enterprise", "-id"], name="hd_enterprise"),
            models.Index(
                fields=["enterprise", "deadline", "id"],
                name="hd_enterprise_open",
                condition=Q(state__in=OPEN),
            ),
            # Regulators' open lists: open ones by deadline, with the region for the prefix match.
            models.Index(
                fields=["deadline", "region_code", "id"], name="hd_open", condition=Q(state__in=OPEN)
            ),
            # Overdue lists and counts. Its own index, whose condition is exactly the query's: with
            # hd_open's wider condition PostgreSQL must fetch each row to recheck the state, and
            # chose a 5-second sequential scan of 20 million rows for the province's count.
            models.Index(
                fields=["deadline", "region_code", "id"],
                name="hd_unrectified",
                condition=Q(state__in=UNRECTIFIED),
            ),
            # The major ones of a region (rare: a partial index stays small).
            models.Index(fields=["region_code", "id"], name="hd_major", condition=Q(grade="major")),
        ]
        verbose_name = _("hidden danger")
        verbose_name_plural = _("hidden dangers")

    def __str__(self) -> str:
        return self.title

    def audit_scope(self) -> tuple[str, int | None]:
        return self.region_code, self.enterprise_id

    def criteria_labels(self) -> list[str]:
        """The criteria met, in words (criteria.py), for lists and exports."""
        from saferisk.hidden_dangers.criteria import criteria_choices

        names = dict(criteria_choices())
        return [names.get(code, code) for code in self.criteria or []]


class HiddenDangerEvent(models.Model):
    """One step of a hidden danger's record (登记, 评估, 整改 …), shown as its timeline."""

    hidden_danger = models.ForeignKey(
        HiddenDanger, verbose_name=_("hidden danger"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(_("from state"), max_length=10, blank=True)
    to_state = models.CharField(_("to state"), max_length=10, blank=True)
    actor = models.ForeignKey(
        "core.User", verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["hidden_danger_id", "id"]
        verbose_name = _("hidden danger event")
        verbose_name_plural = _("hidden danger events")

    def __str__(self) -> str:
        return f"{self.hidden_danger_id} {self.action}"

    def get_action_label(self) -> str:
        return EVENT_LABELS.get(self.action, self.action)

    def to_state_label(self) -> str:
        return STATE_LABELS.get(self.to_state, self.to_state)

    def audit_scope(self) -> tuple[str, int | None]:
        return self.hidden_danger.audit_scope()


class Photo(models.Model):
    """A photo of an inspection item or of a hidden danger (as found, after rectification, at
    the acceptance check), resized on upload."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="+"
    )
    region_code = models.CharField(_("region code"), max_length=12)
    hidden_danger = models.ForeignKey(
        HiddenDanger,
        verbose_name=_("hidden danger"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
    )
    result = models.ForeignKey(
        InspectionResult,
        verbose_name=_("inspection result"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
    )
    stage = models.CharField(_("stage"), max_length=10, choices=PhotoStage.choices, default=PhotoStage.FOUND)
    image = models.FileField(_("image"), upload_to="hidden_dangers/%Y/%m/")
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    uploaded_by = models.ForeignKey(
        "core.User", verbose_name=_("uploaded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.image.name or ""

    def audit_scope(self) -> tuple[str, int | None]:
        return self.region_code, self.enterprise_id


class DeadlineExtension(models.Model):
    """A request to move a rectification deadline, and its decision: deadlines are never edited
    silently."""

    hidden_danger = models.ForeignKey(
        HiddenDanger, verbose_name=_("hidden danger"), on_delete=models.CASCADE, related_name="extensions"
    )
    old_deadline = models.DateField(_("current deadline"))
    new_deadline = models.DateField(_("requested deadline"))
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        "core.User", verbose_name=_("requested by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ExtensionState.choices, default=ExtensionState.PENDING
    )
    decided_by = models.ForeignKey(
        "core.User",
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["hidden_danger_id", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["hidden_danger"], condition=Q(state="pending"), name="extension_one_pending"
            )
        ]
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")

    def __str__(self) -> str:
        return f"{self.hidden_danger_id} → {self.new_deadline}"

    def audit_scope(self) -> tuple[str, int | None]:
        return self.hidden_danger.audit_scope()


class ListedSupervision(models.Model):
    """A major hidden danger listed for supervision (挂牌督办) by a regulator at its level, until
    it is lifted (摘牌) after the acceptance check. `authority_code` is the listing regulator's
    region: regulators at that level or above change the listing; those below, and the
    enterprise, follow it."""

    hidden_danger = models.ForeignKey(
        HiddenDanger, verbose_name=_("hidden danger"), on_delete=models.PROTECT, related_name="listings"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("region code"), max_length=12)
    level = models.CharField(_("level"), max_length=10, choices=SupervisionLevel.choices)
    authority_code = models.CharField(_("listing authority"), max_length=12)
    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    requirements = models.TextField(_("supervision requirements"))
    deadline = models.DateField(_("deadline"))
    state = models.CharField(
        _("state"), max_length=10, choices=SupervisionState.choices, default=SupervisionState.LISTED
    )
    listed_by = models.ForeignKey(
        "core.User", verbose_name=_("listed by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    listed_at = models.DateTimeField(_("listed at"), auto_now_add=True)
    check_passed = models.BooleanField(_("acceptance check passed"), null=True, blank=True)
    check_note = models.TextField(_("acceptance check"), blank=True)
    checked_by = models.ForeignKey(
        "core.User",
        verbose_name=_("checked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        "core.User",
        verbose_name=_("lifted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lift_note = models.TextField(_("lifting note"), blank=True)

    class Meta:
        ordering = ["-listed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["hidden_danger"], condition=Q(state="listed"), name="listing_one_active"
            )
        ]
        indexes = [models.Index(fields=["state", "region_code"], name="listing_state_region")]
        verbose_name = _("listed supervision")
        verbose_name_plural = _("listed supervisions")

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.hidden_danger_id}"

    def audit_scope(self) -> tuple[str, int | None]:
        return self.region_code, self.enterprise_id


class SupervisionProgress(models.Model):
    """A progress report on a listed hidden danger, by the enterprise or a regulator."""

    listing = models.ForeignKey(
        ListedSupervision, verbose_name=_("listing"), on_delete=models.CASCADE, related_name="progress"
    )
    text = models.TextField(_("progress"))
    author = models.ForeignKey(
        "core.User", verbose_name=_("reported by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    class Meta:
        ordering = ["listing_id", "id"]
        verbose_name = _("supervision progress")
        verbose_name_plural = _("supervision progress")

    def __str__(self) -> str:
        return f"{self.listing_id} {self.created_at:%Y-%m-%d}"

    def audit_scope(self) -> tuple[str, int | None]:
        return self.listing.audit_scope()


# --- Counts for the regulators' statistics (kept by tally.py in the same transaction) -------------


class _Tally(models.Model):
    """How many hidden dangers found in `year` are in `state`, by town or county, industry
    division, grade and source; `on_time` of them were rectified by their deadline."""

    year = models.PositiveSmallIntegerField(_("year"))
    region_code = models.CharField(_("region code"), max_length=12)
    division = models.CharField(_("industry division"), max_length=2)
    grade = models.CharField(_("grade"), max_length=8, choices=HiddenDangerGrade.choices)
    source = models.CharField(_("source"), max_length=12, choices=HiddenDangerSource.choices)
    state = models.CharField(_("state"), max_length=10, choices=HiddenDangerState.choices)
    count = models.IntegerField(_("hidden dangers"), default=0)
    on_time = models.IntegerField(_("rectified on time"), default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.year} {self.region_code} {self.state}: {self.count}"

    def audit_scope(self) -> tuple[str, int | None]:
        return self.region_code, None


class HiddenDangerTally(_Tally):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "region_code", "division", "grade", "source", "state"], name="hd_tally_key"
            )
        ]
        verbose_name = _("hidden danger count by town")
        verbose_name_plural = _("hidden danger counts by town")


class HiddenDangerCountyTally(_Tally):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "region_code", "division", "grade", "source", "state"],
                name="hd_county_tally_key",
            )
        ]
        verbose_name = _("hidden danger count by county")
        verbose_name_plural = _("hidden danger counts by county")


class HiddenDangerMonth(models.Model):
    """Per month, town and grade: hidden dangers found, and those closed (and on time)."""

    month = models.DateField(_("month"))
    region_code = models.CharField(_("region code"), max_length=12)
    grade = models.CharField(_("grade"), max_length=8, choices=HiddenDangerGrade.choices)
    found = models.IntegerField(_("found"), default=0)
    closed = models.IntegerField(_("closed"), default=0)
    closed_on_time = models.IntegerField(_("closed, rectified on time"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "region_code", "grade"], name="hd_month_key")]
        verbose_name = _("hidden dangers by month")
        verbose_name_plural = _("hidden dangers by month")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.region_code}"

    def audit_scope(self) -> tuple[str, int | None]:
        return self.region_code, None
