"""The safety-director obligation as Suzhou's rules set it (the thresholds quoted in issue 3).

Rows, not constants: an admin edits or adds rules for another city on the rules page."""

from django.db import migrations

SOURCE = (
    "苏州市企业安全总监制度：从业人员≥100人或营业收入≥2000万元的重点行业企业；营业收入≥2000万元的化工企业"
)

RULES = [
    {
        "name": "重点行业企业（从业人员≥100人或营业收入≥2000万元）",
        "sectors": [
            "non_coal_mine",
            "chemical",
            "hazardous_chemical_use",
            "metallurgy",
            "nonferrous",
            "dust_explosion",
            "ammonia_refrigeration",
        ],
        # mining 06–12, construction 47–50, transport 53–59, ferrous/non-ferrous smelting 31–32,
        # ship building and repair 373.
        "prefixes": "06 07 08 09 10 11 12 47 48 49 50 53 54 55 56 57 58 59 31 32 373",
        "min_employees": 100,
        "min_revenue": 2000,
    },
    {
        "name": "化工企业（营业收入≥2000万元，不论人数）",
        "sectors": ["chemical"],
        "prefixes": "26",
        "min_employees": None,
        "min_revenue": 2000,
    },
]


def load(apps, schema_editor):
    Rule = apps.get_model("enterprises", "SafetyDirectorRule")
    KeySector = apps.get_model("core", "KeySector")
    for spec in RULES:
        rule = Rule.objects.create(
            name=spec["name"],
            industry_prefixes=spec["prefixes"],
            min_employees=spec["min_employees"],
            min_revenue=spec["min_revenue"],
            source=SOURCE,
        )
        rule.key_sectors.set(KeySector.objects.filter(code__in=spec["sectors"]))


def unload(apps, schema_editor):
    apps.get_model("enterprises", "SafetyDirectorRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0002_import_jobs_obligations"),
        ("core", "0004_notification"),
    ]
    operations = [migrations.RunPython(load, unload)]
