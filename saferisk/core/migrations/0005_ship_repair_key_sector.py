"""The key sector 船舶修造 (ship building and repair), which the safety-director rules name.

Enterprises flag it on their profile; the Suzhou rule that covers ship building by industry code
(prefix 373) also covers enterprises that flag the sector."""

from django.db import migrations

CODE = "ship_repair"


def add(apps, schema_editor):
    KeySector = apps.get_model("core", "KeySector")
    sector, _ = KeySector.objects.update_or_create(code=CODE, defaults={"name": "船舶修造", "sort_order": 13})
    Rule = apps.get_model("enterprises", "SafetyDirectorRule")
    for rule in Rule.objects.all():
        if "373" in rule.industry_prefixes.split():
            rule.key_sectors.add(sector)


def remove(apps, schema_editor):
    apps.get_model("core", "KeySector").objects.filter(code=CODE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_notification"),
        ("enterprises", "0003_safety_director_rules"),
    ]
    operations = [migrations.RunPython(add, remove)]
