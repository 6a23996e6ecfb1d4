from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskLevel(models.TextChoices):
    """The four levels and colours (国务院安委办〔2016〕11号), most severe first."""

    MAJOR = "MAJOR", _("Major risk")
    LARGE = "LARGE", _("Large risk")
    GENERAL = "GENERAL", _("General risk")
    LOW = "LOW", _("Low risk")
