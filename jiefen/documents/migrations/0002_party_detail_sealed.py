"""Encrypt the person's facts of PartyDetail at rest: the columns become encrypted text and
every row already stored is rewritten encrypted (reading a plain value passes through the
encrypted field's decryption unchanged). Reversible: going back writes the decrypted values in
plain text before the columns return to their old types."""

from django.db import migrations

import jiefen.lib.sealed

FIELDS = ("gender", "age", "ethnicity", "occupation", "employer")


def seal(apps, schema_editor):
    PartyDetail = apps.get_model("documents", "PartyDetail")
    last = 0
    while True:
        rows = list(PartyDetail.objects.filter(pk__gt=last).order_by("pk")[:500])
        if not rows:
            break
        last = rows[-1].pk
        for row in rows:
            if row.age in ("", None):
                row.age = None
            else:
                row.age = int(row.age)
        # The historical fields are the encrypted ones: writing encrypts.
        PartyDetail.objects.bulk_update(rows, list(FIELDS))


def unseal(apps, schema_editor):
    PartyDetail = apps.get_model("documents", "PartyDetail")
    table = PartyDetail._meta.db_table
    quote = schema_editor.quote_name
    assignments = ", ".join(f"{quote(name)} = %s" for name in FIELDS)
    sql = f"UPDATE {quote(table)} SET {assignments} WHERE {quote('id')} = %s"
    with schema_editor.connection.cursor() as cursor:
        for row in PartyDetail.objects.order_by("pk").iterator(chunk_size=500):
            values = [
                "" if getattr(row, name) is None else str(getattr(row, name))
                for name in ("gender", "ethnicity", "occupation", "employer")
            ]
            age = None if row.age in ("", None) else str(int(row.age))
            cursor.execute(sql, [values[0], age, *values[1:], row.pk])


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="partydetail",
            name="age",
            field=jiefen.lib.sealed.SealedIntegerField(
                blank=True, null=True, verbose_name="年龄"
            ),
        ),
        migrations.AlterField(
            model_name="partydetail",
            name="employer",
            field=jiefen.lib.sealed.SealedCharField(
                blank=True, max_length=100, null=True, verbose_name="工作单位"
            ),
        ),
        migrations.AlterField(
            model_name="partydetail",
            name="ethnicity",
            field=jiefen.lib.sealed.SealedCharField(
                blank=True, max_length=20, null=True, verbose_name="民族"
            ),
        ),
        migrations.AlterField(
            model_name="partydetail",
            name="gender",
            field=jiefen.lib.sealed.SealedCharField(
                blank=True,
                choices=[("male", "男"), ("female", "女")],
                max_length=6,
                null=True,
                verbose_name="性别",
            ),
        ),
        migrations.AlterField(
            model_name="partydetail",
            name="occupation",
            field=jiefen.lib.sealed.SealedCharField(
                blank=True, max_length=50, null=True, verbose_name="职业"
            ),
        ),
        migrations.RunPython(seal, unseal),
    ]
