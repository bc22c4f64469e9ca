"""The printed forms of the support process: 相談受付・申込票, インテーク・アセスメントシート,
プラン兼事業等利用申込書, 評価シート, 支援経過記録 (``printing.register``)."""

from __future__ import annotations
