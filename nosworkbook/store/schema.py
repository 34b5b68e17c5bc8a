"""The store's tables, and the marker that tells our database apart from anyone else's.

`meta` holds the application marker and the schema version: a database without it is not
ours and is never written to; one with a newer version was made by a newer nosworkbook; one
with an older version is upgraded when it is opened (new tables and indexes only, nothing is
lost).
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
SCHEMA_VERSION = 3  # bump, and add a migration, whenever a table below changes

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
    Index("ix_changes_recent", "cohort", "learner", "changed_at"),  # the save limits; version 3
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
    Index("ix_attempts_recent", "cohort", "learner", "attempted_at"),  # version 3
    sqlite_autoincrement=True,
)


# Classroom mode: one access code per learner on a cohort's roster, as a salted scrypt hash
# (see nosworkbook.classroom.access). The code itself is never stored. Added in schema version 2.
access_codes = Table(
    "access_codes",
    metadata,
    *_who(),
    Column("salt", String(128), nullable=False),
    Column("hash", String(255), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("cohort", "learner"),
)

# Classroom mode: failed sign-ins, counted per target learner ("learner:<id>") and per client
# ("client:<id>", a page in a kernel), so every kernel of the classroom sees the same counts. A
# row is reset when its count reaches the limit (and `locked_until` is set) or, for a learner,
# when that learner signs in. Added in schema version 3.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("cohort", String(64), nullable=False),
    Column("subject", String(160), nullable=False),
    Column("failures", Integer, nullable=False),
    Column("locked_until", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("cohort", "subject"),
)

# The schema version in which each table first appeared (1 unless listed). Opening an older
# store creates the tables it lacks, then the indexes below, and records the new version.
ADDED_IN = {"access_codes": 2, "sign_in_failures": 3}

# Indexes added to tables that already existed, by the version that added them.
INDEXES_ADDED_IN = {"ix_changes_recent": 3, "ix_attempts_recent": 3}


def added_indexes(since: int) -> list[Index]:
    """The indexes a store of schema version `since` lacks on tables it already has."""
    return [
        index
        for table in metadata.tables.values()
        if ADDED_IN.get(table.name, 1) <= since
        for index in table.indexes
        if INDEXES_ADDED_IN.get(str(index.name), 1) > since
    ]


def tables_of(version: int) -> set[str]:
    """The tables a store of schema `version` has."""
    return {name for name in metadata.tables if ADDED_IN.get(name, 1) <= version}


def meta_rows() -> list[dict[str, str]]:
    """The rows `meta` gets when the store is created."""
    return [
        {"key": META_APPLICATION, "value": APP_MARKER},
        {"key": META_SCHEMA_VERSION, "value": str(SCHEMA_VERSION)},
    ]
