"""The statistics screens and API over HTTP (Django test client) at tier M, for the largest municipality.

Issue 7 point 6: "the monthly figures for one municipality return within 2 seconds on tier M".
O5 of bench/run.py times the computation; this times the whole pages (figures, distributions,
creaming guard, template) and the API, as a 自治体担当者 of the municipality with the most cases.
Run after `make bench` has loaded tsunagu_bench:  .venv/bin/python bench/statistics_screens.py
"""

import os
import statistics as st
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tsunagu_bench")
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
import django

django.setup()
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402

from tsunagu.cases.models import Case  # noqa: E402
from tsunagu.organizations.models import Municipality, User  # noqa: E402

m = Case.objects.values("municipality").annotate(n=Count("id")).order_by("-n").first()
muni = Municipality.objects.get(pk=m["municipality"])
officer = User.objects.filter(municipality=muni, roles__role="municipal_officer").first()
print(muni, m["n"], "cases; officer", officer)
c = Client()
c.force_login(officer)
for url, params in [
    ("/statistics/", {"area": f"m:{muni.code}", "period": "2026-10"}),
    ("/statistics/", {"area": f"m:{muni.code}", "period": "FY2025"}),
    ("/api/v1/statistics/monthly", {"municipality": muni.code, "month": "2026-10"}),
    ("/statistics/survey.xlsx", {"area": f"m:{muni.code}", "period": "2026-10"}),
]:
    ts = []
    for _ in range(8):
        t = time.perf_counter()
        r = c.get(url, params)
        ts.append(time.perf_counter() - t)
        assert r.status_code == 200, r.status_code
    ts.sort()
    print(url, params.get("period", params.get("month")), f"p50 {st.median(ts):.3f} s  max {ts[-1]:.3f} s")
