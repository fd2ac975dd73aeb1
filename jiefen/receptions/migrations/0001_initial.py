# Receptions were part of the meetings app: their tables stay as they are (meetings_reception*),
# only Django's record of which app owns them moves here (meetings 0003 forgets them).

import django.db.models.deletion
import jiefen.lib.sealed
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('disputes', '0003_query_digest'),
        ('org', '0001_initial'),
        ('meetings', '0002_alter_receptionbooking_contact_phone'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name='ReceptionDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('region_code', models.BigIntegerField(editable=False, verbose_name='区划代码')),
                ('kind', models.CharField(choices=[('visit', '下访'), ('appointment', '约访')], max_length=12, verbose_name='方式')),
                ('date', models.DateField(verbose_name='日期')),
                ('starts_at', models.TimeField(verbose_name='开始时间')),
                ('ends_at', models.TimeField(verbose_name='结束时间')),
                ('place', models.CharField(max_length=100, verbose_name='地点')),
                ('note', models.CharField(blank=True, max_length=300, verbose_name='说明')),
                ('cancelled', models.BooleanField(default=False, verbose_name='已取消')),
                ('published_at', models.DateTimeField(verbose_name='发布时间')),
                ('body', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reception_days', to='org.body', verbose_name='单位')),
                ('leader', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reception_days', to=settings.AUTH_USER_MODEL, verbose_name='接访领导')),
                ('published_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '接访日',
                'verbose_name_plural': '接访日',
                'ordering': ['date', 'starts_at', 'id'],
                'db_table': 'meetings_receptionday',
                'indexes': [models.Index(fields=['date', 'region_code'], name='reception_date_region')],
            },
        ),
        migrations.CreateModel(
            name='ReceptionSlot',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('starts_at', models.TimeField(verbose_name='开始时间')),
                ('ends_at', models.TimeField(verbose_name='结束时间')),
                ('day', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='slots', to='receptions.receptionday')),
            ],
            options={
                'verbose_name': '接访时段',
                'verbose_name_plural': '接访时段',
                'ordering': ['day', 'starts_at'],
                'db_table': 'meetings_receptionslot',
            },
        ),
        migrations.CreateModel(
            name='ReceptionBooking',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(blank=True, max_length=100, verbose_name='事由')),
                ('description', models.TextField(blank=True, max_length=2000, verbose_name='情况简述')),
                ('contact_name', models.CharField(blank=True, max_length=50, verbose_name='联系人')),
                ('contact_phone', jiefen.lib.sealed.SealedCharField(blank=True, max_length=30, null=True, verbose_name='联系电话')),
                ('public', models.BooleanField(default=False, verbose_name='当事人自行预约')),
                ('booked_at', models.DateTimeField(verbose_name='预约时间')),
                ('status', models.CharField(choices=[('booked', '已预约'), ('held', '已接待'), ('cancelled', '已取消'), ('absent', '未到')], default='booked', max_length=10, verbose_name='状态')),
                ('record', models.TextField(blank=True, max_length=5000, verbose_name='接访记录')),
                ('recorded_at', models.DateTimeField(blank=True, null=True, verbose_name='记录时间')),
                ('booked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('dispute', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='disputes.dispute', verbose_name='纠纷')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('slot', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='bookings', to='receptions.receptionslot')),
            ],
            options={
                'verbose_name': '接访预约',
                'verbose_name_plural': '接访预约',
                'ordering': ['slot', 'id'],
                'db_table': 'meetings_receptionbooking',
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'cancelled'), _negated=True), fields=('slot',), name='one_live_booking_per_slot')],
            },
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[]),
    ]
