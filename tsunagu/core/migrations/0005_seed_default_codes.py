"""Data migration: the default category lists (区分マスタ) as first installed.

The lists follow the 自立相談支援機関使用標準様式 (アセスメントシート・プランシート等帳票類 記入要綱);
each agency may edit them. The data is written here as literals: a migration must not import app code,
whose lists may change later (``core.codes.ensure_default_codes`` adds later defaults).
"""

from django.db import migrations

DEFAULT_CODES = {
    "consultation_method": [
        ("visit_center", "来所"),
        ("phone", "電話"),
        ("home_visit", "訪問"),
        ("email", "メール"),
        ("outreach", "アウトリーチ"),
        ("accompanied", "関係機関同行"),
        ("other", "その他"),
    ],
    "consulter_type": [
        ("self", "本人"),
        ("family", "家族"),
        ("acquaintance", "知人"),
        ("agency", "関係機関"),
    ],
    "referral_route": [
        ("self", "本人自ら"),
        ("family", "家族・知人"),
        ("welfare_office", "関係機関：福祉事務所"),
        ("social_welfare_council", "関係機関：社会福祉協議会"),
        ("hello_work", "関係機関：ハローワーク"),
        ("community_care_center", "関係機関：地域包括支援センター"),
        ("disability_consultation", "関係機関：障害者相談支援事業所"),
        ("welfare_commissioner", "関係機関：民生委員"),
        ("medical", "関係機関：医療機関"),
        ("school", "関係機関：学校"),
        ("tax_utilities", "関係機関：税・公共料金担当"),
        ("housing_department", "関係機関：住宅部局"),
        ("police", "関係機関：警察"),
        ("houterasu", "関係機関：法テラス"),
        ("youth_support_station", "関係機関：地域若者サポートステーション"),
        ("agency_other", "関係機関：その他"),
        ("outreach", "自立相談支援機関の訪問（アウトリーチ）"),
        ("other", "その他"),
    ],
    "consultation_topic": [
        ("health", "病気や健康、障害のこと"),
        ("housing", "住まいについて"),
        ("income", "収入・生活費のこと"),
        ("rent_loan", "家賃やローンの支払いのこと"),
        ("tax_utilities", "税金や公共料金等の支払いについて"),
        ("debt", "債務について"),
        ("job_search", "仕事探し、就職について"),
        ("work_trouble", "仕事上の不安やトラブル"),
        ("community", "地域との関係について"),
        ("family", "家族との関係について"),
        ("childcare", "子育てのこと"),
        ("nursing_care", "介護のこと"),
        ("hikikomori", "ひきこもり・不登校"),
        ("dv_abuse", "DV・虐待"),
        ("no_food", "食べるものがない"),
        ("other", "その他"),
    ],
    "urgency_flag": [
        ("no_food", "食べるものがない"),
        ("no_money", "所持金がない"),
        ("housing_loss", "住まいを失った／失うおそれ"),
        ("medical_need", "医療が必要"),
        ("dv_abuse", "DV・虐待"),
        ("suicide_risk", "自死のおそれ"),
    ],
    "housing_status": [
        ("owned", "持家"),
        ("rented_private", "賃貸（民間）"),
        ("public_housing", "公営住宅"),
        ("company_housing", "社宅・寮"),
        ("facility", "施設"),
        ("staying_with_others", "知人宅等"),
        ("internet_cafe", "ネットカフェ等"),
        ("homeless", "住居なし（野宿）"),
        ("other", "その他"),
    ],
    "screening_referral": [
        ("public_assistance", "生活保護"),
        ("hello_work", "ハローワーク"),
        ("youth_support_station", "地域若者サポートステーション"),
        ("disability", "障害福祉"),
        ("community_care_center", "地域包括支援センター"),
        ("legal", "弁護士・司法書士・法テラス"),
        ("medical", "医療機関・保健所"),
        ("child", "子ども・教育関係"),
        ("social_welfare_council", "社会福祉協議会"),
        ("other", "その他の制度・機関"),
    ],
    "assessment_issue": [
        ("illness", "病気"),
        ("injury", "けが"),
        ("disability_certified", "障害（手帳有）"),
        ("disability_suspected", "障害（疑い）"),
        ("suicide_attempt", "自死企図"),
        ("mental_health", "メンタルヘルスの課題（うつ・不眠・不安等）"),
        ("unstable_housing", "住まい不安定"),
        ("homeless", "ホームレス"),
        ("economic_hardship", "経済的困窮"),
        ("debt", "（多重・過重）債務"),
        ("household_management", "家計管理の課題"),
        ("job_search_difficulty", "就職活動困難"),
        ("job_retention_difficulty", "就職定着困難"),
        ("irregular_life", "生活習慣の乱れ"),
        ("social_isolation", "社会的孤立（ニート・ひきこもり等）"),
        ("family_problems", "家族関係・家族の問題"),
        ("school_refusal", "不登校"),
        ("delinquency", "非行"),
        ("dropout", "中卒・高校中退"),
        ("nursing_care", "介護"),
        ("childcare", "子育て"),
        ("single_parent", "ひとり親"),
        ("dv_abuse", "DV・虐待"),
        ("foreign_national", "外国籍"),
        ("ex_offender", "刑余者"),
        ("disaster", "被災"),
        ("communication", "コミュニケーションが苦手"),
        ("limited_ability", "本人の能力の制限（識字等）"),
        ("other", "その他"),
    ],
    "change_item": [
        ("housing_secured", "住まいの確保・安定化"),
        ("health_improved", "健康状態の改善"),
        ("relationships_improved", "対人関係・家族関係の改善"),
        ("household_improved", "家計の改善（債務の整理等）"),
        ("can_ask_help", "SOSを出せるようになった"),
        ("disability_certificate", "障害手帳取得"),
        ("self_affirmation", "自分を肯定的に受け止められるようになった"),
        ("sense_of_security", "安心感が高まった"),
        ("earned_income_up", "就労収入が増加した"),
        ("other_income_up", "その他収入が増加した"),
        ("motivation", "自立意欲の向上・改善"),
        ("has_goal", "目標ができた"),
        ("public_assistance", "生活保護適用"),
        ("lifestyle_improved", "生活習慣の改善"),
        ("other", "その他"),
    ],
    "closure_reason": [
        ("goal_achieved", "目標達成（困窮状態からの脱却）"),
        ("employment_income", "就労・増収による自立"),
        ("public_assistance", "生活保護適用"),
        ("handover", "他機関へ引継ぎ"),
        ("moved", "転居"),
        ("own_wish", "本人の希望"),
        ("lost_contact", "連絡途絶"),
        ("death", "死亡"),
        ("other", "その他"),
    ],
    "contact_method": [
        ("phone", "電話"),
        ("sms", "ショートメール"),
        ("email", "メール"),
        ("letter", "郵便"),
        ("visit", "訪問"),
        ("via_agency", "関係機関経由"),
    ],
}


def seed(apps, schema_editor):
    CodeItem = apps.get_model("core", "CodeItem")
    for list_key, items in DEFAULT_CODES.items():
        for order, (code, label) in enumerate(items, start=1):
            CodeItem.objects.get_or_create(
                list_key=list_key, code=code, defaults={"label": label, "sort_order": order * 10}
            )


class Migration(migrations.Migration):
    dependencies = [("core", "0004_codeitem")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
