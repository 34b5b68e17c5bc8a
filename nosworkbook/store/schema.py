"""The store's tables, and the marker that tells our database apart from anyone else's.

`meta` holds the application marker and the schema version: a database without it is not
ours and is never written to; one with a newer version was made by a newer nosworkbook; one
with an older version is upgraded when it is opened (new tables, with their triggers, and new
indexes only: nothing is lost).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    CheckConstraint,
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
    event,
)
from sqlalchemy.types import TypeDecorator

APP_MARKER = "nosworkbook-progress"
SCHEMA_VERSION = 4  # bump, and add a migration, whenever a table below changes

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

# Tutors' access codes, kept apart from learners' so that a tutor's code never signs in to a
# learner's workbook and a learner's code never opens the tutor's view. Same shape as
# `access_codes`. Added in schema version 4.
tutor_codes = Table(
    "tutor_codes",
    metadata,
    Column("cohort", String(64), nullable=False),
    Column("tutor", String(64), nullable=False),
    Column("salt", String(128), nullable=False),
    Column("hash", String(255), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("cohort", "tutor"),
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

# The sign-off log: one row each time a tutor signs off a learner's criterion or returns it
# with feedback, in the order they did so (`id`, never reused). The latest row of a criterion
# is where it stands. Rows are only ever added: nothing updates or deletes one, and the
# database refuses it (the triggers below), so the log stays the record of who decided what,
# and when. Added in schema version 4.
SIGNED_OFF, RETURNED = "signed off", "returned"
sign_offs = Table(
    "sign_offs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_who(),
    Column("criterion", String(32), nullable=False),  # as ratings.criterion: INSCS027.PC10
    Column("tutor", String(64), nullable=False),
    Column("action", String(16), nullable=False),
    Column("feedback", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    CheckConstraint(f"action IN ('{SIGNED_OFF}', '{RETURNED}')", name="ck_sign_offs_action"),
    Index("ix_sign_offs_learner", "cohort", "learner", "criterion"),
    sqlite_autoincrement=True,
)

# The triggers are created with the table (on upgrade too), in each dialect's own spelling.
APPEND_ONLY = "the sign-off log is append-only"
for _ddl in (
    f"CREATE TRIGGER sign_offs_no_update BEFORE UPDATE ON sign_offs "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
    f"CREATE TRIGGER sign_offs_no_delete BEFORE DELETE ON sign_offs "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
):
    event.listen(sign_offs, "after_create", DDL(_ddl).execute_if(dialect="sqlite"))
for _ddl in (
    "CREATE OR REPLACE FUNCTION nosworkbook_append_only() RETURNS trigger LANGUAGE plpgsql "
    f"AS $$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$",
    "CREATE TRIGGER sign_offs_append_only BEFORE UPDATE OR DELETE ON sign_offs "
    "FOR EACH ROW EXECUTE FUNCTION nosworkbook_append_only()",
    "CREATE TRIGGER sign_offs_no_truncate BEFORE TRUNCATE ON sign_offs "
    "FOR EACH STATEMENT EXECUTE FUNCTION nosworkbook_append_only()",
):
    event.listen(sign_offs, "after_create", DDL(_ddl).execute_if(dialect="postgresql"))

# The schema version in which each table first appeared (1 unless listed). Opening an older
# store creates the tables it lacks, then the indexes below, and records the new version.
ADDED_IN = {"access_codes": 2, "sign_in_failures": 3, "sign_offs": 4, "tutor_codes": 4}

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
