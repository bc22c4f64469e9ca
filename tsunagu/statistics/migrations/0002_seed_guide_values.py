"""国の目安値 FY2015–FY2017 (厚生労働省「国の目安値・経済財政再生計画改革工程表KPI」).

The data are literals here: a data migration imports no app code."""

from django.db import migrations

SOURCE = "厚生労働省「国の目安値・経済財政再生計画改革工程表KPI」"
VALUES = {
    2015: {"new_consultations": 20, "plans_created": 10, "employment_support_targets": 6},
    2016: {"new_consultations": 22, "plans_created": 11, "employment_support_targets": 7},
    2017: {"new_consultations": 24, "plans_created": 12, "employment_support_targets": 7},
}


def seed(apps, schema_editor):
    GuideValue = apps.get_model("statistics", "GuideValue")
    for fy, values in VALUES.items():
        for code, value in values.items():
            GuideValue.objects.update_or_create(
                fiscal_year=fy, indicator_code=code, defaults={"value_per_100k": value, "source": SOURCE}
            )


def unseed(apps, schema_editor):
    GuideValue = apps.get_model("statistics", "GuideValue")
    GuideValue.objects.filter(fiscal_year__in=list(VALUES), source=SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [("statistics", "0001_guide_values_and_runs")]
    operations = [migrations.RunPython(seed, unseed)]
