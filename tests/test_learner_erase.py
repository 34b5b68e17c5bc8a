"""Erasing a learner's records (UK GDPR right to erasure): `Store.erase_learner` and
`nosworkbook learner erase`.

A store is seeded with everything two learners can have (ratings with notes, history,
attempts with answers, access codes, failed sign-ins, sign-offs and returns with feedback
naming them); a.khan is erased. Then every column of every table (reflected, not listed
here) and, for SQLite, the bytes of the file itself are searched for her id and her texts,
b.jones's records are compared with what they were, and the sign-off log must keep every
row, hers under a pseudonym with no feedback, while the database still refuses any other
change. The same runs on a throwaway PostgreSQL cluster at the end.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import JSON, MetaData, Text, cast, create_engine, select, text
from sqlalchemy.exc import DBAPIError

from nosworkbook.classroom import access
from nosworkbook.cli import main
from nosworkbook.cohorts import load_cohort
from nosworkbook.portfolio import collect, to_csv
from nosworkbook.portfolio.dashboard_page import Dashboard
from nosworkbook.store import Erased, Store, StoreError, open_store, schema
from nosworkbook.testing import postgres_cluster

C = "retail-l2"
A, B = "a.khan", "b.jones"
PC1, PC2, KU1 = "INSCS001.PC1", "INSCS001.PC2", "INSCS001.KU1"
EXERCISE = "INSCS001.questions"
A_CODE, B_CODE = "KXQP-7M3D", "TRWA-4N8E"
# What only a.khan's records hold, so that finding any of them anywhere is a failure.
A_NOTE = "Aisha greeted the customer at the quokka counter"
A_DRAFT = "first draft about the marmoset returns desk"
A_ANSWER = "open questions about the wombat voucher"
A_FEEDBACK = "Aisha, say how you greeted Mr Quillfeather"
A_RETURN = "Aisha Khan: add the date you spoke to the customer"
A_TEXTS = [A, "Aisha", "quokka", "marmoset", "wombat", "Quillfeather"]
B_NOTE = "Ben handled the refund by the book"
B_FEEDBACK = "Ben, well evidenced"
PSEUDONYM = re.compile(rf"{schema.ERASED_PREFIX}[0-9a-f]{{{schema.PSEUDONYM_HEX}}}")

COHORT = """\
name: Retail Level 2
slug: retail-l2
units: [INSCS001]
learners:
  - {id: a.khan, name: Aisha Khan}
  - {id: b.jones, name: Ben Jones}
  - {id: c.ross, name: Cara Ross}
tutors:
  - {id: m.price, name: Mina Price}
"""


def seed(store: Store, cohort: str = C) -> None:
    """Everything the store can hold for a.khan and b.jones in `cohort`."""
    store.save(cohort, A, PC1, rating="Developing", evidence=A_DRAFT)
    store.save(cohort, A, PC1, rating="Competent", evidence=A_NOTE)
    store.save(cohort, A, KU1, evidence=A_NOTE)
    store.save_attempt(cohort, A, EXERCISE, {"q1": A_ANSWER}, 0.5)
    store.save_attempt(cohort, A, EXERCISE, {"q1": A_ANSWER + ", again"}, 0.75)
    store.save(cohort, B, PC1, rating="Competent", evidence=B_NOTE)
    store.save(cohort, B, PC2, rating="Not yet")
    store.save_attempt(cohort, B, EXERCISE, {"q1": "closed questions"}, 0.25)
    store.set_access_code(cohort, A, *access.hash_code(A_CODE))
    store.set_access_code(cohort, B, *access.hash_code(B_CODE))
    now, day = datetime.now(UTC), timedelta(days=1)
    store.sign_in_failed(cohort, [f"learner:{A}", "client:page-1"], now, 5, day, day)
    store.sign_in_failed(cohort, [f"learner:{B}"], now, 5, day, day)
    store.sign_off(cohort, A, PC1, tutor="m.price", feedback=A_FEEDBACK)
    store.sign_off(cohort, B, PC1, tutor="m.price", feedback=B_FEEDBACK)
    store.sign_off(cohort, A, KU1, tutor="m.price", feedback=A_RETURN, returned=True)
    store.sign_off(cohort, B, PC2, tutor="m.price", feedback="Ben: rate it first", returned=True)


def every_value(url: str, *, current: bool = True) -> dict[tuple[str, str], list[str]]:
    """Every value of every column of every table, as text and sorted, by (table, column):
    the schema is reflected from the database, so a table or column added later is searched
    too. A `current` store has at least every table of today's schema."""
    engine = create_engine(url)
    try:
        found = MetaData()
        found.reflect(engine)
        assert not current or set(schema.metadata.tables) <= set(found.tables)
        with engine.connect() as conn:
            return {
                (table.name, column.name): sorted(
                    conn.execute(select(cast(column, Text))).scalars(),
                    key=lambda value: (value is None, value or ""),
                )
                for table in found.sorted_tables
                for column in table.columns
            }
    finally:
        engine.dispose()


def traces(url: str, texts: list[str]) -> list[str]:
    """Where any of `texts` appears in the database: 'table.column: text' each time."""
    return [
        f"{table}.{column}: {needle}"
        for (table, column), values in every_value(url).items()
        for value in values
        if value is not None
        for needle in texts
        if needle in value
    ]


def rows_of(url: str, learner: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row keyed to `learner` (by column or sign-in subject), table by table."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = {}
            for table in (
                schema.ratings,
                schema.changes,
                schema.attempts,
                schema.access_codes,
                schema.sign_offs,
            ):
                query = select(table).where(table.c.learner == learner)
                order = [c for c in table.c if not isinstance(c.type, JSON)]  # no = in PostgreSQL
                found[table.name] = [tuple(row) for row in conn.execute(query.order_by(*order))]
            failures = schema.sign_in_failures
            query = select(failures).where(failures.c.subject == f"learner:{learner}")
            found[failures.name] = [tuple(row) for row in conn.execute(query)]
            return found
    finally:
        engine.dispose()


def log_rows(url: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            table = schema.sign_offs
            return [tuple(row) for row in conn.execute(select(table).order_by(table.c.id))]
    finally:
        engine.dispose()


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    return tmp_path / "progress.sqlite"


@pytest.fixture()
def url(db: Path) -> str:
    return f"sqlite:///{db}"


@pytest.fixture()
def seeded(db: Path) -> Iterator[Store]:
    with open_store(db) as store:
        seed(store)
        yield store


@pytest.fixture()
def cohort_file(tmp_path: Path) -> Path:
    path = tmp_path / "cohort.yaml"
    path.write_text(COHORT, encoding="utf-8")
    return path


# -- what goes ------------------------------------------------------------------------------


def test_nothing_of_the_erased_learner_is_left_in_any_column_of_any_table(seeded, url) -> None:
    assert len(traces(url, A_TEXTS)) > 20  # the search finds her records while they are there
    seeded.erase_learner(C, A)
    assert traces(url, A_TEXTS) == []


def test_nothing_of_the_erased_learner_is_left_in_the_stores_file_either(seeded, db) -> None:
    raw = sqlite3.connect(db)
    salt, code_hash = raw.execute(
        "SELECT salt, hash FROM access_codes WHERE learner = ?", (A,)
    ).fetchone()
    raw.close()
    with open_store(db) as kernel:  # another kernel has the store open meanwhile
        assert kernel.load(C, B)
        erased = seeded.erase_learner(C, A)
        assert erased.compacted
        files = [db, *(Path(f"{db}{end}") for end in ("-wal", "-journal"))]
        data = b"".join(path.read_bytes() for path in files if path.exists())  # WAL included
    for needle in [*A_TEXTS, salt, code_hash]:
        assert needle.encode() not in data, needle
    assert B_NOTE.encode() in data  # what is searched is the file that holds the rest


def test_the_erasure_says_what_it_removed_and_what_it_kept(seeded) -> None:
    erased = seeded.erase_learner(C, A)
    assert erased == Erased(
        ratings=2,
        history=3,
        attempts=2,
        access_code=True,
        sign_in_failures=1,
        sign_offs=2,
        pseudonym=erased.pseudonym,
        compacted=True,
    )
    assert erased.anything and PSEUDONYM.fullmatch(erased.pseudonym or "")


def test_the_erasure_is_recorded_with_its_counts_and_without_the_learners_id(
    seeded, url, monkeypatch
) -> None:
    when = datetime(2027, 3, 1, 10, tzinfo=UTC)
    monkeypatch.setattr("nosworkbook.store.database._now", lambda: when)
    erased = seeded.erase_learner(C, A)
    engine = create_engine(url)
    with engine.connect() as conn:
        (row,) = conn.execute(select(schema.erasures)).mappings().all()
    engine.dispose()
    assert dict(row) == {
        "id": 1,
        "cohort": C,
        "pseudonym": erased.pseudonym,
        "erased_at": when,
        "ratings": 2,
        "changes": 3,
        "attempts": 2,
        "access_codes": 1,
        "sign_in_failures": 1,
        "sign_offs": 2,
    }


def test_the_page_that_tried_a_wrong_code_keeps_its_count_as_it_names_nobody(seeded, url) -> None:
    seeded.erase_learner(C, A)
    assert every_value(url)[("sign_in_failures", "subject")] == ["client:page-1", f"learner:{B}"]


# -- what stays -----------------------------------------------------------------------------


def test_the_other_learners_records_are_all_intact_and_they_can_still_sign_in(seeded, url) -> None:
    before = rows_of(url, B)
    assert all(before.values())
    seeded.erase_learner(C, A)
    assert rows_of(url, B) == before
    assert seeded.verify_access(C, B, B_CODE)
    assert not seeded.verify_access(C, A, A_CODE)
    assert seeded.learners(C) == [B]


def test_the_sign_off_log_keeps_every_row_with_hers_pseudonymised_and_without_feedback(
    seeded, url
) -> None:
    before = log_rows(url)
    erased = seeded.erase_learner(C, A)
    after = log_rows(url)
    assert len(after) == len(before) == 4
    for old, new in zip(before, after, strict=True):
        _id, cohort, learner, criterion, tutor, action, feedback, at = old
        if learner == A:
            assert new == (_id, cohort, erased.pseudonym, criterion, tutor, action, "", at)
        else:
            assert new == old
    assert [entry.feedback for entry in seeded.sign_off_log(C, B)] == [
        B_FEEDBACK,
        "Ben: rate it first",
    ]
    assert seeded.sign_off_log(C, A) == []


def test_the_pseudonym_is_random_so_it_cannot_be_worked_out_from_the_id(tmp_path) -> None:
    pseudonyms = []
    for n in range(2):
        with open_store(tmp_path / f"store-{n}.sqlite") as store:
            seed(store)
            pseudonyms.append(store.erase_learner(C, A).pseudonym)
    assert pseudonyms[0] != pseudonyms[1]
    assert all(PSEUDONYM.fullmatch(p or "") for p in pseudonyms)


def test_reports_and_the_dashboard_still_work_on_the_cohort_after_the_erasure(
    seeded, db, cohort_file
) -> None:
    seeded.erase_learner(C, A)
    cohort = load_cohort(cohort_file)
    portfolios = collect.cohort_portfolios(seeded, cohort)
    assert [p.learner for p in portfolios] == [A, B, "c.ross"]
    csv = to_csv(portfolios)
    assert B_NOTE in csv and A_NOTE not in csv
    without_roster = cohort.model_copy(update={"learners": []})
    assert [p.learner for p in collect.cohort_portfolios(seeded, without_roster)] == [B]
    export = collect.learner_export(seeded, cohort, A)
    assert (export["history"], export["attempts"], export["sign_offs"]) == ([], [], [])
    assert export["access_code_held"] is False
    shown = Dashboard(
        units=["INSCS001"],
        learners=[{"id": A, "name": "Aisha Khan"}, {"id": B, "name": "Ben Jones"}],
        cohort=C,
        cohort_name="Retail Level 2",
        due="2027-03-31",
        store=str(db),
    )
    assert shown.read and shown.notice == ""
    learners = {learner.id: learner for learner in shown.data.learners}
    assert not learners[A].ratings and not learners[A].decisions and not learners[A].first_save
    assert learners[B].ratings[PC1] == "Competent"


def test_erasing_again_is_harmless_and_records_no_second_erasure(seeded, url) -> None:
    first = seeded.erase_learner(C, A)
    log, values = log_rows(url), every_value(url)
    again = seeded.erase_learner(C, A)
    assert not again.anything and again.pseudonym is None
    assert log_rows(url) == log and every_value(url) == values
    assert [e.learner for e in seeded.sign_off_log(C)].count(first.pseudonym) == 2


def test_an_erasure_touches_one_cohort_only(seeded, url) -> None:
    seed(seeded, "evening-l2")
    seeded.erase_learner(C, A)
    assert seeded.load("evening-l2", A)[PC1].evidence == A_NOTE
    assert len(seeded.history("evening-l2", A)) == 3
    assert [e.learner for e in seeded.sign_off_log("evening-l2", A)] == [A, A]
    assert seeded.verify_access("evening-l2", A, A_CODE)


def test_a_learner_the_store_holds_nothing_for_is_erased_without_change(seeded, url) -> None:
    log = log_rows(url)
    erased = seeded.erase_learner(C, "c.ross")
    assert not erased.anything and erased.pseudonym is None
    assert log_rows(url) == log and every_value(url)[("erasures", "id")] == []


@pytest.mark.parametrize(
    ("cohort", "learner", "message"),
    [
        ("Retail L2", A, "Cohort 'Retail L2' is not valid"),
        (C, "a/khan", "Learner id 'a/khan' is not valid"),
        (C, "erased:" + "0" * 32, "Learner id 'erased:0000"),
    ],
)
def test_bad_ids_are_refused_and_nothing_is_erased(seeded, url, cohort, learner, message) -> None:
    values = every_value(url)
    with pytest.raises(ValueError, match=message):
        seeded.erase_learner(cohort, learner)
    assert every_value(url) == values


def test_a_damaged_store_erases_nothing(seeded, url) -> None:
    seeded._mark_damaged("database disk image is malformed")
    with pytest.raises(StoreError, match="is damaged"):
        seeded.erase_learner(C, A)
    assert rows_of(url, A)["ratings"]


# -- the database still refuses every other change to the log -------------------------------

P = schema.ERASED_PREFIX + "ab" * 16  # a well-formed pseudonym


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE sign_offs SET action = 'signed off'",
        "UPDATE sign_offs SET feedback = '' WHERE learner = 'b.jones'",
        f"UPDATE sign_offs SET learner = '{P}' WHERE learner = 'b.jones' AND feedback <> ''",
        f"UPDATE sign_offs SET learner = '{P}', feedback = '', tutor = 'x.other' "
        "WHERE learner = 'b.jones'",
        f"UPDATE sign_offs SET learner = '{P}', feedback = '', at = '2020-01-01 00:00:00' "
        "WHERE learner = 'b.jones'",
        "UPDATE sign_offs SET learner = 'erased:bob', feedback = '' WHERE learner = 'b.jones'",
        "UPDATE sign_offs SET learner = 'c.ross', feedback = '' WHERE learner = 'b.jones'",
        f"UPDATE sign_offs SET learner = '{P}' WHERE learner LIKE 'erased:%'",
        "UPDATE sign_offs SET learner = 'a.khan' WHERE learner LIKE 'erased:%'",
        "UPDATE sign_offs SET feedback = 'Aisha again' WHERE learner LIKE 'erased:%'",
        "UPDATE sign_offs SET action = 'signed off' WHERE learner LIKE 'erased:%'",
        "DELETE FROM sign_offs",
        "DELETE FROM sign_offs WHERE learner LIKE 'erased:%'",
    ],
)
def test_the_database_refuses_any_other_change_to_the_log_after_an_erasure(
    seeded, db, url, statement
) -> None:
    seeded.erase_learner(C, A)
    before = log_rows(url)
    raw = sqlite3.connect(db)
    try:
        with pytest.raises(sqlite3.IntegrityError, match=schema.APPEND_ONLY):
            raw.execute(statement)
    finally:
        raw.close()
    assert log_rows(url) == before


def test_the_one_change_the_database_lets_through_is_an_erasure(seeded, db, url) -> None:
    raw = sqlite3.connect(db)
    with raw:
        raw.execute(
            f"UPDATE sign_offs SET learner = '{P}', feedback = '' WHERE learner = 'b.jones'"
        )
    raw.close()
    assert {row[2] for row in log_rows(url)} == {A, P}


# -- upgrading a version 4 store ------------------------------------------------------------

V4_TRIGGER = (
    "CREATE TRIGGER sign_offs_no_update BEFORE UPDATE ON sign_offs "
    f"BEGIN SELECT RAISE(ABORT, '{schema.APPEND_ONLY}'); END"
)


def _triggers(db: Path) -> dict[str, str]:
    raw = sqlite3.connect(db)
    found = dict(raw.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
    raw.close()
    return found


def _make_v4(db: Path) -> None:
    """A store as schema version 4 left it: no erasures table, every UPDATE of the log
    refused."""
    with open_store(db) as store:
        seed(store)
    raw = sqlite3.connect(db)
    with raw:
        raw.execute("DROP TABLE erasures")
        raw.execute("DROP TRIGGER sign_offs_no_update")
        raw.execute(V4_TRIGGER)
        raw.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    raw.close()


def test_a_version_4_store_is_upgraded_to_let_the_erasure_through_and_keeps_its_data(
    db, url, tmp_path
) -> None:
    _make_v4(db)
    raw = sqlite3.connect(db)
    with pytest.raises(sqlite3.IntegrityError, match=schema.APPEND_ONLY):
        raw.execute(
            f"UPDATE sign_offs SET learner = '{P}', feedback = '' WHERE learner = 'b.jones'"
        )
    raw.close()
    before = every_value(url, current=False)
    with open_store(db) as store:
        assert every_value(url) == before | {
            ("meta", "value"): ["5", "nosworkbook-progress"],
            **{("erasures", c.name): [] for c in schema.erasures.c},
        }
        assert store.erase_learner(C, A).sign_offs == 2
        assert traces(url, A_TEXTS) == []
    with open_store(tmp_path / "new.sqlite"):
        pass
    assert _triggers(db) == _triggers(tmp_path / "new.sqlite")  # as a new store's
    raw = sqlite3.connect(db)
    with pytest.raises(sqlite3.IntegrityError, match=schema.APPEND_ONLY):
        raw.execute("UPDATE sign_offs SET action = 'returned'")
    raw.close()


def test_a_version_3_store_gains_a_log_that_lets_the_erasure_through(db, url) -> None:
    with open_store(db) as store:
        store.save(C, A, PC1, rating="Competent", evidence=A_NOTE)
    raw = sqlite3.connect(db)
    with raw:
        raw.execute("DROP TABLE sign_offs")
        raw.execute("DROP TABLE erasures")
        raw.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    raw.close()
    with open_store(db) as store:
        store.sign_off(C, A, PC1, tutor="m.price", feedback=A_FEEDBACK)
        assert store.erase_learner(C, A).sign_offs == 1
    assert traces(url, A_TEXTS) == []


# -- the command line -----------------------------------------------------------------------


def erase(cohort_file: Path, db: Path, *args: str, input: str | None = None, expect: int = 0):
    result = CliRunner().invoke(
        main,
        ["learner", "erase", *args, "--cohort", str(cohort_file), "--store", str(db)],
        input=input,
    )
    assert result.exit_code == expect, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    return result


@pytest.fixture()
def closed(seeded, db) -> Path:
    """The seeded store, closed, so its file no longer changes (its WAL folded in)."""
    seeded.close()
    return db


def _files(db: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in db.parent.iterdir() if p.name.startswith(db.name)}


@pytest.mark.parametrize("typed", [None, "\n", "no\n", "y\n", "yes\n", "A.KHAN\n", "b.jones\n"])
def test_cli_declined_leaves_the_store_byte_for_byte_unchanged(closed, cohort_file, typed) -> None:
    before = _files(closed)
    done = erase(cohort_file, closed, A, input=typed, expect=1)
    assert _files(closed) == before
    assert done.stderr == "Nothing was erased.\n"
    assert "It removes ratings and evidence notes on 2 criteria, 3 saved versions" in done.stdout
    assert "It keeps 2 sign-off entries, with a.khan's id replaced by a pseudonym" in done.stdout


def test_cli_erases_once_the_tutor_types_the_learners_id(closed, cohort_file, url) -> None:
    done = erase(cohort_file, closed, A, input=f"{A}\n")
    assert f"Type {A} to erase, or press Enter to cancel: " in done.stdout
    assert f"Erased {A}'s records in {C}" in done.stdout
    assert traces(url, A_TEXTS) == []


def test_cli_with_yes_erases_without_asking_and_says_what_went_what_stayed_and_why(
    closed, cohort_file, url
) -> None:
    done = erase(cohort_file, closed, A, "--yes")
    assert done.stdout.splitlines() == [
        f"Erased {A}'s records in {C}: ratings and evidence notes on 2 criteria, 3 saved "
        "versions, 2 exercise attempts, their access code and the count of their wrong "
        "access codes.",
        f"Kept 2 sign-off entries, with {A}'s id replaced by a pseudonym and the feedback "
        "removed, as the record of what a tutor decided and when, which the provider may need "
        "to keep as evidence (for a funding audit, say).",
        f"The store records that this erasure was done, without {A}'s id.",
        f"Backups of the store made before now still hold {A}'s records.",
        f"Now take {A} off the roster in {cohort_file}: nosworkbook never edits it, and while "
        "they are on it they can be given a new access code.",
    ]
    assert done.stderr == ""
    assert traces(url, A_TEXTS) == []
    assert cohort_file.read_text(encoding="utf-8") == COHORT  # the tutor's file is theirs


def test_cli_erases_a_learner_already_taken_off_the_roster(closed, cohort_file, url) -> None:
    cohort_file.write_text(COHORT.replace("  - {id: a.khan, name: Aisha Khan}\n", ""), "utf-8")
    done = erase(cohort_file, closed, A, "--yes")
    assert f"Erased {A}'s records" in done.stdout and "off the roster" not in done.stdout
    assert traces(url, A_TEXTS) == []


def test_cli_says_so_when_nothing_is_held_and_asks_nothing(closed, cohort_file, url) -> None:
    log = log_rows(url)
    done = erase(cohort_file, closed, "c.ross", input="")
    assert (
        done.stdout.splitlines()[0] == f"Nothing is held about c.ross in {C}; nothing was changed."
    )
    assert "Type" not in done.stdout and log_rows(url) == log


@pytest.mark.parametrize("learner", ["z.nobody", "a khan", "a.khan\nx"])
def test_cli_refuses_someone_neither_on_the_roster_nor_in_the_store_in_one_line(
    closed, cohort_file, learner
) -> None:
    before = _files(closed)
    done = erase(cohort_file, closed, learner, "--yes", expect=2)
    assert done.stderr == (
        f"nosworkbook: error: {cohort_file}: learner {learner!r} is not on the cohort's "
        f"roster, and the store holds nothing for them in cohort {C}\n"
    )
    assert _files(closed) == before


def test_cli_refuses_a_store_that_does_not_exist_and_creates_none(cohort_file, tmp_path) -> None:
    missing = tmp_path / "typo.sqlite"
    done = erase(cohort_file, missing, A, "--yes", expect=2)
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"nosworkbook: error: {missing}: does not exist")
    assert not missing.exists()


def test_cli_refuses_a_cohort_file_that_does_not_exist(closed, tmp_path) -> None:
    before = _files(closed)
    done = erase(tmp_path / "missing.yaml", closed, A, "--yes", expect=2)
    assert done.stderr == f"nosworkbook: error: {tmp_path / 'missing.yaml'}: no such file\n"
    assert _files(closed) == before


# -- PostgreSQL -----------------------------------------------------------------------------
# A throwaway cluster on a Unix socket (nosworkbook.testing); a database per test.


@pytest.fixture(scope="module")
def postgres() -> Iterator[Callable[[str], str]]:
    """A function that makes a new, empty database and gives its URL."""
    with postgres_cluster() as database:
        yield database


def test_on_postgresql_nothing_of_hers_is_left_and_the_rest_is_as_it_was(
    postgres, cohort_file
) -> None:
    url = postgres("erase")
    with open_store(url) as store:
        seed(store)
        assert traces(url, A_TEXTS)
        others, log = rows_of(url, B), log_rows(url)
        erased = store.erase_learner(C, A)
        assert (erased.ratings, erased.history, erased.attempts, erased.sign_offs) == (2, 3, 2, 2)
        assert erased.access_code and not erased.compacted  # PostgreSQL vacuums its own files
        assert traces(url, A_TEXTS) == []
        assert rows_of(url, B) == others and store.verify_access(C, B, B_CODE)
        after = log_rows(url)
        assert [row[:2] + row[3:6] + row[7:] for row in after] == [
            row[:2] + row[3:6] + row[7:] for row in log
        ]
        assert [(row[2], row[6]) for row in after] == [
            (erased.pseudonym, ""),
            (B, B_FEEDBACK),
            (erased.pseudonym, ""),
            (B, "Ben: rate it first"),
        ]
        again = store.erase_learner(C, A)
        assert not again.anything and log_rows(url) == after
        portfolios = collect.cohort_portfolios(store, load_cohort(cohort_file))
        assert B_NOTE in to_csv(portfolios)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE sign_offs SET action = 'signed off'",
        f"UPDATE sign_offs SET learner = '{P}' WHERE learner = 'b.jones' AND feedback <> ''",
        f"UPDATE sign_offs SET learner = '{P}', feedback = '', tutor = 'x.other' "
        "WHERE learner = 'b.jones'",
        "UPDATE sign_offs SET learner = 'c.ross', feedback = '' WHERE learner = 'b.jones'",
        f"UPDATE sign_offs SET learner = '{P}' WHERE learner LIKE 'erased:%'",
        "UPDATE sign_offs SET learner = 'a.khan' WHERE learner LIKE 'erased:%'",
        "UPDATE sign_offs SET feedback = 'Aisha again' WHERE learner LIKE 'erased:%'",
        "DELETE FROM sign_offs",
        "DELETE FROM sign_offs WHERE learner LIKE 'erased:%'",
        "TRUNCATE sign_offs",
    ],
)
def test_on_postgresql_the_database_refuses_any_other_change_to_the_log(
    postgres, statement
) -> None:
    url = postgres(f"refuse_{abs(hash(statement))}")
    with open_store(url) as store:
        seed(store)
        store.erase_learner(C, A)
    before = log_rows(url)
    engine = create_engine(url)
    try:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()
    assert log_rows(url) == before


PG_V4 = [
    "DROP TABLE erasures",
    "DROP TRIGGER sign_offs_no_update ON sign_offs",
    "DROP TRIGGER sign_offs_no_delete ON sign_offs",
    "DROP FUNCTION nosworkbook_erasure_only()",
    "CREATE TRIGGER sign_offs_append_only BEFORE UPDATE OR DELETE ON sign_offs "
    "FOR EACH ROW EXECUTE FUNCTION nosworkbook_append_only()",
    "UPDATE meta SET value = '4' WHERE key = 'schema_version'",
]


def _pg_triggers(url: str) -> list[tuple[str, str]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
                "WHERE tgrelid = 'sign_offs'::regclass AND NOT tgisinternal ORDER BY tgname"
            )
        ).all()
    engine.dispose()
    return [tuple(row) for row in found]


def test_on_postgresql_a_version_4_store_is_upgraded_to_let_the_erasure_through(
    postgres,
) -> None:
    url, new = postgres("upgrade"), postgres("fresh")
    with open_store(url) as store:
        seed(store)
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in PG_V4:
            conn.execute(text(statement))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(f"UPDATE sign_offs SET learner = '{P}', feedback = ''"))
    engine.dispose()
    before = rows_of(url, A) | {"b": rows_of(url, B)}
    with open_store(url) as store:
        assert rows_of(url, A) | {"b": rows_of(url, B)} == before
        assert store.erase_learner(C, A).sign_offs == 2
        assert traces(url, A_TEXTS) == []
    with open_store(new):
        pass
    assert _pg_triggers(url) == _pg_triggers(new)
    assert every_value(url)[("meta", "value")] == ["5", "nosworkbook-progress"]
