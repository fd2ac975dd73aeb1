# Receptions moved to their own app (receptions 0001 takes them over): the meetings app forgets
# them; their tables, rows and constraints stay untouched. Their content types follow them, so
# the permissions granted on them (and anything else pointing at a content type) keep working.

from django.db import migrations

MOVED = ['receptionday', 'receptionslot', 'receptionbooking']


def _relabel(apps, source, target):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    for model in MOVED:
        if not ContentType.objects.filter(app_label=target, model=model).exists():
            ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


def forward(apps, schema_editor):
    _relabel(apps, 'meetings', 'receptions')


def backward(apps, schema_editor):
    _relabel(apps, 'receptions', 'meetings')


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('meetings', '0002_alter_receptionbooking_contact_phone'),
        ('receptions', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='ReceptionBooking'),
                migrations.DeleteModel(name='ReceptionSlot'),
                migrations.DeleteModel(name='ReceptionDay'),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forward, backward),
    ]
