"""Synthetic data at national scale for the benchmarks (issue 8). See generator.py."""

from __future__ import annotations

from .generator import SEED, TIERS, Generator, Sizes, plan_population, sizes_for

__all__ = ["SEED", "TIERS", "Generator", "Sizes", "plan_population", "sizes_for"]
