"""The progress store: where it lives, what it keeps, what it refuses and what it never touches."""

from __future__ import annotations

import random
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

from nosworkbook.store import (
    ENV_VAR,
    UNCHANGED,
    Store,
    StoreError,
    database,
    default_location,
    open_store,
    schema,
)

C = "default"


@pytest.fixture()
def store(tmp_path: Path):
    with open_store(tmp_path / "progress.sqlite") as opened:
        yield opened


# -- location ------------------------------------------------------------------------------


def test_default_location_is_in_the_user_data_dir(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    expected = tmp_path / "data" / "nosworkbook" / "progress.sqlite"
    assert default_location().database == str(expected)
    with open_store() as opened:  # parent directories are created
        opened.save(C, "a.khan", "INSCS027.PC10", rating="Competent")
        assert opened.location == str(expected)
    assert expected.stat().st_size > 0


def test_environment_variable_may_be_a_path(monkeypatch, tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "class.sqlite"
    monkeypatch.setenv(ENV_VAR, str(target))
    with open_store() as opened:
        opened.save(C, "a.khan", "INSCS027.PC10", rating="Competent")
    assert target.exists()


def test_environment_variable_may_be_a_url(monkeypatch, tmp_path: Path) -> None:
    target = tmp_path / "url.sqlite"
    monkeypatch.setenv(ENV_VAR, f"sqlite:///{target}")
    assert default_location().database == str(target)
    with open_store() as opened:
        opened.save(C, "a.khan", "INSCS027.PC10", rating="Competent")
    with open_store(str(target)) as again:  # the same file opened by path
        assert again.load(C, "a.khan")["INSCS027.PC10"].rating == "Competent"


@pytest.mark.parametrize(
    ("location", "problem"),
    [
        ("mysql+pymysql://u:secret@host/db", "supports SQLite and PostgreSQL"),
        ("sqlite+nosuchdriver:///x.sqlite", "cannot be opened"),
        ("not a url://", "not a valid database URL"),
    ],
)
def test_unusable_urls_give_a_one_line_store_error(location: str, problem: str) -> None:
    with pytest.raises(StoreError) as caught:
        open_store(location)
    message = str(caught.value)
    assert problem in message and "\n" not in message and "secret" not in message


def test_a_directory_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        open_store(tmp_path)


def test_an_empty_file_is_initialised(tmp_path: Path) -> None:
    target = tmp_path / "empty.sqlite"
    target.touch()
    with open_store(target) as opened:
        opened.save(C, "a.khan", "INSCS027.PC10", rating="Competent")
    with open_store(target) as again:
        assert list(again.load(C, "a.khan")) == ["INSCS027.PC10"]


# -- foreign and corrupt files -------------------------------------------------------------


def _random_bytes(path: Path) -> None:
    path.write_bytes(random.Random(1).randbytes(8192))


def _text_file(path: Path) -> None:
    path.write_text("learner,criterion,rating\na.khan,INSCS027.PC10,Competent\n")


def _corrupt_sqlite(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + random.Random(2).randbytes(8192))


def _other_application(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("INSERT INTO customers (name) VALUES ('Ada')")
    db.close()


def _other_application_with_meta(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE meta (name TEXT, content TEXT)")
        db.execute("INSERT INTO meta VALUES ('generator', 'someone else')")
    db.close()


def _newer_schema(path: Path) -> None:
    with open_store(path) as ours:
        ours.save(C, "a.khan", "INSCS027.PC10", rating="Competent")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(99),))
    db.close()


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (_random_bytes, "is not an SQLite database"),
        (_text_file, "is not an SQLite database"),
        (_corrupt_sqlite, "cannot be read as a nosworkbook store (file is not a database)"),
        (_other_application, "belongs to another application"),
        (_other_application_with_meta, "belongs to another application"),
        (_newer_schema, "newer nosworkbook (store schema 99"),
    ],
)
def test_a_file_that_is_not_ours_is_reported_and_never_touched(
    tmp_path: Path, make, problem: str
) -> None:
    target = tmp_path / "progress.sqlite"
    make(target)
    before = (target.read_bytes(), target.stat().st_mtime_ns)
    siblings = sorted(tmp_path.iterdir())

    with pytest.raises(StoreError) as caught:
        open_store(target)

    message = str(caught.value)
    assert message.startswith(f"{target}: ") and problem in message
    assert "\n" not in message
    assert (target.read_bytes(), target.stat().st_mtime_ns) == before
    assert sorted(tmp_path.iterdir()) == siblings  # no journal or WAL left behind either


def test_sqlite_settings_for_safe_concurrent_writes(store: Store) -> None:
    with store._engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 30_000


def test_saves_begin_immediate_and_reads_do_not(store: Store) -> None:
    seen: list[str] = []
    event.listen(store._engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    store.save(C, "a.khan", "INSCS027.PC10", rating="Competent")
    store.save_attempt(C, "a.khan", "INSCS027.smart", {"goal": "x"}, 1)
    store.load(C, "a.khan")
    begins = [s for s in seen if s.startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE", "BEGIN IMMEDIATE", "BEGIN DEFERRED"]
    assert seen[0] == "BEGIN IMMEDIATE"  # the lock is taken before anything is read


def test_a_writer_waits_for_the_lock_instead_of_failing(store: Store, tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / "progress.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another kernel in the middle of a save
    done = threading.Event()
    errors: list[BaseException] = []

    def save() -> None:
        try:
            store.save(C, "a.khan", "INSCS027.PC10", rating="Competent")
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)
        finally:
            done.set()

    thread = threading.Thread(target=save)
    thread.start()
    assert not done.wait(0.3)  # queued behind the lock, not failed
    other.execute("COMMIT")
    other.close()
    thread.join(timeout=30)
    assert errors == [] and done.is_set()
    assert store.load(C, "a.khan")["INSCS027.PC10"].rating == "Competent"


# -- atomicity -----------------------------------------------------------------------------


def test_a_save_that_fails_half_way_leaves_nothing(store: Store) -> None:
    store.save(C, "a.khan", "INSCS027.PC10", rating="Developing", evidence="first")

    def fail_on_history(_conn, _cursor, statement, *_rest) -> None:
        if statement.startswith("INSERT INTO changes"):
            raise RuntimeError("power cut")

    event.listen(store._engine, "before_cursor_execute", fail_on_history)
    with pytest.raises(RuntimeError, match="power cut"):
        store.save(C, "a.khan", "INSCS027.PC10", rating="Competent")
    event.remove(store._engine, "before_cursor_execute", fail_on_history)

    assert store.load(C, "a.khan")["INSCS027.PC10"].rating == "Developing"
    assert [c.rating for c in store.history(C, "a.khan")] == ["Developing"]


def test_readers_never_see_half_a_save(store: Store, tmp_path: Path) -> None:
    store.save(C, "a.khan", "INSCS027.PC10", rating="Developing")
    seen: list[object] = []

    def read_between_the_two_writes(_conn, _cursor, statement, *_rest) -> None:
        if statement.startswith("INSERT INTO changes"):
            with open_store(tmp_path / "progress.sqlite") as reader:
                seen.append(reader.load(C, "a.khan")["INSCS027.PC10"].rating)
                seen.append([c.rating for c in reader.history(C, "a.khan")])

    event.listen(store._engine, "before_cursor_execute", read_between_the_two_writes)
    store.save(C, "a.khan", "INSCS027.PC10", rating="Competent")
    assert seen == ["Developing", ["Developing"]]  # the reader was not blocked, saw the old
    assert [c.rating for c in store.history(C, "a.khan")] == ["Developing", "Competent"]


# -- ratings and history -------------------------------------------------------------------


def test_save_returns_and_load_reads_the_current_values(store: Store) -> None:
    saved = store.save(C, "a.khan", "INSCS027.PC10", rating="Competent", evidence="Call log 3")
    assert (saved.criterion, saved.rating, saved.evidence) == (
        "INSCS027.PC10",
        "Competent",
        "Call log 3",
    )
    assert store.load(C, "a.khan") == {"INSCS027.PC10": saved}
    assert store.load(C, "b.jones") == {}
    assert store.load("cohort-2", "a.khan") == {}


def test_unchanged_fields_are_kept_and_none_clears(store: Store) -> None:
    store.save(C, "a.khan", "INSCS027.PC10", rating="Developing", evidence="draft")
    assert store.save(C, "a.khan", "INSCS027.PC10", rating="Competent").evidence == "draft"
    assert store.save(C, "a.khan", "INSCS027.PC10", evidence="final").rating == "Competent"
    cleared = store.save(C, "a.khan", "INSCS027.PC10", rating=None, evidence=UNCHANGED)
    assert (cleared.rating, cleared.evidence) == (None, "final")
    assert store.save(C, "a.khan", "INSCS027.PC10", evidence=None).evidence == ""
    new = store.save(C, "a.khan", "INSCS027.KU7", evidence="notes only")
    assert (new.rating, new.evidence) == (None, "notes only")
    with pytest.raises(ValueError, match="Nothing to save"):
        store.save(C, "a.khan", "INSCS027.PC10")


def test_history_keeps_every_save_in_order(store: Store) -> None:
    store.save(C, "a.khan", "INSCS027.PC10", rating="Not yet")
    store.save(C, "a.khan", "INSCS027.KU7", rating="Developing")
    store.save(C, "a.khan", "INSCS027.PC10", evidence="log")
    store.save(C, "a.khan", "INSCS001.PC1", rating="Competent")
    store.save(C, "a.khan", "INSCS027.PC10", rating="Not yet")  # same value still recorded
    store.save(C, "b.jones", "INSCS027.PC10", rating="Competent")

    everything = store.history(C, "a.khan")
    assert [(c.criterion, c.rating, c.evidence) for c in everything] == [
        ("INSCS027.PC10", "Not yet", ""),
        ("INSCS027.KU7", "Developing", ""),
        ("INSCS027.PC10", "Not yet", "log"),
        ("INSCS001.PC1", "Competent", ""),
        ("INSCS027.PC10", "Not yet", "log"),
    ]
    assert [c.id for c in everything] == sorted(c.id for c in everything)
    assert len(store.history(C, "a.khan", criterion="INSCS027.PC10")) == 3
    assert [c.criterion for c in store.history(C, "a.khan", urn="INSCS001")] == ["INSCS001.PC1"]
    assert store.history(C, "a.khan", criterion="INSCS027.KU7", urn="INSCS001") == []
    assert store.history("other", "a.khan") == []


def test_history_is_ordered_by_save_not_by_clock(store: Store, monkeypatch) -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    clock = iter([start, start - timedelta(hours=1), start - timedelta(hours=2)])
    monkeypatch.setattr(database, "_now", lambda: next(clock))
    for rating in ("Not yet", "Developing", "Competent"):
        store.save(C, "a.khan", "INSCS027.PC10", rating=rating)
    assert [c.rating for c in store.history(C, "a.khan")] == ["Not yet", "Developing", "Competent"]
    assert store.load(C, "a.khan")["INSCS027.PC10"].rating == "Competent"


def test_timestamps_are_utc_aware_with_microseconds(store: Store, monkeypatch) -> None:
    moment = datetime(2031, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    monkeypatch.setattr(database, "_now", lambda: moment)
    saved = store.save(C, "a.khan", "INSCS027.PC10", rating="Competent")
    loaded = store.load(C, "a.khan")["INSCS027.PC10"]
    (change,) = store.history(C, "a.khan")
    attempt = store.save_attempt(C, "a.khan", "INSCS027.smart", {}, 0.5)
    for stamp in (saved.changed_at, loaded.changed_at, change.changed_at, attempt.attempted_at):
        assert stamp == moment and stamp.tzinfo is UTC


def test_load_by_unit_in_criterion_order(store: Store) -> None:
    for criterion in ("INSCS027.KU7", "INSCS027.PC10", "INSCS027.PC2", "INSCS028.PC1"):
        store.save(C, "a.khan", criterion, rating="Competent")
    assert list(store.load(C, "a.khan", urn="INSCS027")) == [
        "INSCS027.PC2",
        "INSCS027.PC10",
        "INSCS027.KU7",
    ]
    assert list(store.load(C, "a.khan")) == [
        "INSCS027.PC2",
        "INSCS027.PC10",
        "INSCS027.KU7",
        "INSCS028.PC1",
    ]


def test_learners_of_a_cohort(store: Store) -> None:
    store.save(C, "b.jones", "INSCS027.PC10", rating="Competent")
    store.save(C, "a.khan", "INSCS027.PC10", rating="Competent")
    store.save(C, "a.khan", "INSCS027.PC11", rating="Competent")
    store.save_attempt(C, "c.smith", "INSCS027.smart", {"goal": "x"}, 0.0)
    store.save("evening", "d.patel", "INSCS027.PC10", rating="Competent")
    assert store.learners(C) == ["a.khan", "b.jones", "c.smith"]
    assert store.learners("evening") == ["d.patel"]
    assert store.learners("nobody") == []


def test_data_survives_reopening(tmp_path: Path) -> None:
    with open_store(tmp_path / "p.sqlite") as first:
        first.save(C, "a.khan", "INSCS027.PC10", rating="Competent", evidence="é ✓ \n line 2")
        first.save_attempt(C, "a.khan", "INSCS027.smart", {"answer": ["a", 1, None]}, 2.5)
    with open_store(tmp_path / "p.sqlite") as second:
        assert second.load(C, "a.khan")["INSCS027.PC10"].evidence == "é ✓ \n line 2"
        assert second.latest_attempt(C, "a.khan", "INSCS027.smart").answer == {
            "answer": ["a", 1, None]
        }


# -- exercise attempts ---------------------------------------------------------------------


def test_attempts_are_kept_in_order_and_the_latest_is_found(store: Store) -> None:
    assert store.latest_attempt(C, "a.khan", "INSCS027.smart") is None
    first = store.save_attempt(C, "a.khan", "INSCS027.smart", {"goal": ("a", "b")}, 0.25)
    assert first.answer == {"goal": ["a", "b"]}  # what will be read back, tuples as lists
    store.save_attempt(C, "a.khan", "INSCS027.risk-classification", {"level": 3}, 1)
    last = store.save_attempt(C, "a.khan", "INSCS027.smart", {"goal": "better"}, 0.75)
    store.save_attempt(C, "b.jones", "INSCS027.smart", {"goal": "other"}, 0.5)

    assert store.latest_attempt(C, "a.khan", "INSCS027.smart") == last
    assert [a.score for a in store.attempts(C, "a.khan", "INSCS027.smart")] == [0.25, 0.75]
    assert [a.exercise_id for a in store.attempts(C, "a.khan")] == [
        "INSCS027.smart",
        "INSCS027.risk-classification",
        "INSCS027.smart",
    ]
    assert store.attempts(C, "a.khan")[0] == first


@pytest.mark.parametrize(
    ("answer", "score", "message"),
    [
        ({"x": {1, 2}}, 1.0, "plain JSON data"),
        ({"x": float("nan")}, 1.0, "plain JSON data"),
        (["not", "a", "dict"], 1.0, "must be a dict"),
        ({"x": "y" * 200_001}, 1.0, "the most it can hold"),
        ({}, float("inf"), "finite number"),
        ({}, True, "finite number"),
        ({}, "1", "finite number"),
    ],
)
def test_bad_attempts_are_refused(store: Store, answer, score, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        store.save_attempt(C, "a.khan", "INSCS027.smart", answer, score)
    assert store.attempts(C, "a.khan") == []


# -- validation ----------------------------------------------------------------------------

GOOD = {"cohort": C, "learner": "a.khan", "criterion": "INSCS027.PC10"}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("learner", "", "Learner id '' is not valid"),
        ("learner", "a khan", "Learner id 'a khan' is not valid"),
        ("learner", "a" * 65, "is not valid"),
        ("learner", "x'; DROP TABLE ratings; --", "is not valid"),
        ("learner", "ä.khan", "is not valid"),
        ("learner", "a.khan\n", "is not valid"),
        ("learner", 7, "must be text"),
        ("cohort", "", "or 'default' when there is no cohort"),
        ("cohort", "cohort/1", "Cohort 'cohort/1' is not valid"),
        ("criterion", "INSCS27.PC10", "such as 'INSCS027.PC10'"),
        ("criterion", "INSCS027.PC", "is not valid"),
        ("criterion", "INSCS027.PC010", "is not valid"),
        ("criterion", "INSCS027.XY1", "is not valid"),
        ("criterion", "inscs027.pc10", "is not valid"),
        ("criterion", "INSCS027.PC10 ", "is not valid"),
        ("criterion", "INSCS027.PC١", "is not valid"),  # an Arabic-Indic digit
        ("rating", "", "Rating '' is not valid"),
        ("rating", "   ", "is not valid"),
        ("rating", "C" * 65, "1 to 64 characters"),
        ("rating", "Compe\ntent", "on one line"),
        ("rating", 3, "must be text"),
        ("evidence", "x" * 20_001, "20,001 characters long"),
        ("evidence", "nul\x00", "null character"),
        ("evidence", ["note"], "must be text"),
    ],
)
def test_bad_values_raise_plain_value_errors(store: Store, field: str, value, message) -> None:
    kwargs: dict[str, object] = {**GOOD, "rating": "Competent", field: value}
    with pytest.raises(ValueError) as caught:
        store.save(**kwargs)  # type: ignore[arg-type]
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert not isinstance(caught.value, StoreError)
    assert store.learners(C) == []


def test_boundary_values_are_accepted(store: Store) -> None:
    learner, cohort = "Z-9_." * 12 + "a" * 4, "z9-" * 21 + "z"  # 64 characters each
    saved = store.save(cohort, learner, "INSCS044.KU9999", rating="C" * 64, evidence="e" * 20_000)
    assert store.load(cohort, learner) == {"INSCS044.KU9999": saved}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.load(C, "a.khan", urn="INSCS27"), "such as 'INSCS027'"),
        (lambda s: s.history(C, "a.khan", criterion="PC10"), "is not valid"),
        (lambda s: s.learners(""), "is not valid"),
        (lambda s: s.attempts(C, "a.khan", "smart"), "such as 'INSCS027.risk-classification'"),
        (lambda s: s.latest_attempt(C, "bad id", "INSCS027.smart"), "is not valid"),
    ],
)
def test_reads_validate_their_arguments_too(store: Store, call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(store)


# -- PostgreSQL ----------------------------------------------------------------------------


def test_statements_compile_for_postgresql() -> None:
    dialect = postgresql.psycopg.dialect()
    sql = str(
        database.upsert_rating("postgresql", ("rating", "changed_at")).compile(dialect=dialect)
    )
    assert "ON CONFLICT (cohort, learner, criterion) DO UPDATE SET" in sql
    assert "rating = excluded.rating" in sql and "evidence = excluded" not in sql
    assert sql.rstrip().endswith(
        "RETURNING ratings.cohort, ratings.learner, ratings.criterion, ratings.rating, "
        "ratings.evidence, ratings.changed_at"
    )
    ddl = {
        name: str(CreateTable(t).compile(dialect=dialect))
        for name, t in schema.metadata.tables.items()
    }
    assert "TIMESTAMP WITH TIME ZONE" in ddl["changes"] and "SERIAL" in ddl["changes"]
    assert "JSON" in ddl["attempts"]


def test_times_read_back_from_sqlite_are_aware_utc_whatever_was_stored(tmp_path):
    """The fast reader of SQLite's stored times: naive text is UTC; text with an offset (not
    written by the store, but possible in a file edited by hand) is turned into UTC."""
    from nosworkbook.store import schema

    process = schema.UTCDateTime().result_processor(sqlite_dialect(), None)
    assert process("2027-01-10 10:00:00.000000") == datetime(2027, 1, 10, 10, tzinfo=UTC)
    assert process("2027-01-10 10:00:00+01:00") == datetime(2027, 1, 10, 9, tzinfo=UTC)
    assert process(None) is None


def sqlite_dialect():
    from sqlalchemy.dialects import sqlite

    return sqlite.dialect()


def test_several_saves_in_one_transaction_each_land_or_say_why_not(tmp_path, monkeypatch):
    """`save_many`, as the store service writes saves that arrive together: one commit, each
    save as `save` makes it, a refused one (bad value, too many saves) leaving the rest."""
    from nosworkbook import ids
    from nosworkbook.store import Save
    from nosworkbook.store.errors import SaveLimitReached

    store = open_store(tmp_path / "p.sqlite")
    cohort = "batch-2027"
    store.save(cohort, "c.lee", "INSCS001.PC1", rating="Developing")
    store.save(cohort, "c.lee", "INSCS001.PC2", rating="Developing")
    monkeypatch.setattr(ids, "MAX_SAVES_PER_MINUTE", 3)
    commits: list[str] = []
    event.listen(store._engine, "commit", lambda conn: commits.append("commit"))
    results = store.save_many(
        [
            Save(cohort, "a.khan", "INSCS001.PC1", rating="Developing"),
            Save(cohort, "b.jones", "INSCS001.PC1", evidence="Asked what went wrong."),
            Save(cohort, "a.khan", "INSCS001.PC1", rating="Competent"),  # after her first
            Save(cohort, "a.khan", "INSCS001.PC99x"),  # not a criterion id
            Save(cohort, "b.jones", "INSCS001.PC2"),  # nothing to save
            Save(cohort, "c.lee", "INSCS001.PC3", rating="Competent"),  # third in a minute
            Save(cohort, "c.lee", "INSCS001.PC4", rating="Competent"),  # fourth: refused
        ]
    )
    assert commits == ["commit"]
    assert [type(found).__name__ for found in results] == [
        "Record",
        "Record",
        "Record",
        "ValueError",
        "ValueError",
        "Record",
        "SaveLimitReached",
    ]
    assert isinstance(results[6], SaveLimitReached)
    assert (results[0].rating, results[2].rating) == ("Developing", "Competent")
    assert results[1].evidence == "Asked what went wrong."
    assert "Criterion id" in str(results[3]) and "Nothing to save" in str(results[4])
    assert [c.rating for c in store.history(cohort, "a.khan")] == ["Developing", "Competent"]
    assert store.load(cohort, "a.khan")["INSCS001.PC1"].rating == "Competent"
    assert set(store.load(cohort, "c.lee")) == {"INSCS001.PC1", "INSCS001.PC2", "INSCS001.PC3"}
    assert store.save_many([]) == []
