"""Choices of the core app. Stored values are lower snake_case English; labels are msgids."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    TOWN = "town", _("Town")


class IndustryLevel(models.TextChoices):
    SECTION = "section", _("Section")
    DIVISION = "division", _("Division")
    GROUP = "group", _("Group")
    CLASS = "class", _("Class")


class Role(models.TextChoices):
    ENTERPRISE_FILLER = "enterprise_filler", _("Enterprise filler")
    ENTERPRISE_PRINCIPAL = "enterprise_principal", _("Enterprise principal")
    REGULATOR = "regulator", _("Regulator")
    EXPERT = "expert", _("Expert")
    ADMIN = "admin", _("System administrator")


ENTERPRISE_ROLES = frozenset({Role.ENTERPRISE_FILLER, Role.ENTERPRISE_PRINCIPAL})
