"""Many learners' kernels writing at once: no update lost, history complete and in order.

Each writer is a separate Python process (tests/store_writer.py) that opens the store, says
"ready", and starts saving when told "go", so all of them contend for the database together.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from nosworkbook.store import open_store

WRITER = Path(__file__).resolve().parent / "store_writer.py"
WRITERS = 30


def run_writers(location: Path, mode: str, count: int, writers: int = WRITERS) -> list[int]:
    """Start the writers, wait until all have opened the store, start them together."""
    procs = [
        subprocess.Popen(
            [sys.executable, str(WRITER), str(location), mode, str(index), str(count)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index in range(writers)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line == "ready\n", proc.stderr.read() if proc.stderr else line
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            results.append(proc.returncode)
            if mode != "kill":
                assert proc.returncode == 0 and out == "done\n", err
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_thirty_writers_on_a_new_store_lose_no_update(tmp_path: Path) -> None:
    # The store does not exist yet: the writers also race to create it.
    location = tmp_path / "class" / "progress.sqlite"
    run_writers(location, "mixed", count=20)

    with open_store(location) as store:
        for index in range(WRITERS):  # each writer's own keys: exactly what it saved, in order
            own = {
                f"INSCS001.PC{j + 1}": (f"R{index}.{j}", f"E{index}.{j}") for j in range(0, 20, 2)
            }
            current = store.load("default", f"w{index}")
            assert {c: (r.rating, r.evidence) for c, r in current.items()} == own
            history = store.history("default", f"w{index}")
            assert [(c.criterion, (c.rating, c.evidence)) for c in history] == list(own.items())

        shared = store.history("default", "shared")
        expected = {(f"R{i}.{j}", f"E{i}.{j}") for i in range(WRITERS) for j in range(1, 20, 2)}
        assert len(shared) == 300
        assert {(c.rating, c.evidence) for c in shared} == expected
        ids = [c.id for c in shared]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        for index in range(WRITERS):  # one writer's saves keep their order in the history
            mine = [
                int(c.rating.split(".")[1]) for c in shared if c.rating.startswith(f"R{index}.")
            ]
            assert mine == list(range(1, 20, 2))
        current = store.load("default", "shared", urn="INSCS002")
        assert len(current) == 5
        for criterion, record in current.items():
            last = [c for c in shared if c.criterion == criterion][-1]
            assert (record.rating, record.evidence, record.changed_at) == (
                last.rating,
                last.evidence,
                last.changed_at,
            )

    with sqlite3.connect(location) as raw:  # nothing stored that the API did not show
        assert raw.execute("SELECT count(*) FROM changes").fetchone() == (600,)
        assert raw.execute("SELECT count(*) FROM ratings").fetchone() == (WRITERS * 10 + 5,)
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_thirty_writers_on_one_criterion_keep_every_change(tmp_path: Path) -> None:
    # Half the saves change only the rating, half only the evidence: a save that read a stale
    # row would put back an old value of the other field, which the replay below would catch.
    location = tmp_path / "progress.sqlite"
    open_store(location).close()
    run_writers(location, "same", count=10)

    with open_store(location) as store:
        history = store.history("default", "same", criterion="INSCS003.PC1")
        current = store.load("default", "same")["INSCS003.PC1"]

    assert len(history) == WRITERS * 10
    ratings = {f"R{i}.{j}" for i in range(WRITERS) for j in range(0, 10, 2)}
    notes = {f"E{i}.{j}" for i in range(WRITERS) for j in range(1, 10, 2)}
    assert {c.rating for c in history} == ratings
    assert {c.evidence for c in history} - {""} == notes
    rating, evidence = None, ""
    for change in history:
        if change.rating != rating:  # this save set the rating and kept the evidence
            assert change.rating in ratings and change.evidence == evidence
            ratings.discard(change.rating)
        else:  # this save set the evidence and kept the rating
            assert change.evidence in notes
            notes.discard(change.evidence)
        rating, evidence = change.rating, change.evidence
    assert ratings == set() and notes == set()  # each value appeared exactly once
    last = history[-1]
    assert (current.rating, current.evidence, current.changed_at) == (
        last.rating,
        last.evidence,
        last.changed_at,
    )


def test_a_process_killed_straight_after_save_loses_nothing(tmp_path: Path) -> None:
    location = tmp_path / "progress.sqlite"
    returncodes = run_writers(location, "kill", count=1, writers=3)
    assert returncodes == [-signal.SIGKILL] * 3

    with open_store(location) as store:
        history = store.history("default", "killed")
        current = store.load("default", "killed")["INSCS004.PC1"]
    assert sorted(c.rating for c in history) == ["R0.0", "R1.0", "R2.0"]
    assert (current.rating, current.evidence) == (history[-1].rating, history[-1].evidence)


def test_switching_a_new_store_to_wal_waits_out_a_lock_sqlite_reports_at_once(
    tmp_path: Path, monkeypatch
) -> None:
    # While another process creates the same new store, SQLite can answer the switch to WAL
    # with "database is locked" straight away, without its busy handler (CI met this).
    path = tmp_path / "progress.sqlite"
    store = open_store(path)
    engine = store._engine
    real = engine.raw_connection
    refusals = iter([sqlite3.OperationalError("database is locked")] * 3)

    def locked_then_free():
        refusal = next(refusals, None)
        if refusal is not None:
            raise refusal
        return real()

    monkeypatch.setattr(engine, "raw_connection", locked_then_free)
    store._use_wal()
    assert next(refusals, None) is None
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
