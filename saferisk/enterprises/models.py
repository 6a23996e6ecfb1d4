"""The enterprise directory."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saferisk.enterprises.choices import (
    CommitmentMethod,
    EnterpriseStatus,
    ImportStatus,
    StandardisationGrade,
)


class Enterprise(models.Model):
    """An industrial enterprise under supervision, identified by its USCC."""

    uscc = models.CharField(_("USCC"), max_length=18)
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="enterprises",
        db_index=False,  # covered by the indexes in Meta
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    industry = models.ForeignKey(
        "core.Industry",
        verbose_name=_("industry"),
        on_delete=models.PROTECT,
        related_name="enterprises",
        db_index=False,  # covered by the indexes in Meta
    )
    above_scale = models.BooleanField(_("above scale"), default=False)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    revenue = models.DecimalField(
        _("revenue (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    key_sectors = models.ManyToManyField(
        "core.KeySector", verbose_name=_("key sectors"), blank=True, related_name="enterprises"
    )
    key_supervised = models.BooleanField(_("key supervised"), default=False)
    legal_representative = models.CharField(_("legal representative"), max_length=60, blank=True)
    principal_name = models.CharField(_("principal"), max_length=60, blank=True)
    principal_phone = models.CharField(_("principal phone"), max_length=20, blank=True)
    safety_director_name = models.CharField(_("safety director"), max_length=60, blank=True)
    safety_director_phone = models.CharField(_("safety director phone"), max_length=20, blank=True)
    standardisation_grade = models.CharField(
        _("standardisation grade"),
        max_length=10,
        choices=StandardisationGrade.choices,
        default=StandardisationGrade.NONE,
    )
    standardisation_expires = models.DateField(_("certificate expires"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EnterpriseStatus.choices, default=EnterpriseStatus.OPERATING
    )
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    source_job = models.ForeignKey(
        "enterprises.ImportJob",
        verbose_name=_("created by import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,  # provenance only; a 500k-row import should not pay a check per row
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        ordering = ["region_id", "name"]
        # Few, chosen indexes: every index costs a province-scale import (14 of Django's defaults
        # made a 500k-row insert take 33 s). Boolean flags are filtered inside a region, not alone.
        constraints = [models.UniqueConstraint(fields=["uscc"], name="enterprise_uscc_unique")]
        indexes = [
            # The directory's order and keyset pagination: (region, name, id) within a prefix.
            models.Index(fields=["region", "name", "id"], name="enterprise_region_name_id"),
            # Jurisdiction filters are `region_id LIKE '320115%'`, which needs pattern ops
            # unless the database collation is C.
            models.Index(
                fields=["region"], name="enterprise_region_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["industry", "id"], name="enterprise_industry_id"),
        ]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> tuple[str, int | None]:
        return self.region_id, self.pk


class ImportJob(models.Model):
    """One upload of a statistics list: its file, options, progress and outcome.

    The job and its stored file are the record of where every created enterprise came from
    (`Enterprise.source_job`); each change to an existing enterprise has its own audit event."""

    created_by = models.ForeignKey(
        "core.User", verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The importer's jurisdiction: every row must lie inside it."),
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    dry_run = models.BooleanField(_("dry run"), default=False)
    default_above_scale = models.BooleanField(_("list of above-scale enterprises"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED, db_index=True
    )
    phase = models.CharField(_("phase"), max_length=40, blank=True)
    total = models.PositiveIntegerField(_("rows in file"), default=0)
    processed = models.PositiveIntegerField(_("rows processed"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    blank_lines = models.PositiveIntegerField(_("blank lines"), default=0)
    flagged = models.PositiveIntegerField(_("out-of-scope industry"), default=0)
    error_file = models.FileField(_("error workbook"), upload_to="imports/errors/%Y/%m/", blank=True)
    columns = models.JSONField(_("matched columns"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    def __str__(self) -> str:
        return self.original_name

    def audit_scope(self) -> tuple[str, int | None]:
        return self.region_id, None

    @property
    def percent(self) -> int:
        if self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED):
            return 100
        return min(99, int(self.processed * 100 / self.total)) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)


class SafetyDirectorRule(models.Model):
    """When an enterprise must have a safety director (安全总监), as a region's rules say.

    An enterprise is covered when it belongs to one of the rule's key sectors or industry-code
    prefixes and reaches either threshold that the rule sets (a blank threshold is not tested;
    a rule with no threshold covers the whole sector), and lies in the rule's region when it has
    one (cities set their own thresholds). Admins edit these rows; no code changes."""

    name = models.CharField(_("name"), max_length=100)
    key_sectors = models.ManyToManyField("core.KeySector", verbose_name=_("key sectors"), blank=True)
    industry_prefixes = models.CharField(
        _("industry code prefixes"),
        max_length=200,
        blank=True,
        help_text=_("GB/T 4754 codes or their leading digits, separated by spaces, e.g. 06 07 08 47 48 49"),
    )
    min_employees = models.PositiveIntegerField(_("employees at least"), null=True, blank=True)
    min_revenue = models.DecimalField(
        _("revenue at least (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("applies in"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Leave blank for the whole province; a city or county limits the rule to it."),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("safety director rule")
        verbose_name_plural = _("safety director rules")

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> tuple[str, int | None]:
        return "", None

    def prefixes(self) -> list[str]:
        return [p for p in self.industry_prefixes.replace(",", " ").replace("，", " ").split() if p]


class SafetyCommitment(models.Model):
    """An enterprise's yearly signed safety commitment (安全承诺书), uploaded or confirmed online."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="commitments"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    method = models.CharField(_("method"), max_length=10, choices=CommitmentMethod.choices)
    signed_by = models.CharField(_("signed by"), max_length=60)
    file = models.FileField(_("scanned copy"), upload_to="commitments/%Y/", blank=True)
    confirmed_by = models.ForeignKey(
        "core.User", verbose_name=_("confirmed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), default=timezone.now)

    class Meta:
        ordering = ["-year", "enterprise_id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year"], name="commitment_one_per_year"),
        ]
        verbose_name = _("safety commitment")
        verbose_name_plural = _("safety commitments")

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year}"

    def audit_scope(self) -> tuple[str, int | None]:
        return self.enterprise.region_id, self.enterprise_id
