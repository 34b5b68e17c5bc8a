"""Thirty learners' saves written together (`Store.save_many`, as the store service writes a
burst) beside the same thirty written one at a time (`Store.save`), on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/save_batch_bench.py          # rewrites its section of store.md
    .venv/bin/python benchmarks/save_batch_bench.py --no-write --rounds 10

One process, one Store, no HTTP: the database's part of a burst. Each round is 30 saves, one
per learner, of a rating and a note; the time is the round's, end to end (every save
committed). Rounds alternate between the two ways, so both see the same machine. Figures are
medians over `--rounds` rounds of each.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import common
from common import machine, sigterm_as_ctrl_c, versions
from tqdm import tqdm

HEADING = "## Thirty saves written together"
LEARNERS = 30


def saves(round_: int) -> list[Any]:
    from nosworkbook.store import Save

    return [
        Save(
            "bench",
            f"learner{n:02d}",
            f"INSCS001.PC{round_ % 20 + 1}",
            rating=("Not yet", "Developing", "Competent")[round_ % 3],
            evidence=f"note {round_}: called the customer back the same day",
        )
        for n in range(LEARNERS)
    ]


def one_by_one(store: Any, asked: list[Any]) -> None:
    for one in asked:
        store.save(one.cohort, one.learner, one.criterion, rating=one.rating, evidence=one.evidence)


def together(store: Any, asked: list[Any]) -> None:
    store.save_many(asked)


def measure(location: str, label: str, rounds: int) -> dict[str, Any]:
    from nosworkbook.store.database import Store

    with Store(location) as store:
        for n in range(5):  # warm up: statements built, connections open
            together(store, saves(n))
            one_by_one(store, saves(n))
        times: dict[str, list[float]] = {"one by one": [], "together": []}
        for n in tqdm(range(rounds), desc=label, unit="round"):
            for how, write in (("one by one", one_by_one), ("together", together)):
                asked = saves(100 + n)
                began = time.perf_counter()
                write(store, asked)
                times[how].append((time.perf_counter() - began) * 1000)
    return {how: statistics.median(ms) for how, ms in times.items()}


def report(found: dict[str, dict[str, float]], info: dict[str, Any], rounds: int) -> str:
    lines = [
        HEADING,
        "",
        f"{LEARNERS} learners' saves (a rating and a note each) written by one Store, in one "
        "process with no HTTP: one at a time (`save`, each its own transaction and commit), or "
        "together (`save_many`, one transaction, as the store service writes a burst). Medians "
        f"of {rounds} rounds of each, the two ways taking turns. Reproduce with "
        "`.venv/bin/python benchmarks/save_batch_bench.py`.",
        "",
        *common.machine_lines(info, f"SQLite {sqlite3.sqlite_version}"),
        "",
        "| Database | 30 saves one by one, ms | 30 saves together, ms | Together, ms a save | "
        "Ratio |",
        "|:--|--:|--:|--:|--:|",
    ]
    for label, row in found.items():
        lines.append(
            f"| {label} | {row['one by one']:.1f} | {row['together']:.1f} | "
            f"{row['together'] / LEARNERS:.2f} | {row['one by one'] / row['together']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--no-write", action="store_true", help="do not rewrite store.md")
    args = parser.parse_args()
    sigterm_as_ctrl_c()
    from nosworkbook.hub import testhub

    found = {}
    with tempfile.TemporaryDirectory(prefix="nosw-bench-") as tmp, testhub.postgres() as pg:
        found["SQLite"] = measure(str(Path(tmp) / "progress.sqlite"), "SQLite", args.rounds)
        found["PostgreSQL"] = measure(pg, "PostgreSQL", args.rounds)
    info = machine(versions("SQLAlchemy", "psycopg"))
    text = report(found, info, args.rounds)
    print(text)
    if not args.no_write:
        common.write_section("store.md", HEADING, text, "# Progress store: save latency")


if __name__ == "__main__":
    sys.exit(main())
