"""Forms of the reporting pages. They gather and type what the user entered; the services check
it against the rules (jurisdiction, overlaps, the gap, the declaration) and say what is wrong."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saferisk.core.choices import RegionLevel
from saferisk.core.models import KeySector, Region, User
from saferisk.enterprises.selectors import filter_regions
from saferisk.reporting.choices import CampaignKind, ScaleScope


def campaign_regions(user: User) -> list[Region]:
    """The regions a user may open a campaign for: their own jurisdiction and the regions in it
    (down to towns for a county, to counties above that); provinces and cities for an admin."""
    regions = list(filter_regions(user=user))
    if user.is_admin:
        return list(Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code")) + regions
    if user.region_id and user.region is not None and user.region not in regions:
        regions.insert(0, user.region)
    return regions


def _region_label(region: Region) -> str:
    indent = {"city": "", "county": "　", "town": "　　"}.get(region.level, "")
    return f"{indent}{region.name}（{region.code}）"


class CampaignForm(forms.Form):
    """发起报告活动: what, for which year, where, which enterprises, and when."""

    kind = forms.ChoiceField(label=_("Kind of report"), choices=CampaignKind.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        required=False,
        help_text=_("Left blank: region, year and kind, e.g. 江宁区2025年年度报告."),
    )
    region = forms.ChoiceField(label=_("Region of the campaign"))
    scope_regions = forms.MultipleChoiceField(
        label=_("Only these sub-regions"),
        required=False,
        help_text=_("None chosen: the whole region. Hold Ctrl to choose several."),
    )
    scale = forms.ChoiceField(label=_("Scale"), choices=ScaleScope.choices, initial=ScaleScope.ALL)
    industry_prefixes = forms.CharField(
        label=_("Industry codes"),
        max_length=200,
        required=False,
        help_text=_(
            "GB/T 4754 codes of 2–4 digits, separated by spaces (e.g. 26 2614); blank: every industry."
        ),
    )
    key_sectors = forms.MultipleChoiceField(
        label=_("Key sectors"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: enterprises of every sector."),
    )
    opens_on = forms.DateField(label=_("Opens on"), widget=forms.DateInput(attrs={"type": "date"}))
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = campaign_regions(user)
        choices = [(r.code, _region_label(r)) for r in regions]
        self.fields["region"].choices = choices  # type: ignore[attr-defined]
        self.fields["scope_regions"].choices = [  # type: ignore[attr-defined]
            (r.code, _region_label(r))
            for r in regions
            if r.level != RegionLevel.PROVINCE and r.code != user.region_id
        ]
        self.fields["key_sectors"].choices = list(  # type: ignore[attr-defined]
            KeySector.objects.order_by("sort_order", "code").values_list("code", "name")
        )
        if not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault("kind", CampaignKind.FIRST)
            self.initial.setdefault("year", today.year)
            self.initial.setdefault("region", user.region_id or (regions[0].code if regions else ""))
            self.initial.setdefault("opens_on", today)

    def service_data(self) -> dict[str, Any]:
        """What `services.campaign_open` takes."""
        data = dict(self.cleaned_data)
        data["opens_on"] = data["opens_on"].isoformat()
        data["deadline"] = data["deadline"].isoformat()
        return data


class AnnualCampaignForm(forms.Form):
    """一键发起年度报告: only the year; the region is the user's jurisdiction."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


class ReportForm(forms.Form):
    """The enterprise's report: an explanation for each catalogue item of the completeness gap
    (`gap_<code>`), and the principal's declaration."""

    declared = forms.BooleanField(required=False)

    def __init__(self, *args: Any, gap_codes: list[str], initial_explanations: dict[str, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.gap_codes = gap_codes
        for code in gap_codes:
            self.fields[f"gap_{code}"] = forms.CharField(
                required=False,
                max_length=500,
                initial=initial_explanations.get(code, ""),
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def explanations(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"gap_{code}", "") for code in self.gap_codes}

    def field_for(self, code: str) -> forms.BoundField:
        return self[f"gap_{code}"]


class ReviewForm(forms.Form):
    """The regulator's review: accept or return, an overall comment, a reason per risk
    (`reason_<risk id>`)."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("return", _("Return for correction"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Review comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, risk_ids: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.risk_ids = risk_ids
        for rid in risk_ids:
            self.fields[f"reason_{rid}"] = forms.CharField(
                required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
            )

    def reasons(self) -> dict[str, str]:
        return {rid: self.cleaned_data.get(f"reason_{rid}", "") for rid in self.risk_ids}
