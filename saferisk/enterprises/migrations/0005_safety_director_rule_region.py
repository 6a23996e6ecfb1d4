"""Safety-director rules may apply in one city or county; the seeded rules stay province-wide
and now say that they are defaults taken from Suzhou's thresholds."""

import django.db.models.deletion
from django.db import migrations, models

OLD_SOURCE = (
    "苏州市企业安全总监制度：从业人员≥100人或营业收入≥2000万元的重点行业企业；营业收入≥2000万元的化工企业"
)
NEW_SOURCE = "全省默认规则，阈值参照苏州市企业安全总监制度；各地可修改，或另设只适用本市、本县的规则"


def relabel(apps, schema_editor):
    apps.get_model("enterprises", "SafetyDirectorRule").objects.filter(source=OLD_SOURCE).update(
        source=NEW_SOURCE
    )


def unlabel(apps, schema_editor):
    apps.get_model("enterprises", "SafetyDirectorRule").objects.filter(source=NEW_SOURCE).update(
        source=OLD_SOURCE
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_ship_repair_key_sector"),
        ("enterprises", "0004_directory_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="safetydirectorrule",
            name="region",
            field=models.ForeignKey(
                blank=True,
                help_text="Leave blank for the whole province; a city or county limits the rule to it.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.region",
                verbose_name="applies in",
            ),
        ),
        migrations.RunPython(relabel, unlabel),
    ]
