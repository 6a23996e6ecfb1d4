"""Models of the risk register. So far the risk catalogue (较大以上安全风险目录)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from saferisk.risks.choices import RiskLevel


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
