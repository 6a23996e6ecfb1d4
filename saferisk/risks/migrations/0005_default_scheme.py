"""Seed the default assessment scheme and the starter catalogue's typical places."""

import re

from django.db import migrations


def seed(apps, schema_editor):
    from saferisk.risks.schemes import default_scheme_data

    Scheme = apps.get_model("risks", "AssessmentScheme")
    data = default_scheme_data()
    Scheme.objects.get_or_create(version=data.pop("version"), defaults=data)
    # The starter items name their typical places in brackets: 炼铁·高炉本体（炉缸、炉壳、冷却壁）.
    Item = apps.get_model("risks", "RiskCatalogItem")
    for item in Item.objects.filter(typical_places=""):
        match = re.search(r"（([^（）]+)）$", item.name)
        if match:
            item.typical_places = match.group(1)[:300]
            item.save(update_fields=["typical_places"])


class Migration(migrations.Migration):
    dependencies = [("risks", "0004_schemes_residual_tasks_siteplan")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
