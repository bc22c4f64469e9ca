"""Every record a screen can name has a Japanese name: its model's verbose_name, and its own
``__str__`` (never Django's "SupportPlan object (3)"), with dates in 和暦."""

from __future__ import annotations

import re
from typing import Any

from django.apps import apps
from django.db import models

SEIREKI = re.compile(r"(?<![0-9])(?:19|20)\d{2}(?:年|-[01]\d)")
CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _project_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m.__module__.startswith("tsunagu.")]


def test_every_model_has_a_japanese_name_and_its_own_str() -> None:
    no_name = [m.__name__ for m in _project_models() if not CJK.search(str(m._meta.verbose_name))]
    no_str = [
        m.__name__
        for m in _project_models()
        if not any("__str__" in k.__dict__ for k in m.__mro__ if k is not models.Model)
    ]
    assert no_name == []
    assert no_str == []


def test_the_demo_records_are_named_in_japanese_with_wareki_dates(demo: Any) -> None:
    named = 0
    for model in _project_models():
        for obj in model._default_manager.all()[:3]:
            text = str(obj)
            assert " object (" not in text, (model.__name__, text)
            assert not SEIREKI.search(text), (model.__name__, text)
            named += 1
    assert named > 50
