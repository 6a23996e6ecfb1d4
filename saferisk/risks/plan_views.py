"""Pages of the four-colour risk distribution plan (四色分布图): the enterprise's site plan with
its risk areas drawn over it, each coloured by the most severe active risk inside.

Thin: the page posts one of three actions (upload the plan, save an area, delete an area) to
the services in `site_plan.py`; a `DomainError` becomes a form error (status 422) and changes
nothing. Drawing happens in the browser (static/saferisk/site_plan.js), which sends the points
as fractions of the image size in a hidden field. The enterprise's own users (and admins) draw;
regulators who can see the enterprise read. The forms are small and only used here, so they
live in this module."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from saferisk.core.errors import DomainError, NotFound
from saferisk.core.models import User
from saferisk.core.routes import object_route
from saferisk.core.scoping import scoped
from saferisk.core.views import get_or_404
from saferisk.enterprises.models import Enterprise
from saferisk.risks import assessment, site_plan
from saferisk.risks.choices import AreaShape, RiskStatus
from saferisk.risks.models import Risk, RiskArea, SitePlan
from saferisk.risks.services import LEVEL_ORDER, may_keep_register

# --- Forms (types only; the services decide what is allowed) ------------------------------------


class PlanUploadForm(forms.Form):
    image = forms.FileField(
        label=gettext_lazy("Site plan image (PNG, JPG, GIF, BMP or WEBP, at most 15 MB)"),
        required=False,  # the service says what is wrong, in the words of the other upload errors
    )


class IdListField(forms.Field):
    """The ids of the ticked checkboxes, as given: the service checks that they are the
    enterprise's risks."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value: Any) -> list[str]:
        return [str(v) for v in value or []]


class AreaForm(forms.Form):
    area = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=gettext_lazy("Area name"), required=False, strip=True)
    shape = forms.CharField(required=False, widget=forms.HiddenInput)
    points = forms.CharField(required=False, widget=forms.HiddenInput)
    risks = IdListField(label=gettext_lazy("Risks in this area"), required=False)

    def clean_points(self) -> list[Any]:
        raw = self.cleaned_data["points"]
        if not raw:
            raise forms.ValidationError(_("Draw the area on the plan first."))
        try:
            value = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_("The points of the area could not be read.")) from None
        if not isinstance(value, list):
            raise forms.ValidationError(_("The points of the area could not be read."))
        return value


# --- Context shared with the register page ------------------------------------------------------


def _geometry(plan: SitePlan) -> dict[str, float]:
    """Sizes in image pixels (the SVG's units), so they look the same at any display size."""
    side = max(plan.width, plan.height)
    radius = max(8.0, side / 50)
    return {
        "radius": radius,
        "marker_font": radius * 1.1,
        "font": max(10.0, side / 40),
        "stroke": max(1.5, side / 500),
    }


def plan_areas(enterprise: Enterprise, plan: SitePlan | None) -> list[dict[str, Any]]:
    """`site_plan.areas_with_colours` plus what the SVG needs, in image pixels: `svg_points`
    ("x,y x,y …"), `x`/`y` (the marker or the label's place), `radius` and `font`."""
    areas = site_plan.areas_with_colours(enterprise)
    if plan is None:
        return areas
    w, h = plan.width, plan.height
    sizes = _geometry(plan)
    for area in areas:
        points = area["points"] or [[0, 0]]
        lx, ly = site_plan.label_point(area["shape"], points)
        area.update(
            svg_points=" ".join(f"{x * w:.1f},{y * h:.1f}" for x, y in points),
            x=round(lx * w, 1),
            y=round(ly * h, 1),
            is_marker=area["shape"] == AreaShape.MARKER,
            **sizes,
        )
    return areas


def plan_context(enterprise: Enterprise) -> dict[str, Any]:
    """What `risks/plan/_plan_card.html` needs besides `enterprise`: `plan` (the `SitePlan` or
    None) and `areas` (from `plan_areas`). The caller has already fetched `enterprise` through
    the viewer's scope."""
    plan = SitePlan.objects.filter(enterprise=enterprise).first()
    return {"plan": plan, "areas": plan_areas(enterprise, plan)}


def _level_key() -> list[dict[str, str]]:
    from saferisk.risks.schemes import level_styles

    styles = level_styles()
    key = [{"label": styles[code]["label"], "colour": styles[code]["colour"]} for code in assessment.LEVELS]
    return [*key, {"label": _("No active risk"), "colour": site_plan.NO_RISK_COLOUR}]


# --- Pages ----------------------------------------------------------------------------------------


def _form_error(form: forms.Form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _area_or_404(actor: User, enterprise: Enterprise, value: Any) -> RiskArea:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    area = scoped(actor, RiskArea).filter(enterprise=enterprise, pk=pk).first()
    if area is None:
        raise Http404
    return area


def _post(
    request: HttpRequest, actor: User, enterprise: Enterprise, forms_: dict[str, forms.Form]
) -> HttpResponse | None:
    """Carry out the posted action; a redirect when done, None to show the page again (422)."""
    action = request.POST.get("action")
    page = reverse("risks:site_plan", args=[enterprise.pk])
    form: forms.Form
    try:
        if action == "upload":
            form = forms_["upload"] = PlanUploadForm(request.POST, request.FILES)
            if form.is_valid():
                site_plan.site_plan_upload(
                    actor=actor, enterprise=enterprise, file=form.cleaned_data["image"]
                )
                messages.success(request, _("The site plan has been uploaded."))
                return redirect(page)
        elif action == "save":
            form = forms_["area"] = AreaForm(request.POST)
            area = _area_or_404(actor, enterprise, request.POST["area"]) if request.POST.get("area") else None
            if form.is_valid():
                data = form.cleaned_data
                saved = site_plan.risk_area_save(
                    actor=actor,
                    enterprise=enterprise,
                    area=area,
                    data={k: data[k] for k in ("name", "shape", "points", "risks")},
                )
                messages.success(request, _("The area “%(name)s” has been saved.") % {"name": saved.name})
                return redirect(f"{page}#area-{saved.pk}")
        elif action == "delete":
            area = _area_or_404(actor, enterprise, request.POST.get("area"))
            name = area.name
            try:
                site_plan.risk_area_delete(actor=actor, area=area)
            except NotFound:
                raise
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("The area “%(name)s” has been removed.") % {"name": name})
            return redirect(page)
        else:
            raise Http404
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        _form_error(form, exc)
    return None


@login_required
@object_route(Enterprise)
def site_plan_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The four-colour plan: the plan image with the areas over it and their legend; for the
    enterprise's own users also the drawing tools, the area form and the upload form.
    `?area=<id>` opens an area in the form for changing."""
    actor: User = request.user  # type: ignore[assignment]
    enterprise = get_or_404(actor, Enterprise, pk=pk)
    can_edit = may_keep_register(actor, enterprise)
    forms_: dict[str, forms.Form] = {}
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        done = _post(request, actor, enterprise, forms_)
        if done is not None:
            return done
        status = 422
    context = plan_context(enterprise)
    areas = context["areas"]
    editing = None
    wanted = request.POST.get("area") if "area" in forms_ else request.GET.get("area")
    if can_edit and wanted:
        editing = next((a for a in areas if str(a["id"]) == str(wanted)), None)
        if editing is None:
            raise Http404
    area_form = forms_.get("area") or AreaForm(
        initial={
            "area": editing["id"],
            "name": editing["name"],
            "shape": editing["shape"],
            "points": json.dumps(editing["points"]),
        }
        if editing
        else {"shape": AreaShape.POLYGON}
    )
    if area_form.is_bound:
        checked = {str(v) for v in area_form.data.getlist("risks")}  # type: ignore[attr-defined]
    else:
        checked = {str(i) for i in (editing["risks"] if editing else [])}
    risks = (
        scoped(actor, Risk)
        .filter(Q(status=RiskStatus.ACTIVE) | Q(pk__in=[int(i) for i in checked if i.isdigit()]))
        .filter(enterprise=enterprise)
        .order_by(LEVEL_ORDER, "name", "id")
        .only("pk", "name", "place", "level", "status")
        if can_edit
        else Risk.objects.none()
    )
    from saferisk.risks.schemes import level_styles

    styles = level_styles()
    context.update(
        enterprise=enterprise,
        can_edit=can_edit,
        editing=editing,
        area_form=area_form,
        upload_form=forms_.get("upload") or PlanUploadForm(),
        risk_choices=[
            {
                "pk": r.pk,
                "name": r.name,
                "place": r.place,
                "label": styles.get(r.level, {}).get("label", r.level),
                "colour": styles.get(r.level, {}).get("colour", site_plan.NO_RISK_COLOUR),
                "retired": r.status == RiskStatus.RETIRED,
                "checked": str(r.pk) in checked,
            }
            for r in risks
        ],
        level_key=_level_key(),
        shapes={"polygon": AreaShape.POLYGON.value, "marker": AreaShape.MARKER.value},
    )
    return render(request, "risks/plan/site_plan.html", context, status=status)


def _plan_or_redirect(actor: User, enterprise: Enterprise, request: HttpRequest) -> SitePlan | None:
    plan = scoped(actor, SitePlan).filter(enterprise=enterprise).first()
    if plan is None or not plan.image:
        messages.info(request, _("No site plan has been uploaded yet."))
        return None
    return plan


@login_required
@object_route(Enterprise)
def site_plan_image(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The stored plan image, only for users who may see the enterprise (files are never
    public). Without a plan, back to the plan page (which offers the upload)."""
    actor: User = request.user  # type: ignore[assignment]
    enterprise = get_or_404(actor, Enterprise, pk=pk)
    plan = _plan_or_redirect(actor, enterprise, request)
    if plan is None:
        return redirect("risks:site_plan", pk=enterprise.pk)
    try:
        handle = plan.image.open("rb")
    except (FileNotFoundError, SuspiciousFileOperation):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@object_route(Enterprise)
def site_plan_png(request: HttpRequest, pk: int) -> HttpResponse:
    """The coloured plan as a PNG download, numbered like the page's legend."""
    actor: User = request.user  # type: ignore[assignment]
    enterprise = get_or_404(actor, Enterprise, pk=pk)
    if _plan_or_redirect(actor, enterprise, request) is None:
        return redirect("risks:site_plan", pk=enterprise.pk)
    try:
        content = site_plan.render_plan_png(enterprise)
    except FileNotFoundError:
        raise Http404 from None
    if content is None:
        raise Http404
    filename = f"{enterprise.name}-四色风险分布图.png"
    return HttpResponse(
        content,
        content_type="image/png",
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )
