"""Reports on a full cohort: one learner's PDF and the whole cohort's CSV, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/report_bench.py                     # rewrites its part of tutor.md
    .venv/bin/python benchmarks/report_bench.py --runs 1 --no-write --no-postgres
    .venv/bin/python benchmarks/report_bench.py --quiet-below 2  # wait for a quieter machine

The cohort: 30 learners on the roster, `units: all` (44 units, 1,532 criteria), every criterion
of every learner rated with a note of about 200 characters (45,960 ratings, each with the
history row a save writes), an attempt at every exercise, and one criterion in four signed off.
The Store saves one criterion at a time, within a learner's limit of 600 saves a minute, and has
no bulk write, so the rows go in through the store's own tables in one transaction per store.

Each figure times the command a tutor types, end to end as a subprocess (Python's start-up and
imports included), with perf_counter: `nosworkbook report learner07 --cohort cohort.yaml
--format pdf --out report.pdf` and `nosworkbook report --cohort cohort.yaml --format csv --out
cohort.csv`; the median of `--runs` runs. Once, in this process, each is split into its steps:
Python's start and the imports, reading the store and building the rows, and drawing the PDF
with ReportLab or writing the CSV. Each run's CPU time (user and system) is recorded beside its
wall-clock time, since the machine is shared. PostgreSQL is a throwaway cluster on a Unix
socket from Debian's PostgreSQL (as tests/test_store_postgres.py starts one), when its programs
are installed.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import common
from common import ROOT, machine, versions
from sqlalchemy import create_engine, insert
from tqdm import tqdm

from nosworkbook.catalog import load
from nosworkbook.cohorts import load_cohort
from nosworkbook.exercises import all_exercises
from nosworkbook.store import Store, schema
from nosworkbook.testing import postgres_bin, postgres_cluster

HEADING = "## Reports: one learner's PDF and the whole cohort's CSV"
LEARNERS = 30
LEARNER = "learner07"
SLUG = "bench-2027-01"
PDF_TARGET_S, CSV_TARGET_S = 5.0, 3.0  # the targets
NOTE = (
    "Handled a complaint about a late delivery at the till: listened, apologised, checked the "
    "order on the system, offered a refund or a new delivery date and logged it for the team. "
)
COHORT = """\
name: Benchmark cohort, January 2027
slug: {slug}
sector: retail
units: all
learners:
{learners}
tutors:
  - {{id: m.price, name: Mina Price}}
"""


def cohort_file(folder: Path) -> Path:
    learners = "\n".join(
        f"  - {{id: learner{n:02d}, name: Learner {n:02d}}}" for n in range(LEARNERS)
    )
    path = folder / "cohort.yaml"
    path.write_text(COHORT.format(slug=SLUG, learners=learners), encoding="utf-8")
    return path


def seed(url: str) -> int:
    """Every learner's ratings, history, attempts and sign-offs, in one transaction; the ratings."""
    Store(url).close()  # the tables, as the workbooks make them
    criteria = [(item.id, item.id.split(".")[0]) for unit in load() for item in unit.criteria]
    exercises = [exercise.id for exercise in all_exercises()]
    at = datetime(2027, 1, 10, 10, 0, tzinfo=UTC)
    engine = create_engine(url)
    with engine.begin() as conn:
        for n in tqdm(range(LEARNERS), desc="Seeding the store", unit="learner"):
            who = {"cohort": SLUG, "learner": f"learner{n:02d}"}
            rows = [
                {**who, "criterion": cid, "urn": urn, "rating": "Competent", "evidence": NOTE,
                 "changed_at": at}
                for cid, urn in criteria
            ]  # fmt: skip
            conn.execute(insert(schema.ratings), rows)
            conn.execute(insert(schema.changes), rows)
            conn.execute(
                insert(schema.attempts),
                [
                    {**who, "exercise_id": eid, "answer": {"bench": True}, "score": 0.8,
                     "attempted_at": at}
                    for eid in exercises
                ],
            )  # fmt: skip
            conn.execute(
                insert(schema.sign_offs),
                [
                    {**who, "criterion": cid, "tutor": "m.price", "action": "signed off",
                     "feedback": "Clear and complete.", "at": at + timedelta(days=1)}
                    for cid, _urn in criteria[::4]
                ],
            )  # fmt: skip
    engine.dispose()
    return LEARNERS * len(criteria)


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """The command's wall-clock time, and its CPU time (user and system, from the kernel's
    account of finished children): on a shared machine the second says what the command
    itself needed, whatever else was running. A PostgreSQL server's own time is not in it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def commands(folder: Path, cohort: Path, url: str) -> dict[str, list[str]]:
    report = [str(ROOT / ".venv" / "bin" / "nosworkbook"), "report"]
    where = ["--cohort", str(cohort), "--store", url]
    return {
        "pdf": [*report, LEARNER, *where, "--format", "pdf", "--out", str(folder / "r.pdf")],
        "csv": [*report, *where, "--format", "csv", "--out", str(folder / "cohort.csv")],
    }


QUIET: dict[str, float] = {}  # --quiet-below and --quiet-wait, when given


def wait_for_quiet() -> None:
    """With --quiet-below, wait (at most --quiet-wait seconds) until the 1-minute load average
    is below it: the machine is shared, and a run beside a test suite measures the suite."""
    if not QUIET:
        return
    deadline = time.monotonic() + QUIET["wait"]
    while os.getloadavg()[0] >= QUIET["below"] and time.monotonic() < deadline:
        time.sleep(5)


def measure(folder: Path, cohort: Path, url: str, runs: int) -> dict[str, Any]:
    """Each command `runs` times, interleaved (pdf, csv, pdf, csv...), with what they made."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    found: dict[str, list[float]] = {"pdf": [], "csv": [], "pdf_cpu": [], "csv_cpu": []}
    loads = []
    for run in range(runs):
        for name, command in commands(folder, cohort, url).items():
            wait_for_quiet()
            loads.append(os.getloadavg()[0])
            wall, cpu = timed(command, env)
            found[name].append(wall)
            found[f"{name}_cpu"].append(cpu)
            print(f"  run {run + 1}: {name} {wall:.2f} s (CPU {cpu:.2f} s)", flush=True)
    import pypdf  # a test extra, as psutil is for the other benchmarks

    pdf = (folder / "r.pdf").read_bytes()
    csv_lines = (folder / "cohort.csv").read_bytes().count(b"\r\n") - 1
    return {
        **found,
        "loads": loads,
        "pages": len(pypdf.PdfReader(io.BytesIO(pdf)).pages),
        "pdf_mb": len(pdf) / 1e6,
        "csv_rows": csv_lines,
    }


IMPORTS = "import nosworkbook.cli; from nosworkbook.portfolio import collect, pdf, to_csv"


def breakdown(cohort: Path, url: str) -> dict[str, dict[str, float]]:
    """One PDF and one CSV in this process, split into their steps, and the commands' start."""
    from nosworkbook.portfolio import collect, to_csv
    from nosworkbook.portfolio.pdf import register_fonts, to_pdf

    found = load_cohort(cohort)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", IMPORTS], check=True)
    started = time.perf_counter() - start
    pdf: dict[str, float] = {"Python's start and the imports (a subprocess)": started}
    start = time.perf_counter()
    register_fonts()
    pdf["reading the fonts"] = time.perf_counter() - start
    start = time.perf_counter()
    with Store(url) as store:
        portfolio = collect.portfolio(store, found, LEARNER)
    pdf["reading the store and building the rows"] = time.perf_counter() - start
    start = time.perf_counter()
    to_pdf(portfolio)
    pdf["ReportLab: laying out and writing the PDF"] = time.perf_counter() - start
    csv: dict[str, float] = {"Python's start and the imports (a subprocess)": started}
    start = time.perf_counter()
    with Store(url) as store:
        portfolios = collect.cohort_portfolios(store, found)
    csv[f"reading the store and building the rows of {LEARNERS} learners"] = (
        time.perf_counter() - start
    )
    start = time.perf_counter()
    to_csv(portfolios)
    csv["writing the CSV"] = time.perf_counter() - start
    return {"pdf": pdf, "csv": csv}


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a Unix socket (`nosworkbook.testing`); its URL."""
    with postgres_cluster() as database:
        yield database("progress")


def verdict(seconds: float, target: float) -> str:
    return f"**{'met' if seconds < target else 'not met'}** (target under {target:.0f} s)"


def report(info: dict[str, Any], results: dict[str, dict[str, Any]], notes: list[str]) -> str:
    """The section of tutor.md."""
    m = info
    lines = [
        HEADING,
        "",
        f"Reproduce with `.venv/bin/python benchmarks/report_bench.py`; its docstring says "
        f"exactly what is timed. A cohort of {LEARNERS} learners with every criterion of all 44 "
        f"units rated ({results['SQLite']['ratings']:,} ratings, notes of about "
        f"{len(NOTE)} characters), an attempt at every exercise and one criterion in four "
        "signed off. Each figure is the command a tutor types, end to end as a subprocess, the "
        f"median of {m['runs']} runs (min and max beside it).",
        "",
        f"- Date: {m['date']}; 1-minute load average {m['load'][0]:.2f} at the start, "
        f"{m['load_end']:.2f} at the end (the machine is shared: other jobs ran too)",
        f"- Machine: {m['nproc']} CPUs (nproc), {m['cpu']}, {m['ram_gib']:.0f} GiB RAM",
        "- " + ", ".join(f"{name} {version}" for name, version in m["versions"].items()),
        "",
        "| Store | One learner's PDF (s) | min | max | its CPU (s) | Whole-cohort CSV (s) "
        "| min | max | its CPU (s) | load during the runs |",
        "|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for store, found in results.items():
        pdf, csv = found["pdf"], found["csv"]
        loads = found["loads"]
        lines.append(
            f"| {store} | **{statistics.median(pdf):.1f}** | {min(pdf):.1f} | {max(pdf):.1f} "
            f"| {statistics.median(found['pdf_cpu']):.1f} "
            f"| **{statistics.median(csv):.1f}** | {min(csv):.1f} | {max(csv):.1f} "
            f"| {statistics.median(found['csv_cpu']):.1f} "
            f"| {min(loads):.1f} to {max(loads):.1f} |"
        )
    lines += [
        "",
        "Wall-clock seconds (median in bold); CPU is the median user and system time of the "
        "command itself, which other jobs on the machine do not inflate (for PostgreSQL it "
        "leaves out the server's own work); load is the 1-minute load average as each run "
        "started.",
    ]
    sqlite = results["SQLite"]
    lines += [
        "",
        f"The PDF has {sqlite['pages']} A4 pages ({sqlite['pdf_mb']:.1f} MB) for the learner's "
        f"{sqlite['ratings'] // LEARNERS:,} criteria; the CSV {sqlite['csv_rows']:,} rows.",
        "",
        "Against the issue's targets:",
        "",
    ]
    for store, found in results.items():
        pdf, csv = statistics.median(found["pdf"]), statistics.median(found["csv"])
        pdf_cpu, csv_cpu = statistics.median(found["pdf_cpu"]), statistics.median(found["csv_cpu"])
        lines.append(
            f"- {store}: PDF {pdf:.1f} s, {verdict(pdf, PDF_TARGET_S)} (CPU {pdf_cpu:.1f} s); "
            f"cohort CSV {csv:.1f} s, {verdict(csv, CSV_TARGET_S)} (CPU {csv_cpu:.1f} s)."
        )
    per_page = m["breakdown"]["pdf"]["ReportLab: laying out and writing the PDF"] / sqlite["pages"]
    lines += [
        "",
        "Where the time goes (one run of each in the benchmark's own process, SQLite):",
        "",
        "- the PDF: "
        + "; ".join(f"{step} {seconds:.2f} s" for step, seconds in m["breakdown"]["pdf"].items()),
        "- the CSV: "
        + "; ".join(f"{step} {seconds:.2f} s" for step, seconds in m["breakdown"]["csv"].items()),
        "",
        f"The PDF is drawn by ReportLab straight from the rows, about {per_page * 1000:.0f} ms "
        "a page: each cell's lines are broken once with the font's widths and a table split "
        "over pages only counts them. Before (`nosworkbook/portfolio/pdf.py` says why): the "
        "HTML page laid out by WeasyPrint took about 40 s for this learner (199 pages), and "
        "ReportLab's own `Table` of `Paragraph` cells about 8 s, measuring each cell three "
        "times. ReportLab's C accelerators (`rl-accel`) more than halve it. The CSV reads each of "
        "the store's tables once for the whole cohort (`Store.cohort_reports`) instead of "
        "three queries per learner, lists the exercises from their scenario files without "
        "building them, and writes each row as `csv.writer` would, without it (the same "
        "bytes, as the tests check); it took 4.2 s before.",
    ]
    for note in notes:
        lines += ["", note]
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    """Put `text` into tutor.md in place of this benchmark's section, keeping the others."""
    common.write_section("tutor.md", HEADING, text, "# The tutor's tools: benchmarks")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite tutor.md")
    parser.add_argument("--quiet-below", type=float, help="wait for a load average below this")
    parser.add_argument("--quiet-wait", type=float, default=120, help="seconds to wait at most")
    args = parser.parse_args()
    if args.quiet_below is not None:
        QUIET.update(below=args.quiet_below, wait=args.quiet_wait)
    info = machine(versions("reportlab", "rl_accel", "pypdf", "SQLAlchemy", "psycopg"))
    info["runs"] = args.runs
    results: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="nosw-report-bench-") as tmp:
        folder = Path(tmp)
        cohort = cohort_file(folder)
        url = f"sqlite:///{folder / 'progress.sqlite'}"
        ratings = seed(url)
        print("SQLite:", flush=True)
        results["SQLite"] = {"ratings": ratings, **measure(folder, cohort, url, args.runs)}
        info["breakdown"] = breakdown(cohort, url)
        if args.no_postgres:
            notes.append("PostgreSQL was not run (`--no-postgres`).")
        elif not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
            notes.append(
                "PostgreSQL was not run: no server is installed here (`scripts/setup.sh --test` "
                "installs Debian's)."
            )
        else:
            with postgres() as pg_url:
                seed(pg_url)
                print("PostgreSQL:", flush=True)
                found = measure(folder, cohort, pg_url, args.runs)
                results["PostgreSQL"] = {"ratings": ratings, **found}
            info["versions"]["PostgreSQL"] = Path(postgres_bin("initdb")).parts[-3]
            notes.append(
                "PostgreSQL: a throwaway cluster on a Unix socket on the same machine, default "
                "settings."
            )
    info["load_end"] = os.getloadavg()[0]
    text = report(info, results, notes)
    print(text)
    if not args.no_write:
        write_section(text)


if __name__ == "__main__":
    main()
