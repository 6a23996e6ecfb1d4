"""Load the reference data shipped in core/data/ (sources in core/data/SOURCES.md)."""

from django.db import migrations

from saferisk.core import reference_data


def load(apps, schema_editor):
    Department = apps.get_model("core", "Department")
    reference_data.load_departments(Department)
    reference_data.load_key_sectors(apps.get_model("core", "KeySector"))
    reference_data.load_regions(apps.get_model("core", "Region"))
    reference_data.load_industries(apps.get_model("core", "Industry"), Department)
    reference_data.load_accident_types(apps.get_model("core", "AccidentType"))
    reference_data.load_hazard_factors(apps.get_model("core", "HazardFactor"))


def unload(apps, schema_editor):
    for name in ("Industry", "HazardFactor", "AccidentType", "KeySector", "Department"):
        model = apps.get_model("core", name)
        # Children first: the trees protect their parents.
        if name in ("Industry", "HazardFactor"):
            for level in ("class", "group", "division", "section") if name == "Industry" else (4, 3, 2, 1):
                model.objects.filter(level=level).delete()
        model.objects.all().delete()
    Region = apps.get_model("core", "Region")
    for level in ("town", "county", "city", "province"):
        Region.objects.filter(level=level).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_relations")]

    operations = [migrations.RunPython(load, unload)]
