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
