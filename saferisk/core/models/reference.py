"""Reference data from national standards: regions, industries, accident types, hazard factors,
plus the supervising departments and key-sector flags that the regulators' rules use.

Codes are the primary keys, so a foreign key column holds the code itself (an enterprise's
`region_id` is "320102001") and jurisdiction filters are a plain prefix match with no join.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from saferisk.core.choices import IndustryLevel, RegionLevel

# Digits of a region code that identify it at each level (GB/T 2260 + NBS town codes).
PREFIX_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWN: 9,
}


class Department(models.Model):
    """A kind of supervising department (应急管理, 工业和信息化 …); a regulator may belong to one."""

    code = models.SlugField(_("code"), primary_key=True, max_length=40)
    name = models.CharField(_("name"), max_length=60, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    """An administrative division: GB/T 2260 down to county level, NBS statistical codes for towns."""

    code = models.CharField(_("code"), primary_key=True, max_length=12)
    name = models.CharField(_("name"), max_length=60)
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_statutory = models.BooleanField(_("statutory"), default=True)
    town_kind = models.CharField(_("town kind"), max_length=20, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=120, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        """The code digits that every region inside this one starts with."""
        return self.code[: PREFIX_LENGTH[RegionLevel(self.level)]]


class Industry(models.Model):
    """GB/T 4754-2017 national economic industry classification, as a tree."""

    code = models.CharField(_("code"), primary_key=True, max_length=5)
    name = models.CharField(_("name"), max_length=120)
    level = models.CharField(_("level"), max_length=10, choices=IndustryLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    section = models.CharField(_("section"), max_length=1, db_index=True)
    in_scope = models.BooleanField(_("in scope"), default=False)
    department = models.ForeignKey(
        Department,
        verbose_name=_("supervising department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="industries",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def division_code(self) -> str:
        """Two-digit division of a group or class code; sections have none."""
        return "" if self.level == IndustryLevel.SECTION else self.code[:2]


class AccidentType(models.Model):
    """GB 6441-1986: the 20 types of workplace accident."""

    code = models.PositiveSmallIntegerField(_("code"), primary_key=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    alias = models.CharField(_("alias"), max_length=40, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("accident type")
        verbose_name_plural = _("accident types")

    def __str__(self) -> str:
        return self.name


class HazardFactor(models.Model):
    """GB/T 13861-2009 classification of hazardous and harmful factors in production."""

    code = models.CharField(_("code"), primary_key=True, max_length=12)
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField(_("level"))
    edition = models.CharField(_("edition"), max_length=4)
    confidence = models.CharField(_("confidence"), max_length=1)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("hazard factor")
        verbose_name_plural = _("hazard factors")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class KeySector(models.Model):
    """A key sector flag (化工, 涉爆粉尘, 涉氨制冷 …) that raises supervision of an enterprise."""

    code = models.SlugField(_("code"), primary_key=True, max_length=40)
    name = models.CharField(_("name"), max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("key sector")
        verbose_name_plural = _("key sectors")

    def __str__(self) -> str:
        return self.name
