"""The store's tables, and the marker that tells our database apart from anyone else's.

`meta` holds the application marker and the schema version: a database without it is not
ours and is never written to; one with a newer version was made by a newer nosworkbook; one
with an older version is upgraded when it is opened (new tables, with their triggers, new
indexes, and triggers replaced by the version that changed them: no data is lost).
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

from nosworkbook.store.records import RETURNED, SIGNED_OFF

APP_MARKER = "nosworkbook-progress"
SCHEMA_VERSION = 5  # bump, and add a migration, whenever a table below changes

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

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        """On SQLite, the stored text straight to an aware datetime in one step: a dashboard
        reads a cohort's whole history (60,000 times and more), and the two-step default
        (SQLAlchemy's parse, then `process_result_value`) took most of the reading time."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        fallback = super().result_processor(dialect, coltype)
        parse, utc = datetime.fromisoformat, UTC

        def process(value: Any) -> datetime | None:
            if isinstance(value, str):
                try:
                    moment = parse(value)
                except ValueError:
                    pass
                else:
                    return (
                        moment.replace(tzinfo=utc)
                        if moment.tzinfo is None
                        else moment.astimezone(utc)
                    )
            return fallback(value) if fallback is not None else value

        return process


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
# is where it stands. Rows are only ever added, so the log stays the record of who decided
# what, and when: the database refuses every DELETE and every UPDATE but one (the triggers
# below), the erasure of a learner's records (`Store.erase_learner`), which puts a pseudonym
# (ERASED_PREFIX and random hex) in place of the learner's id and empties the feedback,
# leaving the tutor, criterion, action and time as they were. Added in schema version 4.
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

# A learner's erased sign-off entries carry ERASED_PREFIX and PSEUDONYM_HEX random hex digits,
# one pseudonym per erasure. The colon is outside the learner-id grammar (ids.LEARNER), so no
# learner's id is ever taken for a pseudonym, nor a pseudonym for an id.
ERASED_PREFIX = "erased:"
PSEUDONYM_HEX = 32

# Each erasure of a learner's records (`Store.erase_learner`), so a tutor can show that it was
# done: when, in which cohort, how many rows of each kind went, and the pseudonym the kept
# sign-off entries now carry. Never the learner's id. Added in schema version 5.
erasures = Table(
    "erasures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("cohort", String(64), nullable=False),
    Column("pseudonym", String(64), nullable=False),
    Column("erased_at", UTCDateTime, nullable=False),
    Column("ratings", Integer, nullable=False),
    Column("changes", Integer, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("access_codes", Integer, nullable=False),
    Column("sign_in_failures", Integer, nullable=False),
    Column("sign_offs", Integer, nullable=False),  # kept, under the pseudonym
    sqlite_autoincrement=True,
)

# The triggers are created with the table (on upgrade too), in each dialect's own spelling.
# The one UPDATE they let through is an erasure: from a row not yet erased, the learner set
# to a pseudonym and the feedback to "", every other column unchanged.
APPEND_ONLY = "the sign-off log is append-only"
_UNCHANGED = ("id", "cohort", "criterion", "tutor", "action", "at")
_SQLITE_ERASURE = " AND ".join(
    [
        f"substr(OLD.learner, 1, {len(ERASED_PREFIX)}) IS NOT '{ERASED_PREFIX}'",
        f"NEW.learner GLOB '{ERASED_PREFIX}{'[0-9a-f]' * PSEUDONYM_HEX}'",
        "NEW.feedback IS ''",
        *(f"NEW.{name} IS OLD.{name}" for name in _UNCHANGED),
    ]
)
_SQLITE_NO_UPDATE = (
    "CREATE TRIGGER sign_offs_no_update BEFORE UPDATE ON sign_offs "
    f"WHEN NOT coalesce({_SQLITE_ERASURE}, 0) "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
)
_SQLITE_NO_DELETE = (
    "CREATE TRIGGER sign_offs_no_delete BEFORE DELETE ON sign_offs "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
)
_PG_ERASURE = " AND ".join(
    [
        f"left(OLD.learner, {len(ERASED_PREFIX)}) <> '{ERASED_PREFIX}'",
        f"NEW.learner ~ '^{ERASED_PREFIX}[0-9a-f]{{{PSEUDONYM_HEX}}}$'",
        "NEW.feedback = ''",
        *(f"NEW.{name} = OLD.{name}" for name in _UNCHANGED),
    ]
)
_PG_REFUSE = (
    "CREATE OR REPLACE FUNCTION nosworkbook_append_only() RETURNS trigger LANGUAGE plpgsql "
    f"AS $$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
)
_PG_ERASURE_ONLY = (  # a NULL comparison is not true: refused
    "CREATE OR REPLACE FUNCTION nosworkbook_erasure_only() RETURNS trigger LANGUAGE plpgsql "
    f"AS $$ BEGIN IF {_PG_ERASURE} THEN RETURN NEW; END IF; "
    f"RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
)
_PG_NO_UPDATE = (
    "CREATE TRIGGER sign_offs_no_update BEFORE UPDATE ON sign_offs "
    "FOR EACH ROW EXECUTE FUNCTION nosworkbook_erasure_only()"
)
_PG_NO_DELETE = (
    "CREATE TRIGGER sign_offs_no_delete BEFORE DELETE ON sign_offs "
    "FOR EACH ROW EXECUTE FUNCTION nosworkbook_append_only()"
)
_PG_NO_TRUNCATE = (
    "CREATE TRIGGER sign_offs_no_truncate BEFORE TRUNCATE ON sign_offs "
    "FOR EACH STATEMENT EXECUTE FUNCTION nosworkbook_append_only()"
)
for _ddl in (_SQLITE_NO_UPDATE, _SQLITE_NO_DELETE):
    event.listen(sign_offs, "after_create", DDL(_ddl).execute_if(dialect="sqlite"))
for _ddl in (_PG_REFUSE, _PG_ERASURE_ONLY, _PG_NO_UPDATE, _PG_NO_DELETE, _PG_NO_TRUNCATE):
    event.listen(sign_offs, "after_create", DDL(_ddl).execute_if(dialect="postgresql"))

# Triggers replaced on tables that already existed, by the version that replaced them: the
# statements that bring a store of the version before up to date. Version 5 lets the erasure
# through (version 4 refused every UPDATE: SQLite's sign_offs_no_update, PostgreSQL's
# sign_offs_append_only for UPDATE and DELETE).
TRIGGERS_REPLACED_IN: dict[int, tuple[str, dict[str, tuple[str, ...]]]] = {
    5: (
        "sign_offs",
        {
            "sqlite": ("DROP TRIGGER IF EXISTS sign_offs_no_update", _SQLITE_NO_UPDATE),
            "postgresql": (
                _PG_ERASURE_ONLY,
                "DROP TRIGGER IF EXISTS sign_offs_append_only ON sign_offs",
                _PG_NO_UPDATE,
                _PG_NO_DELETE,
            ),
        },
    )
}

# The schema version in which each table first appeared (1 unless listed). Opening an older
# store creates the tables it lacks, then the indexes below, and records the new version.
ADDED_IN = {
    "access_codes": 2,
    "sign_in_failures": 3,
    "sign_offs": 4,
    "tutor_codes": 4,
    "erasures": 5,
}

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


def replaced_triggers(since: int, dialect: str) -> list[DDL]:
    """The statements that replace the triggers a store of schema `since` has on tables it
    already had (a table it lacks is created with today's triggers), oldest change first."""
    return [
        DDL(statement)
        for version, (table, statements) in sorted(TRIGGERS_REPLACED_IN.items())
        if ADDED_IN.get(table, 1) <= since < version
        for statement in statements[dialect]
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
