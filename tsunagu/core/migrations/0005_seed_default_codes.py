"""Data migration: the default category lists of domain.md §2.2."""

from django.db import migrations


def seed(apps, schema_editor):
    from tsunagu.core.default_codes import DEFAULT_CODES

    CodeItem = apps.get_model("core", "CodeItem")
    for list_key, items in DEFAULT_CODES.items():
        for order, (code, label) in enumerate(items, start=1):
            CodeItem.objects.get_or_create(
                list_key=list_key, code=code, defaults={"label": label, "sort_order": order * 10}
            )


class Migration(migrations.Migration):
    dependencies = [("core", "0004_codeitem")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
