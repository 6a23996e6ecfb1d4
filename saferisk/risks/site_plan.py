"""The four-colour risk distribution plan (四色分布图): the enterprise's site plan with risk
areas drawn on it, each coloured by the most severe active risk inside it.

Uploads are checked by content (Pillow must open them), limited in size and re-encoded as PNG,
so what is stored is always a clean image of known dimensions. Area points are fractions of the
image's width and height."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageDraw, UnidentifiedImageError

from saferisk.core.audit import audit_record
from saferisk.core.errors import DomainError, NotFound
from saferisk.core.models import User
from saferisk.enterprises.models import Enterprise
from saferisk.risks import assessment
from saferisk.risks.choices import AreaShape, RiskStatus
from saferisk.risks.models import Risk, RiskArea, SitePlan

UPLOAD_MAX_BYTES = 15 * 1024 * 1024
MAX_SIDE = 4000  # larger plans are scaled down: enough for A3 at 300 dpi
MAX_POINTS = 200
NO_RISK_COLOUR = "#9E9E9E"


def _require_editor(actor: User, enterprise: Enterprise) -> None:
    from saferisk.risks.services import _require_editor as require

    require(actor, enterprise)


@transaction.atomic
def site_plan_upload(*, actor: User, enterprise: Enterprise, file: Any) -> SitePlan:
    """Store (or replace) the site plan. Drawn areas are kept: their points are relative."""
    _require_editor(actor, enterprise)
    size = getattr(file, "size", 0) or 0
    if size <= 0:
        raise DomainError("file_empty", "请选择厂区平面图文件", field="image")
    if size > UPLOAD_MAX_BYTES:
        raise DomainError("file_too_large", "平面图不能超过15MB", field="image")
    try:
        file.seek(0)
        with Image.open(file) as probe:
            probe.verify()
        file.seek(0)
        with Image.open(file) as opened:
            if opened.format not in {"PNG", "JPEG", "GIF", "BMP", "WEBP"}:
                raise DomainError(
                    "file_type_invalid", "平面图应为 PNG、JPG、GIF、BMP 或 WEBP 图片", field="image"
                )
            image = opened.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise DomainError(
            "file_type_invalid", "无法识别该图片，请上传 PNG 或 JPG 格式的平面图", field="image"
        ) from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    plan = SitePlan.objects.filter(enterprise=enterprise).first() or SitePlan(enterprise=enterprise)
    replaced = plan.pk is not None
    if replaced and plan.image:
        plan.image.delete(save=False)
    plan.width, plan.height = image.size
    plan.uploaded_by = actor
    plan.image.save(f"plan-{enterprise.pk}.png", ContentFile(out.getvalue()), save=False)
    plan.save()
    audit_record(
        actor=actor,
        action="site_plan.uploaded",
        obj=plan,
        changes={"width": plan.width, "height": plan.height, "replaced": replaced},
    )
    return plan


def _points(shape: str, value: Any) -> list[list[float]]:
    try:
        points = [[round(float(x), 5), round(float(y), 5)] for x, y in value or []]
    except (TypeError, ValueError):
        raise DomainError("points_invalid", "区域坐标无效", field="points") from None
    if any(not (0 <= x <= 1 and 0 <= y <= 1) for x, y in points):
        raise DomainError("points_invalid", "区域应画在平面图范围内", field="points")
    if shape == AreaShape.MARKER and len(points) != 1:
        raise DomainError("points_invalid", "标记应只有一个点", field="points")
    if shape == AreaShape.POLYGON and not 3 <= len(points) <= MAX_POINTS:
        raise DomainError("points_invalid", f"区域应有3至{MAX_POINTS}个顶点", field="points")
    return points


@transaction.atomic
def risk_area_save(
    *, actor: User, enterprise: Enterprise, area: RiskArea | None = None, data: Mapping[str, Any]
) -> RiskArea:
    """Draw or change an area: `name`, `shape` (polygon or marker), `points`, `risks` (ids)."""
    _require_editor(actor, enterprise)
    if not SitePlan.objects.filter(enterprise=enterprise).exists():
        raise DomainError("no_site_plan", "请先上传厂区平面图", field="points")
    if area is not None and area.enterprise_id != enterprise.pk:
        raise NotFound()
    area = area or RiskArea(enterprise=enterprise)
    name = str(data.get("name", area.name) or "").strip()
    if not name or len(name) > 100:
        raise DomainError("required", "请填写区域名称（不超过100字）", field="name")
    shape = data.get("shape", area.shape)
    if shape not in AreaShape.values:
        raise DomainError("shape_invalid", "区域类型应为多边形或标记", field="shape")
    points = _points(shape, data.get("points", area.points))
    ids = [int(i) for i in data.get("risks") or [] if str(i).isdigit()]
    risks = list(Risk.objects.filter(enterprise=enterprise, pk__in=ids))
    if len(risks) != len(set(ids)):
        raise DomainError("risk_unknown", "所选风险不属于本企业", field="risks")
    creating = area.pk is None
    area.name, area.shape, area.points = name, shape, points
    area.save()
    area.risks.set(risks)
    audit_record(
        actor=actor,
        action="risk_area.saved",
        obj=area,
        changes={"name": name, "shape": shape, "points": points, "risks": sorted(ids), "created": creating},
    )
    return area


@transaction.atomic
def risk_area_delete(*, actor: User, area: RiskArea) -> None:
    _require_editor(actor, area.enterprise)
    audit_record(actor=actor, action="risk_area.deleted", obj=area, changes={"name": area.name})
    area.delete()


def area_level(area: RiskArea) -> str | None:
    """The most severe level among the area's active risks (None when it has none)."""
    levels = [r.level for r in area.risks.all() if r.status == RiskStatus.ACTIVE]
    return min(levels, key=assessment.LEVELS.index) if levels else None


def areas_with_colours(enterprise: Enterprise) -> list[dict[str, Any]]:
    """The enterprise's areas as drawn: name, shape, points, level, colour, risk names."""
    from saferisk.risks.schemes import level_styles

    styles = level_styles()
    out = []
    for area in RiskArea.objects.filter(enterprise=enterprise).prefetch_related("risks"):
        level = area_level(area)
        out.append(
            {
                "id": area.pk,
                "name": area.name,
                "shape": area.shape,
                "points": area.points,
                "level": level or "",
                "colour": styles[level]["colour"] if level else NO_RISK_COLOUR,
                "risks": [r.pk for r in area.risks.all()],
                "risk_names": [r.name for r in area.risks.all() if r.status == RiskStatus.ACTIVE],
            }
        )
    return out


def render_plan_png(enterprise: Enterprise, *, max_width: int = 1600) -> bytes | None:
    """The coloured plan as a PNG (for the dossier and downloads); None without a site plan.
    Areas are filled translucent in their level's colour and outlined; markers are discs; each
    is numbered in the order of `areas_with_colours` so a legend can name them."""
    plan = SitePlan.objects.filter(enterprise=enterprise).first()
    if plan is None or not plan.image:
        return None
    with plan.image.open("rb") as fh, Image.open(fh) as opened:
        base = opened.convert("RGBA")
    if base.width > max_width:
        base = base.resize((max_width, round(base.height * max_width / base.width)))
    overlay = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    w, h = base.size
    radius = max(8, w // 80)
    for number, area in enumerate(areas_with_colours(enterprise), start=1):
        colour = tuple(int(area["colour"][i : i + 2], 16) for i in (1, 3, 5))
        xy = [(x * w, y * h) for x, y in area["points"]]
        if area["shape"] == AreaShape.POLYGON:
            draw.polygon(xy, fill=(*colour, 110), outline=(*colour, 255), width=max(2, w // 400))
            cx = sum(p[0] for p in xy) / len(xy)
            cy = sum(p[1] for p in xy) / len(xy)
        else:
            cx, cy = xy[0]
            draw.ellipse(
                (cx - radius, cy - radius, cx + radius, cy + radius),
                fill=(*colour, 230),
                outline=(0, 0, 0, 255),
            )
        draw.text((cx, cy), str(number), fill=(0, 0, 0, 255), anchor="mm", font_size=max(12, radius))
    merged = Image.alpha_composite(base, overlay).convert("RGB")
    out = io.BytesIO()
    merged.save(out, format="PNG", optimize=True)
    return out.getvalue()
