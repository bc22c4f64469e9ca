"""The 出典 of the seeded 国の目安値 names the public source only (no internal note)."""

from django.db import migrations

OLD = "厚生労働省「国の目安値・経済財政再生計画改革工程表KPI」（domain.md §3.2）"
NEW = "厚生労働省「国の目安値・経済財政再生計画改革工程表KPI」"


def forwards(apps, schema_editor):
    GuideValue = apps.get_model("statistics", "GuideValue")
    GuideValue.objects.filter(source=OLD).update(source=NEW)


class Migration(migrations.Migration):
    dependencies = [("statistics", "0002_seed_guide_values")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
