"""Bounded integers for API inputs: a record id or a page number beyond what the database can
hold is bad input (422 or 404), never a database error (500). Every API uses these types."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_DB_ID = 2**63 - 1  # the largest 64-bit signed integer (a database id)
MAX_PAGE = 1_000_000

Id = Annotated[int, Field(ge=1, le=MAX_DB_ID)]
PageNo = Annotated[int, Field(ge=1, le=MAX_PAGE)]
Days = Annotated[int, Field(ge=0, le=3660)]
