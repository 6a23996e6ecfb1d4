"""Loading the reference data files in core/data/ (see SOURCES.md there).

Called by the data migration with the historical models, so it takes the model classes as
arguments instead of importing them.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"

DEPARTMENT_BY_NAME_FIELD = "default_department"


def read_csv(name: str) -> Iterator[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _bool(text: str) -> bool:
    return text.strip().lower() == "true"


def load_departments(Department: Any) -> int:
    rows = [
        Department(code=r["code"], name=r["name"], sort_order=int(r["sort_order"]))
        for r in read_csv("departments.csv")
    ]
    Department.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def load_key_sectors(KeySector: Any) -> int:
    rows = [
        KeySector(code=r["code"], name=r["name"], sort_order=int(r["sort_order"]))
        for r in read_csv("key_sectors.csv")
    ]
    KeySector.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def load_regions(Region: Any) -> int:
    level_order = {"province": 0, "city": 1, "county": 2, "town": 3}
    rows = sorted(read_csv("regions_jiangsu.csv"), key=lambda r: (level_order[r["level"]], r["code"]))
    objs = [
        Region(
            code=r["code"],
            name=r["name_zh"],
            level=r["level"],
            parent_id=r["parent_code"] or None,
            is_statutory=_bool(r["is_statutory"]),
            town_kind=r["town_kind"],
            source="NBS 统计用区划代码 2023"
            if r["level"] == "town" or not _bool(r["is_statutory"])
            else "GB/T 2260 (民政部 2025)",
        )
        for r in rows
    ]
    Region.objects.bulk_create(objs, batch_size=500, ignore_conflicts=True)
    return len(objs)


def load_industries(Industry: Any, Department: Any) -> int:
    departments = {d.name: d.code for d in Department.objects.all()}
    level_order = {"section": 0, "division": 1, "group": 2, "class": 3}
    rows = sorted(read_csv("gb4754_2017.csv"), key=lambda r: (level_order[r["level"]], r["code"]))
    objs = [
        Industry(
            code=r["code"],
            name=r["name_zh"].strip(),
            level=r["level"],
            parent_id=r["parent"] or None,
            section=r["section"],
            in_scope=_bool(r["in_scope_jiangsu"]),
            department_id=departments.get(r["default_department"]) if r["default_department"] else None,
            note=r["note"][:200],
        )
        for r in rows
    ]
    Industry.objects.bulk_create(objs, batch_size=500, ignore_conflicts=True)
    return len(objs)


def load_accident_types(AccidentType: Any) -> int:
    objs = [
        AccidentType(code=int(r["code"]), name=r["name_zh"], alias=r["alias"])
        for r in read_csv("gb6441_accident_types.csv")
    ]
    AccidentType.objects.bulk_create(objs, ignore_conflicts=True)
    return len(objs)


def load_hazard_factors(HazardFactor: Any) -> int:
    rows = sorted(read_csv("gb13861_factors.csv"), key=lambda r: (int(r["level"]), r["code"]))
    objs = [
        HazardFactor(
            code=r["code"],
            name=r["name_zh"],
            parent_id=r["parent_code"] or None,
            level=int(r["level"]),
            edition=r["edition"],
            confidence=r["confidence"],
            note=r["note"][:200],
        )
        for r in rows
    ]
    HazardFactor.objects.bulk_create(objs, ignore_conflicts=True)
    return len(objs)
