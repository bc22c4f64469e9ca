"""Data migration: the 新宿区 and 蓮田市 基準額表 (domain.md §4.8, only where the municipality exists)
and the national 求職活動等要件 (domain.md §4.4). The demo loader and the tests call
``tsunagu.programs.seed.seed_housing_benefit_demo()`` again after creating the municipalities."""

from django.db import migrations


def seed(apps, schema_editor):
    from tsunagu.programs.seed import seed_rules

    seed_rules(
        rule_model=apps.get_model("programs", "HousingBenefitRuleTable"),
        job_model=apps.get_model("programs", "JobSearchRequirement"),
        municipality_model=apps.get_model("organizations", "Municipality"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0002_payment_guard_and_rule_tables_append_only"),
        ("organizations", "0001_initial"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
