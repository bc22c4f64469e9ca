"""Domain demo data added by later features (partner agencies, persons, cases …)."""

from __future__ import annotations


def load_domain_demo_data() -> dict[str, int]:
    return {}
