"""Input of the onboarding page. Cleans the choice; the service decides and writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saferisk.core.choices import Role
from saferisk.core.models import User
from saferisk.enterprises.onboarding import onboarding_import_jobs, onboarding_regions


class OnboardingForm(forms.Form):
    SOURCES = (("region", _("By region")), ("import_job", _("By import batch")))
    FORMATS = (("xlsx", _("Excel workbook")), ("pdf", _("PDF for printing")))
    ROLES = (
        (Role.ENTERPRISE_PRINCIPAL, Role.ENTERPRISE_PRINCIPAL.label),
        (Role.ENTERPRISE_FILLER, Role.ENTERPRISE_FILLER.label),
    )

    source = forms.ChoiceField(label=_("Enterprises"), choices=SOURCES, initial="region")
    region = forms.ChoiceField(label=_("Region"), required=False)
    import_job = forms.TypedChoiceField(label=_("Import batch"), coerce=int, empty_value=None, required=False)
    role = forms.ChoiceField(label=_("Account role"), choices=ROLES, initial=Role.ENTERPRISE_PRINCIPAL)
    format = forms.ChoiceField(label=_("Handout format"), choices=FORMATS, initial="xlsx")
    notify = forms.BooleanField(
        label=_("Send the login notice by SMS where a phone is known"), required=False, initial=True
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = list(onboarding_regions(user=user))
        top = regions[0].level if regions else None
        region_field: Any = self.fields["region"]
        region_field.choices = [("", _("Whole jurisdiction"))] + [
            (r.code, f"{'　' if r.level != top else ''}{r.name}") for r in regions
        ]
        jobs = onboarding_import_jobs(user=user)
        job_field: Any = self.fields["import_job"]
        job_field.choices = [("", "—")] + [
            (j.pk, f"{j.original_name}（{timezone.localtime(j.created_at):%Y-%m-%d %H:%M}）") for j in jobs
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("source") == "import_job":
            if not data.get("import_job"):
                self.add_error("import_job", _("Choose an import batch."))
            data["region"] = ""
        else:
            data["import_job"] = None
        return data
