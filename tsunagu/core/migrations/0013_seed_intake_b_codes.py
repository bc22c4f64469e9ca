"""The 申込票 B票 lists (仕事, 住居, 健康保険, 年金) as standard 区分マスタ lists.

The literal copy below is the data; it never imports the application (core/tests/test_migrations.py).
"""

from django.db import migrations, models

DEFAULT_CODES = {
    "work_status": [
        ("regular", "正社員・公務員"),
        ("non_regular", "臨時・パート・アルバイト・派遣"),
        ("self_employed", "自営業・家族従業者・内職"),
        ("pension_life", "年金生活"),
        ("unemployed", "失業・休職中"),
        ("student", "学生"),
        ("other", "その他"),
    ],
    "housing_type": [
        ("owned", "持家"),
        ("rented", "借家"),
        ("public_housing", "公営住宅"),
        ("company_housing", "会社寮・借上げ住宅"),
        ("facility", "施設"),
        ("homeless", "野宿"),
        ("other", "その他"),
    ],
    "health_insurance": [
        ("employee", "社会保険"),
        ("national", "国民健康保険"),
        ("late_elderly", "後期高齢者医療"),
        ("medical_assistance", "生活保護（医療扶助）"),
        ("uninsured", "無保険"),
        ("unknown", "不明"),
    ],
    "pension_status": [
        ("receiving", "受給中"),
        ("enrolled", "加入"),
        ("not_enrolled", "未加入"),
        ("unknown", "不明"),
    ],
}


def seed(apps, schema_editor):
    CodeItem = apps.get_model("core", "CodeItem")
    for list_key, items in DEFAULT_CODES.items():
        for order, (code, label) in enumerate(items, start=1):
            CodeItem.objects.get_or_create(
                list_key=list_key,
                code=code,
                municipality_id=None,
                defaults={"label": label, "sort_order": order * 10},
            )


def unseed(apps, schema_editor):
    apps.get_model("core", "CodeItem").objects.filter(list_key__in=list(DEFAULT_CODES)).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0012_change_record_purge")]
    operations = [
        migrations.AlterField(
            model_name="codeitem",
            name="list_key",
            field=models.CharField(
                choices=[
                    ("consultation_method", "相談方法"),
                    ("consulter_type", "相談者（来談者）"),
                    ("referral_route", "相談経路・紹介元"),
                    ("consultation_topic", "相談したいこと"),
                    ("urgency_flag", "緊急性"),
                    ("housing_status", "住まいの状況"),
                    ("screening_referral", "つなぎ先（スクリーニング）"),
                    ("assessment_issue", "抱える課題"),
                    ("change_item", "本人の変化"),
                    ("closure_reason", "終結理由"),
                    ("contact_method", "希望する連絡方法"),
                    ("work_status", "仕事（申込票B票・就労の現状）"),
                    ("housing_type", "住居（申込票B票）"),
                    ("health_insurance", "健康保険"),
                    ("pension_status", "年金"),
                ],
                max_length=40,
                verbose_name="一覧",
            ),
        ),
        migrations.RunPython(seed, unseed),
    ]
