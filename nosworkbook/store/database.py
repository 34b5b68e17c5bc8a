"""The Store: learners' ratings, evidence notes, their history and exercise attempts.

Every learner's kernel is its own process, so several write at once. Each save is one short
transaction that writes the current value and its history row together and commits before
`save` returns. On SQLite the transaction starts with BEGIN IMMEDIATE, so writers queue on
the database lock (for up to BUSY_TIMEOUT_MS) instead of failing, and WAL lets readers carry
on meanwhile, each seeing whole transactions only.
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Table,
    Text,
    bindparam,
    cast,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy import text as sql_text
from sqlalchemy import union as sql_union
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DatabaseError, OperationalError, SQLAlchemyError

from nosworkbook import ids
from nosworkbook.store import integrity, schema, validate
from nosworkbook.store.errors import MUCH, OFTEN, SaveLimitReached, StoreError, damaged
from nosworkbook.store.location import (
    SQLITE_HEADER,
    Location,
    check_file,
    describe,
    resolve_location,
    sqlite_path,
)
from nosworkbook.store.records import (  # noqa: F401  (re-exported: their old home)
    UNCHANGED,
    Attempt,
    Change,
    Erased,
    Keep,
    LatestScore,
    LearnerSummary,
    Record,
    Save,
    SignOff,
    SignOffAction,
    SignOffState,
)

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 60_000  # how long a writer waits for others before giving up
_BEGIN_OPTION = "nosworkbook_sqlite_begin"
_PG_INIT_LOCK = 0x6E6F73776B62  # advisory lock key: serialises creating the tables
_PG_LEARNER_LOCKS = 0x6E6F73  # advisory lock class: serialises one learner's saves
RATE_WINDOW = timedelta(seconds=60)
PG_BACKUP = (
    "is a PostgreSQL database: back it up with PostgreSQL's own tools, for example "
    "pg_dump --format=custom --file=progress.dump DATABASE"
)


Role = Literal["learner", "tutor"]


def _code_table(role: Role) -> tuple[Table, Column[Any]]:
    """Where a role's access codes are kept, and the column naming whose each is."""
    if role == "tutor":
        return schema.tutor_codes, schema.tutor_codes.c.tutor
    if role == "learner":
        return schema.access_codes, schema.access_codes.c.learner
    raise ValueError(f"unknown role {role!r}: learner or tutor")


def _now() -> datetime:
    return datetime.now(UTC)


def _reason(err: SQLAlchemyError) -> str:
    orig = getattr(err, "orig", None)
    text = str(orig if orig is not None else err).strip()
    if isinstance(err, OperationalError) and "locked" in text:
        seconds = BUSY_TIMEOUT_MS // 1000
        return f"other processes kept the database locked for over {seconds} seconds; try again"
    return text.splitlines()[0] if text else type(err).__name__


def _is_locked(err: BaseException) -> bool:
    """Whether a database error is another process holding the lock (worth a retry)."""
    orig = getattr(err, "orig", None) or err
    return isinstance(orig, sqlite3.OperationalError) and (
        "locked" in str(orig) or "busy" in str(orig)
    )


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


def _recent() -> tuple[Any, Any]:
    """Saves and characters each of a cohort's `learners` saved since `since`, by learner:
    history rows, and attempts."""
    ch, at = schema.changes.c, schema.attempts.c
    changes = (
        select(ch.learner, func.count(), func.coalesce(func.sum(func.length(ch.evidence)), 0))
        .where(
            ch.cohort == bindparam("cohort"),
            ch.learner.in_(bindparam("learners", expanding=True)),
            ch.changed_at > bindparam("since"),
        )
        .group_by(ch.learner)
    )
    attempts = (
        select(
            at.learner,
            func.count(),
            func.coalesce(func.sum(func.length(cast(at.answer, Text))), 0),
        )
        .where(
            at.cohort == bindparam("cohort"),
            at.learner.in_(bindparam("learners", expanding=True)),
            at.attempted_at > bindparam("since"),
        )
        .group_by(at.learner)
    )
    return changes, attempts


# Built once: building a statement costs more than running it.
_RECENT_CHANGES, _RECENT_ATTEMPTS = _recent()
_HISTORY_SIZES = (
    select(
        schema.changes.c.learner,
        schema.changes.c.criterion,
        func.count(),
        func.coalesce(func.sum(func.length(schema.changes.c.evidence)), 0),
    )
    .where(
        schema.changes.c.cohort == bindparam("cohort"),
        schema.changes.c.learner.in_(bindparam("learners", expanding=True)),
        schema.changes.c.criterion.in_(bindparam("criteria", expanding=True)),
    )
    .group_by(schema.changes.c.learner, schema.changes.c.criterion)
)


@functools.cache
def upsert_rating(dialect: str, changed: tuple[str, ...]) -> Any:
    """INSERT the ratings row, or UPDATE only the `changed` columns; RETURNING the result.

    Built once for each dialect and set of changed columns, and run with the rows as its
    parameters: several rows at once (none with the same key) are one statement. ON CONFLICT
    is spelt the same by SQLite and PostgreSQL, but each dialect builds its own.
    """
    table = schema.ratings
    stmt = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(table)
    key = [table.c.cohort, table.c.learner, table.c.criterion]
    return stmt.on_conflict_do_update(
        index_elements=key, set_={name: stmt.excluded[name] for name in changed}
    ).returning(*key, table.c.rating, table.c.evidence, table.c.changed_at)


_ADD_CHANGE = insert(schema.changes)
_LOCK_LEARNERS = sql_text(
    "SELECT pg_advisory_xact_lock(:locks, hashtext(who)) "
    "FROM unnest(CAST(:whos AS text[])) WITH ORDINALITY AS asked(who, n) ORDER BY n"
)
"""Several learners' locks in one statement, one after another in the order given."""


@dataclass(frozen=True)
class _Budget:
    """What one learner has saved in the last minute (RATE_WINDOW), in a write transaction:
    counted from the database once, then kept up to date by the saves the transaction makes."""

    saves: int
    chars: int

    def check(self, cohort: str, learner: str) -> None:
        """SaveLimitReached if one more save would be too often or too much."""
        if self.saves >= ids.MAX_SAVES_PER_MINUTE:
            logger.warning(
                "learner %s/%s: %d saves in a minute; refused", cohort, learner, self.saves
            )
            raise SaveLimitReached(OFTEN)
        if self.chars >= ids.MAX_SAVED_CHARS_PER_MINUTE:
            logger.warning(
                "learner %s/%s: %d characters in a minute; refused", cohort, learner, self.chars
            )
            raise SaveLimitReached(MUCH)

    def spent(self, saved: Record) -> _Budget:
        """The budget after `saved`, whose history row holds its evidence note."""
        return _Budget(self.saves + 1, self.chars + len(saved.evidence or ""))


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
        self._damaged: str | None = None
        path = sqlite_path(self.url)
        self._path = path
        if path is not None:
            check_file(path)
            self._check_integrity(path)
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

    def _check_integrity(self, path: Path) -> None:
        """Refuse a damaged file before anything opens it for writing (see `integrity`)."""
        try:
            if not path.exists() or path.stat().st_size == 0:
                return
            problem = integrity.first_problem(path)
        except sqlite3.DatabaseError as err:
            if "not a database" in str(err):  # not readable as a database at all
                raise StoreError(
                    self.location,
                    f"cannot be read as a nosworkbook store ({err}); it was left untouched",
                ) from err
            if not integrity.is_damage(str(err)):  # locked for a minute, say
                raise StoreError(self.location, f"could not open the store: {err}") from err
            problem = str(err)
        except OSError as err:
            raise StoreError(self.location, f"cannot be used: {err.strerror or err}") from None
        if problem is not None:
            logger.error("progress store %s failed SQLite's quick_check: %s", path, problem)
            raise StoreError(self.location, damaged(problem))

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
                for index in schema.added_indexes(version):
                    index.create(conn, checkfirst=True)
                for statement in schema.replaced_triggers(version, self._dialect):
                    conn.execute(statement)
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
        """Switch a new SQLite file to WAL (it persists in the file; outside any transaction).

        The switch needs the file to itself, and SQLite answers "locked" at once, without its
        busy handler, while another process is creating or switching the same new store (thirty
        kernels starting together do): so wait and retry, up to the usual busy timeout.
        """
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        delay = 0.01
        while True:
            raw = None
            try:
                raw = self._engine.raw_connection()
                cursor = raw.cursor()
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.close()
                return
            except Exception as err:
                if not _is_locked(err) or time.monotonic() + delay > deadline:
                    raise StoreError(self.location, f"cannot switch to WAL mode: {err}") from err
            finally:
                if raw is not None:
                    raw.close()
            time.sleep(delay)
            delay = min(delay * 2, 0.5)

    @contextmanager
    def _transaction(self, action: str, *, write: bool) -> Iterator[Connection]:
        """One transaction, committed on leaving; database errors become one-line StoreErrors."""
        if write and self._damaged is not None:
            raise StoreError(self.location, damaged(self._damaged))
        engine = self._writer if write else self._engine
        try:
            with engine.begin() as conn:
                yield conn
        except SQLAlchemyError as err:
            reason = _reason(err)
            if isinstance(err, DatabaseError) and integrity.is_damage(reason):
                self._mark_damaged(reason)
                raise StoreError(self.location, damaged(reason)) from err
            raise StoreError(self.location, f"could not {action}: {reason}") from err

    def _mark_damaged(self, reason: str) -> None:
        """The first sign of damage: from now on this Store writes nothing."""
        if self._damaged is None:
            logger.error("progress store %s is damaged (%s): refusing every write", self, reason)
        self._damaged = reason

    @property
    def damaged(self) -> str | None:
        """What showed this store to be damaged (nothing is written to it since), or None."""
        return self._damaged

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
        found = self.save_many([Save(cohort, learner, criterion, rating, evidence)])[0]
        if isinstance(found, Exception):
            raise found
        return found

    def save_many(self, saves: Iterable[Save]) -> list[Record | Exception]:
        """Make several saves in one transaction, each as `save` would, and committed on
        return: what each gave, in order, its Record or why it was refused (ValueError,
        SaveLimitReached). A refused save changes nothing and leaves the others alone (it is
        refused before anything of it is written); if the database fails, the whole call
        raises StoreError and nothing is saved. The store service writes saves that arrive
        together this way, sharing one commit."""
        asked = list(saves)
        results: dict[int, Record | Exception] = {}
        wanted: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
        for n, one in enumerate(asked):
            try:
                key, new = _save_values(one)
            except ValueError as err:
                results[n] = err
            else:
                wanted.append((n, key, new))
        # One learner's saves in the order asked; learners in a set order, so that two
        # transactions never wait for each other's learner locks (PostgreSQL).
        wanted.sort(key=lambda item: (item[1]["cohort"], item[1]["learner"]))
        if wanted:
            with self._transaction("save", write=True) as conn:
                self._write_saves(conn, wanted, results)
        return [results[n] for n in range(len(asked))]

    def _write_saves(
        self,
        conn: Connection,
        wanted: list[tuple[int, dict[str, Any], dict[str, Any]]],
        results: dict[int, Record | Exception],
    ) -> None:
        """The saves of one transaction: every learner's lock and last minute first (one
        query for the lot); then, round by round (each learner's first save, then their
        second...), each save's limits and one upsert per round; then all their history rows
        at once, each learner's in the order of their saves; then any history over its limits
        pruned."""
        cohorts: dict[str, dict[str, datetime]] = {}  # learner: the time of their first save
        for _n, key, new in wanted:
            cohorts.setdefault(key["cohort"], {}).setdefault(key["learner"], new["changed_at"])
        self._lock_learners(conn, [(c, learner) for c in cohorts for learner in cohorts[c]])
        budgets = {
            (cohort, learner): budget
            for cohort, learners in cohorts.items()
            for learner, budget in self._budgets(
                conn, cohort, list(learners), min(learners.values())
            ).items()
        }
        # Round k holds each learner's k-th save: no two saves in a round share a row.
        rounds: list[list[tuple[int, dict[str, Any], dict[str, Any]]]] = []
        seen: dict[tuple[str, str], int] = {}
        for item in wanted:
            who = (item[1]["cohort"], item[1]["learner"])
            k = seen[who] = seen.get(who, -1) + 1
            if k == len(rounds):
                rounds.append([])
            rounds[k].append(item)
        history: list[dict[str, Any]] = []
        for round_ in rounds:
            accepted: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = {}
            for n, key, new in round_:
                try:
                    budgets[(key["cohort"], key["learner"])].check(key["cohort"], key["learner"])
                except SaveLimitReached as err:  # refused before it wrote anything
                    results[n] = err
                    continue
                row = {"rating": None, "evidence": "", **key, **new}
                accepted.setdefault(tuple(new), []).append((n, row))
            for changed, rows in accepted.items():
                # The upsert locks the rows (SQLite: the whole database), so the history
                # rows below get higher ids than those of any save this one waited for.
                statement = upsert_rating(self._dialect, changed)
                found = {
                    (r.cohort, r.learner, r.criterion): r
                    for r in conn.execute(statement, [row for _, row in rows])
                }
                for n, row in rows:
                    current = found[(row["cohort"], row["learner"], row["criterion"])]
                    history.append(current._asdict() | {"urn": row["urn"]})
                    record = Record(
                        current.criterion, current.rating, current.evidence, current.changed_at
                    )
                    results[n] = record
                    who = (row["cohort"], row["learner"])
                    budgets[who] = budgets[who].spent(record)
        if history:
            conn.execute(_ADD_CHANGE, history)  # a learner's ids: the order of their saves
            self._prune_history(conn, history)

    # -- limits (nosworkbook.ids): how fast and how much one learner saves ------------------

    def _budgets(
        self, conn: Connection, cohort: str, learners: list[str], now: datetime
    ) -> dict[str, _Budget]:
        """What each learner saved in the minute before `now`: saves and characters.

        Counted from the history and attempts themselves (indexed by learner and time), in
        the write transaction, so every kernel the learner has open counts against one limit.
        """
        asked = {"cohort": cohort, "learners": learners, "since": now - RATE_WINDOW}
        found = dict.fromkeys(learners, _Budget(0, 0))
        for statement in (_RECENT_CHANGES, _RECENT_ATTEMPTS):
            for learner, saves, chars in conn.execute(statement, asked):
                found[learner] = _Budget(found[learner].saves + saves, found[learner].chars + chars)
        return found

    def _check_limits(self, conn: Connection, cohort: str, learner: str, now: datetime) -> None:
        """SaveLimitReached if the learner saved too often or too much in the last minute."""
        self._lock_learner(conn, cohort, learner)
        self._budgets(conn, cohort, [learner], now)[learner].check(cohort, learner)

    def _lock_learner(self, conn: Connection, cohort: str, learner: str) -> None:
        """Serialise writes about one learner until the transaction ends, so that what the
        writes count or order by (times, ids) agrees with the order they commit in."""
        self._lock_learners(conn, [(cohort, learner)])

    def _lock_learners(self, conn: Connection, whos: list[tuple[str, str]]) -> None:
        """`_lock_learner` for each (cohort, learner), in one statement, in a set order, so
        that two transactions never wait for each other's locks."""
        if self._dialect == "postgresql":  # SQLite: BEGIN IMMEDIATE already serialises writes
            asked = {"locks": _PG_LEARNER_LOCKS, "whos": [f"{c}/{w}" for c, w in sorted(whos)]}
            conn.execute(_LOCK_LEARNERS, asked)

    def _prune_history(self, conn: Connection, saved: list[dict[str, Any]]) -> None:
        """Keep the history of every criterion `saved` within its limits (see
        `history_to_drop`): their sizes in one query per cohort, then each one over."""
        touched: dict[str, set[tuple[str, str]]] = {}
        for row in saved:
            touched.setdefault(row["cohort"], set()).add((row["learner"], row["criterion"]))
        ch = schema.changes.c
        for cohort, pairs in touched.items():
            asked = {
                "cohort": cohort,
                "learners": sorted({learner for learner, _ in pairs}),
                "criteria": sorted({criterion for _, criterion in pairs}),
            }
            for learner, criterion, count, chars in conn.execute(_HISTORY_SIZES, asked):
                over = count > ids.HISTORY_PER_CRITERION or chars > ids.HISTORY_CHARS_PER_CRITERION
                if not over or (learner, criterion) not in pairs:
                    continue
                where = (ch.cohort == cohort, ch.learner == learner, ch.criterion == criterion)
                query = select(ch.id, ch.rating, ch.changed_at, func.length(ch.evidence))
                rows = [tuple(row) for row in conn.execute(query.where(*where).order_by(ch.id))]
                drop = history_to_drop(rows)
                if drop:
                    conn.execute(delete(schema.changes).where(ch.id.in_(drop)))

    def _prune_attempts(self, conn: Connection, row: dict[str, Any]) -> None:
        """Keep at most ATTEMPTS_PER_EXERCISE attempts: the newest, the first and the best."""
        at = schema.attempts.c
        where = (
            at.cohort == row["cohort"],
            at.learner == row["learner"],
            at.exercise_id == row["exercise_id"],
        )
        count = conn.execute(select(func.count()).where(*where)).scalar_one()
        if count <= ids.ATTEMPTS_PER_EXERCISE:
            return
        rows = conn.execute(select(at.id, at.score).where(*where).order_by(at.id)).all()
        best = max(rows, key=lambda r: (r.score, -r.id)).id
        keep = {rows[0].id, best}
        drop = [r.id for r in rows if r.id not in keep][: count - ids.ATTEMPTS_PER_EXERCISE]
        conn.execute(delete(schema.attempts).where(at.id.in_(drop)))

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
            self._check_limits(conn, row["cohort"], row["learner"], row["attempted_at"])
            new_id = conn.execute(
                insert(schema.attempts).values(row).returning(schema.attempts.c.id)
            ).scalar_one()
            self._prune_attempts(conn, row)
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

    # -- sign-offs (a tutor's decisions; the log is append-only) ---------------------------

    def sign_off(
        self,
        cohort: str,
        learner: str,
        criterion: str,
        *,
        tutor: str,
        feedback: str = "",
        returned: bool = False,
    ) -> SignOff:
        """Record that `tutor` signed off the learner's criterion, or returned it (`returned`,
        which needs feedback); committed on return. Earlier entries stay as they were.

        Who may sign off is the caller's to check (the cohort's tutors); the store refuses only
        a learner signing off their own criterion. Tutors' decisions do not count against the
        learner's save limits.
        """
        row: dict[str, Any] = {
            "cohort": validate.cohort(cohort),
            "learner": validate.learner(learner),
            "criterion": validate.criterion(criterion),
            "tutor": validate.tutor(tutor),
            "action": schema.RETURNED if returned else schema.SIGNED_OFF,
            "feedback": validate.feedback(feedback, required=returned),
        }
        if row["tutor"] == row["learner"]:
            raise ValueError(
                f"{row['learner']} cannot sign off their own criterion: a tutor signs it off."
            )
        with self._transaction("record the sign-off", write=True) as conn:
            self._lock_learner(conn, row["cohort"], row["learner"])
            row["at"] = _now()  # inside the lock: the log's times run in the order of its ids
            conn.execute(insert(schema.sign_offs).values(row))
        return SignOff(**row)

    def sign_off_log(self, cohort: str, learner: str | None = None) -> list[SignOff]:
        """Every sign-off and return in the cohort (for one learner, if given), oldest first."""
        table = schema.sign_offs
        query = select(
            table.c.cohort,
            table.c.learner,
            table.c.criterion,
            table.c.tutor,
            table.c.action,
            table.c.feedback,
            table.c.at,
        ).where(table.c.cohort == validate.cohort(cohort))
        if learner is not None:
            query = query.where(table.c.learner == validate.learner(learner))
        with self._transaction("read the sign-off log", write=False) as conn:
            return [SignOff(*row) for row in conn.execute(query.order_by(table.c.id))]

    def sign_off_states(self, cohort: str, learner: str) -> dict[str, SignOffState]:
        """Where each of the learner's signed-off or returned criteria stands: its latest
        entry, and whether the learner saved its rating or evidence after it. In criterion
        order; a criterion no tutor has decided on is absent."""
        so, ch = schema.sign_offs.c, schema.changes.c
        cohort, learner = validate.cohort(cohort), validate.learner(learner)
        latest = (
            select(func.max(so.id))
            .where(so.cohort == cohort, so.learner == learner)
            .group_by(so.criterion)
        )
        decided = select(so.criterion, so.action, so.tutor, so.feedback, so.at).where(
            so.id.in_(latest)
        )
        saved = (
            select(ch.criterion, func.max(ch.changed_at))
            .where(ch.cohort == cohort, ch.learner == learner)
            .group_by(ch.criterion)
        )
        with self._transaction("read the sign-offs", write=False) as conn:
            rows = conn.execute(decided).all()
            last_saved: dict[str, datetime] = {c: at for c, at in conn.execute(saved)}
        states = {}
        for criterion, action, tutor, feedback, at in sorted(
            rows, key=lambda row: ids.criterion_order(row[0])
        ):
            after = last_saved.get(criterion)
            states[criterion] = SignOffState(
                action, tutor, feedback, at, after is not None and after > at
            )
        return states

    # -- erasure (UK GDPR right to erasure; `nosworkbook learner erase`) --------------------

    def erase_learner(self, cohort: str, learner: str) -> Erased:
        """Erase what is held about the learner in the cohort, in one transaction: ratings,
        history, attempts, their access code and the failed sign-ins counted against them.

        Their sign-off entries stay, as the record of what tutors decided and when, with the
        learner's id replaced by a random pseudonym (one per erasure, so they still group
        together) and the feedback, which may quote or name them, emptied: the one UPDATE the
        log's triggers allow. The erasure is recorded (`erasures`) without the id. On SQLite
        the file is then rebuilt and its WAL emptied, so no copy of what went is left in it.
        Nothing held: nothing changes, and erasing again is harmless.
        """
        import secrets

        cohort, learner = validate.cohort(cohort), validate.learner(learner)
        pseudonym = schema.ERASED_PREFIX + secrets.token_hex(schema.PSEUDONYM_HEX // 2)
        so, failed = schema.sign_offs, schema.sign_in_failures
        tables = (schema.ratings, schema.changes, schema.attempts, schema.access_codes)
        with self._transaction("erase the learner's records", write=True) as conn:
            self._lock_learner(conn, cohort, learner)
            if self._dialect == "sqlite":  # zero deleted rows' bytes (this connection only)
                conn.exec_driver_sql("PRAGMA secure_delete = ON")
            counts = {
                table.name: conn.execute(
                    delete(table).where(table.c.cohort == cohort, table.c.learner == learner)
                ).rowcount
                for table in tables
            }
            counts[failed.name] = conn.execute(
                delete(failed).where(
                    failed.c.cohort == cohort, failed.c.subject == f"learner:{learner}"
                )
            ).rowcount
            counts[so.name] = conn.execute(
                update(so)
                .where(so.c.cohort == cohort, so.c.learner == learner)
                .values(learner=pseudonym, feedback="")
            ).rowcount
            if any(counts.values()):
                conn.execute(
                    insert(schema.erasures).values(
                        cohort=cohort, pseudonym=pseudonym, erased_at=_now(), **counts
                    )
                )
        return Erased(
            ratings=counts["ratings"],
            history=counts["changes"],
            attempts=counts["attempts"],
            access_code=counts["access_codes"] > 0,
            sign_in_failures=counts["sign_in_failures"],
            sign_offs=counts["sign_offs"],
            pseudonym=pseudonym if any(counts.values()) else None,
            compacted=self._compact(),
        )

    def _compact(self) -> bool:
        """Rebuild the SQLite file from its live rows (VACUUM) and empty its WAL, so neither
        free pages nor old WAL frames keep a copy of deleted rows. False if that cannot be
        done now (the erasure stands; erasing again retries) or the store is not a file."""
        if self._path is None or self._damaged is not None:
            return False
        raw = None
        try:
            raw = self._engine.raw_connection()
            cursor = raw.cursor()
            cursor.execute("VACUUM")
            busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            cursor.close()
        except Exception as err:  # sqlite3's, or the pool's
            logger.warning("progress store %s could not be compacted: %s", self, err)
            return False
        finally:
            if raw is not None:
                raw.close()
        return busy == 0

    # -- access codes (classroom mode) -----------------------------------------------------

    def set_access_code(
        self,
        cohort: str,
        learner: str,
        salt: str,
        code_hash: str,
        *,
        replace: bool = False,
        role: Role = "learner",
    ) -> bool:
        """Store the salt and scrypt hash of a learner's (or a tutor's) access code, never
        the code. Tutors' codes are kept apart (`role="tutor"`): neither opens the other's door.

        Without `replace` someone who already has a code keeps it and False is returned;
        with it the old code stops working. True when this hash was stored.
        """
        from nosworkbook.classroom.access import check_stored

        check_stored(salt, code_hash)
        table, who = _code_table(role)
        row = {
            "cohort": validate.cohort(cohort),
            who.name: validate.learner(learner),
            "salt": salt,
            "hash": code_hash,
            "created_at": _now(),
        }
        stmt = (sqlite.insert if self._dialect == "sqlite" else postgresql.insert)(table)
        stmt = stmt.values(row)
        keys = [table.c.cohort, who]
        if replace:
            stmt = stmt.on_conflict_do_update(
                index_elements=keys,
                set_={name: stmt.excluded[name] for name in ("salt", "hash", "created_at")},
            )
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=keys)
        # RETURNING, not rowcount: PostgreSQL's driver gives no row count for this insert
        stmt = stmt.returning(who)
        with self._transaction("save the access code", write=True) as conn:
            return conn.execute(stmt).first() is not None

    def remove_access_code(self, cohort: str, learner: str, *, role: Role = "learner") -> bool:
        """Withdraw a learner's (or tutor's) access code; True if there was one."""
        table, who = _code_table(role)
        stmt = delete(table).where(
            table.c.cohort == validate.cohort(cohort), who == validate.learner(learner)
        )
        with self._transaction("withdraw the access code", write=True) as conn:
            return conn.execute(stmt).rowcount > 0

    def access_roster(self, cohort: str, *, role: Role = "learner") -> list[str]:
        """Ids of the cohort's learners (or tutors) who have an access code, sorted."""
        table, who = _code_table(role)
        query = select(who).where(table.c.cohort == validate.cohort(cohort))
        with self._transaction("read the access roster", write=False) as conn:
            return sorted(conn.execute(query).scalars())

    def has_access_codes(self, cohort: str) -> bool:
        """True if the cohort is in classroom mode: someone in it has an access code."""
        table = schema.access_codes
        query = select(table.c.learner).where(table.c.cohort == validate.cohort(cohort)).limit(1)
        with self._transaction("read the access roster", write=False) as conn:
            return conn.execute(query).first() is not None

    def verify_access(
        self, cohort: str, learner: str, code: str, *, role: Role = "learner"
    ) -> bool:
        """True if `code` is the learner's (or, with `role="tutor"`, the tutor's) access code;
        False for a wrong code or someone without one, taking the same time either way. A
        tutor's code is no learner's, and the other way round. The code is never stored."""
        from nosworkbook.classroom.access import verify, verify_nothing

        table, who = _code_table(role)
        query = select(table.c.salt, table.c.hash).where(
            table.c.cohort == validate.cohort(cohort), who == validate.learner(learner)
        )
        with self._transaction("check the access code", write=False) as conn:
            found = conn.execute(query).first()
        if found is None:
            return verify_nothing(code)
        try:
            return verify(code, found.salt, found.hash)
        except ValueError:  # a damaged row: it lets nobody in
            return False

    # -- failed sign-ins (classroom mode; the policy is classroom.access.Throttle) ----------

    def sign_in_locked_until(self, cohort: str, subjects: Iterable[str]) -> datetime | None:
        """The latest time until which any of `subjects` is locked out, or None."""
        table = schema.sign_in_failures
        query = select(func.max(table.c.locked_until)).where(
            table.c.cohort == validate.cohort(cohort), table.c.subject.in_(list(subjects))
        )
        with self._transaction("check the sign-in lock-out", write=False) as conn:
            return conn.execute(query).scalar()

    def sign_in_failed(
        self,
        cohort: str,
        subjects: Iterable[str],
        now: datetime,
        max_failures: int,
        lockout: timedelta,
        forget_after: timedelta,
    ) -> bool:
        """Count one failed sign-in against each subject; True if that locks any of them out.

        A subject reaching `max_failures` is locked until `now + lockout` and counts from 0
        again. Counts untouched for `forget_after` are forgotten, so the table stays small.
        """
        table = schema.sign_in_failures
        cohort = validate.cohort(cohort)
        locked = False
        with self._transaction("count the failed sign-in", write=True) as conn:
            conn.execute(
                delete(table).where(
                    table.c.cohort == cohort, table.c.updated_at < now - forget_after
                )
            )
            for subject in subjects:
                found = conn.execute(
                    select(table.c.failures).where(
                        table.c.cohort == cohort, table.c.subject == subject
                    )
                ).scalar()
                failures = (found or 0) + 1
                values: dict[str, Any] = {"failures": failures, "updated_at": now}
                if failures >= max_failures:
                    values |= {"failures": 0, "locked_until": now + lockout}
                    locked = True
                if found is None:
                    row = {"cohort": cohort, "subject": subject, "locked_until": None}
                    conn.execute(insert(table).values(row | values))
                else:
                    conn.execute(
                        update(table)
                        .where(table.c.cohort == cohort, table.c.subject == subject)
                        .values(values)
                    )
        return locked

    def sign_in_succeeded(self, cohort: str, subject: str) -> None:
        """Forget the failed sign-ins counted against `subject` (the learner who signed in)."""
        table = schema.sign_in_failures
        stmt = delete(table).where(
            table.c.cohort == validate.cohort(cohort), table.c.subject == subject
        )
        with self._transaction("reset the failed sign-ins", write=True) as conn:
            conn.execute(stmt)

    # -- integrity and backups -------------------------------------------------------------

    def check(self) -> list[str]:
        """What SQLite's full integrity check finds wrong with this store; [] if sound.

        For PostgreSQL, which checks its own pages, [] once it answers (pg_amcheck goes deeper).
        """
        if self._path is None:
            with self._transaction("read the store", write=False) as conn:
                self._check_ours(conn)
            return []
        try:
            found = integrity.problems(self._path, full=True)
        except sqlite3.DatabaseError as err:
            found = [str(err)]
        if found:
            self._mark_damaged(found[0])
        return found

    def backup(self, dest: str | os.PathLike[str]) -> Path:
        """Copy the store, whole and consistent, to the file `dest`, while others keep saving.

        SQLite's online backup copies every page as of one moment into a temporary file beside
        `dest`; the copy is checked, made a single file (no WAL beside it), flushed to disk and
        renamed over `dest`, so `dest` is always a complete store or what it was before. The
        live store is never the destination. PostgreSQL: use pg_dump.
        """
        if self._dialect != "sqlite":
            raise StoreError(self.location, PG_BACKUP)
        if self._path is None:
            raise StoreError(self.location, "is not a file; there is nothing to back up")
        target = Path(dest).expanduser().absolute()
        live = [self._path, *(Path(f"{self._path}{end}") for end in ("-wal", "-shm", "-journal"))]
        try:
            same = target.exists() and os.path.samefile(target, self._path)
            if same or target in live:
                raise StoreError(target, "is the live store; choose another file for the backup")
            if target.is_dir():
                raise StoreError(
                    target,
                    "is a folder; give the backup's file name, such as progress-backup.sqlite",
                )
            if not target.parent.is_dir():
                raise StoreError(target, "cannot be written: its folder does not exist")
            if target.exists() and target.stat().st_size:
                with target.open("rb") as handle:
                    if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                        raise StoreError(
                            target,
                            "exists and is not an SQLite file; it was left untouched "
                            "(choose another name)",
                        )
            fd, tmp_name = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
            )
            os.close(fd)
        except OSError as err:
            raise StoreError(target, f"cannot be written: {err.strerror or err}") from None
        tmp = Path(tmp_name)
        try:
            self._copy_to(tmp)
            os.replace(tmp, target)
            integrity.fsync_dir(target.parent)
        except OSError as err:
            raise StoreError(target, f"cannot be written: {err.strerror or err}") from None
        finally:
            for leftover in (tmp, Path(f"{tmp}-journal")):
                leftover.unlink(missing_ok=True)
        return target

    def _copy_to(self, tmp: Path) -> None:
        assert self._path is not None
        source_uri = f"{self._path.as_uri()}?mode=ro"
        try:
            source = sqlite3.connect(source_uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                copy = sqlite3.connect(tmp, isolation_level=None)
                try:
                    source.backup(copy)
                    copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
                    found = [str(r[0]) for r in copy.execute("PRAGMA quick_check")]
                finally:
                    copy.close()
            finally:
                source.close()
        except sqlite3.Error as err:
            if integrity.is_damage(str(err)):
                self._mark_damaged(str(err))
                raise StoreError(self.location, damaged(str(err))) from err
            raise StoreError(self.location, f"could not be backed up: {err}") from err
        if found != ["ok"]:
            self._mark_damaged(found[0].splitlines()[-1])
            raise StoreError(self.location, damaged(found[0].splitlines()[-1]) + "; no backup made")
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())

    def cohort_reports(
        self, cohort: str
    ) -> dict[str, tuple[dict[str, Record], list[Attempt], dict[str, SignOffState]]]:
        """Per learner, what a report reads: their ratings by criterion (as `load`), their
        attempts oldest first (as `attempts`) and where each decided criterion stands (as
        `sign_off_states`); the two mappings in no set order. One query per table for the whole
        cohort, in one transaction, instead of three per learner; a learner with nothing
        stored is absent."""
        r, at, so, ch = schema.ratings.c, schema.attempts.c, schema.sign_offs.c, schema.changes.c
        cohort = validate.cohort(cohort)
        latest = (
            select(func.max(so.id)).where(so.cohort == cohort).group_by(so.learner, so.criterion)
        )
        # Saved since the decision: asked as EXISTS, which either of the changes' indexes
        # answers quickly (a query for the latest save is slow by one of them, and a planner
        # with no statistics yet may choose it).
        changed_since = (
            select(ch.id)
            .where(
                ch.cohort == so.cohort,
                ch.learner == so.learner,
                ch.criterion == so.criterion,
                ch.changed_at > so.at,
            )
            .exists()
        )
        with self._transaction("read the cohort's reports", write=False) as conn:
            ratings = conn.execute(
                select(r.learner, r.criterion, r.rating, r.evidence, r.changed_at).where(
                    r.cohort == cohort
                )
            ).all()
            attempts = conn.execute(
                select(at.learner, at.id, at.exercise_id, at.answer, at.score, at.attempted_at)
                .where(at.cohort == cohort)
                .order_by(at.id)
            ).all()
            decided = conn.execute(
                select(so.learner, so.criterion, so.action, so.tutor, so.feedback, so.at)
                .add_columns(changed_since)
                .where(so.id.in_(latest))
            ).all()
        learners = {row[0] for rows in (ratings, attempts, decided) for row in rows}
        found: dict[str, tuple[dict[str, Record], list[Attempt], dict[str, SignOffState]]] = {
            learner: ({}, [], {}) for learner in sorted(learners)
        }
        for learner, criterion, rating, evidence, changed_at in ratings:
            found[learner][0][criterion] = Record(criterion, rating, evidence, changed_at)
        for learner, *attempt in attempts:
            found[learner][1].append(Attempt(*attempt))
        for learner, criterion, action, tutor, feedback, when, since in decided:
            found[learner][2][criterion] = SignOffState(action, tutor, feedback, when, bool(since))
        return found

    def cohort_summary(self, cohort: str, scale: Iterable[str]) -> dict[str, LearnerSummary]:
        """Per learner, what the tutor's dashboard is worked out from (`LearnerSummary`): each
        criterion's current rating, the first and the latest rating on `scale` that its
        history holds (other ratings, and saves of the note alone, passed over), each decided
        criterion's latest action, each exercise's latest score, and the first save. The
        database picks the first, the latest and the earliest, so a cohort of 30 learners in
        44 units is some 100,000 rows fewer than its reports and history; a learner with
        nothing stored is absent, and so is an erased learner's pseudonym."""
        r, ch, at, so = schema.ratings.c, schema.changes.c, schema.attempts.c, schema.sign_offs.c
        cohort = validate.cohort(cohort)
        labels = [validate.rating(label) for label in scale]
        # The first and latest save on the scale of each criterion, then those two saves by
        # their primary key: quick whichever way the planner joins them, even with no
        # statistics yet (a join on learner and criterion took PostgreSQL 85 s then).
        ends = (
            select(ch.learner, ch.criterion, func.min(ch.id).label("first"))
            .add_columns(func.max(ch.id).label("latest"))
            .where(ch.cohort == cohort, ch.rating.in_(labels))
            .group_by(ch.learner, ch.criterion)
            .subquery()
        )
        first, latest = schema.changes.alias("first"), schema.changes.alias("latest")
        travelled = (
            select(ends.c.learner, ends.c.criterion, first.c.rating, latest.c.rating)
            .join_from(ends, first, first.c.id == ends.c.first)
            .join(latest, latest.c.id == ends.c.latest)
        )
        last_decision = (  # an erased learner's entries, kept under a pseudonym, are no one's
            select(func.max(so.id))
            .where(so.cohort == cohort, so.learner.not_like(f"{schema.ERASED_PREFIX}%"))
            .group_by(so.learner, so.criterion)
        )
        last_attempt = (
            select(func.max(at.id)).where(at.cohort == cohort).group_by(at.learner, at.exercise_id)
        )
        firsts = (
            select(ch.learner, func.min(ch.changed_at)).where(ch.cohort == cohort),
            select(at.learner, func.min(at.attempted_at)).where(at.cohort == cohort),
        )
        with self._transaction("read the cohort's progress", write=False) as conn:
            ratings = conn.execute(
                select(r.learner, r.criterion, r.rating).where(r.cohort == cohort)
            ).all()
            travels = conn.execute(travelled).all()
            decided = conn.execute(
                select(so.learner, so.criterion, so.action).where(so.id.in_(last_decision))
            ).all()
            scores = conn.execute(
                select(at.learner, at.exercise_id, at.score, at.attempted_at).where(
                    at.id.in_(last_attempt)
                )
            ).all()
            starts: dict[str, datetime] = {}
            for query in firsts:
                for learner, moment in conn.execute(query.group_by(query.selected_columns[0])):
                    starts[learner] = min(moment, starts.get(learner, moment))
        learners = {row[0] for found in (ratings, travels, decided, scores) for row in found}
        found = {
            learner: LearnerSummary({}, {}, {}, {}, starts.get(learner))
            for learner in sorted(learners | starts.keys())
        }
        for learner, criterion, rating in ratings:
            found[learner].ratings[criterion] = rating
        for learner, criterion, first_rating, latest_rating in travels:
            found[learner].travelled[criterion] = (first_rating, latest_rating)
        for learner, criterion, action in decided:
            found[learner].decisions[criterion] = action
        for learner, exercise, score, attempted_at in scores:
            found[learner].scores[exercise] = LatestScore(score, attempted_at)
        return found


def _save_values(asked: Save) -> tuple[dict[str, Any], dict[str, Any]]:
    """A save's key and new values, checked (ValueError if not valid), stamped with the time."""
    key = {
        "cohort": validate.cohort(asked.cohort),
        "learner": validate.learner(asked.learner),
        "criterion": validate.criterion(asked.criterion),
    }
    key["urn"] = ids.unit_of(key["criterion"])
    new: dict[str, Any] = {}
    if asked.rating is not UNCHANGED:
        new["rating"] = validate.rating(asked.rating)
    if asked.evidence is not UNCHANGED:
        new["evidence"] = validate.evidence(asked.evidence)
    if not new:
        raise ValueError("Nothing to save: give a rating, an evidence note, or both.")
    new["changed_at"] = _now()
    return key, new


def history_to_drop(rows: list[tuple[int, str | None, datetime, int]]) -> list[int]:
    """Which versions of one criterion to drop, given all of them as (id, rating, changed_at,
    characters of note), oldest first, so that the rest keep within HISTORY_PER_CRITERION
    versions and HISTORY_CHARS_PER_CRITERION characters.

    The newest HISTORY_NEWEST_KEPT always stay (the last is the current value). Of the older
    ones, drafts go first, oldest first; a version is kept over any draft when it is the first,
    when its rating differs from the version before (the note as it was when the learner
    claimed that rating), or when the next save came HISTORY_PAUSE_SECONDS or more later (the
    note as the learner left it at the end of a sitting). Only if dropping every draft is not
    enough do those go too, oldest first, the first version last of all.
    """
    count, chars = len(rows), sum(row[3] for row in rows)

    def over() -> bool:
        return count > ids.HISTORY_PER_CRITERION or chars > ids.HISTORY_CHARS_PER_CRITERION

    if not over():
        return []
    pause = timedelta(seconds=ids.HISTORY_PAUSE_SECONDS)
    older = rows[: max(0, len(rows) - ids.HISTORY_NEWEST_KEPT)]
    drafts, milestones = [], []
    for i, (_id, rating, changed_at, _size) in enumerate(older):
        claimed = i == 0 or rating != older[i - 1][1]
        left = rows[i + 1][2] - changed_at >= pause
        (milestones if claimed or left else drafts).append(older[i])
    drop: list[int] = []
    for row in [*drafts, *milestones[1:], *milestones[:1]]:
        if not over():
            break
        drop.append(row[0])
        count, chars = count - 1, chars - row[3]
    return drop


def check_store(location: Location | None = None) -> list[str]:
    """Check the store at `location` in full without opening it for writing: [] if it is sound.

    A damaged SQLite file is reported (what SQLite's integrity_check found, one line each)
    rather than refused; one that is not a store at all raises StoreError.
    """
    url = resolve_location(location)
    path = sqlite_path(url)
    if path is not None:
        if not path.exists():
            raise StoreError(describe(url), "does not exist")
        check_file(path)
        if path.stat().st_size:
            try:
                found = integrity.problems(path, full=True)
            except sqlite3.OperationalError as err:
                if not integrity.is_damage(str(err)):
                    raise StoreError(describe(url), f"could not be checked: {err}") from err
                found = [str(err)]
            except sqlite3.DatabaseError as err:
                found = [str(err)]
            if found:
                return found
    with Store(url):
        return []


def open_store(location: Location | None = None) -> Store:
    """Open (creating if need be) the store at `location`: a path, an SQLAlchemy URL, or None.

    None means $NOSWORKBOOK_STORE, else progress.sqlite in the user's data directory.
    """
    return Store(location)
