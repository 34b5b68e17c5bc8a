"""The store's tables, and the marker that tells our database apart from anyone else's.

`meta` holds the application marker and the schema version: a database without it is not
ours and is never written to; one with a newer version was made by a newer nosworkbook.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

APP_MARKER = "nosworkbook-progress"
SCHEMA_VERSION = 1  # bump, and add a migration, whenever a table below changes

META_APPLICATION = "application"
META_SCHEMA_VERSION = "schema_version"


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend.

    SQLite has no time zones, so values are stored there as naive UTC with microseconds.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = MetaData()


def _who() -> list[Column[Any]]:
    return [
        Column("cohort", String(64), nullable=False),
        Column("learner", String(64), nullable=False),
    ]


meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(255), nullable=False),
)

# The current rating and evidence note: one row per (cohort, learner, criterion).
ratings = Table(
    "ratings",
    metadata,
    *_who(),
    Column("criterion", String(32), nullable=False),
    Column("urn", String(8), nullable=False),
    Column("rating", String(64), nullable=True),
    Column("evidence", Text, nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("cohort", "learner", "criterion"),
)

# Every save, appended in the same transaction as the ratings row; `id` gives the order.
changes = Table(
    "changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_who(),
    Column("criterion", String(32), nullable=False),
    Column("urn", String(8), nullable=False),
    Column("rating", String(64), nullable=True),
    Column("evidence", Text, nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
    Index("ix_changes_learner", "cohort", "learner", "criterion"),
    sqlite_autoincrement=True,  # ids are never reused, so order by id is order of saving
)

# Every exercise attempt, newest last.
attempts = Table(
    "attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_who(),
    Column("exercise_id", String(80), nullable=False),
    Column("answer", JSON, nullable=False),
    Column("score", Float, nullable=False),
    Column("attempted_at", UTCDateTime, nullable=False),
    Index("ix_attempts_learner", "cohort", "learner", "exercise_id"),
    sqlite_autoincrement=True,
)


def meta_rows() -> list[dict[str, str]]:
    """The rows `meta` gets when the store is created."""
    return [
        {"key": META_APPLICATION, "value": APP_MARKER},
        {"key": META_SCHEMA_VERSION, "value": str(SCHEMA_VERSION)},
    ]
