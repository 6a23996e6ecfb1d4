"""The starter risk catalogue (108 items over 16 sectors; sources in risks/data/SOURCES.md)."""

from django.db import migrations


def load(apps, schema_editor):
    from saferisk.risks.catalogue import load_starter

    load_starter(
        apps.get_model("risks", "RiskCatalogItem"),
        apps.get_model("core", "AccidentType"),
        apps.get_model("core", "KeySector"),
    )


def unload(apps, schema_editor):
    apps.get_model("risks", "RiskCatalogItem").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("risks", "0001_initial"), ("core", "0005_ship_repair_key_sector")]

    operations = [migrations.RunPython(load, unload)]
