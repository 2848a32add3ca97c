"""The integers routes take in their paths and queries, bounded so none reaches SQLite too big.

SQLite's integers are 64-bit: an id of 2**63 would raise `OverflowError` (a 500) where it
should simply not be found. Ids stay within what a JavaScript number holds exactly.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

__all__ = [
    "MAX_HISTORY",
    "MAX_RUN_ID",
    "Before",
    "HistoryLimit",
    "RunId",
    "RunIds",
    "SeriesId",
    "SeriesQuery",
]

MAX_RUN_ID = 2**53
MAX_HISTORY = 500

RunId = Annotated[
    int, Path(ge=1, le=MAX_RUN_ID, description="A run's id, as `POST /api/runs` returned it.")
]
HistoryLimit = Annotated[
    int, Query(ge=1, le=MAX_HISTORY, description="How many runs to list, newest first.")
]
RunIds = Annotated[
    list[Annotated[int, Query(ge=1, le=MAX_RUN_ID)]] | None,
    Query(description="The runs to compare."),
]
SeriesId = Annotated[
    int, Path(ge=1, le=MAX_RUN_ID, description="A series' id, as `POST /api/series` returned it.")
]
SeriesQuery = Annotated[
    int | None, Query(ge=1, le=MAX_RUN_ID, description="The series whose runs to compare.")
]
Before = Annotated[
    int | None,
    Query(ge=1, le=MAX_RUN_ID, description="List only runs older than this run id (paging)."),
]
