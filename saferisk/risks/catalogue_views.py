"""Pages of the risk catalogue (较大以上安全风险目录): the list with its Excel and JSON exports
and an item's page for every signed-in user; editing and import for administrators.

An item's source (a path in the catalogue's research notes) and confidence are editors' working
data: only administrators see them, on the pages and in the exports.

Thin: parse input, call `catalog_item_save` or `catalogue_io`, render. A `DomainError` becomes
a form error (status 422) and changes nothing."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, FilterSchema

from saferisk.core import selectors as core_selectors
from saferisk.core.errors import DomainError
from saferisk.core.models import AccidentType, KeySector, User
from saferisk.core.routes import admin_route, reference_route
from saferisk.core.scoping import scoped
from saferisk.core.views import get_or_404, list_response, parse_filters
from saferisk.enterprises.models import Enterprise
from saferisk.risks import catalogue_io
from saferisk.risks.catalogue import applicable_q
from saferisk.risks.catalogue_services import catalog_item_save
from saferisk.risks.choices import RiskLevel, RiskStatus
from saferisk.risks.models import Risk, RiskCatalogItem
from saferisk.risks.summary import enterprises_touched_by

SESSION_KEY = "risks.catalogue_import"  # the last import's result, for its page and error workbook
JSON_TYPE = "application/json; charset=utf-8"


class CatalogueFilter(FilterSchema):
    """One filter for the list page and its Excel export."""

    q: str | None = Field(None, description="编号、风险点名称或危险因素")
    sector: str | None = Field(None, description="目录行业领域代码")
    key_sector: str | None = Field(None, description="重点行业领域代码")
    min_level: str | None = Field(None, description="MAJOR / LARGE")
    active: bool | None = Field(None, description="是否启用")
    industry: str | None = Field(None, description="适用于该 GB/T 4754 行业代码的条目，如 3110")

    def filter_q(self, value: str | None) -> Q:
        if not value:
            return Q()
        value = value.strip()
        return Q(name__icontains=value) | Q(hazard__icontains=value) | Q(code__icontains=value)

    def filter_key_sector(self, value: str | None) -> Q:
        return Q(key_sector_id=value) if value else Q()

    def filter_industry(self, value: str | None) -> Q:
        """Items whose prefixes cover the code (the key-sector flags are the enterprise's, not
        the industry's, so they play no part here)."""
        if not value:
            return Q()
        code = "".join(c for c in value if c.isdigit())
        return applicable_q(industry_code=code, key_sectors=[])


def _items(user: Any) -> QuerySet[RiskCatalogItem]:
    return scoped(user, RiskCatalogItem).select_related("key_sector").prefetch_related("accident_types")


def _sectors() -> list[tuple[str, str]]:
    """Every sector in use or known, as (code, label)."""
    used = set(RiskCatalogItem.objects.values_list("sector", flat=True).distinct())
    codes = [*catalogue_io.SECTOR_LABELS, *sorted(used - set(catalogue_io.SECTOR_LABELS))]
    return [(c, catalogue_io.sector_label(c)) for c in codes]


def _sector_name() -> Case:
    """The sector's Chinese name, in the query (the list shows it for each row)."""
    whens = [When(sector=code, then=Value(label)) for code, label in catalogue_io.SECTOR_LABELS.items()]
    return Case(*whens, default=F("sector"), output_field=CharField())


def _require_admin(user: Any) -> User:
    if not getattr(user, "is_admin", False):
        raise Http404
    admin: User = user
    return admin


@login_required
@reference_route
def catalog_list(request: HttpRequest) -> HttpResponseBase:
    """The catalogue, filtered; `?format=xlsx` exports the filtered items in the import layout."""
    filters, warning = parse_filters(request, CatalogueFilter)
    qs = filters.filter(_items(request.user)).annotate(sector_name=_sector_name()).order_by("sector", "code")
    return list_response(
        request,
        queryset=qs,
        filters=filters,
        warning=warning,
        columns=catalogue_io.excel_columns(internal=getattr(request.user, "is_admin", False)),
        template="risks/catalogue/catalog_list.html",
        title=_("Risk catalogue"),
        extra={
            "sectors": _sectors(),
            "key_sectors": KeySector.objects.all(),
            "levels": [(RiskLevel.MAJOR, RiskLevel.MAJOR.label), (RiskLevel.LARGE, RiskLevel.LARGE.label)],
        },
    )


@login_required
@reference_route
def catalog_export_json(request: HttpRequest) -> HttpResponse:
    """Every item (inactive ones too) in the JSON exchange format (source and confidence for
    administrators only)."""
    items = _items(request.user).order_by("sector", "code")
    internal = getattr(request.user, "is_admin", False)
    response = HttpResponse(catalogue_io.export_json_bytes(items, internal=internal), content_type=JSON_TYPE)
    filename = catalogue_io.stamped("风险目录", ".json")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
@reference_route
def catalog_template(request: HttpRequest) -> HttpResponse:
    """A blank import sheet with its notes and an example row."""
    response = HttpResponse(catalogue_io.template_workbook(), content_type=catalogue_io.XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('风险目录导入模板.xlsx')}"
    return response


@login_required
@reference_route
def catalog_item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Every field of an item; within the viewer's scope, the enterprises whose register has
    taken it in (and their risks linked to it) and the enterprises it applies to; for admins its
    source, confidence and recent audit events with a link to the whole history."""
    item = get_or_404(request.user, _items(request.user), pk=pk)
    viewer: User = request.user  # type: ignore[assignment]
    linked = scoped(viewer, Risk).filter(catalog_item=item, status=RiskStatus.ACTIVE).order_by()
    # By industry code or key sector (an item with neither is only offered for adoption and
    # applies to nobody by itself); one count, however large the scope.
    applies = bool(item.industry_prefixes.strip() or item.key_sector_id)
    applicable = (
        scoped(viewer, Enterprise).filter(pk__in=enterprises_touched_by(item).values("pk")).order_by().count()
        if applies
        else 0
    )
    events = core_selectors.audit_event_list(user=viewer).filter(
        object_type=RiskCatalogItem._meta.label_lower, object_id=str(item.pk)
    )
    audit_url = (
        f"{reverse('core:audit_list')}?object_type={RiskCatalogItem._meta.label_lower}&object_id={item.pk}"
    )
    context = {
        "item": item,
        "sector": catalogue_io.sector_label(item.sector),
        "confidence": catalogue_io.confidence_label(item.confidence),
        "applies": applies,
        "applicable_enterprises": applicable,
        "basis": catalogue_io.parse_basis(catalogue_io.basis_lines(item.basis)),
        "linked_risks": linked.count(),
        "linked_enterprises": linked.values("enterprise_id").distinct().count(),
        "events": events[:20] if viewer.is_admin else [],
        "audit_url": audit_url,
    }
    return render(request, "risks/catalogue/catalog_item_detail.html", context)


# --- Editing (admins) ------------------------------------------------------------------------


class CatalogItemForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=40)
    sector = forms.CharField(
        label=gettext_lazy("Catalogue sector"),
        max_length=40,
        help_text=gettext_lazy("A sector of the list, or a new one."),
    )
    key_sector = forms.ChoiceField(label=gettext_lazy("Key sector"), required=False)
    industry_prefixes = forms.CharField(
        label=gettext_lazy("Industry codes it applies to"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "GB/T 4754 codes or their first 2–4 digits, separated by spaces. An item with neither "
            "industry codes nor a key sector is only offered for adoption."
        ),
    )
    name = forms.CharField(label=gettext_lazy("Risk point"), max_length=200)
    typical_places = forms.CharField(label=gettext_lazy("Typical places"), max_length=300, required=False)
    hazard = forms.CharField(label=gettext_lazy("Hazard"), widget=forms.Textarea, max_length=2000)
    accident_types = forms.MultipleChoiceField(label=gettext_lazy("Accident types"))
    min_level = forms.ChoiceField(label=gettext_lazy("Minimum level"))
    measures = forms.CharField(
        label=gettext_lazy("Suggested measures"),
        widget=forms.Textarea,
        required=False,
        help_text=gettext_lazy("One measure per line."),
    )
    basis = forms.CharField(
        label=gettext_lazy("Legal basis"),
        widget=forms.Textarea,
        required=False,
        help_text=gettext_lazy(
            "One per line: document | clause | version (clause and version may be left out)."
        ),
    )
    source = forms.CharField(label=gettext_lazy("Source"), max_length=300, required=False)
    confidence = forms.ChoiceField(label=gettext_lazy("Confidence"), required=False)
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["key_sector"].choices = [("", "—"), *KeySector.objects.values_list("code", "name")]
        fields["accident_types"].choices = [(str(t.code), t.name) for t in AccidentType.objects.all()]
        fields["min_level"].choices = [
            (RiskLevel.MAJOR, RiskLevel.MAJOR.label),
            (RiskLevel.LARGE, RiskLevel.LARGE.label),
        ]
        fields["confidence"].choices = [
            ("", "—"),
            ("H", gettext_lazy("High")),
            ("M", gettext_lazy("Medium")),
            ("L", gettext_lazy("Low")),
        ]

    @staticmethod
    def initial_for(item: RiskCatalogItem) -> dict[str, Any]:
        return {
            "code": item.code,
            "sector": catalogue_io.sector_label(item.sector),
            "key_sector": item.key_sector_id or "",
            "industry_prefixes": item.industry_prefixes,
            "name": item.name,
            "typical_places": item.typical_places,
            "hazard": item.hazard,
            "accident_types": [str(t.code) for t in item.accident_types.all()],
            "min_level": item.min_level,
            "measures": "\n".join(item.measures or []),
            "basis": catalogue_io.basis_lines(item.basis),
            "source": item.source,
            "confidence": item.confidence,
            "active": item.active,
        }

    def service_data(self) -> dict[str, Any]:
        """The cleaned form as `catalog_item_save` takes it."""
        data = dict(self.cleaned_data)
        data["sector"] = catalogue_io.SECTOR_CODES.get(data["sector"].strip(), data["sector"].strip())
        data["key_sector"] = data["key_sector"] or None
        data["measures"] = data["measures"].splitlines()
        data["basis"] = catalogue_io.parse_basis(data["basis"])
        return data


def _item_form(request: HttpRequest, item: RiskCatalogItem | None) -> HttpResponse:
    actor = _require_admin(request.user)
    status = 200
    if request.method == "POST":
        form = CatalogItemForm(request.POST)
        if form.is_valid():
            try:
                saved = catalog_item_save(actor=actor, item=item, data=form.service_data())
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("The catalogue item has been saved."))
                return redirect("risks:catalog_item_detail", pk=saved.pk)
        status = 422
    else:
        initial = CatalogItemForm.initial_for(item) if item else {"active": True}
        form = CatalogItemForm(initial=initial)
    context = {
        "form": form,
        "item": item,
        "sectors": [label for _code, label in _sectors()],
    }
    return render(request, "risks/catalogue/catalog_item_form.html", context, status=status)


@login_required
@admin_route
def catalog_item_create(request: HttpRequest) -> HttpResponse:
    return _item_form(request, None)


@login_required
@admin_route
def catalog_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A change of level, hazard, accident types, measures or scope opens re-assessment tasks
    at the enterprises whose risks rest on the item (the service does it)."""
    _require_admin(request.user)
    item = get_or_404(request.user, RiskCatalogItem.objects.prefetch_related("accident_types"), pk=pk)
    return _item_form(request, item)


# --- Import (admins) -------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Catalogue file (.xlsx or .json)"))
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check and count only, write nothing"),
        required=False,
        initial=True,  # ticked until the admin has seen what the file would do
        help_text=gettext_lazy("Untick to import for real once the dry run's result looks right."),
    )


def _result_lists(result: catalogue_io.CatalogueImportResult) -> list[tuple[str, str, list[list[str]], int]]:
    """(title, kind, [code, name] listed, count) of the created and the updated items."""
    if result.dry_run:
        created, updated = _("Items that would be created"), _("Items that would be updated")
    else:
        created, updated = _("Items created"), _("Items updated")
    return [
        (created, "created", result.created_items, result.created),
        (updated, "updated", result.updated_items, result.updated),
    ]


@login_required
@admin_route
def catalog_import(request: HttpRequest) -> HttpResponse:
    """Upload an Excel or JSON catalogue. The outcome is kept in the session and shown after a
    redirect (so a reload does not import twice); `?errors=xlsx` downloads its error workbook."""
    actor = _require_admin(request.user)
    stored = request.session.get(SESSION_KEY)
    last = catalogue_io.CatalogueImportResult.from_dict(stored) if stored else None
    if request.GET.get("errors") == "xlsx":
        if last is None or not last.rejected:
            raise Http404
        response = HttpResponse(catalogue_io.error_workbook(last), content_type=catalogue_io.XLSX)
        filename = f"{last.name.rsplit('.', 1)[0]}-错误明细.xlsx"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
        return response
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = catalogue_io.catalogue_import(
                actor=actor,
                name=upload.name,
                content=upload.read(),
                dry_run=form.cleaned_data["dry_run"],
            )
        except DomainError as exc:
            form.add_error("file" if exc.field == "file" else None, exc.message)
        else:
            request.session[SESSION_KEY] = result.as_dict()
            return redirect(f"{reverse('risks:catalog_import')}?result=1")
    status = 422 if request.method == "POST" else 200
    # After a refused upload the form's error stands alone, not beside the previous result.
    shown = last if request.GET.get("result") and request.method != "POST" else None
    context = {"form": form, "result": shown, "result_lists": _result_lists(shown) if shown else []}
    return render(request, "risks/catalogue/catalog_import.html", context, status=status)
