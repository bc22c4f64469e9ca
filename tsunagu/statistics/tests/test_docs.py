from pathlib import Path

from django.conf import settings

from tsunagu.statistics.docs import definitions_markdown
from tsunagu.statistics.indicators import INDICATORS


def test_definitions_page_is_generated_from_the_code() -> None:
    page = (Path(settings.BASE_DIR) / "docs" / "statistics-definitions.md").read_text(encoding="utf-8")
    assert page == definitions_markdown(), "run `python manage.py statistics_doc`"
    for code in INDICATORS:
        assert f"`{code}`" in page


def test_guide_values_are_editable_in_the_admin() -> None:
    from django.contrib import admin

    from tsunagu.statistics.models import GuideValue

    assert admin.site.is_registered(GuideValue)


def test_guide_value_must_name_a_per_100k_indicator() -> None:
    import pytest
    from django.core.exceptions import ValidationError

    from tsunagu.statistics.models import GuideValue

    with pytest.raises(ValidationError):
        GuideValue(fiscal_year=2026, indicator_code="employed", value_per_100k=1).clean()
    GuideValue(fiscal_year=2026, indicator_code="plans_created", value_per_100k=1).clean()


def test_period_labels_in_wareki_with_seireki() -> None:
    from tsunagu.statistics.indicators import Period

    assert Period.month(2019, 5).label == "令和元年5月（2019年5月）"
    assert Period.month(2019, 4).label == "平成31年4月（2019年4月）"
    assert Period.fiscal_year(2025).label == "令和7年度（2025年度）"
    assert Period.parse("FY2025") == Period.fiscal_year(2025)
    assert Period.parse("2025-10").key == "2025-10"
