"""The plan's targets (mediation rate 100 %, success ≥ 92 %, satisfaction ≥ 85 %, mass
disputes falling) as Target rows for every region level, from the year the plan took effect.
The values are read from metrics.indicators.TARGETS, where the defaults are written once."""

from django.db import migrations

FIRST_YEAR = 2024
LEVELS = (1, 2, 3, 4, 5)  # province, city, county, town, village


def seed(apps, schema_editor):
    from jiefen.metrics.indicators import TARGETS

    Target = apps.get_model("evaluation", "Target")
    for key, target in TARGETS.items():
        value = None if target.value is None else round(float(target.value) * 100, 2)
        for level in LEVELS:
            Target.objects.get_or_create(
                indicator=key,
                level=level,
                year=FIRST_YEAR,
                defaults={"value": value, "direction": target.direction},
            )


def unseed(apps, schema_editor):
    apps.get_model("evaluation", "Target").objects.filter(year=FIRST_YEAR).delete()


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
