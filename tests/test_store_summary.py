"""`Store.cohort_summary`, what the tutor's dashboard reads: worked out by the database, it must
say what the learner's full records say, on SQLite and on a throwaway PostgreSQL cluster.

The seeded cohort holds the awkward cases: a rating taken back (saved as none), a note saved
before any rating, a rating not on the cohort's scale, a criterion signed off and then returned,
several attempts at one exercise, another cohort's work, and an erased learner, whose sign-offs
stay under a pseudonym and so belong to nobody's summary.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from nosworkbook.store import LatestScore, LearnerSummary, Store, open_store
from nosworkbook.store import database as store_database
from nosworkbook.testing import postgres_cluster

C = "summary-2027"
SCALE = ("Not yet", "Developing", "Competent")
START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
PC1, PC2, PC3, KU1 = "INSCS001.PC1", "INSCS001.PC2", "INSCS001.PC3", "INSCS001.KU1"
QUESTIONS, HANDOVER = "INSCS001.questions", "INSCS024.decision-shift-handover"


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    with postgres_cluster() as database:
        yield database("summary")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path, monkeypatch) -> Iterator[Store]:
    url = (
        tmp_path / "p.sqlite" if request.param == "sqlite" else request.getfixturevalue("postgres")
    )
    readings: list[datetime] = []

    def tick() -> datetime:  # a minute between saves, so the times are known
        readings.append(START + timedelta(minutes=len(readings)))
        return readings[-1]

    monkeypatch.setattr(store_database, "_now", tick)
    with open_store(url) as opened:
        seed(opened)
        monkeypatch.undo()
        yield opened


def seed(store: Store) -> None:
    save = store.save
    save(C, "a.khan", PC1, rating="Not yet")  # 09:00, the cohort's first save
    save(C, "a.khan", PC1, rating="Competent")
    save(C, "a.khan", PC2, evidence="A note before any rating")
    save(C, "a.khan", PC2, rating="Expert")  # not on the scale: passed over
    save(C, "a.khan", PC2, rating="Developing")
    save(C, "a.khan", PC3, rating="Developing")
    save(C, "a.khan", PC3, rating=None)  # taken back: the current rating is none
    store.save_attempt(C, "a.khan", QUESTIONS, {"q1": "open"}, 0.25)
    store.save_attempt(C, "a.khan", QUESTIONS, {"q1": "closed"}, 0.75)  # 09:08, the latest
    store.sign_off(C, "a.khan", PC1, tutor="m.price")
    store.sign_off(C, "a.khan", PC1, tutor="m.price", feedback="Say more", returned=True)
    store.sign_off(C, "a.khan", PC2, tutor="m.price")
    store.save_attempt(C, "b.jones", HANDOVER, {"choice": "right"}, 1.0)  # 09:12, no rating
    save(C, "b.jones", KU1, rating="Competent")
    save(C, "c.ross", PC1, rating="Competent")
    store.sign_off(C, "c.ross", PC1, tutor="m.price")
    store.erase_learner(C, "c.ross")
    save("another-2027", "a.khan", PC1, rating="Not yet")


def at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def test_the_summary_gives_current_ratings_first_and_latest_decisions_scores_and_first_save(
    store,
):
    assert store.cohort_summary(C, SCALE) == {
        "a.khan": LearnerSummary(
            ratings={PC1: "Competent", PC2: "Developing", PC3: None},
            travelled={
                PC1: ("Not yet", "Competent"),
                PC2: ("Developing", "Developing"),  # Expert is not on the scale
                PC3: ("Developing", "Developing"),  # a rating taken back is no rating
            },
            decisions={PC1: "returned", PC2: "signed off"},
            scores={QUESTIONS: LatestScore(0.75, at(8))},
            first_save=at(0),
        ),
        "b.jones": LearnerSummary(
            ratings={KU1: "Competent"},
            travelled={KU1: ("Competent", "Competent")},
            decisions={},
            scores={HANDOVER: LatestScore(1.0, at(12))},
            first_save=at(12),  # the attempt came before the rating
        ),
    }  # c.ross was erased: the kept sign-off is a pseudonym's, and has no summary


def test_the_summary_agrees_with_the_learners_full_records(store):
    """What the dashboard used to work out from every row, worked out here the same way."""
    summary = store.cohort_summary(C, SCALE)
    for learner, found in summary.items():
        history = store.history(C, learner)
        attempts = store.attempts(C, learner)
        travelled: dict[str, tuple[str, str]] = {}
        for change in history:
            if change.rating in SCALE:
                first = travelled.get(change.criterion, (change.rating, ""))[0]
                travelled[change.criterion] = (first, change.rating)
        latest = {a.exercise_id: LatestScore(a.score, a.attempted_at) for a in attempts}
        moments = [c.changed_at for c in history] + [a.attempted_at for a in attempts]
        assert found.ratings == {c: r.rating for c, r in store.load(C, learner).items()}
        assert found.travelled == travelled
        states = store.sign_off_states(C, learner)
        assert found.decisions == {c: state.action for c, state in states.items()}
        assert found.scores == latest
        assert found.first_save == min(moments)
        assert found.first_save.tzinfo is not None


def test_a_scale_with_other_labels_changes_only_what_counts_as_travelled(store):
    found = store.cohort_summary(C, ("Developing", "Expert"))["a.khan"]
    assert found.travelled == {PC2: ("Expert", "Developing"), PC3: ("Developing", "Developing")}
    assert found.ratings[PC1] == "Competent"  # the current ratings are as saved
    assert store.cohort_summary("nobody-2027", SCALE) == {}
