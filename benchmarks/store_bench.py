"""Save latency of the progress store: one writer alone versus many writers at once.

    .venv/bin/python benchmarks/store_bench.py            # prints and rewrites benchmarks/store.md
    .venv/bin/python benchmarks/store_bench.py --no-write --writers 10 --saves 20
    .venv/bin/python benchmarks/store_bench.py --integrity   # the open-time integrity check

Every writer is a separate process (as every learner's kernel is), opens the store, waits at
a barrier so all start together, then times each `Store.save` (a rating and evidence note,
committed and fsynced) with perf_counter. Both runs use fresh SQLite files in one directory.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy
from common import HERE, cpu_model

from nosworkbook.catalog import load
from nosworkbook.store import integrity, open_store

INTEGRITY_HEADING = "## Opening a large store: the integrity check"


def big_store(path: Path, learners: int, versions: int) -> int:
    """A store of `learners` x every criterion of all 44 units, each saved `versions` times
    (a ratings row and `versions` history rows, notes of about 200 characters); its rows."""
    open_store(path).close()
    criteria = [(c.id, c.id.split(".")[0]) for c in load().criteria()]
    at = "2026-11-01 10:00:00.000000"
    note = "Handled a complaint about a late delivery; logged it and called back. " * 3
    rows = 0
    with sqlite3.connect(path) as db:
        for n in range(learners):
            learner = f"learner{n:02d}"
            db.executemany(
                "INSERT INTO ratings VALUES ('bench', ?, ?, ?, 'Competent', ?, ?)",
                [(learner, cid, urn, note, at) for cid, urn in criteria],
            )
            db.executemany(
                "INSERT INTO changes (cohort, learner, criterion, urn, rating, evidence, "
                "changed_at) VALUES ('bench', ?, ?, ?, 'Competent', ?, ?)",
                [(learner, cid, urn, note, at) for cid, urn in criteria for _ in range(versions)],
            )
            rows += len(criteria) * (1 + versions)
    db.close()
    return rows


def time_opening(path: Path, check: bool, runs: int) -> list[float]:
    """Seconds to open the store and read one learner's unit, as a sign-in does."""
    real = integrity.first_problem
    timings = []
    for _ in range(runs):
        integrity.forget()  # as a new kernel: nothing checked yet in this process
        if not check:
            integrity.first_problem = lambda _path: None  # type: ignore[assignment]
        try:
            start = time.perf_counter()
            with open_store(path) as store:
                store.load("bench", "learner07", urn="INSCS027")
            timings.append(time.perf_counter() - start)
        finally:
            integrity.first_problem = real  # type: ignore[assignment]
    return timings


def time_pragma(path: Path, pragma: str, runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as db:
            assert db.execute(f"PRAGMA {pragma}").fetchone() == ("ok",)
        db.close()
        timings.append(time.perf_counter() - start)
    return timings


def integrity_report(directory: Path, learners: int, versions: int, runs: int) -> str:
    path = directory / "big.sqlite"
    rows = big_store(path, learners, versions)
    size_mb = path.stat().st_size / 1e6
    results = {
        "open + load, no check": time_opening(path, False, runs),
        "open + load, quick_check (first opening in a process)": time_opening(path, True, runs),
        "PRAGMA quick_check alone": time_pragma(path, "quick_check", runs),
        "PRAGMA integrity_check alone (nosworkbook store check)": time_pragma(
            path, "integrity_check", runs
        ),
    }
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load1 = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        INTEGRITY_HEADING,
        "",
        f"A store of {learners} learners x every criterion of the 44 units, each saved "
        f"{versions} times: {rows:,} rows, {size_mb:.0f} MB. Each figure is the median of "
        f"{runs} runs (min and max beside it), timed with perf_counter; the file is in the page "
        "cache, as on a server that has been running. Reproduce with "
        "`.venv/bin/python benchmarks/store_bench.py --integrity`.",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average {load1:.1f} while it ran",
        f"- Machine: {nproc} CPUs (nproc), {cpu_model()}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        "",
        "| What | Median ms | Min ms | Max ms |",
        "|:-----|----------:|-------:|-------:|",
    ]
    for what, timings in results.items():
        ms = [t * 1000 for t in timings]
        lines.append(f"| {what} | {statistics.median(ms):.0f} | {min(ms):.0f} | {max(ms):.0f} |")
    lines += [
        "",
        "The store runs `quick_check` when it opens, on a read-only connection, and remembers a",
        "file that passed (by its size and modification time) for the rest of the process, so a",
        "kernel checks once, and under Voila that happens on the thread that opens the store",
        "while the learner reads the page, not when they choose Sign in. `integrity_check`, which",
        "also compares every index with its table, is left to `nosworkbook store check`.",
    ]
    return "\n".join(lines) + "\n"


def write_section(text: str, heading: str) -> None:
    """Put `text` (starting with `heading`) into store.md, replacing that section if there."""
    target = HERE / "store.md"
    old = target.read_text() if target.exists() else ""
    if heading in old:
        before, _, after = old.partition(heading)
        rest = after.split("\n## ", 1)
        tail = "\n## " + rest[1] if len(rest) > 1 else ""
        new = before + text + tail
    else:
        new = old.rstrip("\n") + "\n\n" + text
    target.write_text(new)


def writer(location: str, index: int, saves: int, barrier, results) -> None:
    store = open_store(location)
    timings = []
    barrier.wait()
    for n in range(saves):
        criterion = f"INSCS001.PC{n % 20 + 1}"
        rating = ("Not yet", "Developing", "Competent")[n % 3]
        start = time.perf_counter()
        store.save("bench", f"learner{index}", criterion, rating=rating, evidence=f"note {n}")
        timings.append(time.perf_counter() - start)
    store.close()
    results.put(timings)


def run(location: Path, writers: int, saves: int) -> dict[str, float]:
    """Start `writers` processes of `saves` saves each, all at once; latency in ms."""
    open_store(location).close()  # create the file first: creation is not what we time
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(writers + 1), ctx.Queue()
    procs = [
        ctx.Process(target=writer, args=(str(location), i, saves, barrier, results))
        for i in range(writers)
    ]
    for proc in procs:
        proc.start()
    barrier.wait()
    start = time.perf_counter()
    timings = [t for _ in procs for t in results.get(timeout=600)]
    wall = time.perf_counter() - start
    for proc in procs:
        proc.join()
        if proc.exitcode != 0:
            raise SystemExit(f"a writer failed with exit code {proc.exitcode}")
    ms = sorted(t * 1000 for t in timings)
    return {
        "writers": writers,
        "saves": len(ms),
        "median": statistics.median(ms),
        "p95": statistics.quantiles(ms, n=20)[18],
        "max": ms[-1],
        "per_second": len(ms) / wall,
    }


def filesystem(path: Path) -> str:
    """The filesystem type `path` is on (fsync cost depends on it), from /proc/mounts."""
    best, kind = "", "unknown"
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            _dev, mount, fstype, *_ = line.split()
            inside = path == Path(mount) or Path(mount) in path.parents
            if inside and len(mount) > len(best):
                best, kind = mount, fstype
    except OSError:
        pass
    return kind


def report(rows: list[dict[str, float]], directory: Path) -> str:
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lines = [
        "# Progress store: save latency",
        "",
        "`Store.save` of one rating and evidence note (one transaction: current value and",
        "history row, BEGIN IMMEDIATE, WAL, synchronous=FULL), timed in each writer process.",
        "Every writer is a separate process started together at a barrier. Reproduce with",
        "`.venv/bin/python benchmarks/store_bench.py`.",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {nproc} CPUs (nproc), {cpu_model()}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"SQLAlchemy {sqlalchemy.__version__}",
        f"- Store file on {filesystem(directory)} ({directory})",
        "",
        "| Writers | Saves | Median ms | p95 ms | Max ms | Saves/s (all writers) |",
        "|--------:|------:|----------:|-------:|-------:|----------------------:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['writers']} | {row['saves']} | {row['median']:.2f} | {row['p95']:.2f} "
            f"| {row['max']:.1f} | {row['per_second']:.0f} |"
        )
    lines += [
        "",
        "Saves are serialised by the database lock, so with many writers the tail grows, not the",
        "median: a save waits its turn (SQLite's busy handler polls with back-off, so an unlucky",
        "writer waits longest), bounded by the store's 60 s busy timeout. No save failed.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=30, help="concurrent writer processes")
    parser.add_argument("--saves", type=int, default=50, help="saves per concurrent writer")
    parser.add_argument("--dir", type=Path, help="where to put the store files (default: temp)")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite store.md")
    parser.add_argument(
        "--integrity", action="store_true", help="time the open-time integrity check instead"
    )
    parser.add_argument("--learners", type=int, default=30, help="--integrity: learners")
    parser.add_argument("--versions", type=int, default=2, help="--integrity: saves each")
    parser.add_argument("--runs", type=int, default=7, help="--integrity: runs of each")
    args = parser.parse_args()
    if args.integrity:
        with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
            text = integrity_report(Path(tmp), args.learners, args.versions, args.runs)
        print(text)
        if not args.no_write:
            write_section(text, INTEGRITY_HEADING)
        return
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        directory = Path(tmp)
        rows = [
            run(directory / "alone.sqlite", 1, args.writers * args.saves // 5),
            run(directory / "together.sqlite", args.writers, args.saves),
        ]
        text = report(rows, directory.parent)
    print(text)
    if not args.no_write:
        old = (HERE / "store.md").read_text() if (HERE / "store.md").exists() else ""
        kept = old[old.index(INTEGRITY_HEADING) :] if INTEGRITY_HEADING in old else ""
        (HERE / "store.md").write_text(text + ("\n" + kept if kept else ""))


if __name__ == "__main__":
    main()
