"""The four-colour risk distribution plan (四色分布图): the enterprise's site plan with risk
areas drawn on it, each coloured by the most severe active risk inside it.

Uploads are checked by content (Pillow must open them), limited in size and re-encoded as PNG,
so what is stored is always a clean image of known dimensions (phone photos turned upright by
their EXIF orientation, transparent backgrounds made white). Area points are fractions of the
image's width and height."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

from saferisk.core.audit import audit_record
from saferisk.core.errors import DomainError, NotFound
from saferisk.core.models import User
from saferisk.enterprises.models import Enterprise
from saferisk.risks import assessment
from saferisk.risks.choices import AreaShape, RiskStatus
from saferisk.risks.models import Risk, RiskArea, SitePlan
from saferisk.risks.services import require_register_editor

UPLOAD_MAX_BYTES = 15 * 1024 * 1024
MAX_SIDE = 4000  # larger plans are scaled down: enough for A3 at 300 dpi
MAX_PIXELS = 100_000_000  # decoding more would take gigabytes of memory
MAX_POINTS = 200
NO_RISK_COLOUR = "#9E9E9E"


def _flatten(image: Image.Image) -> Image.Image:
    """Upright RGB: EXIF orientation applied, transparency on white (not black)."""
    image = ImageOps.exif_transpose(image) or image
    if image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


@transaction.atomic
def site_plan_upload(*, actor: User, enterprise: Enterprise, file: Any) -> SitePlan:
    """Store (or replace) the site plan. Drawn areas are kept: their points are relative."""
    require_register_editor(actor, enterprise)
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
            if opened.width * opened.height > MAX_PIXELS:
                raise DomainError(
                    "image_too_large", "平面图分辨率过高（超过1亿像素），请缩小后再上传", field="image"
                )
            if opened.format == "JPEG":
                opened.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode a large photo at a reduced scale
            image = _flatten(opened)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise DomainError(
            "file_type_invalid", "无法识别该图片，请上传 PNG 或 JPG 格式的平面图", field="image"
        ) from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    plan = SitePlan.objects.select_for_update().filter(enterprise=enterprise).first() or SitePlan(
        enterprise=enterprise
    )
    replaced = plan.pk is not None
    old_name = plan.image.name if replaced and plan.image else ""
    plan.width, plan.height = image.size
    plan.uploaded_by = actor
    plan.image.save(f"plan-{enterprise.pk}.png", ContentFile(out.getvalue()), save=False)
    plan.save()
    if old_name and old_name != plan.image.name:
        # The old file goes only once the new one is committed: a rollback keeps the old plan whole.
        storage = plan.image.storage
        transaction.on_commit(lambda: storage.delete(old_name))
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
    """Draw or change an area: `name`, `shape` (polygon or marker), `points`, `risks` (ids of the
    enterprise's risks). Fields not given keep their values."""
    require_register_editor(actor, enterprise)
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
    given: Any = data.get("risks", [])
    if "risks" not in data and area.pk:
        given = list(area.risks.values_list("pk", flat=True))
    try:
        ids = sorted({int(i) for i in given or []})
    except (TypeError, ValueError):
        raise DomainError("risk_unknown", "所选风险无效", field="risks") from None
    risks = list(Risk.objects.filter(enterprise=enterprise, pk__in=ids))
    if len(risks) != len(ids):
        raise DomainError("risk_unknown", "所选风险不属于本企业", field="risks")
    creating = area.pk is None
    area.name, area.shape, area.points = name, shape, points
    area.save()
    area.risks.set(risks)
    audit_record(
        actor=actor,
        action="risk_area.saved",
        obj=area,
        changes={"name": name, "shape": shape, "points": points, "risks": ids, "created": creating},
    )
    return area


@transaction.atomic
def risk_area_delete(*, actor: User, area: RiskArea) -> None:
    require_register_editor(actor, area.enterprise)
    audit_record(actor=actor, action="risk_area.deleted", obj=area, changes={"name": area.name})
    area.delete()


def label_point(shape: str, points: list[list[float]]) -> tuple[float, float]:
    """Where an area's number goes (fractions): a marker's point; a polygon's centroid, or for
    a concave polygon whose centroid falls outside it, the middle of the widest stretch of the
    polygon on the centroid's horizontal line."""
    if shape != AreaShape.POLYGON or len(points) < 3:
        return points[0][0], points[0][1]
    pairs = list(zip(points, points[1:] + points[:1], strict=True))
    twice_area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairs)
    if abs(twice_area) < 1e-12:  # degenerate: all points on a line
        return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
    cx = sum((x0 + x1) * (x0 * y1 - x1 * y0) for (x0, y0), (x1, y1) in pairs) / (3 * twice_area)
    cy = sum((y0 + y1) * (x0 * y1 - x1 * y0) for (x0, y0), (x1, y1) in pairs) / (3 * twice_area)
    crossings = sorted(
        x0 + (cy - y0) * (x1 - x0) / (y1 - y0) for (x0, y0), (x1, y1) in pairs if (y0 > cy) != (y1 > cy)
    )
    spans = list(zip(crossings[::2], crossings[1::2], strict=False))
    if not spans or any(a <= cx <= b for a, b in spans):
        return cx, cy
    a, b = max(spans, key=lambda span: span[1] - span[0])
    return (a + b) / 2, cy


def area_level(area: RiskArea) -> str | None:
    """The most severe level among the area's active risks (None when it has none)."""
    levels = [r.level for r in area.risks.all() if r.status == RiskStatus.ACTIVE]
    return min(levels, key=assessment.LEVELS.index) if levels else None


def areas_with_colours(enterprise: Enterprise) -> list[dict[str, Any]]:
    """The enterprise's areas as drawn, numbered from 1 in drawing order: name, shape, points,
    level (with its label and colour in the scheme in force), risk ids and active risk names."""
    from saferisk.risks.schemes import level_styles

    styles = level_styles()
    out = []
    areas = RiskArea.objects.filter(enterprise=enterprise).prefetch_related("risks")
    for number, area in enumerate(areas, start=1):
        level = area_level(area)
        out.append(
            {
                "id": area.pk,
                "number": number,
                "name": area.name,
                "shape": area.shape,
                "points": area.points,
                "level": level or "",
                "label": styles[level]["label"] if level else "",
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
    for area in areas_with_colours(enterprise):
        colour = tuple(int(area["colour"][i : i + 2], 16) for i in (1, 3, 5))
        xy = [(x * w, y * h) for x, y in area["points"]]
        lx, ly = label_point(area["shape"], area["points"])
        cx, cy = lx * w, ly * h
        if area["shape"] == AreaShape.POLYGON:
            draw.polygon(xy, fill=(*colour, 110), outline=(*colour, 255), width=max(2, w // 400))
        else:
            draw.ellipse(
                (cx - radius, cy - radius, cx + radius, cy + radius),
                fill=(*colour, 230),
                outline=(0, 0, 0, 255),
            )
        draw.text((cx, cy), str(area["number"]), fill=(0, 0, 0, 255), anchor="mm", font_size=max(12, radius))
    merged = Image.alpha_composite(base, overlay).convert("RGB")
    out = io.BytesIO()
    merged.save(out, format="PNG", optimize=True)
    return out.getvalue()
