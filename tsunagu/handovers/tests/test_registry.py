"""Every model with a ForeignKey to Agency is declared in handovers/registry.py (a later app
cannot forget its table)."""

from __future__ import annotations

import pytest
from django.apps import apps

from tsunagu.core.models import AppendOnlyModel
from tsunagu.handovers.registry import REGISTRY, Disposition
from tsunagu.organizations.models import Agency


def _agency_fk_models() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if getattr(f, "concrete", False) and f.is_relation and f.related_model is Agency:
                found.setdefault(model._meta.label, []).append(f.name)
    return found


def test_every_model_with_an_agency_foreign_key_is_declared() -> None:
    declared = {e.model_label: e for e in REGISTRY}
    missing = sorted(set(_agency_fk_models()) - set(declared))
    assert not missing, (
        f"handovers/registry.py に次のモデルを MOVE / KEEP / DELETE で追加してください: {missing}"
    )


@pytest.mark.django_db
def test_declared_fields_and_lookups_exist() -> None:
    fks = _agency_fk_models()
    for e in REGISTRY:
        assert e.field in fks[e.model_label], e
        if e.disposition is Disposition.MOVE:
            assert e.lookup, e
            # the lookup resolves to a municipality
            e.model._base_manager.filter(**{e.lookup: 1}).exists()


def test_append_only_tables_are_kept() -> None:
    for e in REGISTRY:
        if issubclass(e.model, AppendOnlyModel):
            assert e.disposition is Disposition.KEEP, e


def test_record_type_labels_are_unique_japanese() -> None:
    labels = [e.label for e in REGISTRY if e.disposition is Disposition.MOVE]
    assert len(labels) == len(set(labels))
    assert all(not label.isascii() for label in labels)


def test_technical_tables_are_moved_but_not_counted() -> None:
    from tsunagu.handovers.registry import counted, moving, uncounted_labels

    assert uncounted_labels() == {"カナ検索索引"}
    assert all(e.disposition is Disposition.MOVE for e in REGISTRY if not e.counted)
    assert {e.label for e in counted()} == {e.label for e in moving()} - uncounted_labels()
