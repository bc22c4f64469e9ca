"""Date and date-time inputs: 和暦 typed by hand, 西暦/ISO and the browser's picker value all work,
and every form of the project uses these fields (no plain Django DateField on any screen)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import date, datetime

import pytest
from django import forms
from django.utils import timezone

import tsunagu
from tsunagu.core.dates import WarekiParseError, parse_datetime, wareki_datetime
from tsunagu.core.forms import JapaneseDateField, JapaneseDateTimeField


class _Form(forms.Form):
    on = JapaneseDateField(label="日付")
    at = JapaneseDateTimeField(label="日時", required=False)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("令和8年12月3日", date(2026, 12, 3)),
        ("R8.12.3", date(2026, 12, 3)),
        ("R8/12/3", date(2026, 12, 3)),
        ("r8-12-3", date(2026, 12, 3)),
        ("令和８年１２月３日", date(2026, 12, 3)),
        ("2026-12-03", date(2026, 12, 3)),  # the browser's date picker and ISO
        ("令和元年5月1日", date(2019, 5, 1)),
        ("平成31年4月30日", date(2019, 4, 30)),
    ],
)
def test_a_date_typed_by_hand_is_accepted(typed: str, expected: date) -> None:
    form = _Form({"on": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["on"] == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("平成31年5月1日", "平成は平成31年4月30日までです。"),
        ("令和元年4月30日", "令和は令和元年5月1日からです。"),
        ("令和8年2月30日", "存在しない日付です。"),
        ("あした", "日付の形式が正しくありません"),
    ],
)
def test_an_impossible_date_is_refused_in_japanese(typed: str, message: str) -> None:
    form = _Form({"on": typed})
    assert not form.is_valid()
    assert message in form.errors["on"][0]


def test_a_required_date_left_empty_is_refused_in_japanese() -> None:
    form = _Form({"on": ""})
    assert not form.is_valid()
    assert form.errors["on"] == ["このフィールドは必須です。"]


@pytest.mark.parametrize(
    "typed",
    [
        "令和8年12月3日 14:30",
        "令和8年12月3日14時30分",
        "R8.12.3 14:30",
        "R8/12/3 14:30",
        "2026-12-03T14:30",  # the browser's datetime-local value
        "2026-12-03 14:30",
        "２０２６年１２月３日　１４：３０",
    ],
)
def test_a_date_time_typed_by_hand_is_accepted_in_tokyo_time(typed: str) -> None:
    form = _Form({"on": "R8.12.3", "at": typed})
    assert form.is_valid(), form.errors
    at = form.cleaned_data["at"]
    assert timezone.is_aware(at)
    assert timezone.localtime(at).replace(tzinfo=None) == datetime(2026, 12, 3, 14, 30)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("令和8年12月3日", "時刻も入力してください"),
        ("R8.12.3 24:00", "時刻が正しくありません"),
        ("R8.12.3 14:60", "時刻が正しくありません"),
        ("平成31年5月1日 10:00", "平成は平成31年4月30日までです。"),
        ("14:30", "日時の形式が正しくありません"),
        ("きょうの昼", "日時の形式が正しくありません"),
    ],
)
def test_an_impossible_date_time_is_refused_in_japanese(typed: str, message: str) -> None:
    with pytest.raises(WarekiParseError) as excinfo:
        parse_datetime(typed)
    assert message in str(excinfo.value)
    form = _Form({"on": "R8.12.3", "at": typed})
    assert not form.is_valid()
    assert message in form.errors["at"][0]


def test_the_boxes_show_wareki_and_carry_a_calendar_that_is_never_submitted() -> None:
    at = timezone.make_aware(datetime(2019, 5, 1, 9, 5))
    form = _Form(initial={"on": date(2019, 4, 30), "at": at})
    html = str(form["on"]) + str(form["at"])
    assert 'value="平成31年4月30日"' in html
    assert 'value="令和元年5月1日 09:05"' in html
    assert 'type="date" class="date-input__picker" data-date-picker-for="id_on"' in html
    assert 'type="datetime-local" class="date-input__picker" data-date-picker-for="id_at"' in html
    # Only the text boxes have a name, so only they are submitted.
    assert html.count("name=") == 2
    assert wareki_datetime(at) == "令和元年5月1日 09:05"


def test_help_texts_show_wareki_examples_only() -> None:
    assert "2025-" not in _Form().fields["on"].help_text
    assert "例：令和8年12月3日" in _Form().fields["on"].help_text


def _project_forms() -> list[type[forms.BaseForm]]:
    found = []
    for info in pkgutil.walk_packages(tsunagu.__path__, "tsunagu."):
        if ".tests" in info.name or "forms" not in info.name.rsplit(".", 1)[-1]:
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def test_every_date_input_of_every_form_takes_wareki() -> None:
    forms_found = _project_forms()
    assert len(forms_found) > 30
    plain = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in forms_found
        for name, field in getattr(cls, "base_fields", {}).items()
        if isinstance(
            field, (forms.DateField, forms.DateTimeField, forms.TimeField, forms.SplitDateTimeField)
        )
    ]
    assert plain == []
    checked = [
        field
        for cls in forms_found
        for field in getattr(cls, "base_fields", {}).values()
        if isinstance(field, JapaneseDateField)
    ]
    assert any(isinstance(f, JapaneseDateTimeField) for f in checked)
