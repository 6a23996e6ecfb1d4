"""The risk catalogue (较大以上安全风险目录): loading the starter catalogue and finding the items
that apply to an enterprise.

An item applies to an enterprise when the enterprise's industry code starts with one of the
item's GB/T 4754 prefixes, or when the enterprise carries the item's key-sector flag (涉爆粉尘,
涉氨制冷 …). The completeness check of issue 4 (应报尽报) compares these items with the register.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import reduce
from operator import or_
from pathlib import Path
from typing import Any

from django.db.models import Q, QuerySet

STARTER = Path(__file__).resolve().parent / "data" / "risk_catalogue.json"

# Catalogue sectors that are key-sector flags of an enterprise (core KeySector codes).
SECTOR_KEY_SECTORS = {
    "dust_explosion": "dust_explosion",
    "ammonia_refrigeration": "ammonia_refrigeration",
    "confined_space": "confined_space",
    "molten_metal": "molten_metal",
    "gas_use": "gas_use",
    "hazardous_chemicals": "hazardous_chemical_use",
}


def load_starter(item_model: Any, accident_type_model: Any, key_sector_model: Any) -> int:
    """Create the starter items (models passed in, so a migration can call it). Codes are the
    sector and a running number (`dust_explosion-03`); returns how many were created."""
    rows = json.loads(STARTER.read_text(encoding="utf-8"))
    types = {t.name: t for t in accident_type_model.objects.all()}
    sectors = {s.code: s for s in key_sector_model.objects.all()}
    numbers: Counter[str] = Counter()
    created = 0
    for row in rows:
        numbers[row["sector"]] += 1
        code = f"{row['sector']}-{numbers[row['sector']]:02d}"
        item, made = item_model.objects.get_or_create(
            code=code,
            defaults={
                "sector": row["sector"],
                # A row may name its own key sector (the 2017 化工 criteria: chemical plants).
                "key_sector": sectors.get(row.get("key_sector") or SECTOR_KEY_SECTORS.get(row["sector"], "")),
                "industry_prefixes": " ".join(row["gb4754_prefixes"]),
                "name": row["place_zh"],
                "hazard": row["hazard_zh"],
                "min_level": row["min_level"],
                "measures": row["measures_zh"],
                "basis": row["basis"],
                "source": row["source"],
                "confidence": row["confidence"],
            },
        )
        if made:
            item.accident_types.set([types[name] for name in row["accident_types"]])
            created += 1
    return created


def applicable_q(*, industry_code: str, key_sectors: list[str]) -> Q:
    """Items that apply to an enterprise of this industry with these key-sector flags.

    Prefix matching runs in the database both ways round: an item's prefixes are stored as one
    space-separated string, so each of the enterprise code's own prefixes (2, 3 and 4 digits) is
    looked for as a word in it."""
    # GB/T 4754 codes are at most four digits; anything else matches no industry item.
    code = industry_code if industry_code.isdigit() and len(industry_code) <= 4 else ""
    words = {code[:n] for n in range(2, len(code) + 1)}
    by_industry = [
        Q(industry_prefixes=w)
        | Q(industry_prefixes__startswith=f"{w} ")
        | Q(industry_prefixes__endswith=f" {w}")
        | Q(industry_prefixes__contains=f" {w} ")
        for w in sorted(words)
    ]
    parts = [*by_industry]
    if key_sectors:
        parts.append(Q(key_sector_id__in=key_sectors))
    if not parts:
        return Q(pk__in=[])
    return reduce(or_, parts)


def applicable_items(enterprise: Any) -> QuerySet[Any]:
    """The active catalogue items that apply to `enterprise`, most severe first."""
    from saferisk.risks.models import RiskCatalogItem

    q = applicable_q(
        industry_code=enterprise.industry_id or "",
        key_sectors=list(enterprise.key_sectors.values_list("code", flat=True)),
    )
    # Catalogue items are 较大以上 only: MAJOR sorts before LARGE in reverse text order.
    return RiskCatalogItem.objects.filter(q, active=True).order_by("-min_level", "sector", "code")
