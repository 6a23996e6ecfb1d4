from django.db import models
from django.utils.translation import gettext_lazy as _


class CampaignKind(models.TextChoices):
    """The three kinds of report of the Jiangsu rule (省政府令第140号)."""

    FIRST = "first", _("First report")
    ANNUAL = "annual", _("Annual report")
    CHANGE = "change", _("Change report")


class ScaleScope(models.TextChoices):
    ALL = "all", _("Above and below scale")
    ABOVE = "above", _("Above scale only")
    BELOW = "below", _("Below scale only")


class CampaignStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class TaskState(models.TextChoices):
    """Where an enterprise stands in a campaign. `overdue` is derived (deadline passed, not
    accepted or submitted), never stored."""

    NOT_STARTED = "not_started", _("Not started")
    DRAFT = "draft", _("Being prepared")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    ACCEPTED = "accepted", _("Accepted")


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    ACCEPTED = "accepted", _("Accepted")


class EnforcementKind(models.TextChoices):
    """The two enforcement lists of the reporting rule."""

    OVERDUE = "overdue", _("Not filed by the deadline")
    FALSE_REPORT = "false_report", _("Report found false")
