"""Input of the profile, commitment and rule pages. Forms clean types; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from saferisk.core.models import KeySector, Region
from saferisk.enterprises.choices import StandardisationGrade
from saferisk.enterprises.models import Enterprise, SafetyDirectorRule


def _sector_choices() -> list[tuple[str, str]]:
    return [(s.code, s.name) for s in KeySector.objects.all()]


class ProfileForm(forms.Form):
    """The fields an enterprise keeps itself. Statistics fields are not part of the form: the
    page shows them disabled, and whatever a browser posts for them is ignored."""

    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    principal_name = forms.CharField(label=_("Principal"), required=False, max_length=60)
    principal_phone = forms.CharField(label=_("Principal phone"), required=False, max_length=30)
    safety_director_name = forms.CharField(label=_("Safety director"), required=False, max_length=60)
    safety_director_phone = forms.CharField(label=_("Safety director phone"), required=False, max_length=30)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=30)
    longitude = forms.CharField(label=_("Longitude"), required=False, max_length=20)
    latitude = forms.CharField(label=_("Latitude"), required=False, max_length=20)
    key_sectors = forms.MultipleChoiceField(
        label=_("Key sectors"), required=False, widget=forms.CheckboxSelectMultiple
    )
    standardisation_grade = forms.ChoiceField(
        label=_("Standardisation grade"), choices=StandardisationGrade.choices, required=False
    )
    standardisation_expires = forms.DateField(
        label=_("Certificate expires"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key_sectors"].choices = _sector_choices()  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(enterprise: Enterprise) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(enterprise, name) for name in ProfileForm.base_fields}
        initial["key_sectors"] = [s.code for s in enterprise.key_sectors.all()]
        for name in ("longitude", "latitude"):
            initial[name] = "" if initial[name] is None else str(initial[name])
        return initial


class CommitmentOnlineForm(forms.Form):
    signed_by = forms.CharField(label=_("Signed by"), max_length=60)
    agree = forms.BooleanField(label=_("I have read the commitment and sign it for the enterprise"))


class CommitmentUploadForm(forms.Form):
    signed_by = forms.CharField(label=_("Signed by"), max_length=60)
    file = forms.FileField(label=_("Scanned copy (PDF, JPG or PNG, at most 10 MB)"))


class SafetyDirectorRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    region = forms.ChoiceField(
        label=_("Applies in"),
        required=False,
        help_text=SafetyDirectorRule._meta.get_field("region").help_text,
    )
    key_sectors = forms.MultipleChoiceField(
        label=_("Key sectors"), required=False, widget=forms.CheckboxSelectMultiple
    )
    industry_prefixes = forms.CharField(
        label=_("Industry code prefixes"),
        required=False,
        max_length=200,
        help_text=SafetyDirectorRule._meta.get_field("industry_prefixes").help_text,
    )
    min_employees = forms.IntegerField(label=_("Employees at least"), required=False, min_value=0)
    min_revenue = forms.DecimalField(
        label=_("Revenue at least (10k yuan)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    source = forms.CharField(label=_("Source"), required=False, max_length=200)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key_sectors"].choices = _sector_choices()  # type: ignore[attr-defined]
        cities_and_counties = Region.objects.filter(level__in=["city", "county"]).order_by("code")
        self.fields["region"].choices = [("", _("Whole province"))] + [  # type: ignore[attr-defined]
            (r.code, f"{'　' if r.level == 'county' else ''}{r.name}") for r in cities_and_counties
        ]

    @staticmethod
    def initial_for(rule: SafetyDirectorRule) -> dict[str, Any]:
        skip = {"key_sectors", "region"}
        initial: dict[str, Any] = {
            name: getattr(rule, name) for name in SafetyDirectorRuleForm.base_fields if name not in skip
        }
        initial["key_sectors"] = [s.code for s in rule.key_sectors.all()]
        initial["region"] = rule.region_id or ""
        return initial
