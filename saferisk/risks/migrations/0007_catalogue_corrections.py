"""Corrections of the starter catalogue (see risks/data/SOURCES.md): clause numbers no longer
carry the confidence marker "（条号M）", and the six items of the 2017 化工和危险化学品 criteria
apply to chemical plants (key sector 化工, division 26). Risks that copied a basis are cleaned too."""

import re

from django.db import migrations

CHEMICAL_ITEMS = [f"hazardous_chemicals-{n:02d}" for n in range(1, 7)]


def _clean(basis):
    changed = False
    out = []
    for entry in basis or []:
        clause = str(entry.get("clause", ""))
        new = re.sub(r"，条号M）", "）", re.sub(r"（条号M）", "", clause))
        changed = changed or new != clause
        out.append({**entry, "clause": new})
    return out, changed


def forwards(apps, schema_editor):
    Item = apps.get_model("risks", "RiskCatalogItem")
    Risk = apps.get_model("risks", "Risk")
    KeySector = apps.get_model("core", "KeySector")
    for model in (Item, Risk):
        for row in model.objects.exclude(basis=[]).only("pk", "basis"):
            basis, changed = _clean(row.basis)
            if changed:
                model.objects.filter(pk=row.pk).update(basis=basis)
    Scheme = apps.get_model("risks", "AssessmentScheme")
    Scheme.objects.filter(note="LEC 与 LS 的取值和分级界限见 saferisk/core/data/SOURCES.md").update(
        note="LEC 取值为作业条件危险性评价法（格雷厄姆—金尼法）的通用取值；LS 为 5×5 风险矩阵。"
    )
    chemical = KeySector.objects.filter(code="chemical").first()
    if chemical is not None:
        Item.objects.filter(code__in=CHEMICAL_ITEMS, key_sector_id="hazardous_chemical_use").update(
            key_sector=chemical, industry_prefixes="26"
        )


class Migration(migrations.Migration):
    dependencies = [("risks", "0006_retire_reason_conclusion"), ("core", "0003_load_reference_data")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
