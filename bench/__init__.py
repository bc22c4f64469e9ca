"""Benchmarks (issue 8): ``make bench`` and ``make bench-curve``. See docs/performance.md."""
