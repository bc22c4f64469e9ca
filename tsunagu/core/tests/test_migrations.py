"""Data migrations are self-contained: they never import the application's code."""

from __future__ import annotations

import ast
from pathlib import Path

from tsunagu.core import default_codes

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_core_migrations_import_no_application_code() -> None:
    for path in sorted(MIGRATIONS.glob("0*.py")):
        assert not any(name.startswith("tsunagu") for name in _imports(path)), path.name


def test_the_seeded_defaults_are_the_applications_defaults() -> None:
    """Each migration's literal copy seeds codes that ``ensure_default_codes`` also knows."""
    seeding = ("0005_seed_default_codes.py", "0013_seed_intake_b_codes.py")
    seeded_lists: set[str] = set()
    for name in seeding:
        namespace: dict[str, object] = {}
        source = (MIGRATIONS / name).read_text(encoding="utf-8")
        exec(compile(source, name, "exec"), namespace)  # noqa: S102 - our own file
        seeded = namespace["DEFAULT_CODES"]
        assert isinstance(seeded, dict)
        for list_key, items in seeded.items():
            assert set(items) <= set(default_codes.DEFAULT_CODES[list_key]), (name, list_key)
        seeded_lists |= set(seeded)
    assert seeded_lists == set(default_codes.DEFAULT_CODES)
