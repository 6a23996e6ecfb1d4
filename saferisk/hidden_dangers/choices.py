from django.db import models
from django.utils.translation import gettext_lazy as _

from saferisk.hidden_dangers.workflow import STATE_LABELS, State


class HiddenDangerGrade(models.TextChoices):
    GENERAL = "general", _("General")
    MAJOR = "major", _("Major")


class HiddenDangerSource(models.TextChoices):
    """Where a hidden danger was found (DESIGN.md §4)."""

    SELF_CHECK = "self_check", _("Self-check")
    INSPECTION = "inspection", _("Regulator inspection")
    VERIFICATION = "verification", _("Verification")
    TIP_OFF = "tip_off", _("Tip-off")
    OTHER = "other", _("Other")


class HiddenDangerState(models.TextChoices):
    """The states of the closed loop; the transitions are in workflow.py."""

    FOUND = State.FOUND, STATE_LABELS[State.FOUND]
    ASSESSED = State.ASSESSED, STATE_LABELS[State.ASSESSED]
    RECTIFYING = State.RECTIFYING, STATE_LABELS[State.RECTIFYING]
    RECTIFIED = State.RECTIFIED, STATE_LABELS[State.RECTIFIED]
    ACCEPTED = State.ACCEPTED, STATE_LABELS[State.ACCEPTED]
    CLOSED = State.CLOSED, STATE_LABELS[State.CLOSED]


class Frequency(models.TextChoices):
    """How often a checklist is inspected; `INTERVAL_DAYS` turns it into the next due date."""

    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


INTERVAL_DAYS = {
    Frequency.DAILY: 1,
    Frequency.WEEKLY: 7,
    Frequency.MONTHLY: 30,
    Frequency.QUARTERLY: 90,
}


class InspectionKind(models.TextChoices):
    SELF_CHECK = "self_check", _("Self-check")
    REGULATOR = "regulator", _("Regulator inspection")


class InspectionState(models.TextChoices):
    OPEN = "open", _("In progress")
    FINISHED = "finished", _("Finished")


class Outcome(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    NOT_APPLICABLE = "na", _("Not applicable")


class PhotoStage(models.TextChoices):
    FOUND = "found", _("As found")
    RECTIFIED = "rectified", _("After rectification")
    CHECK = "check", _("Acceptance check")


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class SupervisionLevel(models.TextChoices):
    """The level of the regulator that lists a major hidden danger (挂牌督办)."""

    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")


class SupervisionState(models.TextChoices):
    LISTED = "listed", _("Listed")
    LIFTED = "lifted", _("Lifted")
