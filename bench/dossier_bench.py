"""`make bench`, part 3: risk documents (the dossier, 一企一册).

In a child process with its own SQLite database (var/bench/dossier.sqlite3, made afresh):
- one enterprise with 50 risks of 5 control measures each (through `risk_save`) and a site plan
  with 10 drawn areas: `dossier_pdf` timed over BENCH_DOSSIER_RUNS (20) runs (median, p95), beside
  - render only: the same dossier laid out from data read beforehand (no queries);
  - baseline: plain fpdf2, no queries: every string of the same data written as paragraphs
    (padded to at least the same page count), with the same font added the ordinary fpdf2 way
    (`add_font` of the .ttc per document);
- a batch: BENCH_DOSSIER_BATCH enterprises of one town with 10 risks each (risks of one
  enterprise made through `risk_save`, copied to the others in bulk), made the way a regulator
  asks for them: `document_job_create` then the job itself (ZIP written to storage), timed as
  documents per second, beside the plain-fpdf2 baseline for 10 of those enterprises;
- the font machinery: a 10-risk dossier rendered with the common cut and with the full font.
The font cut is removed first, so the one-off build (and parse) is timed on its own.
Writes var/bench/dossier.json and var/bench/dossier.md.
"""

from __future__ import annotations

import io
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
RUNS = int(os.environ.get("BENCH_DOSSIER_RUNS", "20"))  # dossier_pdf itself
SIDE_RUNS = max(3, RUNS // 2)  # render only, data only, baseline
BATCH = int(os.environ.get("BENCH_DOSSIER_BATCH", "1000"))
TOWN = "320115001"  # 东山街道, 江宁区
BATCH_TOWN = "320115002"

PLACES = [
    "合成车间",
    "精馏工段",
    "罐区",
    "仓库",
    "配电室",
    "锅炉房",
    "污水处理站",
    "抛光车间",
    "涂装线",
    "空压站",
]
HAZARDS = [
    ("反应釜超温超压", [18, 17], "温度压力联锁，超限自动切断进料并开启紧急冷却"),
    ("储罐泄漏引发火灾爆炸", [8, 18], "储罐设高低液位报警和紧急切断阀，防火堤完好"),
    ("有限空间作业中毒窒息", [19], "严格执行先通风、再检测、后作业，专人监护"),
    ("粉尘爆炸", [18], "除尘系统设泄爆、隔爆装置，定期清扫积尘"),
    ("高处作业坠落", [9], "作业人员正确系挂安全带，临边设置防护栏杆"),
    ("起重吊装物体打击", [4, 1], "起重设备定期检验，吊装作业设警戒区"),
    ("电气设备触电", [5], "配电设备接地可靠，漏电保护器定期试验"),
    ("机械设备绞碾", [3], "传动部位设置防护罩，检修时断电挂牌上锁"),
    ("叉车车辆伤害", [2], "厂内限速行驶，人车分流，叉车司机持证上岗"),
    ("蒸汽管道灼烫", [7], "高温管道保温完好，设置警示标识"),
]
KINDS = ["engineering", "monitoring", "management", "training", "ppe", "emergency", "video", "automation"]


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saferisk.settings")
    import django

    django.setup()


def risk_data(i: int, *, measures: int = 5) -> dict[str, Any]:
    name, accidents, control = HAZARDS[i % len(HAZARDS)]
    place = PLACES[(i // 3) % len(PLACES)]
    inputs = [
        {"L": 6, "E": 6, "C": 15},
        {"L": 3, "E": 6, "C": 15},
        {"L": 3, "E": 3, "C": 7},
        {"L": 1, "E": 3, "C": 3},
    ]
    return {
        "name": f"{place}{name}（{i + 1}号）",
        "place": place,
        "part": f"{i % 7 + 1}号设备及附属管线",
        "activity": ["正常生产", "开停车", "检维修", "装卸作业"][i % 4],
        "method": "lec",
        "inputs": inputs[i % 4],
        "accident_types": accidents,
        "owner_name": ["王建国", "李明", "张伟", "刘洋", "陈静"][i % 5],
        "owner_phone": f"138{i:08d}",
        "department": ["生产部", "设备部", "安环部", "仓储部"][i % 4],
        "emergency_measures": "立即停止作业并报告班组长，启动现场处置方案，疏散无关人员，必要时拨打119、120。",
        "basis": [
            {
                "document": "江苏省生产经营单位安全风险管理条例",
                "clause": f"第{i % 20 + 1}条",
                "version": "2024",
            }
        ],
        "measures": [
            {
                "kind": KINDS[(i + k) % len(KINDS)],
                "text": f"{control}（措施{k + 1}：落实岗位责任，每班检查并记录）",
            }
            for k in range(measures)
        ],
    }


def plain_fpdf(data: Any, pages: int) -> bytes:
    """Baseline: the same strings as paragraphs, the same page count, the font added the
    ordinary fpdf2 way."""
    from fpdf import FPDF

    from saferisk.enterprises.handouts import pdf_font
    from saferisk.risks.documents import _texts

    path, index = pdf_font()
    pdf = FPDF(unit="mm", format="A4")
    pdf.add_font("cjk", fname=path, collection_font_number=index)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    pdf.set_font("cjk", size=9.5)
    text = "\n".join(t for t in _texts(data) if t and not t.startswith("\x89PNG"))
    pdf.multi_cell(0, 5.5, text)
    while pdf.page_no() < pages:
        pdf.add_page()
    if data.plan_png:
        pdf.image(io.BytesIO(data.plan_png), w=120)
    return bytes(pdf.output())


def _pages(pdf: bytes) -> int:
    import re

    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def timed(fn: Any, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return sorted(out)


def pct(xs: list[float], p: float) -> float:
    return xs[min(len(xs) - 1, int(len(xs) * p))]


def child() -> None:
    os.environ["SAFERISK_TASKS_BACKEND"] = "django.tasks.backends.immediate.ImmediateBackend"
    _setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import transaction
    from PIL import Image, ImageDraw

    from saferisk.core.choices import Role
    from saferisk.core.context import cli_context
    from saferisk.risks import documents
    from saferisk.risks.document_jobs import document_job_create
    from saferisk.risks.models import ControlMeasure, DocumentJob, Risk
    from saferisk.risks.services import risk_save
    from saferisk.risks.site_plan import risk_area_save, site_plan_upload
    from saferisk.testing.makers import make_enterprise, make_user

    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    out["migrate_s"] = time.perf_counter() - t0

    with cli_context():
        t0 = time.perf_counter()
        cut_existed = any((Path(os.environ["SAFERISK_VAR_DIR"]) / "cache" / "fonts").glob("*"))
        documents.warm_fonts()
        out["font_warm_s"] = time.perf_counter() - t0
        out["font_cut_built"] = not cut_existed

        # One enterprise, 50 risks × 5 measures, a site plan with 10 areas.
        ent = make_enterprise(
            region=TOWN,
            name="江宁精细化工股份有限公司",
            address="南京市江宁区东山街道化工园区纬三路18号",
            principal_name="周总",
            principal_phone="13900000001",
            safety_director_name="吴安全",
            safety_director_phone="13900000002",
            key_sectors=["chemical"],
        )
        filler = make_user("bench_filler", Role.ENTERPRISE_FILLER, enterprise=ent)
        t0 = time.perf_counter()
        risks = [risk_save(actor=filler, enterprise=ent, data=risk_data(i)) for i in range(50)]
        out["risk_save_ms"] = (time.perf_counter() - t0) * 1000 / 50
        plan = Image.new("RGB", (2000, 1300), (245, 245, 240))
        draw = ImageDraw.Draw(plan)
        for k in range(12):
            draw.rectangle((80 + k * 150, 100, 200 + k * 150, 1200), outline=(90, 90, 90), width=4)
        buffer = io.BytesIO()
        plan.save(buffer, format="PNG")
        site_plan_upload(
            actor=filler, enterprise=ent, file=SimpleUploadedFile("plan.png", buffer.getvalue(), "image/png")
        )
        for k in range(10):
            x = 0.05 + k * 0.09
            risk_area_save(
                actor=filler,
                enterprise=ent,
                data={
                    "name": PLACES[k],
                    "shape": "polygon",
                    "points": [[x, 0.1], [x + 0.07, 0.1], [x + 0.07, 0.9], [x, 0.9]],
                    "risks": [r.pk for r in risks[k * 5 : k * 5 + 5]],
                },
            )

        first = documents.dossier_pdf(ent)
        pages = _pages(first)
        data = documents.dossier_data(ent)
        baseline_pdf = plain_fpdf(data, pages)
        out["single"] = {
            "risks": 50,
            "measures_per_risk": 5,
            "pages": pages,
            "bytes": len(first),
            "baseline_pages": _pages(baseline_pdf),
            "dossier_ms": timed(lambda: documents.dossier_pdf(ent), RUNS),
            "data_ms": timed(lambda: documents.dossier_data(ent), SIDE_RUNS),
            "render_ms": timed(lambda: documents.render_dossier(data), SIDE_RUNS),
            "baseline_ms": timed(lambda: plain_fpdf(data, pages), SIDE_RUNS),
        }

        # The batch: BATCH enterprises of one town, 10 risks × 5 measures each.
        admin = make_user("bench_admin", Role.ADMIN)
        from saferisk.core import uscc
        from saferisk.enterprises.services import NewEnterprise, enterprise_bulk_create

        t0 = time.perf_counter()
        rows = [
            NewEnterprise(
                uscc=uscc.make("320115", f"B{n:08d}"),
                name=f"东山批量测试{n:04d}制造有限公司",
                region_id=BATCH_TOWN,
                industry_id="2614",
                address=f"南京市江宁区秣陵街道测试路{n}号",
                principal_name="赵经理",
                principal_phone="13700000000",
                safety_director_name="钱安全",
                safety_director_phone="13700000001",
            )
            for n in range(BATCH)
        ]
        batch = enterprise_bulk_create(actor=None, rows=rows)
        template = batch[0]
        template_user = make_user("bench_template", Role.ENTERPRISE_FILLER, enterprise=template)
        made = [risk_save(actor=template_user, enterprise=template, data=risk_data(i)) for i in range(10)]
        with transaction.atomic():
            copies: list[Risk] = []
            for enterprise in batch[1:]:
                for risk in made:
                    values = {
                        f.attname: getattr(risk, f.attname)
                        for f in Risk._meta.concrete_fields
                        if f.attname not in ("id", "enterprise_id")
                    }
                    copy = Risk(**values, enterprise_id=enterprise.pk)
                    copies.append(copy)
            Risk.objects.bulk_create(copies, batch_size=2000)
            through = Risk.accident_types.through
            links, measures = [], []
            by_source = {
                r.pk: (list(r.accident_types.values_list("code", flat=True)), list(r.measures.all()))
                for r in made
            }
            for i, copy in enumerate(copies):
                codes, source_measures = by_source[made[i % len(made)].pk]
                links += [through(risk_id=copy.pk, accidenttype_id=c) for c in codes]
                measures += [
                    ControlMeasure(risk_id=copy.pk, kind=m.kind, text=m.text, sort_order=m.sort_order)
                    for m in source_measures
                ]
            through.objects.bulk_create(links, batch_size=5000)
            ControlMeasure.objects.bulk_create(measures, batch_size=5000)
        out["batch_setup_s"] = time.perf_counter() - t0

        # The font machinery on a 10-risk dossier: the process-wide template over the full font
        # (no cut), against the TrueType common cut in use.
        ten = documents.dossier_data(batch[0])
        cut_ms = timed(lambda: documents.render_dossier(ten), 10)
        in_use = documents._fonts
        documents._fonts = lambda: (in_use()[1] or in_use()[0], None)  # type: ignore[assignment]
        documents.render_dossier(ten)
        full_ms = timed(lambda: documents.render_dossier(ten), 10)
        documents._fonts = in_use
        out["fonts"] = {"cut_ms": statistics.median(cut_ms), "full_font_ms": statistics.median(full_ms)}

        sample = batch[:10]
        sample_data = [documents.dossier_data(e) for e in sample]
        sample_pages = [_pages(documents.render_dossier(d)) for d in sample_data]
        t0 = time.perf_counter()
        for d, p in zip(sample_data, sample_pages, strict=True):
            plain_fpdf(d, p)
        baseline_per_doc = (time.perf_counter() - t0) / len(sample)

        t0 = time.perf_counter()
        job = document_job_create(actor=admin, region_code=BATCH_TOWN)  # runs at commit (immediate backend)
        elapsed = time.perf_counter() - t0
        job = DocumentJob.objects.get(pk=job.pk)
        assert job.status == "succeeded", (job.status, job.message)
        out["batch"] = {
            "enterprises": BATCH,
            "risks_each": 10,
            "pages_each": statistics.median(sample_pages),
            "documents": job.processed,
            "seconds": elapsed,
            "docs_per_s": job.processed / elapsed,
            "zip_mb": job.file.size / 1e6,
            "baseline_docs_per_s": 1 / baseline_per_doc,
        }
    print(json.dumps(out))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / "dossier.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    import shutil

    shutil.rmtree(OUT / "var" / "cache" / "fonts", ignore_errors=True)  # time the one-off cut too
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "SAFERISK_VAR_DIR": str(OUT / "var")}
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--child"], env=env, capture_output=True, text=True, check=False, cwd=ROOT
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit("dossier benchmark failed")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    total = time.perf_counter() - started
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    s, b = r["single"], r["batch"]
    med = {k: statistics.median(s[k]) for k in ("dossier_ms", "data_ms", "render_ms", "baseline_ms")}
    p95 = {k: pct(s[k], 0.95) for k in ("dossier_ms", "data_ms", "render_ms", "baseline_ms")}
    lines = [
        f"Machine: {machine}; SQLite; `dossier_pdf` {RUNS} runs, the other rows {SIDE_RUNS}; whole benchmark {total:.0f} s "
        f"(font {'cut built' if r['font_cut_built'] else 'cut already cached'} and parsed: {r['font_warm_s']:.1f} s, once).",
        "",
        f"One enterprise, {s['risks']} risks × {s['measures_per_risk']} measures, a site plan with 10 areas: "
        f"{s['pages']} pages, {s['bytes'] / 1024:.0f} KB.",
        "",
        "| | median | p95 | ratio to baseline (median) |",
        "|---|---|---|---|",
        f"| `dossier_pdf` (queries + layout + font subset) | {med['dossier_ms']:.0f} ms | {p95['dossier_ms']:.0f} ms | {med['dossier_ms'] / med['baseline_ms']:.2f}× |",
        f"| of which reading the data (`dossier_data`) | {med['data_ms']:.0f} ms | {p95['data_ms']:.0f} ms | |",
        f"| render only, data read beforehand | {med['render_ms']:.0f} ms | {p95['render_ms']:.0f} ms | {med['render_ms'] / med['baseline_ms']:.2f}× |",
        f"| baseline: plain fpdf2, same text as paragraphs ({s['baseline_pages']} pages), font added per document | {med['baseline_ms']:.0f} ms | {p95['baseline_ms']:.0f} ms | 1× |",
        "",
        f"Batch: {b['enterprises']:,} enterprises of one town, {b['risks_each']} risks × 5 measures each "
        f"({b['pages_each']:.0f} pages per dossier), one ZIP through `document_job_create` and the job: "
        f"{b['documents']:,} dossiers in {b['seconds']:.0f} s = **{b['docs_per_s']:.1f} dossiers/s** "
        f"(ZIP {b['zip_mb']:.0f} MB); baseline plain fpdf2 on the same data (10 of them) {b['baseline_docs_per_s']:.1f} documents/s; "
        f"ratio {b['baseline_docs_per_s'] / b['docs_per_s']:.2f}× the baseline's time.",
    ]
    f = r["fonts"]
    lines += [
        "",
        f"Font machinery, the same 10-risk dossier rendered from data read beforehand: with the common "
        f"TrueType cut {f['cut_ms']:.0f} ms, with the full CFF collection (parsed once per process, "
        f"subset per document) {f['full_font_ms']:.0f} ms.",
    ]
    report = "\n".join(lines)
    print(report)
    (OUT / "dossier.json").write_text(
        json.dumps({"machine": machine, "result": r, "total_s": total}, indent=2)
    )
    (OUT / "dossier.md").write_text(report + "\n")


if __name__ == "__main__":
    child() if "--child" in sys.argv else main()
