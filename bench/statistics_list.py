"""A generated statistics-bureau enterprise list (.xlsx) for the import benchmark.

Shaped like the real files: a merged title row and a blank line above the header, Chinese
headers, 12-digit statistics division codes, revenue in thousand yuan. Uses only the reference
CSVs (no Django), so `make bench` can build the 500,000-row file before any database exists.
The file is cached under var/bench/ by row count and seed.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "saferisk" / "core" / "data"
sys.path.insert(0, str(ROOT))

from saferisk.core import uscc  # noqa: E402  (pure module, no Django)

HEADERS = [
    "序号",
    "统一社会信用代码",
    "单位详细名称",
    "行政区划代码",
    "行业代码",
    "是否规上",
    "从业人员期末人数",
    "营业收入（千元）",
    "详细地址",
    "经度",
    "纬度",
    "法定代表人",
    "联系电话",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
WORDS = "华新宏泰恒达金鑫盛源昌隆嘉诚瑞丰永兴中天通利德信伟业博远汇力"
SUFFIX = ["化工", "机械", "电子", "纺织", "金属制品", "新材料", "塑胶", "精密", "建材", "食品"]


def reference() -> tuple[list[str], list[str]]:
    with (DATA / "regions_jiangsu.csv").open(encoding="utf-8") as f:
        towns = [r["code"] for r in csv.DictReader(f) if r["level"] == "town"]
    with (DATA / "gb4754_2017.csv").open(encoding="utf-8") as f:
        classes = [
            r["code"] for r in csv.DictReader(f) if r["level"] == "class" and r["in_scope_jiangsu"] == "true"
        ]
    return towns, classes


def write(path: Path, count: int, seed: int = 3) -> Path:
    """Write `count` enterprise rows; returns the path."""
    rng = random.Random(seed)
    towns, classes = reference()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.xlsx")
    book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
    sheet = book.add_worksheet("规上工业企业名录")
    sheet.merge_range(0, 0, 0, len(HEADERS) - 1, "2025年江苏省工业企业名录（统计部门提供）")
    sheet.write_row(2, 0, HEADERS)
    for i in range(count):
        town = rng.choice(towns)
        first17 = f"91{town[:6]}{i:09d}"
        code = first17 + uscc.check_character(first17)
        name = f"{rng.choice('苏锡常通扬镇泰宿徐连淮盐宁')}{''.join(rng.choices(WORDS, k=2))}{rng.choice(SUFFIX)}有限公司{i}"
        lon = 116.4 + rng.random() * 5.3
        lat = 30.8 + rng.random() * 4.2
        sheet.write_row(
            3 + i,
            0,
            [
                i + 1,
                code,
                name,
                town + "000",
                rng.choice(classes),
                "是" if rng.random() < 0.22 else "否",
                rng.randint(3, 2000),
                round(rng.random() * 500000, 1),
                f"{town}号路{rng.randint(1, 999)}号",
                round(lon, 6),
                round(lat, 6),
                rng.choice(SURNAMES) + "".join(rng.choices(WORDS, k=2)),
                f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}",
            ],
        )
    book.close()
    tmp.replace(path)
    return path


def cached(count: int, seed: int = 3) -> Path:
    path = ROOT / "var" / "bench" / f"statistics_list_{count}_{seed}.xlsx"
    return path if path.exists() else write(path, count, seed)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500_000
    import time

    t0 = time.perf_counter()
    print(cached(n), f"{time.perf_counter() - t0:.1f}s")
