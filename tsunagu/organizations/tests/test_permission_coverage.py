"""Every permission in the role table is checked somewhere (a permission nobody checks does nothing).

The scan reads the source (``tsunagu/**/*.py``, tests and ``roles.py`` left out) and collects each
``Permission.<NAME>`` that appears in the arguments of a guard call: ``require``, ``require_any``,
``require_agency_of``, ``require_municipality_of``, ``permission_required``, ``allowed`` or
``<user>.can(...)`` — or in a module-level constant that such a call then uses (a tuple of
permissions passed on). Simple on purpose: an AST walk, no imports of the apps.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tsunagu.organizations.roles import PERMISSIONS, Permission

ROOT = Path(__file__).resolve().parents[2]  # the tsunagu package
GUARDS = frozenset(
    {
        "require",
        "require_any",
        "require_agency_of",
        "require_municipality_of",
        "permission_required",
        "allowed",
        "can",
        "deny",
    }
)


def _called_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _permissions_in(node: ast.AST) -> set[str]:
    return {
        n.attr
        for n in ast.walk(node)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "Permission"
    }


def _source_files() -> list[Path]:
    return [
        p
        for p in ROOT.rglob("*.py")
        if "tests" not in p.relative_to(ROOT).parts
        and "migrations" not in p.relative_to(ROOT).parts
        and p.relative_to(ROOT).as_posix() != "organizations/roles.py"
    ]


def checked_permissions() -> set[str]:
    found: set[str] = set()
    for path in _source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        constants: dict[str, set[str]] = {}
        for stmt in tree.body:  # module-level names holding permissions (e.g. a tuple passed on)
            if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        constants[t.id] = _permissions_in(stmt.value)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _called_name(node) not in GUARDS:
                continue
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                found |= _permissions_in(arg)
                for name in ast.walk(arg):
                    if isinstance(name, ast.Name) and name.id in constants:
                        found |= constants[name.id]
    return found


def test_the_scan_sees_a_guard_call() -> None:
    # The scan itself: a permission known to be checked by a view decorator is found.
    assert "AUDIT_VIEW" in checked_permissions() or "STATISTICS_VIEW" in checked_permissions()


def test_every_permission_in_the_role_table_is_checked_somewhere() -> None:
    checked = checked_permissions()
    unchecked = sorted(p.value for p in PERMISSIONS if Permission(p).name not in checked)
    assert unchecked == [], f"permissions in PERMISSIONS that no guard call checks: {unchecked}"
