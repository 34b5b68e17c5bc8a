"""Tutors' sign-offs: the append-only log in the store, and `nosworkbook signoff`.

A tutor signs off a learner's criterion or returns it with feedback; every decision is kept,
with the tutor and the store's time, and the latest one is where the criterion stands. (The
same API on PostgreSQL is in test_store_postgres.py, beside its server fixture.)
"""

from __future__ import annotations

import inspect
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from nosworkbook import ids
from nosworkbook.classroom import access
from nosworkbook.cli import main
from nosworkbook.store import SignOff, SignOffState, Store, StoreError, database, open_store, schema

C = "retail-l2"
PC1, PC2 = "INSCS001.PC1", "INSCS001.PC2"


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    return tmp_path / "progress.sqlite"


@pytest.fixture()
def store(db: Path):
    with open_store(db) as opened:
        yield opened


@pytest.fixture()
def clock(monkeypatch) -> list[datetime]:
    """The store's clock, one minute on at each reading; the readings are kept."""
    readings: list[datetime] = []

    def tick() -> datetime:
        readings.append(datetime(2027, 1, 15, 9, tzinfo=UTC) + timedelta(minutes=len(readings)))
        return readings[-1]

    monkeypatch.setattr(database, "_now", tick)
    return readings


# -- the store -----------------------------------------------------------------------------


def test_a_tutor_signs_off_a_criterion_and_the_log_says_who_and_when(store: Store, clock) -> None:
    entry = store.sign_off(C, "a.khan", PC1, tutor="m.price")
    assert entry == SignOff(C, "a.khan", PC1, "m.price", "signed off", "", clock[-1])
    assert entry.at.tzinfo is UTC
    assert store.sign_off_log(C) == [entry]
    assert store.sign_off_states(C, "a.khan") == {
        PC1: SignOffState("signed off", "m.price", "", clock[-1], changed_since=False)
    }


def test_a_returned_criterion_carries_the_tutors_feedback(store: Store) -> None:
    entry = store.sign_off(
        C, "a.khan", PC1, tutor="m.price", feedback="Add the customer's reply.", returned=True
    )
    assert (entry.action, entry.feedback) == ("returned", "Add the customer's reply.")
    state = store.sign_off_states(C, "a.khan")[PC1]
    assert (state.action, state.tutor, state.feedback) == (
        "returned",
        "m.price",
        "Add the customer's reply.",
    )


def test_signing_off_may_carry_feedback_too(store: Store) -> None:
    store.sign_off(C, "a.khan", PC1, tutor="m.price", feedback="Well evidenced.")
    assert store.sign_off_states(C, "a.khan")[PC1].feedback == "Well evidenced."


def test_the_latest_entry_is_where_a_criterion_stands(store: Store) -> None:
    store.sign_off(C, "a.khan", PC1, tutor="m.price", feedback="Say why.", returned=True)
    store.sign_off(C, "a.khan", PC1, tutor="j.okafor")
    store.sign_off(C, "a.khan", PC2, tutor="m.price")
    store.sign_off(C, "a.khan", PC2, tutor="m.price", feedback="Date it.", returned=True)
    states = store.sign_off_states(C, "a.khan")
    assert list(states) == [PC1, PC2]
    assert (states[PC1].action, states[PC1].tutor, states[PC1].feedback) == (
        "signed off",
        "j.okafor",
        "",
    )
    assert (states[PC2].action, states[PC2].feedback) == ("returned", "Date it.")


def test_the_latest_is_the_last_recorded_even_if_the_clock_went_back(
    store: Store, monkeypatch
) -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    times = iter([start, start - timedelta(hours=1)])
    monkeypatch.setattr(database, "_now", lambda: next(times))
    store.sign_off(C, "a.khan", PC1, tutor="m.price", feedback="Say why.", returned=True)
    store.sign_off(C, "a.khan", PC1, tutor="m.price")
    assert store.sign_off_states(C, "a.khan")[PC1].action == "signed off"


def test_states_are_per_learner_and_per_cohort(store: Store) -> None:
    store.sign_off(C, "a.khan", PC1, tutor="m.price")
    store.sign_off("other-cohort", "b.jones", PC2, tutor="m.price")
    assert list(store.sign_off_states(C, "a.khan")) == [PC1]
    assert store.sign_off_states(C, "b.jones") == {}
    assert store.sign_off_states("other-cohort", "a.khan") == {}
    assert [e.criterion for e in store.sign_off_log("other-cohort")] == [PC2]


def test_a_save_after_the_sign_off_shows_as_changed_since(store: Store, clock) -> None:
    store.save(C, "a.khan", PC1, rating="Competent", evidence="Greeted the customer.")
    store.save(C, "a.khan", PC2, rating="Competent")
    store.sign_off(C, "a.khan", PC1, tutor="m.price")
    store.sign_off(C, "a.khan", PC2, tutor="m.price", feedback="Add evidence.", returned=True)
    assert not any(s.changed_since for s in store.sign_off_states(C, "a.khan").values())

    store.save(C, "a.khan", PC2, evidence="Greeted the customer by name.")
    store.save(C, "a.khan", "INSCS001.PC3", rating="Competent")  # never signed off
    store.save_attempt(C, "a.khan", "INSCS001.questions", {"q1": "yes"}, 1.0)  # not a save
    store.save("other-cohort", "a.khan", PC1, rating="Not yet")  # another cohort's
    states = store.sign_off_states(C, "a.khan")
    assert (states[PC1].changed_since, states[PC2].changed_since) == (False, True)
    assert "INSCS001.PC3" not in states

    store.sign_off(C, "a.khan", PC2, tutor="m.price")  # looked at again: up to date
    assert not store.sign_off_states(C, "a.khan")[PC2].changed_since


def test_the_log_keeps_every_entry_oldest_first(store: Store) -> None:
    first = store.sign_off(C, "a.khan", PC1, tutor="m.price", feedback="Say why.", returned=True)
    second = store.sign_off(C, "a.khan", PC1, tutor="m.price")
    other = store.sign_off(C, "b.jones", PC1, tutor="m.price")
    assert store.sign_off_log(C) == [first, second, other]
    assert store.sign_off_log(C, "a.khan") == [first, second]
    assert store.sign_off_log(C, "c.nobody") == [] and store.sign_off_log("another") == []


def test_the_log_survives_reopening(db: Path) -> None:
    with open_store(db) as store:
        entry = store.sign_off(C, "a.khan", PC1, tutor="m.price")
    with open_store(db) as again:
        assert again.sign_off_log(C) == [entry]


def test_no_store_method_updates_or_deletes_the_log_but_the_erasure() -> None:
    touching = {
        name: inspect.getsource(method)
        for name, method in inspect.getmembers(Store, inspect.isfunction)
        if "sign_offs" in inspect.getsource(method)
    }
    assert {"sign_off", "sign_off_log", "sign_off_states", "erase_learner"} <= set(touching)
    erasure = touching.pop("erase_learner")  # its one UPDATE: tests/test_learner_erase.py
    assert erasure.count("update(so)") == 1 and "delete(so" not in erasure
    for name, source in touching.items():
        assert "update(" not in source and "delete(" not in source, name


@pytest.mark.parametrize(
    "statement",
    ["UPDATE sign_offs SET action = 'signed off'", "DELETE FROM sign_offs"],
)
def test_the_database_refuses_to_change_or_remove_an_entry(store: Store, db: Path, statement):
    entry = store.sign_off(C, "a.khan", PC1, tutor="m.price", feedback="Say why.", returned=True)
    raw = sqlite3.connect(db)
    try:
        with pytest.raises(sqlite3.IntegrityError, match=schema.APPEND_ONLY):
            raw.execute(statement)
    finally:
        raw.close()
    assert store.sign_off_log(C) == [entry]


def test_feedback_is_counted_in_characters_up_to_its_limit(store: Store) -> None:
    longest = "\N{GRINNING FACE}" * ids.MAX_FEEDBACK  # one character each, four bytes each
    entry = store.sign_off(C, "a.khan", PC1, tutor="m.price", feedback=longest, returned=True)
    assert store.sign_off_log(C)[0].feedback == longest == entry.feedback


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cohort": "Retail L2"}, "Cohort 'Retail L2' is not valid"),
        ({"learner": "a khan"}, "Learner id 'a khan' is not valid"),
        ({"criterion": "PC1"}, "Criterion id 'PC1' is not valid"),
        ({"criterion": "INSCS001.PC01"}, "Criterion id 'INSCS001.PC01' is not valid"),
        ({"tutor": "m price"}, "Tutor id 'm price' is not valid"),
        ({"tutor": ""}, "Tutor id '' is not valid"),
        ({"tutor": "a.khan"}, "a.khan cannot sign off their own criterion"),
        ({"returned": True}, "needs feedback"),
        ({"returned": True, "feedback": " \n\t"}, "needs feedback"),
        ({"feedback": "x" * (ids.MAX_FEEDBACK + 1)}, "is 5,001 characters long; the most it can"),
        ({"feedback": "Good \ud83d work"}, "broken character"),
        ({"feedback": "Good\x00work"}, "null character"),
        ({"feedback": None}, "The feedback must be text, not NoneType"),
    ],
)
def test_bad_sign_offs_are_refused_with_a_plain_message_and_nothing_written(
    store: Store, change: dict, message: str
) -> None:
    call = {"cohort": C, "learner": "a.khan", "criterion": PC1, "tutor": "m.price"} | change
    with pytest.raises(ValueError, match=message) as caught:
        store.sign_off(call.pop("cohort"), call.pop("learner"), call.pop("criterion"), **call)
    assert "\n" not in str(caught.value)
    assert store.sign_off_log(C) == [] and store.sign_off_log("default") == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.sign_off_log("Retail"), "Cohort 'Retail' is not valid"),
        (lambda s: s.sign_off_log(C, "a/khan"), "Learner id 'a/khan' is not valid"),
        (lambda s: s.sign_off_states(C, "../x"), "Learner id '../x' is not valid"),
    ],
)
def test_reads_of_the_log_validate_their_arguments(store: Store, call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(store)


def test_a_damaged_store_records_no_sign_off(store: Store) -> None:
    store._mark_damaged("database disk image is malformed")
    with pytest.raises(StoreError, match="is damaged"):
        store.sign_off(C, "a.khan", PC1, tutor="m.price")
    assert store.sign_off_log(C) == []


# -- upgrading a version 3 store -----------------------------------------------------------


def _make_v3(path: Path) -> None:
    """A store as schema version 3 left it: everything but the sign-off log."""
    with open_store(path) as store:
        store.save(C, "a.khan", PC1, rating="Competent", evidence="Greeted the customer.")
        store.save_attempt(C, "a.khan", "INSCS001.questions", {"q1": "yes"}, 0.5)
        store.set_access_code(C, "a.khan", *access.hash_code("KXQP-7M3D"))
        store.sign_in_failed(
            C, ["learner:b.jones"], datetime.now(UTC), 5, timedelta(seconds=30), timedelta(days=1)
        )
    with sqlite3.connect(path) as raw:
        raw.execute("DROP TABLE sign_offs")
        raw.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    raw.close()


def _dump(path: Path, tables: list[str]) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as raw:
        found = {t: raw.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables}
    raw.close()
    return found


def test_a_version_3_store_gains_the_sign_off_log_and_keeps_its_data(db: Path) -> None:
    _make_v3(db)
    kept = ["ratings", "changes", "attempts", "access_codes", "sign_in_failures"]
    before = _dump(db, kept)
    assert all(before.values())
    with open_store(db) as store:
        assert store.sign_off_log(C) == []
        store.sign_off(C, "a.khan", PC1, tutor="m.price")
        assert list(store.sign_off_states(C, "a.khan")) == [PC1]
    assert _dump(db, kept) == before
    with sqlite3.connect(db) as raw:
        names = {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
        version = raw.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    raw.close()
    assert {"sign_offs", "ix_sign_offs_learner", "sign_offs_no_update"} <= names
    assert version == ("5",) and schema.SCHEMA_VERSION == 5
    with open_store(db) as again:  # a current store from now on
        assert [e.tutor for e in again.sign_off_log(C)] == ["m.price"]


def test_a_version_4_store_without_the_log_is_damaged_not_upgraded(db: Path) -> None:
    _make_v3(db)
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    raw.close()
    with pytest.raises(StoreError, match=r"is damaged: table\(s\) sign_offs missing"):
        open_store(db)


# -- the command line ----------------------------------------------------------------------

COHORT = """\
name: Retail Level 2
slug: retail-l2
units: [INSCS001, INSCS027]
learners:
  - {id: a.khan, name: Aisha Khan}
  - {id: b.jones, name: Ben Jones}
tutors:
  - {id: m.price, name: Mina Price}
"""


@pytest.fixture()
def cohort_file(tmp_path: Path) -> Path:
    path = tmp_path / "cohort.yaml"
    path.write_text(COHORT, encoding="utf-8")
    return path


def signoff(cohort_file: Path, db: Path, *args: str, expect: int = 0):
    result = CliRunner().invoke(
        main, ["signoff", "--cohort", str(cohort_file), "--store", str(db), *args]
    )
    assert result.exit_code == expect, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result


def test_cli_signs_off_each_criterion_and_says_so(cohort_file: Path, db: Path) -> None:
    result = signoff(cohort_file, db, "--tutor", "m.price", "a.khan", PC1, "inscs027.ku7")
    assert result.output.splitlines() == [
        "Signed off INSCS001.PC1 for a.khan",
        "Signed off INSCS027.KU7 for a.khan",
    ]
    with open_store(db) as store:
        log = store.sign_off_log(C, "a.khan")
    assert [(e.criterion, e.tutor, e.action) for e in log] == [
        (PC1, "m.price", "signed off"),
        ("INSCS027.KU7", "m.price", "signed off"),
    ]


def test_cli_records_a_criterion_named_twice_once(cohort_file: Path, db: Path) -> None:
    result = signoff(cohort_file, db, "--tutor", "m.price", "a.khan", PC1, PC1.lower())
    assert result.output.splitlines() == ["Signed off INSCS001.PC1 for a.khan"]


def test_cli_returns_criteria_with_feedback(cohort_file: Path, db: Path) -> None:
    feedback = "Say what you told the customer, and when."
    result = signoff(
        cohort_file, db, "--tutor", "m.price", "b.jones", PC1, PC2, "--return", feedback
    )
    assert result.output.splitlines() == [
        "Returned INSCS001.PC1 to b.jones with feedback",
        "Returned INSCS001.PC2 to b.jones with feedback",
    ]
    with open_store(db) as store:
        states = store.sign_off_states(C, "b.jones")
    assert {c: (s.action, s.feedback) for c, s in states.items()} == {
        PC1: ("returned", feedback),
        PC2: ("returned", feedback),
    }


def test_cli_uses_the_store_in_the_environment(cohort_file: Path, db: Path, monkeypatch) -> None:
    monkeypatch.setenv("NOSWORKBOOK_STORE", str(db))
    result = CliRunner().invoke(
        main, ["signoff", "--cohort", str(cohort_file), "--tutor", "m.price", "a.khan", PC1]
    )
    assert result.exit_code == 0, result.output
    with open_store(db) as store:
        assert [e.criterion for e in store.sign_off_log(C)] == [PC1]


def test_cli_refuses_someone_who_is_not_one_of_the_cohorts_tutors(
    cohort_file: Path, db: Path
) -> None:
    for who in ("x.nobody", "a.khan"):  # a stranger, and the learner herself
        result = signoff(cohort_file, db, "--tutor", who, "a.khan", PC1, expect=2)
        assert result.output == (
            f"nosworkbook: error: {cohort_file}: {who} is not one of the cohort's tutors\n"
        )
    assert not db.exists()  # nothing written, not even a new store


def test_cli_names_every_problem_on_a_line_of_its_own(cohort_file: Path, db: Path) -> None:
    result = signoff(
        cohort_file,
        db,
        "--tutor",
        "m.price",
        "c.nobody",
        PC1,
        "INSCS005.PC1",
        "INSCS001.PC99",
        "INSCS027.KU40",
        "PC1",
        expect=2,
    )
    assert result.output.splitlines() == [
        f"nosworkbook: error: {cohort_file}: {line}"
        for line in (
            "c.nobody is not on the cohort's roster",
            "INSCS005.PC1 is not in the cohort's units",
            "INSCS001.PC99 does not exist: INSCS001 has 27 performance criteria",
            "INSCS027.KU40 does not exist: INSCS027 has 13 knowledge items",
            "'PC1' is not a criterion id, such as INSCS027.PC10",
        )
    ]
    assert "Traceback" not in result.output
    assert not db.exists()


def test_cli_quotes_an_id_it_cannot_show_bare(cohort_file: Path, db: Path) -> None:
    result = signoff(cohort_file, db, "--tutor", "m.price\nx", "a\nkhan", PC1, expect=2)
    lines = result.output.splitlines()
    assert lines == [
        f"nosworkbook: error: {cohort_file}: 'm.price\\nx' is not one of the cohort's tutors",
        f"nosworkbook: error: {cohort_file}: 'a\\nkhan' is not on the cohort's roster",
    ]


@pytest.mark.parametrize(
    ("feedback", "message"),
    [
        ("", "needs feedback"),
        ("   ", "needs feedback"),
        ("x" * (ids.MAX_FEEDBACK + 1), "the most it can hold is 5,000"),
        ("Well done \udcff", "broken character"),  # a byte that is not UTF-8, as Python reads argv
    ],
)
def test_cli_refuses_feedback_it_cannot_record(
    cohort_file: Path, db: Path, feedback: str, message: str
) -> None:
    result = signoff(
        cohort_file, db, "--tutor", "m.price", "a.khan", PC1, "--return", feedback, expect=2
    )
    (line,) = result.output.splitlines()
    assert line.startswith("nosworkbook: error: --return: ") and message in line
    assert not db.exists()


def test_cli_refuses_a_cohort_file_that_cannot_be_used(tmp_path: Path, db: Path) -> None:
    result = signoff(tmp_path / "missing.yaml", db, "--tutor", "m.price", "a.khan", PC1, expect=2)
    assert result.output == f"nosworkbook: error: {tmp_path / 'missing.yaml'}: no such file\n"


def test_cli_needs_a_criterion(cohort_file: Path, db: Path) -> None:
    result = signoff(cohort_file, db, "--tutor", "m.price", "a.khan", expect=2)
    assert "Missing argument 'CRITERION...'" in result.output
