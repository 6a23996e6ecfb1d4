from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskLevel(models.TextChoices):
    """The four levels and colours (国务院安委办〔2016〕11号), most severe first."""

    MAJOR = "MAJOR", _("Major risk")
    LARGE = "LARGE", _("Large risk")
    GENERAL = "GENERAL", _("General risk")
    LOW = "LOW", _("Low risk")


class AssessmentMethod(models.TextChoices):
    LEC = "lec", _("LEC (D = L × E × C)")
    LS = "ls", _("LS matrix (R = L × S)")
    DIRECT = "direct", _("Direct grading")


class ControlTier(models.TextChoices):
    COMPANY = "company", _("Company")
    WORKSHOP = "workshop", _("Workshop")
    TEAM = "team", _("Team")
    POST = "post", _("Post")


class MeasureKind(models.TextChoices):
    MANAGEMENT = "management", _("Management rules")
    ENGINEERING = "engineering", _("Engineering")
    MONITORING = "monitoring", _("Online monitoring")
    VIDEO = "video", _("Video surveillance")
    AUTOMATION = "automation", _("Automatic control")
    EMERGENCY = "emergency", _("Emergency response")
    PPE = "ppe", _("Personal protection")
    TRAINING = "training", _("Education and training")


class RiskStatus(models.TextChoices):
    ACTIVE = "active", _("In use")
    RETIRED = "retired", _("Retired")


# The usual tier for each level (a convention, levels.json: confidence M); a risk may differ.
DEFAULT_TIER = {
    RiskLevel.MAJOR: ControlTier.COMPANY,
    RiskLevel.LARGE: ControlTier.WORKSHOP,
    RiskLevel.GENERAL: ControlTier.TEAM,
    RiskLevel.LOW: ControlTier.POST,
}


class ReassessmentTrigger(models.TextChoices):
    """What makes an enterprise re-assess its risks (Article 12 of the Jiangsu 条例)."""

    CATALOGUE = "catalogue", _("Catalogue updated")
    PROCESS = "process", _("Process changed")
    EQUIPMENT = "equipment", _("Main equipment changed")
    MATERIAL = "material", _("Main materials changed")
    ACCIDENT = "accident", _("Accident (1 death or 3 serious injuries)")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class AreaShape(models.TextChoices):
    POLYGON = "polygon", _("Area")
    MARKER = "marker", _("Marker")
