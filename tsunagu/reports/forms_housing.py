"""The printed forms of 住居確保給付金: 申請時確認書, 支給決定通知書 / 不支給決定通知書 / 中止通知書,
求職活動状況報告書 (``printing.register``)."""

from __future__ import annotations
