"""The registry declares every model with a path to a person (both retention and 本人開示 read it)."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from tsunagu.personal_data import registry


def _models_reaching_person() -> set[str]:
    person = apps.get_model("persons.Person")
    reach: set[type[models.Model]] = {person}
    changed = True
    while changed:
        changed = False
        for m in apps.get_models():
            if m in reach:
                continue
            for f in m._meta.concrete_fields:
                if f.is_relation and f.related_model in reach and f.related_model is not None:
                    # a link to the person (or a record about them), not the staff account
                    reach.add(m)
                    changed = True
                    break
                if f.name == "person_id" and not f.is_relation:
                    reach.add(m)
                    changed = True
                    break
    return {m._meta.label_lower for m in reach if m._meta.app_label != "personal_data"}


def test_every_model_with_a_path_to_a_person_is_declared() -> None:
    declared = set(registry.BY_LABEL) | set(registry.KEPT_OUTSIDE)
    missing = _models_reaching_person() - declared
    assert not missing, f"personal_data/registry.py に宣言のないモデル: {sorted(missing)}"


def test_declared_fields_exist_and_paths_resolve() -> None:
    for entry in registry.ENTRIES:
        model = entry.model
        names = {f.name for f in model._meta.get_fields()}
        for name in entry.personal + entry.free_text + entry.third_party + tuple(entry.codes):
            assert name in names, (entry.model_label, name)
        # the lookups are valid (a query is built, not run)
        str(model._base_manager.filter(**entry.person_filter(1)).query)
        if entry.case_path:
            str(model._base_manager.filter(**{entry.case_path: 1}).query)


def test_free_text_and_personal_fields_can_be_wiped() -> None:
    for entry in registry.ENTRIES:
        if entry.action == registry.Action.WIPE:
            registry.wipe_values(entry)  # every wiped field has a blank value
