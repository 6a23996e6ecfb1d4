"""The four-colour risk plan (四色分布图): uploading the site plan, drawing areas, their colour,
the rendered PNG, and the pages (who draws, who only reads, who finds nothing)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from saferisk.core.errors import DomainError, Forbidden, NotFound
from saferisk.core.models import AuditEvent
from saferisk.risks.models import Risk, RiskArea, SitePlan
from saferisk.risks.plan_views import plan_context
from saferisk.risks.services import risk_retire, risk_save
from saferisk.risks.site_plan import (
    NO_RISK_COLOUR,
    areas_with_colours,
    label_point,
    render_plan_png,
    risk_area_delete,
    risk_area_save,
    site_plan_upload,
)

pytestmark = pytest.mark.django_db

COLOURS = {"MAJOR": "#E53935", "LARGE": "#FB8C00", "GENERAL": "#FDD835", "LOW": "#1E88E5"}
SQUARE = [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9], [0.1, 0.9]]
RISK = {
    "name": "反应釜超温超压",
    "place": "合成车间",
    "method": "lec",
    "inputs": {"L": 3, "E": 6, "C": 15},  # D = 270: 较大 (LARGE)
    "accident_types": [18],
    "owner_name": "王工",
    "measures": [{"kind": "engineering", "text": "温度压力联锁，超限自动切断进料"}],
}
INPUTS = {"MAJOR": {"L": 6, "E": 6, "C": 15}, "LARGE": {"L": 3, "E": 6, "C": 15}}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


def image_bytes(
    size: tuple[int, int] = (400, 300), *, fmt: str = "PNG", mode: str = "RGB", **kw: Any
) -> bytes:
    colour: Any = (255, 255, 255, 0) if mode == "RGBA" else (255, 255, 255)
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, format=fmt, **kw)
    return out.getvalue()


def upload(content: bytes | None = None, name: str = "厂区平面图.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes() if content is None else content, content_type="image/png")


def make_risk(world: Any, level: str, name: str, *, enterprise: Any = None) -> Risk:
    enterprise = enterprise or world.ent_a
    actor = world.enterprise_filler if enterprise == world.ent_a else world.other_enterprise_filler
    if level in INPUTS:
        data = {**RISK, "name": name, "inputs": INPUTS[level]}
    else:
        data = {**RISK, "name": name, "method": "direct", "inputs": {}, "level": level}
    return risk_save(actor=actor, enterprise=enterprise, data=data)


def with_plan(world: Any, size: tuple[int, int] = (400, 300)) -> SitePlan:
    return site_plan_upload(
        actor=world.enterprise_filler, enterprise=world.ent_a, file=upload(image_bytes(size))
    )


def draw(world: Any, **data: Any) -> RiskArea:
    return risk_area_save(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        data={"name": "罐区", "shape": "polygon", "points": SQUARE, "risks": [], **data},
    )


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# --- Upload ---------------------------------------------------------------------------------------


def test_upload_stores_a_clean_png_of_known_size_and_is_audited(world: Any) -> None:
    plan = site_plan_upload(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        file=upload(image_bytes((640, 480), fmt="JPEG"), name="plan.jpg"),
    )
    assert (plan.width, plan.height, plan.uploaded_by) == (640, 480, world.enterprise_filler)
    with plan.image.open("rb") as fh, Image.open(fh) as stored:
        assert (stored.format, stored.size, stored.mode) == ("PNG", (640, 480), "RGB")
    event = AuditEvent.objects.get(action="site_plan.uploaded")
    assert event.changes == {"width": 640, "height": 480, "replaced": False}
    assert event.enterprise_id == world.ent_a.pk


def test_replacing_the_plan_keeps_the_areas_and_removes_the_old_file(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    first = with_plan(world)
    old_name = str(first.image.name)
    storage = first.image.storage
    area = draw(world)
    with django_capture_on_commit_callbacks(execute=True):
        second = site_plan_upload(
            actor=world.enterprise_filler, enterprise=world.ent_a, file=upload(image_bytes((800, 600)))
        )
    assert second.pk == first.pk
    assert (second.width, second.height) == (800, 600)
    assert SitePlan.objects.count() == 1
    assert not storage.exists(old_name)
    assert storage.exists(str(second.image.name))
    assert RiskArea.objects.get().points == area.points
    replaced = AuditEvent.objects.filter(action="site_plan.uploaded").order_by("id")
    assert [e.changes["replaced"] for e in replaced] == [False, True]


def test_phone_photos_are_turned_upright_and_transparency_becomes_white(world: Any) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    plan = site_plan_upload(
        actor=world.enterprise_filler,
        enterprise=world.ent_a,
        file=upload(image_bytes((400, 200), fmt="JPEG", exif=exif.tobytes()), name="photo.jpg"),
    )
    assert (plan.width, plan.height) == (200, 400)
    plan = site_plan_upload(
        actor=world.enterprise_filler, enterprise=world.ent_a, file=upload(image_bytes(mode="RGBA"))
    )
    with plan.image.open("rb") as fh, Image.open(fh) as stored:
        assert stored.getpixel((10, 10)) == (255, 255, 255)


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"\xe5\x8e\x82\xe5\x8c\xba plan, not an image\n", "plan.png", "file_type_invalid"),
        (b"", "plan.png", "file_empty"),
        (image_bytes(fmt="TIFF"), "plan.tiff", "file_type_invalid"),
        (image_bytes()[:60], "cut.png", "file_type_invalid"),
    ],
    ids=["text-renamed-png", "empty", "tiff", "truncated"],
)
def test_files_that_are_not_plan_images_are_refused_and_nothing_is_stored(
    world: Any, content: bytes, name: str, code: str
) -> None:
    with pytest.raises(DomainError) as exc:
        site_plan_upload(actor=world.enterprise_filler, enterprise=world.ent_a, file=upload(content, name))
    assert (exc.value.code, exc.value.field) == (code, "image")
    assert not SitePlan.objects.exists()
    assert events("site_plan.uploaded") == 0


def test_too_many_pixels_are_refused(world: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("saferisk.risks.site_plan.MAX_PIXELS", 400 * 300 - 1)
    with pytest.raises(DomainError) as exc:
        with_plan(world)
    assert exc.value.code == "image_too_large"
    assert not SitePlan.objects.exists()


def test_only_the_enterprise_uploads_its_plan(world: Any) -> None:
    with pytest.raises(Forbidden):
        site_plan_upload(actor=world.county_regulator, enterprise=world.ent_a, file=upload())
    with pytest.raises(NotFound):
        site_plan_upload(actor=world.other_enterprise_filler, enterprise=world.ent_a, file=upload())
    assert not SitePlan.objects.exists()
    assert site_plan_upload(actor=world.admin, enterprise=world.ent_a, file=upload()).width == 400


# --- Areas ----------------------------------------------------------------------------------------


def test_drawing_an_area_stores_points_risks_and_an_audit_event(world: Any) -> None:
    with_plan(world)
    risk = make_risk(world, "LARGE", "储罐泄漏")
    area = draw(world, risks=[str(risk.pk)], points=[[0.123456789, 0.2], [0.5, 0.2], [0.3, 0.6]])
    assert area.points == [[0.12346, 0.2], [0.5, 0.2], [0.3, 0.6]]
    assert list(area.risks.all()) == [risk]
    event = AuditEvent.objects.get(action="risk_area.saved")
    assert event.changes["risks"] == [risk.pk]
    assert event.changes["created"] is True
    marker = draw(world, name="液氨阀门", shape="marker", points=[[0.5, 0.5]])
    assert (marker.shape, marker.points) == ("marker", [[0.5, 0.5]])


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"points": [[0.1, 0.1], [0.5, 0.5]]}, "points_invalid", "points"),
        ({"shape": "marker", "points": [[0.1, 0.1], [0.5, 0.5]]}, "points_invalid", "points"),
        ({"shape": "marker", "points": []}, "points_invalid", "points"),
        ({"points": [[0.1, 0.1], [1.2, 0.5], [0.3, 0.9]]}, "points_invalid", "points"),
        ({"points": [[0.1, 0.1], [0.5, -0.01], [0.3, 0.9]]}, "points_invalid", "points"),
        ({"points": [[0.1, 0.1], [float("nan"), 0.5], [0.3, 0.9]]}, "points_invalid", "points"),
        ({"points": [[0.1, 0.1, 0.2], [0.5, 0.5, 0.1], [0.3, 0.9, 0]]}, "points_invalid", "points"),
        ({"points": "0.1,0.1 0.5,0.5 0.3,0.9"}, "points_invalid", "points"),
        ({"points": [[i / 300, 0.5] for i in range(201)]}, "points_invalid", "points"),
        ({"shape": "circle"}, "shape_invalid", "shape"),
        ({"name": "  "}, "required", "name"),
        ({"name": "区" * 101}, "required", "name"),
        ({"risks": ["x"]}, "risk_unknown", "risks"),
        ({"risks": [999999]}, "risk_unknown", "risks"),
    ],
    ids=[
        "polygon-2-points",
        "marker-2-points",
        "marker-no-point",
        "x-above-1",
        "y-below-0",
        "nan",
        "three-coordinates",
        "string",
        "201-points",
        "shape",
        "blank-name",
        "long-name",
        "risk-not-an-id",
        "risk-missing",
    ],
)
def test_bad_areas_are_refused_and_nothing_is_written(
    world: Any, data: dict[str, Any], code: str, field: str
) -> None:
    with_plan(world)
    with pytest.raises(DomainError) as exc:
        draw(world, **data)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert not RiskArea.objects.exists()
    assert events("risk_area.saved") == 0


def test_a_risk_of_another_enterprise_cannot_be_put_in_an_area(world: Any) -> None:
    with_plan(world)
    own = make_risk(world, "LOW", "叉车伤害")
    foreign = make_risk(world, "MAJOR", "钢结构吊装", enterprise=world.ent_b)
    with pytest.raises(DomainError) as exc:
        draw(world, risks=[own.pk, foreign.pk])
    assert (exc.value.code, exc.value.message) == ("risk_unknown", "所选风险不属于本企业")
    assert not RiskArea.objects.exists()
    assert events("risk_area.saved") == 0


def test_areas_need_a_plan_and_an_editor(world: Any) -> None:
    with pytest.raises(DomainError) as exc:
        draw(world)
    assert exc.value.code == "no_site_plan"
    with_plan(world)
    data = {"name": "罐区", "shape": "polygon", "points": SQUARE}
    with pytest.raises(Forbidden):
        risk_area_save(actor=world.county_regulator, enterprise=world.ent_a, data=data)
    with pytest.raises(NotFound):
        risk_area_save(actor=world.other_enterprise_filler, enterprise=world.ent_a, data=data)
    assert not RiskArea.objects.exists()


def test_changing_an_area_keeps_what_is_not_given_and_deleting_is_audited(world: Any) -> None:
    with_plan(world)
    risk = make_risk(world, "LARGE", "储罐泄漏")
    area = draw(world, risks=[risk.pk])
    area = risk_area_save(
        actor=world.enterprise_filler, enterprise=world.ent_a, area=area, data={"name": "1号罐区"}
    )
    area.refresh_from_db()
    assert (area.name, area.points, list(area.risks.all())) == ("1号罐区", SQUARE, [risk])
    with pytest.raises(Forbidden):
        risk_area_delete(actor=world.county_regulator, area=area)
    assert RiskArea.objects.filter(pk=area.pk).exists()
    risk_area_delete(actor=world.enterprise_filler, area=area)
    assert not RiskArea.objects.exists()
    assert AuditEvent.objects.get(action="risk_area.deleted").changes == {"name": "1号罐区"}
    assert Risk.objects.filter(pk=risk.pk).exists()  # the risk stays in the register


def test_an_area_of_another_enterprise_is_not_found(world: Any) -> None:
    with_plan(world)
    area = draw(world)
    site_plan_upload(actor=world.other_enterprise_filler, enterprise=world.ent_b, file=upload())
    with pytest.raises(NotFound):
        risk_area_save(
            actor=world.other_enterprise_filler, enterprise=world.ent_b, area=area, data={"name": "x"}
        )
    assert RiskArea.objects.get().name == "罐区"


# --- Colours --------------------------------------------------------------------------------------


def test_an_area_takes_the_colour_of_its_most_severe_active_risk(world: Any) -> None:
    with_plan(world)
    low = make_risk(world, "LOW", "叉车伤害")
    large = make_risk(world, "LARGE", "储罐泄漏")
    major = make_risk(world, "MAJOR", "液氨泄漏")
    draw(world, name="仓库", risks=[low.pk, large.pk, major.pk])
    draw(world, name="空地")
    draw(world, name="配电房", shape="marker", points=[[0.5, 0.5]], risks=[low.pk])
    risk_retire(actor=world.enterprise_filler, risk=major, reason="液氨制冷已改为氟利昂")
    rows = areas_with_colours(world.ent_a)
    assert [(r["number"], r["name"], r["level"], r["label"], r["colour"]) for r in rows] == [
        (1, "仓库", "LARGE", "较大风险", COLOURS["LARGE"]),
        (2, "空地", "", "", NO_RISK_COLOUR),
        (3, "配电房", "LOW", "低风险", COLOURS["LOW"]),
    ]
    assert rows[0]["risk_names"] == ["叉车伤害", "储罐泄漏"]  # the retired one is not listed
    assert rows[0]["risks"] == [low.pk, large.pk, major.pk]


def test_label_point_is_inside_concave_areas() -> None:
    assert label_point("marker", [[0.3, 0.4]]) == (0.3, 0.4)
    x, y = label_point("polygon", SQUARE)
    assert (round(x, 6), round(y, 6)) == (0.5, 0.5)
    # A U shape: its centroid lies in the gap between the arms; the label goes on an arm.
    u_shape = [[0.0, 0.0], [0.2, 0.0], [0.2, 0.8], [0.8, 0.8], [0.8, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
    x, y = label_point("polygon", u_shape)
    assert y < 0.8
    assert x < 0.2 or x > 0.8


# --- The rendered plan ----------------------------------------------------------------------------


def _blend(hex_colour: str, alpha: int) -> tuple[int, ...]:
    """A colour at `alpha` over white, as Image.alpha_composite gives it."""
    return tuple(
        round(int(hex_colour[i : i + 2], 16) * alpha / 255 + 255 * (1 - alpha / 255)) for i in (1, 3, 5)
    )


def _close(a: Any, b: tuple[int, ...]) -> bool:
    return all(abs(x - y) <= 2 for x, y in zip(a, b, strict=True))


def test_render_plan_png_colours_the_area_at_its_centre(world: Any) -> None:
    assert render_plan_png(world.ent_a) is None  # no plan yet
    with_plan(world, (400, 300))
    large = make_risk(world, "LARGE", "储罐泄漏")
    draw(world, points=[[0.25, 0.2], [0.75, 0.2], [0.75, 0.8], [0.25, 0.8]], risks=[large.pk])
    content = render_plan_png(world.ent_a)
    assert content is not None
    image = Image.open(io.BytesIO(content))
    assert (image.format, image.size) == ("PNG", (400, 300))
    rgb = image.convert("RGB")
    expected = _blend(COLOURS["LARGE"], 110)
    centre = [rgb.getpixel((200 + dx, 150 + dy)) for dx in range(-6, 7) for dy in range(-6, 7)]
    assert any(_close(p, expected) for p in centre)  # the number covers part of the centre
    assert _close(rgb.getpixel((200, 100)), expected)  # inside, away from the number
    assert rgb.getpixel((20, 20)) == (255, 255, 255)  # outside every area: the plan itself


def test_render_plan_png_scales_a_large_plan_down(world: Any) -> None:
    with_plan(world, (2000, 1000))
    draw(world, shape="marker", points=[[0.5, 0.5]])
    content = render_plan_png(world.ent_a, max_width=1600)
    assert content is not None
    assert Image.open(io.BytesIO(content)).size == (1600, 800)


# --- Pages ----------------------------------------------------------------------------------------


def page_url(world: Any, name: str = "risks:site_plan", enterprise: Any = None) -> str:
    return reverse(name, args=[(enterprise or world.ent_a).pk])


def test_enterprise_user_uploads_the_plan_on_the_page(world: Any) -> None:
    client = world.client(world.enterprise_filler)
    page = client.get(page_url(world))
    assert page.status_code == 200
    assert 'data-testid="plan-upload"' in page.content.decode()
    assert 'data-testid="area-form"' not in page.content.decode()  # nothing to draw on yet
    response = client.post(page_url(world), {"action": "upload", "image": upload()})
    assert response.status_code == 302
    assert response["Location"] == page_url(world)
    plan = SitePlan.objects.get(enterprise=world.ent_a)
    html = client.get(page_url(world)).content.decode()
    assert f'src="{page_url(world, "risks:site_plan_image")}?v=' in html
    assert 'viewBox="0 0 400 300"' in html
    assert 'data-testid="area-form"' in html
    assert "saferisk/site_plan.js" in html
    image = client.get(page_url(world, "risks:site_plan_image"))
    assert (image.status_code, image["Content-Type"]) == (200, "image/png")
    with plan.image.open("rb") as fh:
        assert b"".join(image.streaming_content) == fh.read()


def test_a_text_file_is_refused_on_the_page_with_a_chinese_message(world: Any) -> None:
    client = world.client(world.enterprise_filler)
    response = client.post(page_url(world), {"action": "upload", "image": upload(b"not an image", "x.png")})
    assert response.status_code == 422
    assert "无法识别该图片，请上传 PNG 或 JPG 格式的平面图" in response.content.decode()
    assert not SitePlan.objects.exists()
    response = client.post(page_url(world), {"action": "upload"})
    assert response.status_code == 422
    assert "请选择厂区平面图文件" in response.content.decode()


def test_enterprise_user_draws_changes_and_deletes_an_area_on_the_page(world: Any) -> None:
    with_plan(world)
    major = make_risk(world, "MAJOR", "液氨泄漏")
    low = make_risk(world, "LOW", "叉车伤害")
    client = world.client(world.enterprise_filler)
    html = client.get(page_url(world)).content.decode()
    assert f'name="risks" value="{major.pk}"' in html
    assert f'name="risks" value="{low.pk}"' in html

    response = client.post(
        page_url(world),
        {
            "action": "save",
            "name": "制冷机房",
            "shape": "polygon",
            "points": json.dumps(SQUARE),
            "risks": [str(major.pk), str(low.pk)],
        },
    )
    assert response.status_code == 302
    area = RiskArea.objects.get()
    assert response["Location"] == f"{page_url(world)}#area-{area.pk}"
    assert (area.name, area.shape, area.points) == ("制冷机房", "polygon", SQUARE)
    assert set(area.risks.all()) == {major, low}
    html = client.get(page_url(world)).content.decode()
    assert 'points="40.0,30.0 360.0,30.0 360.0,270.0 40.0,270.0"' in html
    assert f'fill="{COLOURS["MAJOR"]}"' in html
    assert f'id="area-{area.pk}"' in html
    assert "液氨泄漏" in html

    form = client.get(page_url(world) + f"?area={area.pk}").content.decode()
    assert 'value="制冷机房"' in form
    assert f'name="area" value="{area.pk}"' in form
    assert f'value="{major.pk}" checked' in form
    response = client.post(
        page_url(world),
        {
            "action": "save",
            "area": area.pk,
            "name": "1号制冷机房",
            "shape": "polygon",
            "points": json.dumps(SQUARE),
            "risks": [str(low.pk)],
        },
    )
    assert response.status_code == 302
    area.refresh_from_db()
    assert (area.name, list(area.risks.all())) == ("1号制冷机房", [low])
    assert RiskArea.objects.count() == 1

    response = client.post(page_url(world), {"action": "delete", "area": area.pk})
    assert response.status_code == 302
    assert not RiskArea.objects.exists()
    assert events("risk_area.deleted") == 1


def test_a_bad_area_shows_the_error_and_keeps_the_drawing(world: Any) -> None:
    with_plan(world)
    client = world.client(world.enterprise_filler)
    two = json.dumps([[0.1, 0.1], [0.5, 0.5]])
    response = client.post(
        page_url(world), {"action": "save", "name": "罐区", "shape": "polygon", "points": two}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "区域应有3至200个顶点" in html
    assert 'value="罐区"' in html
    assert not RiskArea.objects.exists()
    response = client.post(
        page_url(world), {"action": "save", "name": "罐区", "shape": "polygon", "points": ""}
    )
    assert response.status_code == 422
    assert not RiskArea.objects.exists()
    assert events("risk_area.saved") == 0


def test_regulator_sees_the_plan_read_only(world: Any) -> None:
    with_plan(world)
    area = draw(world, risks=[make_risk(world, "LARGE", "储罐泄漏").pk])
    client = world.client(world.county_regulator)
    html = client.get(page_url(world)).content.decode()
    assert "罐区" in html
    assert "储罐泄漏" in html
    assert 'data-testid="area-form"' not in html
    assert 'data-testid="plan-upload"' not in html
    assert "saferisk/site_plan.js" not in html
    assert client.get(page_url(world, "risks:site_plan_image")).status_code == 200
    png = client.get(page_url(world, "risks:site_plan_png"))
    assert (png.status_code, png["Content-Type"]) == (200, "image/png")
    assert "attachment" in png["Content-Disposition"]
    assert Image.open(io.BytesIO(png.content)).size == (400, 300)
    for data in (
        {"action": "delete", "area": area.pk},
        {"action": "save", "name": "x", "shape": "marker", "points": "[[0.5,0.5]]"},
        {"action": "upload", "image": upload()},
    ):
        assert client.post(page_url(world), data).status_code == 403
    assert RiskArea.objects.get().name == "罐区"
    assert events("site_plan.uploaded") == 1


@pytest.mark.parametrize("who", ["other_county_regulator", "other_enterprise_filler"])
def test_outsiders_find_nothing(world: Any, who: str) -> None:
    with_plan(world)
    area = draw(world)
    client = world.client(getattr(world, who))
    for name in ("risks:site_plan", "risks:site_plan_image", "risks:site_plan_png"):
        assert client.get(page_url(world, name)).status_code == 404, name
    assert client.post(page_url(world), {"action": "delete", "area": area.pk}).status_code == 404
    assert RiskArea.objects.filter(pk=area.pk).exists()


def test_an_area_of_another_enterprise_cannot_be_reached_through_ones_own_page(world: Any) -> None:
    site_plan_upload(actor=world.other_enterprise_filler, enterprise=world.ent_b, file=upload())
    theirs = risk_area_save(
        actor=world.other_enterprise_filler,
        enterprise=world.ent_b,
        data={"name": "焊接区", "shape": "marker", "points": [[0.5, 0.5]]},
    )
    with_plan(world)
    client = world.client(world.enterprise_filler)
    assert client.post(page_url(world), {"action": "delete", "area": theirs.pk}).status_code == 404
    assert client.get(page_url(world) + f"?area={theirs.pk}").status_code == 404
    assert RiskArea.objects.filter(pk=theirs.pk).exists()


def test_without_a_plan_the_image_and_download_lead_back_to_the_page(world: Any) -> None:
    client = world.client(world.county_regulator)
    for name in ("risks:site_plan_image", "risks:site_plan_png"):
        response = client.get(page_url(world, name))
        assert (response.status_code, response["Location"]) == (302, page_url(world))
    html = client.get(page_url(world)).content.decode()
    assert 'data-testid="plan-upload"' not in html


def test_plan_card_context_and_template(world: Any) -> None:
    from django.template.loader import render_to_string

    assert plan_context(world.ent_a) == {"plan": None, "areas": []}
    plan = with_plan(world)
    draw(world, shape="marker", points=[[0.25, 0.5]], name="液氨阀门")
    context = plan_context(world.ent_a)
    assert context["plan"] == plan
    [area] = context["areas"]
    assert (area["x"], area["y"], area["is_marker"], area["colour"]) == (100.0, 150.0, True, NO_RISK_COLOUR)
    html = render_to_string("risks/plan/_plan_card.html", {"enterprise": world.ent_a, **context})
    assert 'data-testid="plan-card"' in html
    assert page_url(world, "risks:site_plan_png") in html
    assert 'cx="100.0" cy="150.0"' in html
    assert "液氨阀门" in html
