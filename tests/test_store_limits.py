"""How fast and how much one learner can save: limits enforced in the store, across kernels."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from nosworkbook import ids
from nosworkbook.store import StoreError, database, open_store
from nosworkbook.store.errors import SaveLimitReached

C = "default"
NOTE = "n" * ids.MAX_EVIDENCE


@pytest.fixture()
def clock(monkeypatch):
    """The store's clock, moved by the test: one second per call unless told otherwise."""
    now = [datetime(2030, 1, 1, tzinfo=UTC)]
    step = [timedelta(0)]

    def tick() -> datetime:
        now[0] += step[0]
        return now[0]

    monkeypatch.setattr(database, "_now", tick)
    return now, step


def test_two_hundred_full_notes_in_seconds_stop_at_the_limit_across_kernels(
    tmp_path: Path, clock
) -> None:
    path = tmp_path / "progress.sqlite"
    kernels = [open_store(path), open_store(path)]  # the learner has two pages open
    saved, refused = 0, []
    for n in range(200):
        try:
            kernels[n % 2].save(
                C, "a.khan", f"INSCS001.PC{n % 20 + 1}", evidence=f"{n}{NOTE}"[:20_000]
            )
            saved += 1
        except SaveLimitReached as exc:
            refused.append(str(exc))
    limit = ids.MAX_SAVED_CHARS_PER_MINUTE // ids.MAX_EVIDENCE
    assert saved == limit and len(refused) == 200 - limit
    assert set(refused) == {
        "Not saved: you have saved a lot of text in the last minute. Wait a moment, then try again."
    }
    history = kernels[0].history(C, "a.khan")
    assert sum(len(c.evidence) for c in history) <= ids.MAX_SAVED_CHARS_PER_MINUTE
    current = kernels[1].load(C, "a.khan")
    assert current["INSCS001.PC10"].evidence == history[-1].evidence  # what was saved stays
    other = kernels[1].save(C, "b.jones", "INSCS001.PC1", evidence=NOTE)  # per learner
    assert other.evidence == NOTE
    clock[0][0] += timedelta(seconds=61)  # a minute later the learner saves again
    assert kernels[0].save(C, "a.khan", "INSCS001.PC1", rating="Competent").rating == "Competent"
    for kernel in kernels:
        kernel.close()


def test_saving_very_often_is_refused_with_a_plain_message(
    tmp_path: Path, clock, monkeypatch
) -> None:
    monkeypatch.setattr(ids, "MAX_SAVES_PER_MINUTE", 8)
    with open_store(tmp_path / "progress.sqlite") as store:
        for n in range(5):
            store.save(C, "a.khan", "INSCS001.PC1", rating="Developing", evidence=str(n))
        for n in range(3):
            store.save_attempt(C, "a.khan", "INSCS001.smart", {"goal": n}, 0.5)
        with pytest.raises(SaveLimitReached) as caught:
            store.save(C, "a.khan", "INSCS001.PC1", rating="Competent")
        with pytest.raises(SaveLimitReached):
            store.save_attempt(C, "a.khan", "INSCS001.smart", {"goal": 9}, 1.0)
        assert isinstance(caught.value, ValueError) and not isinstance(caught.value, StoreError)
        assert str(caught.value) == (
            "Not saved: you have saved very often in the last minute. "
            "Wait a moment, then try again."
        )
        assert store.load(C, "a.khan")["INSCS001.PC1"].rating == "Developing"
        assert len(store.history(C, "a.khan")) == 5 and len(store.attempts(C, "a.khan")) == 3


def test_history_is_pruned_to_its_limit_keeping_the_newest_and_every_claim(
    tmp_path: Path, clock
) -> None:
    now, step = clock
    step[0] = timedelta(seconds=3)  # 20 saves a minute: under the rate limits
    ratings = itertools.cycle(["Not yet"] * 10 + ["Developing"] * 10 + ["Competent"] * 10)
    with open_store(tmp_path / "progress.sqlite") as store:
        for n in range(90):
            store.save(
                C,
                "a.khan",
                "INSCS001.PC1",
                rating=next(ratings),
                evidence=f"{n:03d}{NOTE}"[:20_000],
            )
        history = store.history(C, "a.khan", criterion="INSCS001.PC1")
        current = store.load(C, "a.khan")["INSCS001.PC1"]
    kept = [int(c.evidence[:3]) for c in history]
    assert sum(len(c.evidence) for c in history) <= ids.HISTORY_CHARS_PER_CRITERION
    assert kept[-ids.HISTORY_NEWEST_KEPT :] == list(range(70, 90))  # the newest, all of them
    # Room for five older full-length notes: the first, then the newest changes of rating
    # before any draft (10, 20 and 30 were claims too, but older ones go first).
    assert {k for k in kept if k < 69} == {0, 40, 50, 60}
    assert current.evidence == history[-1].evidence and int(current.evidence[:3]) == 89


def test_pruning_keeps_where_a_sitting_ended_over_drafts() -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    rows = [(n, "Developing", start + timedelta(seconds=n), 20_000) for n in range(40)]
    rows[9] = (9, "Developing", start + timedelta(seconds=9), 20_000)
    rows = [(i, r, t + (timedelta(hours=2) if i >= 10 else timedelta(0)), s) for i, r, t, s in rows]
    drop = database.history_to_drop(rows)
    remaining = [r for r in rows if r[0] not in drop]
    assert sum(r[3] for r in remaining) <= ids.HISTORY_CHARS_PER_CRITERION
    assert 0 in {r[0] for r in remaining} and 9 in {r[0] for r in remaining}
    assert [r[0] for r in remaining][-ids.HISTORY_NEWEST_KEPT :] == list(range(20, 40))
    assert drop == sorted(drop) and 1 in drop


def test_attempts_are_pruned_keeping_the_first_the_best_and_the_newest(
    tmp_path: Path, clock, monkeypatch
) -> None:
    monkeypatch.setattr(ids, "ATTEMPTS_PER_EXERCISE", 5)
    scores = [0.1, 0.2, 0.9, 0.3, 0.4, 0.5, 0.6, 0.7]
    with open_store(tmp_path / "progress.sqlite") as store:
        for n, score in enumerate(scores):
            store.save_attempt(C, "a.khan", "INSCS001.smart", {"n": n}, score)
        kept = [a.answer["n"] for a in store.attempts(C, "a.khan")]
        latest = store.latest_attempt(C, "a.khan", "INSCS001.smart")
    assert kept == [0, 2, 5, 6, 7] and latest is not None and latest.answer == {"n": 7}


def _one_by_one(store: Any, saves: list[Any]) -> list[Any]:
    found = []
    for asked in saves:
        try:
            found.append(
                store.save(
                    asked.cohort,
                    asked.learner,
                    asked.criterion,
                    rating=asked.rating,
                    evidence=asked.evidence,
                )
            )
        except SaveLimitReached as err:
            found.append(err)
    return found


def _versions(history: list[Any]) -> list[tuple[Any, ...]]:
    return [(c.criterion, c.rating, c.evidence, c.changed_at) for c in history]


def _kinds(found: list[Any]) -> list[str]:
    return [type(one).__name__ for one in found]


@pytest.mark.parametrize("pruning", [False, True])
def test_saves_written_together_are_refused_as_the_same_saves_one_by_one(
    tmp_path: Path, clock, monkeypatch, pruning: bool
) -> None:
    """The store service writes saves that arrive together in one transaction, counting each
    learner's last minute once: the same saves one at a time land or are refused alike.
    Pruned history still counts against the minute in a batch (one at a time, pruning makes
    room again): never more lenient, and the history is kept within its limits either way."""
    from nosworkbook.store import Save

    monkeypatch.setattr(ids, "MAX_SAVES_PER_MINUTE", 7)
    monkeypatch.setattr(ids, "MAX_SAVED_CHARS_PER_MINUTE", 60)
    if pruning:
        monkeypatch.setattr(ids, "HISTORY_PER_CRITERION", 3)
        monkeypatch.setattr(ids, "HISTORY_NEWEST_KEPT", 2)
    saves = [
        Save(C, learner, f"INSCS001.PC{n % 2 + 1}", rating="Developing", evidence="x" * size)
        for n, (learner, size) in enumerate(
            [("a.khan", 1)] * 9 + [("b.jones", 25)] * 4 + [("c.lee", 1), ("c.lee", 70)] * 2
        )
    ]
    with open_store(tmp_path / "one.sqlite") as alone, open_store(tmp_path / "all.sqlite") as batch:
        one_by_one = _kinds(_one_by_one(alone, saves))
        together = _kinds(batch.save_many(saves))
        refused = "SaveLimitReached"
        assert together[9:] == one_by_one[9:]  # b.jones: too much; c.lee: too much
        assert refused in together[9:13] and refused in together[13:]
        assert together[:9] == ["Record"] * 7 + [refused] * 2  # a.khan: too often
        if pruning:
            assert one_by_one[:9] == ["Record"] * 9  # pruned history made room
            for criterion in ("INSCS001.PC1", "INSCS001.PC2"):
                kept = batch.history(C, "a.khan", criterion=criterion)
                assert len(kept) <= ids.HISTORY_PER_CRITERION
        else:
            assert together == one_by_one
            for learner in ("a.khan", "b.jones", "c.lee"):  # ids: other learners' interleave
                assert _versions(batch.history(C, learner)) == _versions(alone.history(C, learner))
