"""The Store: learners' ratings, evidence notes, their history and exercise attempts.

Every learner's kernel is its own process, so several write at once. Each save is one short
transaction that writes the current value and its history row together and commits before
`save` returns. On SQLite the transaction starts with BEGIN IMMEDIATE, so writers queue on
the database lock (for up to BUSY_TIMEOUT_MS) instead of failing, and WAL lets readers carry
on meanwhile, each seeing whole transactions only.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy import union as sql_union
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DatabaseError, OperationalError, SQLAlchemyError

from nosworkbook import ids
from nosworkbook.store import schema, validate
from nosworkbook.store.errors import StoreError
from nosworkbook.store.location import (
    Location,
    check_file,
    describe,
    resolve_location,
    sqlite_path,
)

BUSY_TIMEOUT_MS = 60_000  # how long a writer waits for others before giving up
_BEGIN_OPTION = "nosworkbook_sqlite_begin"
_PG_INIT_LOCK = 0x6E6F73776B62  # advisory lock key: serialises creating the tables


class _Unchanged(enum.Enum):
    UNCHANGED = "UNCHANGED"

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Final = _Unchanged.UNCHANGED
"""Default for `Store.save` fields: keep what is stored (None would mean "not rated")."""

Keep = Literal[_Unchanged.UNCHANGED]


@dataclass(frozen=True, slots=True)
class Record:
    """The current rating and evidence note for one criterion."""

    criterion: str
    rating: str | None
    evidence: str
    changed_at: datetime  # UTC, timezone-aware


@dataclass(frozen=True, slots=True)
class Change:
    """One save, as stored in the history: the values the criterion had after it."""

    id: int  # increases with every save; the history's order
    criterion: str
    rating: str | None
    evidence: str
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt at an exercise."""

    id: int
    exercise_id: str
    answer: dict[str, Any]
    score: float
    attempted_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


def _reason(err: SQLAlchemyError) -> str:
    orig = getattr(err, "orig", None)
    text = str(orig if orig is not None else err).strip()
    if isinstance(err, OperationalError) and "locked" in text:
        seconds = BUSY_TIMEOUT_MS // 1000
        return f"other processes kept the database locked for over {seconds} seconds; try again"
    return text.splitlines()[0] if text else type(err).__name__


def _configure_sqlite(engine: Engine) -> None:
    """Take over BEGIN from pysqlite and set the per-connection safety pragmas.

    This is SQLAlchemy's documented recipe for pysqlite transaction control: with the
    driver's own BEGIN disabled, our `begin` hook emits BEGIN IMMEDIATE for writes (so a
    writer takes the lock before reading anything) and plain BEGIN for reads. None of the
    pragmas set here writes to the file, so opening a foreign database changes nothing.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # pysqlite emits no BEGIN of its own
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous = FULL")  # in WAL: fsync at every commit
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        assert mode in ("DEFERRED", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")


def upsert_rating(dialect: str, row: dict[str, Any], changed: Iterable[str]) -> Any:
    """INSERT the ratings row, or UPDATE only the `changed` columns; RETURNING the result.

    ON CONFLICT is spelt the same by SQLite and PostgreSQL, but each dialect builds its own.
    """
    table = schema.ratings
    stmt = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(table).values(row)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.cohort, table.c.learner, table.c.criterion],
        set_={name: stmt.excluded[name] for name in changed},
    ).returning(table.c.rating, table.c.evidence, table.c.changed_at)


class Store:
    """Learner progress in one database (SQLite file or any PostgreSQL URL).

    Open it once per kernel and keep it; every method is a complete transaction, so there is
    nothing to flush and nothing to lose if the process is killed between calls.
    """

    def __init__(self, location: Location | None = None) -> None:
        self.url = resolve_location(location)
        self.location = describe(self.url)
        """The file or URL (without password), for messages such as "saved to ..."."""
        self._dialect = self.url.get_backend_name()
        if self._dialect not in ("sqlite", "postgresql"):
            raise StoreError(
                self.location, f"uses {self._dialect}; the store supports SQLite and PostgreSQL"
            )
        path = sqlite_path(self.url)
        if path is not None:
            check_file(path)
        try:
            self._engine = create_engine(self.url, pool_pre_ping=self._dialect != "sqlite")
        except ImportError as err:
            raise StoreError(
                self.location, f"cannot be opened: its database driver is not installed ({err})"
            ) from err
        except SQLAlchemyError as err:
            raise StoreError(self.location, f"cannot be opened: {err}") from err
        if self._dialect == "sqlite":
            _configure_sqlite(self._engine)
        self._writer = self._engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        try:
            self._initialise(path is not None)
        except BaseException:
            self._engine.dispose()
            raise

    def __repr__(self) -> str:
        return f"Store({self.location!r})"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the database connections (every save is already committed)."""
        self._engine.dispose()

    # -- opening ---------------------------------------------------------------------------

    def _initialise(self, is_file: bool) -> None:
        """Check the database is ours (or empty); create the tables, or add any it lacks."""
        try:
            with self._engine.begin() as conn:
                version = self._check_ours(conn)
        except DatabaseError as err:  # SQLite: a damaged file with a valid header
            problem = f"cannot be read as a nosworkbook store ({_reason(err)})"
            if is_file:
                problem += "; it was left untouched"
            raise StoreError(self.location, problem) from err
        except SQLAlchemyError as err:
            raise StoreError(self.location, f"could not open the store: {_reason(err)}") from err
        if version == schema.SCHEMA_VERSION:
            return
        if is_file and version == 0:
            self._use_wal()
        action = "create the store" if version == 0 else "upgrade the store"
        with self._transaction(action, write=True) as conn:
            if self._dialect == "postgresql":
                conn.execute(select(func.pg_advisory_xact_lock(_PG_INIT_LOCK)))
            version = self._check_ours(conn)  # somebody else may have done it while we waited
            if version == 0:
                schema.metadata.create_all(conn)
                conn.execute(insert(schema.meta), schema.meta_rows())
            elif version < schema.SCHEMA_VERSION:
                schema.metadata.create_all(conn)  # only the tables it lacks; data is untouched
                conn.execute(
                    update(schema.meta)
                    .where(schema.meta.c.key == schema.META_SCHEMA_VERSION)
                    .values(value=str(schema.SCHEMA_VERSION))
                )

    def _check_ours(self, conn: Connection) -> int:
        """Our database's schema version, 0 for an empty one; StoreError for anything else."""
        tables = set(inspect(conn).get_table_names())
        if not tables:
            return 0
        foreign = "belongs to another application (it has no nosworkbook marker); left untouched"
        if schema.meta.name not in tables:
            raise StoreError(self.location, foreign)
        try:
            query = select(schema.meta.c.key, schema.meta.c.value)
            rows = {key: value for key, value in conn.execute(query)}
        except SQLAlchemyError:
            raise StoreError(self.location, foreign) from None
        if rows.get(schema.META_APPLICATION) != schema.APP_MARKER:
            raise StoreError(self.location, foreign)
        version_text = rows.get(schema.META_SCHEMA_VERSION, "")
        version = int(version_text) if version_text.isascii() and version_text.isdigit() else 0
        if version > schema.SCHEMA_VERSION:
            raise StoreError(
                self.location,
                f"was written by a newer nosworkbook (store schema {version}; this version "
                f"knows up to {schema.SCHEMA_VERSION}); upgrade nosworkbook to use it",
            )
        if version < 1:
            raise StoreError(self.location, f"has an unknown schema version {version_text!r}")
        missing = sorted(schema.tables_of(version) - tables)
        if missing:
            raise StoreError(self.location, f"is damaged: table(s) {', '.join(missing)} missing")
        return version

    def _use_wal(self) -> None:
        """Switch a new SQLite file to WAL (it persists in the file; outside any transaction)."""
        raw = self._engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.close()
        except Exception as err:
            raise StoreError(self.location, f"cannot switch to WAL mode: {err}") from err
        finally:
            raw.close()

    @contextmanager
    def _transaction(self, action: str, *, write: bool) -> Iterator[Connection]:
        """One transaction, committed on leaving; database errors become one-line StoreErrors."""
        engine = self._writer if write else self._engine
        try:
            with engine.begin() as conn:
                yield conn
        except SQLAlchemyError as err:
            raise StoreError(self.location, f"could not {action}: {_reason(err)}") from err

    # -- ratings ---------------------------------------------------------------------------

    def save(
        self,
        cohort: str,
        learner: str,
        criterion: str,
        *,
        rating: str | None | Keep = UNCHANGED,
        evidence: str | None | Keep = UNCHANGED,
    ) -> Record:
        """Save a rating and/or evidence note; committed, with its history row, on return.

        Leave `rating` or `evidence` out (UNCHANGED) to keep what is stored: that way the
        rating control and the evidence box can each save on their own. `rating=None` clears
        the rating ("not rated"); `evidence=None` or "" clears the note. Every save adds a
        history row, even if the values are the same as before.
        """
        key = {
            "cohort": validate.cohort(cohort),
            "learner": validate.learner(learner),
            "criterion": validate.criterion(criterion),
        }
        key["urn"] = ids.unit_of(key["criterion"])
        new: dict[str, Any] = {}
        if rating is not UNCHANGED:
            new["rating"] = validate.rating(rating)
        if evidence is not UNCHANGED:
            new["evidence"] = validate.evidence(evidence)
        if not new:
            raise ValueError("Nothing to save: give a rating, an evidence note, or both.")
        new["changed_at"] = _now()
        stmt = upsert_rating(self._dialect, {"rating": None, "evidence": "", **key, **new}, new)
        with self._transaction("save", write=True) as conn:
            # The upsert locks the row (SQLite: the whole database), so the history row below
            # gets a higher id than that of any save this one waited for.
            current = conn.execute(stmt).one()
            conn.execute(insert(schema.changes).values(**key, **current._asdict()))
        return Record(key["criterion"], current.rating, current.evidence, current.changed_at)

    def load(self, cohort: str, learner: str, urn: str | None = None) -> dict[str, Record]:
        """The learner's current ratings (of one unit, if `urn` is given), by criterion id."""
        table = schema.ratings
        query = select(table.c.criterion, table.c.rating, table.c.evidence, table.c.changed_at)
        query = query.where(
            table.c.cohort == validate.cohort(cohort), table.c.learner == validate.learner(learner)
        )
        if urn is not None:
            query = query.where(table.c.urn == validate.urn(urn))
        with self._transaction("load progress", write=False) as conn:
            rows = conn.execute(query).all()
        records = sorted(
            (Record(*row) for row in rows), key=lambda r: ids.criterion_order(r.criterion)
        )
        return {record.criterion: record for record in records}

    def history(
        self,
        cohort: str,
        learner: str,
        criterion: str | None = None,
        urn: str | None = None,
    ) -> list[Change]:
        """Every save of the learner's (of one criterion or unit, if given), oldest first."""
        table = schema.changes
        query = select(
            table.c.id, table.c.criterion, table.c.rating, table.c.evidence, table.c.changed_at
        ).where(
            table.c.cohort == validate.cohort(cohort), table.c.learner == validate.learner(learner)
        )
        if criterion is not None:
            query = query.where(table.c.criterion == validate.criterion(criterion))
        if urn is not None:
            query = query.where(table.c.urn == validate.urn(urn))
        with self._transaction("read the history", write=False) as conn:
            rows = conn.execute(query.order_by(table.c.id)).all()
        return [Change(*row) for row in rows]

    def learners(self, cohort: str) -> list[str]:
        """Ids of everyone in the cohort who has saved a rating or an attempt, sorted."""
        cohort = validate.cohort(cohort)
        query = sql_union(
            select(schema.ratings.c.learner).where(schema.ratings.c.cohort == cohort),
            select(schema.attempts.c.learner).where(schema.attempts.c.cohort == cohort),
        )
        with self._transaction("list learners", write=False) as conn:
            return sorted(conn.execute(query).scalars())

    # -- exercise attempts -----------------------------------------------------------------

    def save_attempt(
        self,
        cohort: str,
        learner: str,
        exercise_id: str,
        answer: dict[str, Any],
        score: float,
    ) -> Attempt:
        """Record one attempt at an exercise; committed on return. Attempts are never replaced."""
        row = {
            "cohort": validate.cohort(cohort),
            "learner": validate.learner(learner),
            "exercise_id": validate.exercise(exercise_id),
            "answer": validate.answer(answer),
            "score": validate.score(score),
            "attempted_at": _now(),
        }
        with self._transaction("save the attempt", write=True) as conn:
            new_id = conn.execute(
                insert(schema.attempts).values(row).returning(schema.attempts.c.id)
            ).scalar_one()
        return Attempt(new_id, row["exercise_id"], row["answer"], row["score"], row["attempted_at"])

    def attempts(self, cohort: str, learner: str, exercise_id: str | None = None) -> list[Attempt]:
        """The learner's attempts (at one exercise, if given), oldest first."""
        return self._attempts(cohort, learner, exercise_id, latest=False)

    def latest_attempt(self, cohort: str, learner: str, exercise_id: str) -> Attempt | None:
        """The learner's most recent attempt at the exercise, or None if there is none."""
        found = self._attempts(cohort, learner, exercise_id, latest=True)
        return found[0] if found else None

    def _attempts(
        self, cohort: str, learner: str, exercise_id: str | None, *, latest: bool
    ) -> list[Attempt]:
        table = schema.attempts
        query = select(
            table.c.id, table.c.exercise_id, table.c.answer, table.c.score, table.c.attempted_at
        ).where(
            table.c.cohort == validate.cohort(cohort), table.c.learner == validate.learner(learner)
        )
        if exercise_id is not None:
            query = query.where(table.c.exercise_id == validate.exercise(exercise_id))
        query = query.order_by(table.c.id.desc()).limit(1) if latest else query.order_by(table.c.id)
        with self._transaction("read attempts", write=False) as conn:
            return [Attempt(*row) for row in conn.execute(query)]

    # -- access codes (classroom mode) -----------------------------------------------------

    def set_access_code(
        self, cohort: str, learner: str, salt: str, code_hash: str, *, replace: bool = False
    ) -> bool:
        """Store the salt and scrypt hash of a learner's access code (never the code).

        Without `replace` a learner who already has a code keeps it and False is returned;
        with it the old code stops working. True when this hash was stored.
        """
        from nosworkbook.classroom.access import check_stored

        check_stored(salt, code_hash)
        row = {
            "cohort": validate.cohort(cohort),
            "learner": validate.learner(learner),
            "salt": salt,
            "hash": code_hash,
            "created_at": _now(),
        }
        table = schema.access_codes
        stmt = (sqlite.insert if self._dialect == "sqlite" else postgresql.insert)(table)
        stmt = stmt.values(row)
        keys = [table.c.cohort, table.c.learner]
        if replace:
            stmt = stmt.on_conflict_do_update(
                index_elements=keys,
                set_={name: stmt.excluded[name] for name in ("salt", "hash", "created_at")},
            )
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=keys)
        with self._transaction("save the access code", write=True) as conn:
            return conn.execute(stmt).rowcount == 1

    def remove_access_code(self, cohort: str, learner: str) -> bool:
        """Withdraw a learner's access code; True if there was one."""
        table = schema.access_codes
        stmt = delete(table).where(
            table.c.cohort == validate.cohort(cohort), table.c.learner == validate.learner(learner)
        )
        with self._transaction("withdraw the access code", write=True) as conn:
            return conn.execute(stmt).rowcount > 0

    def access_roster(self, cohort: str) -> list[str]:
        """Ids of the cohort's learners who have an access code, sorted."""
        table = schema.access_codes
        query = select(table.c.learner).where(table.c.cohort == validate.cohort(cohort))
        with self._transaction("read the access roster", write=False) as conn:
            return sorted(conn.execute(query).scalars())

    def has_access_codes(self, cohort: str) -> bool:
        """True if the cohort is in classroom mode: someone in it has an access code."""
        table = schema.access_codes
        query = select(table.c.learner).where(table.c.cohort == validate.cohort(cohort)).limit(1)
        with self._transaction("read the access roster", write=False) as conn:
            return conn.execute(query).first() is not None

    def verify_access(self, cohort: str, learner: str, code: str) -> bool:
        """True if `code` is the learner's access code; False for a wrong code or a learner
        without one, taking the same time either way. The code is never stored or logged."""
        from nosworkbook.classroom.access import verify, verify_nothing

        table = schema.access_codes
        query = select(table.c.salt, table.c.hash).where(
            table.c.cohort == validate.cohort(cohort), table.c.learner == validate.learner(learner)
        )
        with self._transaction("check the access code", write=False) as conn:
            found = conn.execute(query).first()
        if found is None:
            return verify_nothing(code)
        try:
            return verify(code, found.salt, found.hash)
        except ValueError:  # a damaged row: it lets nobody in
            return False


def open_store(location: Location | None = None) -> Store:
    """Open (creating if need be) the store at `location`: a path, an SQLAlchemy URL, or None.

    None means $NOSWORKBOOK_STORE, else progress.sqlite in the user's data directory.
    """
    return Store(location)
