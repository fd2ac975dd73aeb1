"""The people's-mediation statistical categories (人民调解统计口径), editable afterwards."""

from django.db import migrations

CATEGORIES = [
    ("marriage_family", "婚姻家庭纠纷"),
    ("neighbourhood", "邻里纠纷"),
    ("housing_land", "房屋宅基地纠纷"),
    ("forest_land", "山林土地纠纷"),
    ("contract", "合同纠纷"),
    ("damages", "损害赔偿纠纷"),
    ("labour", "劳动争议纠纷"),
    ("land_requisition", "征地拆迁纠纷"),
    ("environment", "环境污染纠纷"),
    ("medical", "医疗纠纷"),
    ("traffic", "道路交通事故纠纷"),
    ("property_mgmt", "物业纠纷"),
    ("consumer", "消费纠纷"),
    ("village_affairs", "村务管理纠纷"),
    ("other", "其他纠纷"),
]


def add(apps, schema_editor):
    Category = apps.get_model("disputes", "Category")
    for sort, (key, name) in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(key=key, defaults={"name": name, "sort": sort * 10})


class Migration(migrations.Migration):
    dependencies = [("disputes", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
