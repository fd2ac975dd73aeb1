"""Confirm the years whose official schedules python-holidays carries (2004–2026).

Later years stay provisional until an administrator enters the State Council's notice.
"""

from django.db import migrations

FIRST, LAST = 2004, 2026
NOTICE = "国务院办公厅关于{year}年部分节假日安排的通知"


def confirm(apps, schema_editor):
    CalendarYear = apps.get_model("calendars", "CalendarYear")
    for year in range(FIRST, LAST + 1):
        CalendarYear.objects.get_or_create(
            year=year, defaults={"confirmed": True, "notice": NOTICE.format(year=year)}
        )


def unconfirm(apps, schema_editor):
    CalendarYear = apps.get_model("calendars", "CalendarYear")
    for year in range(FIRST, LAST + 1):
        CalendarYear.objects.filter(
            year=year, notice=NOTICE.format(year=year), confirmed_by__isnull=True
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("calendars", "0001_initial")]

    operations = [migrations.RunPython(confirm, unconfirm)]
