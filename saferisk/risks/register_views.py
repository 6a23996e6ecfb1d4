"""Pages of the risk register: the register of an enterprise, the risk form with a live level,
a risk's page with its history, bulk edit, adoption of catalogue suggestions, re-assessment
tasks and the assessment schemes.

Thin: parse input, call a service, render. A `DomainError` becomes a message on the form
(status 422) and changes nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from saferisk.core.errors import DomainError
from saferisk.core.models import AccidentType, HazardFactor, User
from saferisk.core.routes import admin_route, object_route, personal_route, reference_route
from saferisk.core.scoping import can
from saferisk.core.views import get_or_404
from saferisk.enterprises.models import Enterprise
from saferisk.risks import assessment, reassessment, schemes, services
from saferisk.risks.choices import (
    AssessmentMethod,
    ControlTier,
    MeasureKind,
    ReassessmentTrigger,
    RiskLevel,
    RiskStatus,
)
from saferisk.risks.forms import FACTOR_LABELS, FACTORS, basis_text, risk_form_data
from saferisk.risks.models import (
    AssessmentScheme,
    ReassessmentItem,
    ReassessmentTask,
    Risk,
    RiskCatalogItem,
    RiskVersion,
)

PAGE_SIZE = 100
BLANK_MEASURE_ROWS = 3


def _enterprise(request: HttpRequest, pk: int) -> Enterprise:
    return get_or_404(request.user, Enterprise.objects.select_related("region", "industry"), pk=pk)


# --- The register ------------------------------------------------------------------------------------


@login_required
@personal_route
def register_mine(request: HttpRequest) -> HttpResponse:
    """The menu entry of enterprise users: their own register. Others pick an enterprise from
    the directory (each enterprise's page links its register)."""
    user: User = request.user  # type: ignore[assignment]
    if not user.enterprise_id:
        return redirect("enterprises:enterprise_list")
    return redirect("risks:register", pk=user.enterprise_id)


def register_queryset(enterprise: Enterprise, params: Any) -> Any:
    qs = Risk.objects.filter(enterprise=enterprise).prefetch_related("accident_types", "measures")
    status = params.get("status", RiskStatus.ACTIVE)
    if status in RiskStatus.values:
        qs = qs.filter(status=status)
    if params.get("level") in RiskLevel.values:
        qs = qs.filter(level=params["level"])
    if params.get("tier") in ControlTier.values:
        qs = qs.filter(control_tier=params["tier"])
    if params.get("accident_type", "").isdigit():
        qs = qs.filter(accident_types=int(params["accident_type"]))
    if params.get("q"):
        term = params["q"].strip()
        qs = qs.filter(
            Q(name__icontains=term)
            | Q(place__icontains=term)
            | Q(part__icontains=term)
            | Q(owner_name__icontains=term)
        )
    return qs.order_by(services.LEVEL_ORDER, "place", "id")


@login_required
@object_route(Enterprise)
def register(request: HttpRequest, pk: int) -> HttpResponse:
    """风险分级管控清单: an enterprise's risks by level with colours, its completeness gap,
    open re-assessment tasks and the four-colour plan."""
    user: User = request.user  # type: ignore[assignment]
    enterprise = _enterprise(request, pk)
    qs = register_queryset(enterprise, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = dict(
        Risk.objects.filter(enterprise=enterprise, status=RiskStatus.ACTIVE)
        .values_list("level")
        .annotate(n=Count("id"))
        .values_list("level", "n")
    )
    styles = schemes.level_styles()
    context: dict[str, Any] = {
        "enterprise": enterprise,
        "page": page,
        "styles": styles,
        "levels": [(code, styles[code], counts.get(code, 0)) for code in assessment.LEVELS],
        "total": sum(counts.values()),
        "can_edit": services.may_keep_register(user, enterprise),
        "gap": services.completeness_gap(enterprise),
        "tasks": reassessment.open_tasks(enterprise),
        "tiers": ControlTier.choices,
        "statuses": RiskStatus.choices,
        "accident_types": AccidentType.objects.order_by("code"),
        "params": request.GET,
        "changed": _changed_since_baseline(enterprise),
    }
    context.update(_plan_context(enterprise))
    return render(request, "risks/register.html", context)


def _plan_context(enterprise: Enterprise) -> dict[str, Any]:
    from saferisk.risks.plan_views import plan_context  # the four-colour plan card (imports us)

    return {"plan_card_template": "risks/plan/_plan_card.html", **plan_context(enterprise)}


def _changed_since_baseline(enterprise: Enterprise) -> list[dict[str, Any]]:
    """Risks changed since the last submitted report. Until reports exist (issue 5 adds them),
    the baseline is each risk's first version: what changed since it was first registered."""
    changed = []
    for risk in Risk.objects.filter(enterprise=enterprise, version__gt=1).order_by("-updated_at")[:20]:
        changed.append({"risk": risk, "version": risk.version})
    return changed


@login_required
@require_POST
@object_route(Enterprise)
def register_bulk(request: HttpRequest, pk: int) -> HttpResponse:
    """Bulk edit of owner, phone, department and tier of the ticked risks."""
    user: User = request.user  # type: ignore[assignment]
    enterprise = _enterprise(request, pk)
    if not services.may_keep_register(user, enterprise):
        raise PermissionDenied
    ids = [int(v) for v in request.POST.getlist("risk") if v.isdigit()]
    try:
        changed = services.risk_bulk_update(
            actor=user, enterprise=enterprise, risk_ids=ids, data=request.POST.dict()
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)d risks changed.") % {"n": changed})
    return redirect(request.POST.get("next") or f"/risks/enterprises/{enterprise.pk}/register/")


@login_required
@require_POST
@object_route(Enterprise)
def risk_adopt(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    """Adopt a catalogue suggestion into the register in one click (pre-filled, to review)."""
    user: User = request.user  # type: ignore[assignment]
    enterprise = _enterprise(request, pk)
    if not services.may_keep_register(user, enterprise):
        raise PermissionDenied
    catalog_item = RiskCatalogItem.objects.filter(pk=item, active=True).first()
    if catalog_item is None:
        raise Http404
    try:
        risk = services.risk_adopt(actor=user, enterprise=enterprise, item=catalog_item)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("risks:register", pk=enterprise.pk)
    messages.success(request, _("Added from the catalogue. Check the owner and sort the measures by kind."))
    return redirect("risks:risk_edit", pk=risk.pk)


# --- The risk form -----------------------------------------------------------------------------------


def _form_context(
    enterprise: Enterprise, risk: Risk | None, values: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    scheme = schemes.scheme_in_force()
    scales = {
        method: {
            name: [(assessment.plain_number(v.value), v.meaning) for v in scale]
            for name, scale in schemes.method_config(scheme, method).factors.items()
        }
        for method in FACTORS
    }
    measures = list(values.get("measures") or [])
    measures += [{"kind": "", "text": ""}] * BLANK_MEASURE_ROWS
    return {
        "enterprise": enterprise,
        "risk": risk,
        "v": values,
        "errors": errors,
        "scheme": scheme,
        "scales": scales,
        "factor_labels": FACTOR_LABELS,
        "styles": schemes.level_styles(scheme),
        "levels": RiskLevel.choices,
        "tiers": ControlTier.choices,
        "kinds": MeasureKind.choices,
        "methods": AssessmentMethod.choices,
        "measures": measures,
        "accident_types": AccidentType.objects.order_by("code"),
        "hazard_factors": HazardFactor.objects.order_by("code"),
        "catalog_groups": _catalog_groups(enterprise),
        "preview": _preview(values),
    }


def _catalog_groups(enterprise: Enterprise) -> list[tuple[str, list[RiskCatalogItem]]]:
    """The catalogue for the form's select: first the items that apply to this enterprise."""
    from saferisk.risks.catalogue import applicable_items

    mine = list(applicable_items(enterprise))
    ids = {i.pk for i in mine}
    others = [
        i for i in RiskCatalogItem.objects.filter(active=True).order_by("sector", "code") if i.pk not in ids
    ]
    return [(str(_("Applies to this enterprise")), mine), (str(_("Other catalogue items")), others)]


def _values_of(risk: Risk) -> dict[str, Any]:
    """The form's values for an existing risk (the same shape as `risk_form_data`)."""
    data: dict[str, Any] = {name: getattr(risk, name) for name in services.TEXT_FIELDS}
    data.update(
        owner_phone=risk.owner_phone,
        people_exposed=risk.people_exposed if risk.people_exposed is not None else "",
        control_tier=risk.control_tier,
        catalog_item=risk.catalog_item_id,
        accident_types=list(risk.accident_types.values_list("pk", flat=True)),
        hazard_factors=list(risk.hazard_factors.values_list("pk", flat=True)),
        method=risk.method,
        inputs=risk.inputs,
        level=risk.level,
        level_reason=risk.level_reason,
        override=risk.level != risk.computed_level,
        residual={"inputs": risk.residual_inputs, "level": risk.residual_level}
        if risk.residual_level
        else None,
        measures=[{"kind": m.kind, "text": m.text} for m in risk.measures.all()],
        basis_text=basis_text(risk.basis),
    )
    return data


def _posted_values(post: Any) -> dict[str, Any]:
    data = risk_form_data(post)
    data["override"] = bool(post.get("override"))
    data["basis_text"] = post.get("basis", "")
    if data["method"] == AssessmentMethod.DIRECT:
        data["direct_level"] = data.get("level", "")
    return data


def _preview(values: dict[str, Any]) -> dict[str, Any]:
    """The level the inputs give now (the live preview beside the form)."""
    method = values.get("method") or ""
    item_id = str(values.get("catalog_item") or "")
    catalog = RiskCatalogItem.objects.filter(pk=int(item_id)).first() if item_id.isdigit() else None
    minimum = catalog.min_level if catalog else None
    out: dict[str, Any] = {"method": method, "minimum": minimum}
    try:
        if method in FACTORS:
            config = schemes.method_config(schemes.scheme_in_force(), method)
            result = assessment.assess(
                config, **{k.upper(): v for k, v in (values.get("inputs") or {}).items()}
            )
            level = assessment.more_severe(result.level, minimum) if minimum else result.level
            out.update(
                score=assessment.plain_number(result.score),
                formula=" × ".join(str(assessment.plain_number(v)) for v in result.inputs.values()),
                factors=" × ".join(result.inputs),
                level=level,
                raised=level != result.level,
                version=result.version,
            )
            residual = values.get("residual") or {}
            if residual.get("inputs"):
                res = assessment.assess(config, **{k.upper(): v for k, v in residual["inputs"].items()})
                out.update(residual_level=res.level, residual_score=assessment.plain_number(res.score))
        elif method == AssessmentMethod.DIRECT and values.get("level"):
            out["level"] = assessment.direct(values["level"], minimum=minimum)
    except assessment.AssessmentError as exc:
        out["error"] = exc.message
    except DomainError as exc:
        out["error"] = exc.message
    if (
        values.get("override")
        and values.get("level")
        and out.get("level")
        and values["level"] != out["level"]
    ):
        out["override"] = values["level"]
        if minimum and assessment.more_severe(values["level"], minimum) != values["level"]:
            out["override_error"] = _("The catalogue item requires at least %(level)s.") % {
                "level": assessment.LEVEL_NAMES[minimum]
            }
    return out


@login_required
@reference_route
def risk_assess(request: HttpRequest) -> HttpResponse:
    """The live level of the risk form (htmx): the posted inputs graded by the scheme in force."""
    source = request.POST if request.method == "POST" else request.GET
    values = _posted_values(source)
    return render(
        request, "risks/_level_preview.html", {"preview": _preview(values), "styles": schemes.level_styles()}
    )


def _save(request: HttpRequest, enterprise: Enterprise, risk: Risk | None) -> HttpResponseBase:
    user: User = request.user  # type: ignore[assignment]
    if not services.may_keep_register(user, enterprise):
        raise PermissionDenied
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            saved = services.risk_save(
                actor=user, enterprise=enterprise, risk=risk, data=risk_form_data(request.POST)
            )
        except DomainError as exc:
            errors[exc.field or "form"] = exc.message
            errors.setdefault("form", exc.message)
            values = _posted_values(request.POST)
        else:
            messages.success(request, _("Risk saved (version %(v)d).") % {"v": saved.version})
            return redirect("risks:risk_detail", pk=saved.pk)
    else:
        values = _values_of(risk) if risk else {"method": AssessmentMethod.LEC, "measures": []}
    context = _form_context(enterprise, risk, values, errors)
    return render(request, "risks/risk_form.html", context, status=422 if errors else 200)


@login_required
@object_route(Enterprise)
def risk_create(request: HttpRequest, pk: int) -> HttpResponseBase:
    enterprise = _enterprise(request, pk)
    if not services.may_keep_register(request.user, enterprise):  # type: ignore[arg-type]
        return redirect("risks:register", pk=enterprise.pk)  # regulators read the register
    return _save(request, enterprise, None)


@login_required
@object_route(Risk)
def risk_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    risk = get_or_404(request.user, Risk.objects.select_related("enterprise"), pk=pk)
    if not services.may_keep_register(request.user, risk.enterprise):  # type: ignore[arg-type]
        return redirect("risks:risk_detail", pk=risk.pk)
    return _save(request, risk.enterprise, risk)


# --- A risk's page: fields, controls, history ----------------------------------------------------------


def _shown(field: str, value: Any) -> str:
    """A stored value as a person reads it in the history (levels and tiers by name)."""
    if value in (None, "", [], {}):
        return "—"
    if field in {"level", "computed_level", "residual_level"}:
        return assessment.LEVEL_NAMES.get(str(value), str(value))
    if field == "control_tier":
        return str(dict(ControlTier.choices).get(value, value))
    if field == "status":
        return str(dict(RiskStatus.choices).get(value, value))
    if field == "measures":
        return "；".join(str(m.get("text", "")) for m in value)
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def _version_changes(versions: list[RiskVersion]) -> list[dict[str, Any]]:
    """Each version with what changed from the one before it: field, old value → new value."""
    labels = _field_labels()
    out = []
    previous: dict[str, Any] | None = None
    for version in versions:
        data = version.data or {}
        changes = []
        if previous is not None:
            for key in sorted(k for k in data if previous.get(k) != data.get(k)):
                changes.append(
                    {
                        "field": key,
                        "label": labels.get(key, key),
                        "old": _shown(key, previous.get(key)),
                        "new": _shown(key, data.get(key)),
                    }
                )
        out.append({"version": version, "changes": changes, "first": previous is None})
        previous = data
    return list(reversed(out))


@login_required
@object_route(Risk)
def risk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    risk = get_or_404(
        user,
        Risk.objects.select_related("enterprise", "catalog_item").prefetch_related(
            "accident_types", "hazard_factors", "measures"
        ),
        pk=pk,
    )
    grouped: dict[str, list[str]] = {}
    for m in risk.measures.all():
        grouped.setdefault(m.get_kind_display(), []).append(m.text)
    versions = list(RiskVersion.objects.filter(risk=risk).select_related("changed_by").order_by("version"))
    return render(
        request,
        "risks/risk_detail.html",
        {
            "risk": risk,
            "enterprise": risk.enterprise,
            "grouped": grouped,
            "history": _version_changes(versions),
            "styles": schemes.level_styles(),
            "can_edit": services.may_keep_register(user, risk.enterprise),
            "open_items": ReassessmentItem.objects.filter(risk=risk, done_at__isnull=True).select_related(
                "task"
            ),
        },
    )


def _field_labels() -> dict[str, str]:
    labels = {f.name: str(f.verbose_name) for f in Risk._meta.get_fields() if hasattr(f, "verbose_name")}
    labels.update(
        catalog_item_id=str(Risk._meta.get_field("catalog_item").verbose_name), measures=_("Control measures")
    )
    return labels


@login_required
@require_POST
@object_route(Risk)
def risk_retire(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    risk = get_or_404(user, Risk.objects.select_related("enterprise"), pk=pk)
    if not services.may_keep_register(user, risk.enterprise):
        raise PermissionDenied
    try:
        services.risk_retire(actor=user, risk=risk, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Risk retired. It stays in the history."))
    return redirect("risks:risk_detail", pk=risk.pk)


@login_required
@require_POST
@object_route(Risk)
def risk_restore(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    risk = get_or_404(user, Risk.objects.select_related("enterprise"), pk=pk)
    if not services.may_keep_register(user, risk.enterprise):
        raise PermissionDenied
    try:
        services.risk_restore(actor=user, risk=risk, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Risk restored to the register."))
    return redirect("risks:risk_detail", pk=risk.pk)


# --- Re-assessment tasks --------------------------------------------------------------------------------


@login_required
@object_route(Enterprise)
def reassessment_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a re-assessment after a change of process, equipment or materials, or an accident."""
    user: User = request.user  # type: ignore[assignment]
    enterprise = _enterprise(request, pk)
    risks = Risk.objects.filter(enterprise=enterprise, status=RiskStatus.ACTIVE).order_by(
        services.LEVEL_ORDER, "place"
    )
    error = None
    status = 200
    if request.method == "POST":
        ids = {int(v) for v in request.POST.getlist("risk") if v.isdigit()}
        try:
            task = reassessment.reassessment_open(
                actor=user,
                enterprise=enterprise,
                trigger=request.POST.get("trigger", ""),
                description=request.POST.get("description", ""),
                risks=[r for r in risks if r.pk in ids] if ids else None,
                deaths=request.POST.get("deaths"),
                serious_injuries=request.POST.get("serious_injuries"),
            )
        except DomainError as exc:
            error, status = exc.message, 422
        else:
            messages.success(request, _("Re-assessment opened on %(n)d risks.") % {"n": task.items.count()})
            return redirect("risks:reassessment_detail", pk=task.pk)
    triggers = [(v, label) for v, label in ReassessmentTrigger.choices if v != ReassessmentTrigger.CATALOGUE]
    return render(
        request,
        "risks/reassessment_form.html",
        {
            "enterprise": enterprise,
            "risks": risks,
            "triggers": triggers,
            "error": error,
            "post": request.POST,
            "styles": schemes.level_styles(),
        },
        status=status,
    )


@login_required
@object_route(ReassessmentTask)
def reassessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    task = get_or_404(user, ReassessmentTask.objects.select_related("enterprise", "opened_by"), pk=pk)
    items = task.items.select_related("risk").order_by("done_at", "risk__place")
    return render(
        request,
        "risks/reassessment_detail.html",
        {
            "task": task,
            "items": items,
            "can_edit": services.may_keep_register(user, task.enterprise),
            "styles": schemes.level_styles(),
        },
    )


@login_required
@require_POST
@object_route(ReassessmentItem)
def reassessment_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The risk was re-assessed and nothing changes: record it with the conclusion."""
    user: User = request.user  # type: ignore[assignment]
    item = get_or_404(user, ReassessmentItem.objects.select_related("task__enterprise", "risk"), pk=pk)
    if not can(user, "change", item) or not services.may_keep_register(user, item.task.enterprise):
        raise PermissionDenied
    try:
        reassessment.reassessment_confirm(actor=user, item=item, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Recorded: %(risk)s re-assessed, unchanged.") % {"risk": item.risk.name})
    return redirect("risks:reassessment_detail", pk=item.task_id)


# --- Assessment schemes -----------------------------------------------------------------------------------


@login_required
@reference_route
def scheme_list(request: HttpRequest) -> HttpResponse:
    """The assessment schemes, the one in force marked, with their scales and bands."""
    in_force = schemes.scheme_in_force()
    rows = []
    for scheme in AssessmentScheme.objects.all():
        rows.append(
            {
                "scheme": scheme,
                "in_force": scheme.pk == in_force.pk,
                "lec": schemes.method_config(scheme, "lec"),
                "ls": schemes.method_config(scheme, "ls"),
                "styles": schemes.level_styles(scheme),
            }
        )
    return render(request, "risks/scheme_list.html", {"rows": rows, "tiers": dict(ControlTier.choices)})


@login_required
@admin_route
def scheme_create(request: HttpRequest) -> HttpResponse:
    """A new scheme from a date (admins). Pre-filled with the one in force, as JSON to edit."""
    import json

    user: User = request.user  # type: ignore[assignment]
    if not user.is_admin:
        raise PermissionDenied
    current = schemes.scheme_in_force()
    error = None
    if request.method == "POST":
        try:
            data: dict[str, Any] = {
                "version": request.POST.get("version"),
                "name": request.POST.get("name"),
                "effective_from": request.POST.get("effective_from"),
                "note": request.POST.get("note"),
                "lec": json.loads(request.POST.get("lec") or "null"),
                "ls": json.loads(request.POST.get("ls") or "null"),
                "levels": {
                    code: {
                        "label": request.POST.get(f"label_{code}", ""),
                        "colour": request.POST.get(f"colour_{code}", ""),
                        "tier": request.POST.get(f"tier_{code}", ""),
                    }
                    for code in assessment.LEVELS
                },
            }
            scheme = schemes.scheme_create(actor=user, data=data)
        except json.JSONDecodeError as exc:
            error = _("The scales are not valid JSON: check near line %(line)d, column %(col)d.") % {
                "line": exc.lineno,
                "col": exc.colno,
            }
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Scheme %(v)s saved.") % {"v": scheme.version})
            return redirect("risks:scheme_list")
    values = {
        "lec": request.POST.get("lec") or json.dumps(current.lec, ensure_ascii=False, indent=2),
        "ls": request.POST.get("ls") or json.dumps(current.ls, ensure_ascii=False, indent=2),
    }
    return render(
        request,
        "risks/scheme_form.html",
        {
            "current": current,
            "values": values,
            "post": request.POST,
            "error": error,
            "styles": schemes.level_styles(current),
            "tiers": ControlTier.choices,
        },
        status=422 if error else 200,
    )
