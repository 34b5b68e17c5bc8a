"""The progress store on a real PostgreSQL server: the same API, atomic saves, many writers.

A throwaway cluster is started in a temporary folder on a Unix socket (no TCP port), from
Debian's PostgreSQL, which the test set-up installs.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from nosworkbook.store import Record, StoreError, open_store
from nosworkbook.testing import postgres_cluster


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    with postgres_cluster() as database:
        database("foreign")
        yield database("progress")


def test_save_load_history_and_attempts(postgres):
    store = open_store(postgres)
    store.save("retail-2027", "a.khan", "INSCS027.PC10", rating="Developing")
    store.save("retail-2027", "a.khan", "INSCS027.PC10", evidence="Risk log for the sale")
    store.save("retail-2027", "a.khan", "INSCS027.PC10", rating="Competent")
    record = open_store(postgres).load("retail-2027", "a.khan", urn="INSCS027")["INSCS027.PC10"]
    assert (record.rating, record.evidence) == ("Competent", "Risk log for the sale")
    assert record.changed_at.tzinfo is not None
    history = store.history("retail-2027", "a.khan", criterion="INSCS027.PC10")
    assert [(h.rating, h.evidence) for h in history] == [
        ("Developing", ""),
        ("Developing", "Risk log for the sale"),
        ("Competent", "Risk log for the sale"),
    ]
    store.save_attempt(
        "retail-2027", "a.khan", "INSCS027.risk-classification", {"risk1.level": "high"}, 0.5
    )
    latest = store.latest_attempt("retail-2027", "a.khan", "INSCS027.risk-classification")
    assert latest.answer == {"risk1.level": "high"} and latest.score == 0.5
    assert store.learners("retail-2027") == ["a.khan"]
    assert open_store(postgres).load("other-cohort", "a.khan") == {}


def _writer(args: tuple[str, int]) -> None:
    url, n = args
    store = open_store(url)
    for i in range(10):
        store.save("race", f"learner-{n}", f"INSCS001.PC{i + 1}", rating="Competent")
        store.save("race", "shared", "INSCS001.PC1", evidence=f"writer {n} note {i}")


def test_concurrent_writers_lose_no_update(postgres):
    with ProcessPoolExecutor(max_workers=8) as pool:
        list(pool.map(_writer, [(postgres, n) for n in range(8)]))
    store = open_store(postgres)
    for n in range(8):
        assert len(store.load("race", f"learner-{n}")) == 10
    history = store.history("race", "shared", criterion="INSCS001.PC1")
    assert len(history) == 80
    current = store.load("race", "shared")["INSCS001.PC1"]
    assert current.evidence == history[-1].evidence


def test_a_foreign_database_is_refused_and_left_alone(postgres):
    foreign = postgres.replace("/progress?", "/foreign?")
    engine = create_engine(foreign)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id integer primary key, total numeric)"))
        conn.execute(text("INSERT INTO invoices VALUES (1, 9.99)"))
    with pytest.raises(StoreError, match="foreign|not a nosworkbook|another application"):
        open_store(foreign)
    with engine.begin() as conn:
        tables = {
            r[0]
            for r in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname='public'"))
        }
        assert tables == {"invoices"}
        assert conn.execute(text("SELECT count(*) FROM invoices")).scalar() == 1
    engine.dispose()


def test_sign_offs_are_logged_and_the_log_is_append_only(postgres):
    store = open_store(postgres)
    cohort, learner, pc1 = "retail-2027", "c.patel", "INSCS001.PC1"
    store.save(cohort, learner, pc1, rating="Competent", evidence="Greeted the customer.")
    returned = store.sign_off(
        cohort, learner, pc1, tutor="m.price", feedback="Say how you greeted them.", returned=True
    )
    assert returned.at.tzinfo is not None
    assert not store.sign_off_states(cohort, learner)[pc1].changed_since
    store.save(cohort, learner, pc1, evidence="Greeted the customer by name, with a smile.")
    assert store.sign_off_states(cohort, learner)[pc1].changed_since
    signed = open_store(postgres).sign_off(cohort, learner, pc1, tutor="m.price")
    state = store.sign_off_states(cohort, learner)[pc1]
    assert (state.action, state.changed_since, state.at) == ("signed off", False, signed.at)
    assert store.sign_off_log(cohort, learner) == [returned, signed]
    with pytest.raises(ValueError, match="needs feedback"):
        store.sign_off(cohort, learner, pc1, tutor="m.price", returned=True)
    engine = create_engine(postgres)
    for statement in (
        "UPDATE sign_offs SET action = 'signed off'",
        "DELETE FROM sign_offs",
        "TRUNCATE sign_offs",
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()
    assert store.sign_off_log(cohort, learner) == [returned, signed]


def test_access_codes_are_issued_once_kept_and_reissued_for_learners_and_tutors(postgres):
    """`nosworkbook cohort codes` on PostgreSQL: each code is shown once, the next run keeps
    it, a reissue replaces it, and learners' and tutors' codes never open each other's door."""
    from nosworkbook.classroom.access import issue_codes

    store = open_store(postgres)
    cohort = "codes-2027"
    first = issue_codes(store, cohort, ["a.khan", "b.jones"])
    assert sorted(first.codes) == ["a.khan", "b.jones"] and first.kept == []
    tutors = issue_codes(store, cohort, ["m.price"], role="tutor")
    assert list(tutors.codes) == ["m.price"]
    again = issue_codes(store, cohort, ["a.khan", "b.jones"])
    assert again.codes == {} and again.kept == ["a.khan", "b.jones"]
    reissued = issue_codes(store, cohort, ["a.khan", "b.jones"], reissue=["a.khan"])
    assert list(reissued.codes) == ["a.khan"] and reissued.kept == ["b.jones"]
    assert store.verify_access(cohort, "a.khan", reissued.codes["a.khan"])
    assert not store.verify_access(cohort, "a.khan", first.codes["a.khan"])
    assert store.verify_access(cohort, "m.price", tutors.codes["m.price"], role="tutor")
    assert not store.verify_access(cohort, "m.price", tutors.codes["m.price"])
    withdrawn = issue_codes(store, cohort, ["a.khan"])
    assert withdrawn.withdrawn == ["b.jones"] and store.access_roster(cohort) == ["a.khan"]


def test_batches_of_saves_about_the_same_learners_in_any_order_never_deadlock(postgres):
    """The store service's batches (`save_many`) lock all their learners in one statement:
    batches naming the same learners in different orders, at once, all land."""
    from concurrent.futures import ThreadPoolExecutor

    from nosworkbook.store import Save

    learners = [f"batch-{n}" for n in range(6)]

    def batches(seed: int) -> None:
        store = open_store(postgres)
        order = random.Random(seed)
        for round_ in range(10):
            asked = [
                Save("locks", learner, "INSCS001.PC1", evidence=f"{seed}/{round_}")
                for learner in order.sample(learners, len(learners))
            ]
            assert all(isinstance(found, Record) for found in store.save_many(asked))
        store.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(batches, range(4)))
    store = open_store(postgres)
    for learner in learners:
        history = store.history("locks", learner, criterion="INSCS001.PC1")
        assert len(history) == 40
        assert store.load("locks", learner)["INSCS001.PC1"].evidence == history[-1].evidence
