"""The portfolio report and a learner's records: rows, HTML, CSV, the export and the commands.

A seeded store (ratings, two attempts, a sign-off, a return and a change after the sign-off)
gives rows checked against values written out by hand; the renderers keep learners' text as
text; the commands refuse bad input in one line and write nothing.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from nosworkbook.catalog import load
from nosworkbook.classroom.access import issue_codes
from nosworkbook.cli import main
from nosworkbook.cohorts import load_cohort
from nosworkbook.exercises import for_unit
from nosworkbook.portfolio import (
    EXPORT_FORMAT,
    ExerciseScore,
    Row,
    build_rows,
    collect,
    neutralise,
    to_csv,
    to_html,
    to_json,
)
from nosworkbook.portfolio.render import csv_line
from nosworkbook.store import Attempt, Record, SignOffState, Store

SLUG = "retail-l2-2027-01"
EXERCISE = "INSCS001.question-technique"
EXERCISE_TITLE = "Clarify a customer's request with direct, effective questions"
INSCS001_CRITERIA = 27 + 27  # performance criteria and knowledge items, counted by hand
SCRIPT = "<script>alert(1)</script>"
FORMULA = "=cmd|' /C calc'!A0"
NOW = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)

COHORT_FILE = f"""\
name: Retail Level 2, January 2027
slug: {SLUG}
sector: retail
units: [INSCS001]
learners:
  - {{id: a.khan, name: Aisha Khan}}
  - {{id: b.jones, name: Ben Jones}}
tutors:
  - {{id: m.price, name: Mina Price}}
"""


@pytest.fixture()
def cohort_file(tmp_path: Path) -> Path:
    path = tmp_path / "cohort.yaml"
    path.write_text(COHORT_FILE, encoding="utf-8")
    return path


@pytest.fixture()
def seeded(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A store with a.khan's work: three ratings, two attempts, a sign-off and a return."""
    store = Store(tmp_path / "progress.sqlite")
    saved: dict[str, Any] = {}
    store.save(SLUG, "a.khan", "INSCS001.PC1", rating="Competent", evidence="Greeted by name")
    saved["PC15"] = store.save(
        SLUG, "a.khan", "INSCS001.PC15", rating="Developing", evidence=SCRIPT
    )
    saved["KU1"] = store.save(SLUG, "a.khan", "INSCS001.KU1", rating="Competent", evidence=FORMULA)
    store.save_attempt(SLUG, "a.khan", EXERCISE, {"answer": "first"}, 0.125)
    saved["attempt"] = store.save_attempt(SLUG, "a.khan", EXERCISE, {"answer": "second"}, 0.8)
    saved["signed"] = store.sign_off(
        SLUG, "a.khan", "INSCS001.PC1", tutor="m.price", feedback="Clear and warm."
    )
    saved["returned"] = store.sign_off(
        SLUG,
        "a.khan",
        "INSCS001.PC15",
        tutor="m.price",
        feedback="Say which questions you asked.",
        returned=True,
    )
    saved["PC1"] = store.save(
        SLUG, "a.khan", "INSCS001.PC1", evidence="Greeted by name, and smiled"
    )
    store.save(SLUG, "b.jones", "INSCS001.PC2", rating="Not yet")
    yield {"store": store, "saved": saved, "path": tmp_path / "progress.sqlite"}
    store.close()


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


# -- the rows ------------------------------------------------------------------------------


def test_the_rows_are_built_from_the_facts_given_and_nothing_else():
    at = datetime(2027, 1, 10, 9, 30, tzinfo=UTC)
    signed = SignOffState("signed off", "m.price", "Well done.", at, changed_since=True)
    rows = build_rows(
        load(),
        ["INSCS001"],
        "a.khan",
        records={"INSCS001.PC2": Record("INSCS001.PC2", "Competent", "My note", at)},
        attempts=[
            Attempt(7, EXERCISE, {}, 0.5, at),
            Attempt(3, EXERCISE, {}, 1.0, at),  # older (a lower id), however it is listed
        ],
        sign_offs={"INSCS001.PC2": signed},
        exercises=for_unit("INSCS001"),
    )
    assert len(rows) == INSCS001_CRITERIA
    assert [row.short_id for row in rows[:3]] == ["PC1", "PC2", "PC3"]
    assert rows[26].short_id == "PC27" and rows[27].short_id == "KU1"
    assert rows[1] == Row(
        learner="a.khan",
        unit="INSCS001",
        unit_title="Deal with customers",
        criterion="INSCS001.PC2",
        short_id="PC2",
        text="explain your products or services, anticipating customer requests and "
        "information needs",
        rating="Competent",
        evidence="My note",
        changed_at=at,
        exercises=(),
        sign_off=signed,
    )
    assert rows[1].status == "signed off" and rows[1].changed_since
    assert rows[14].exercises == (ExerciseScore(EXERCISE, EXERCISE_TITLE, 0.5, at),)
    assert rows[0].status == "not yet" and rows[0].rating is None and rows[0].evidence == ""


def test_a_seeded_store_gives_the_rows_written_out_by_hand(seeded, cohort_file):
    saved = seeded["saved"]
    found = collect.portfolio(seeded["store"], load_cohort(cohort_file), "a.khan", now=NOW)
    rows = {row.short_id: row for row in found.rows}
    assert len(found.rows) == INSCS001_CRITERIA
    assert (found.cohort, found.cohort_name) == (SLUG, "Retail Level 2, January 2027")
    assert (found.learner, found.learner_name) == ("a.khan", "Aisha Khan")

    pc1 = rows["PC1"]
    assert (pc1.unit, pc1.criterion, pc1.text) == (
        "INSCS001",
        "INSCS001.PC1",
        "prepare for your conversations with customers",
    )
    assert (pc1.rating, pc1.evidence) == ("Competent", "Greeted by name, and smiled")
    assert pc1.changed_at == saved["PC1"].changed_at
    assert pc1.exercises == ()
    assert pc1.status == "signed off"
    assert (pc1.sign_off.tutor, pc1.sign_off.feedback) == ("m.price", "Clear and warm.")
    assert pc1.sign_off.at == saved["signed"].at
    assert pc1.changed_since  # the note was changed after the sign-off

    pc15 = rows["PC15"]
    assert (pc15.rating, pc15.evidence, pc15.status) == ("Developing", SCRIPT, "returned")
    assert pc15.sign_off.feedback == "Say which questions you asked."
    assert not pc15.changed_since
    latest = ExerciseScore(EXERCISE, EXERCISE_TITLE, 0.8, saved["attempt"].attempted_at)
    assert pc15.exercises == (latest,)
    assert latest.percent == 80  # the latest stored score, not the best nor marked again
    assert rows["PC22"].exercises == (latest,) and rows["KU1"].exercises == (latest,)

    assert (rows["KU1"].rating, rows["KU1"].evidence, rows["KU1"].status) == (
        "Competent",
        FORMULA,
        "not yet",
    )
    assert (rows["PC2"].rating, rows["PC2"].status) == (None, "not yet")  # b.jones's, not hers

    summary = found.summary
    assert (summary.criteria, summary.top_rated, summary.signed_off) == (54, 2, 1)
    assert (summary.returned, summary.changed_since) == (1, 1)


# -- html ----------------------------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)


def test_the_html_page_prints_a_script_note_as_text_and_leads_with_the_summary(seeded, cohort_file):
    page = to_html(collect.portfolio(seeded["store"], load_cohort(cohort_file), "a.khan", now=NOW))
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    parsed = _Tags()
    parsed.feed(page)
    assert "script" not in parsed.tags
    assert "default-src 'none'" in page  # and a browser would run no script anyway
    assert "@media print" in page
    assert "<h1>Portfolio: Aisha Khan</h1>" in page
    assert "Retail Level 2, January 2027" in page and "Made on 15 January 2027" in page
    assert "<dt>Rated Competent</dt><dd>2 of 54</dd>" in page
    assert "<dt>Signed off</dt><dd>1</dd>" in page
    assert "<dt>Returned with feedback</dt><dd>1</dd>" in page
    assert "<dt>Changed since sign-off</dt><dd>1</dd>" in page
    assert page.index('id="summary"') < page.index('<h2 id="INSCS001">INSCS001 Deal with customers')
    assert "by Mina Price (m.price)" in page and "Say which questions you asked." in page
    assert f"{EXERCISE_TITLE.replace(chr(39), '&#x27;')}: 80%" in page


# -- csv -----------------------------------------------------------------------------------


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_the_csv_has_a_row_per_criterion_and_neutralises_formulas(seeded, cohort_file):
    text = to_csv([collect.portfolio(seeded["store"], load_cohort(cohort_file), "a.khan")])
    rows = _csv(text)
    assert len(rows) == INSCS001_CRITERIA
    ku1 = next(row for row in rows if row["Criterion"] == "KU1")
    assert ku1["Evidence"] == "'" + FORMULA
    assert ku1["Exercises"] == f"{EXERCISE_TITLE} ({EXERCISE}): 80%"
    pc1 = rows[0]
    assert (pc1["Learner"], pc1["Name"], pc1["Unit"], pc1["Criterion"]) == (
        "a.khan",
        "Aisha Khan",
        "INSCS001",
        "PC1",
    )
    assert (pc1["Sign-off"], pc1["Tutor"], pc1["Changed since"]) == ("signed off", "m.price", "yes")
    assert rows[14]["Sign-off"] == "returned" and rows[14]["Evidence"] == SCRIPT
    assert rows[2]["Sign-off"] == "not yet" and rows[2]["Changed since"] == ""


@pytest.mark.parametrize("first", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_a_spreadsheet_would_read_as_a_formula_is_made_text(first):
    assert neutralise(f"{first}SUM(A1)") == f"'{first}SUM(A1)"


def test_ordinary_text_is_left_as_it_is():
    assert neutralise("Greeted by name = polite") == "Greeted by name = polite"
    assert neutralise("") == ""


def test_the_whole_cohort_csv_has_a_row_per_learner_and_criterion(seeded, cohort_file):
    done = invoke(
        "report", "--cohort", str(cohort_file), "--format", "csv", "--store", str(seeded["path"])
    )
    assert done.exit_code == 0, done.output
    rows = _csv(done.stdout)
    assert len(rows) == 2 * INSCS001_CRITERIA
    assert [row["Learner"] for row in rows[::INSCS001_CRITERIA]] == ["a.khan", "b.jones"]
    jones = [row for row in rows if row["Learner"] == "b.jones" and row["Rating"]]
    assert [(row["Criterion"], row["Rating"]) for row in jones] == [("PC2", "Not yet")]


def test_the_whole_cohort_read_at_once_gives_what_reading_one_learner_at_a_time_gives(
    seeded, tmp_path
):
    path = tmp_path / "with-roster-only-learner.yaml"
    path.write_text(
        COHORT_FILE.replace("tutors:", "  - {id: c.lee, name: Chloé Lee}\ntutors:"), "utf-8"
    )
    cohort, store = load_cohort(path), seeded["store"]
    assert [entry.id for entry in cohort.learners] == ["a.khan", "b.jones", "c.lee"]
    together = collect.cohort_portfolios(store, cohort, now=NOW)
    one_by_one = [
        collect.portfolio(store, cohort, who, now=NOW) for who in collect.roster(store, cohort)
    ]
    assert together == one_by_one
    assert to_csv(together) == to_csv(one_by_one)
    khan = store.cohort_reports(SLUG)["a.khan"]
    assert khan[0] == store.load(SLUG, "a.khan")
    assert khan[1] == store.attempts(SLUG, "a.khan")
    assert khan[2] == store.sign_off_states(SLUG, "a.khan")
    assert {c: state.changed_since for c, state in khan[2].items()} == {
        "INSCS001.PC1": True,  # saved again after the sign-off
        "INSCS001.PC15": False,
    }
    assert "c.lee" not in store.cohort_reports(SLUG)  # nothing stored for them


@pytest.mark.parametrize(
    "cells",
    [
        ["plain", "", 'a "quoted" word', "comma, and\nnew line", "\r\nCRLF", '"', "é ✓"],
        ['=HYPERLINK("x")', "-1", "@SUM(A1)", "+", "\tTab", "a=b"],
        ["", ""],
    ],
)
def test_csv_lines_are_written_exactly_as_the_csv_module_writes_them_neutralised(cells):
    safe = [neutralise(cell) for cell in cells]
    out = io.StringIO(newline="")
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerow(safe)
    assert csv_line(cells) == out.getvalue()
    assert next(csv.reader(io.StringIO(csv_line(cells), newline=""))) == safe


def test_a_report_on_the_whole_cohort_in_html_is_refused(seeded, cohort_file):
    done = invoke("report", "--cohort", str(cohort_file), "--store", str(seeded["path"]))
    assert done.exit_code == 2
    assert done.stderr.count("\n") == 1 and "--format csv" in done.stderr


# -- the learner export --------------------------------------------------------------------


def test_the_export_round_trips_and_holds_the_history_attempts_and_sign_offs(
    seeded, cohort_file, tmp_path
):
    store, saved = seeded["store"], seeded["saved"]
    issued = issue_codes(store, SLUG, ["a.khan", "b.jones"])
    out = tmp_path / "a.khan.json"
    done = invoke(
        "learner",
        "export",
        "a.khan",
        "--cohort",
        str(cohort_file),
        "--store",
        str(seeded["path"]),
        "--out",
        str(out),
    )
    assert done.exit_code == 0, done.output
    text = out.read_text(encoding="utf-8")
    document = json.loads(text)
    assert to_json(document) == text
    assert document["format"] == EXPORT_FORMAT and document["version"] == 1
    assert document["learner"] == {"id": "a.khan", "name": "Aisha Khan"}
    assert document["cohort"] == {"slug": SLUG, "name": "Retail Level 2, January 2027"}
    assert document["access_code_held"] is True
    assert issued.codes["a.khan"] not in text
    assert "salt" not in text and "hash" not in text
    history = [(c["criterion"], c["evidence"]) for c in document["history"]]
    assert history == [
        ("INSCS001.PC1", "Greeted by name"),
        ("INSCS001.PC15", SCRIPT),
        ("INSCS001.KU1", FORMULA),
        ("INSCS001.PC1", "Greeted by name, and smiled"),
    ]
    assert document["history"][-1]["changed_at"] == saved["PC1"].changed_at.isoformat()
    attempts = [(a["exercise"], a["answer"], a["score"]) for a in document["attempts"]]
    assert attempts == [
        (EXERCISE, {"answer": "first"}, 0.125),
        (EXERCISE, {"answer": "second"}, 0.8),
    ]
    assert [(s["criterion"], s["action"], s["tutor"]) for s in document["sign_offs"]] == [
        ("INSCS001.PC1", "signed off", "m.price"),
        ("INSCS001.PC15", "returned", "m.price"),
    ]
    assert len(document["report"]) == INSCS001_CRITERIA
    assert document["report"][0]["sign_off"]["changed_since"] is True
    assert {r["criterion"] for r in document["ratings"]} == {
        "INSCS001.PC1",
        "INSCS001.PC15",
        "INSCS001.KU1",
    }
    assert "b.jones" not in text and "Ben Jones" not in text  # nobody else's records


def test_the_export_says_so_when_no_access_code_is_held(seeded, cohort_file):
    document = collect.learner_export(seeded["store"], load_cohort(cohort_file), "b.jones")
    assert document["access_code_held"] is False
    assert [c["criterion"] for c in document["history"]] == ["INSCS001.PC2"]
    assert document["attempts"] == [] and document["sign_offs"] == []


# -- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["report", "z.nobody"],
        ["report", "z.nobody", "--format", "csv"],
        ["learner", "export", "z.nobody"],
    ],
)
def test_a_learner_not_on_the_roster_is_refused_in_one_line_and_nothing_is_written(
    seeded, cohort_file, tmp_path, command
):
    out = tmp_path / "report.out"
    done = invoke(
        *command, "--cohort", str(cohort_file), "--store", str(seeded["path"]), "--out", str(out)
    )
    assert done.exit_code == 2
    assert done.stderr == (
        f"nosworkbook: error: {cohort_file}: learner 'z.nobody' is not on the cohort's roster\n"
    )
    assert "Traceback" not in done.output and not out.exists()


def test_a_store_that_does_not_exist_is_refused_and_not_created(cohort_file, tmp_path):
    missing = tmp_path / "nowhere" / "progress.sqlite"
    done = invoke("report", "a.khan", "--cohort", str(cohort_file), "--store", str(missing))
    assert done.exit_code == 2
    assert done.stderr.startswith(f"nosworkbook: error: {missing}: does not exist")
    assert not missing.parent.exists()


def test_a_bad_cohort_file_is_refused_naming_the_file(seeded, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: X\nunits: [INSCS999]\n", encoding="utf-8")
    done = invoke("report", "a.khan", "--cohort", str(bad), "--store", str(seeded["path"]))
    assert done.exit_code == 2 and done.stderr.startswith(f"nosworkbook: error: {bad}:")


def test_out_is_written_whole_or_not_at_all(seeded, cohort_file, tmp_path, monkeypatch):
    out = tmp_path / "report.html"
    args = ["report", "a.khan", "--cohort", str(cohort_file), "--store", str(seeded["path"])]
    done = invoke(*args, "--out", str(out))
    assert done.exit_code == 0, done.output
    assert done.stdout == f"Wrote {out}: a.khan's portfolio in {SLUG}\n"
    whole = out.read_text(encoding="utf-8")
    assert whole.startswith("<!DOCTYPE html>") and whole.endswith("</html>\n")

    import nosworkbook.files

    def fail(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(nosworkbook.files.os, "replace", fail)
    done = invoke(*args, "--format", "csv", "--out", str(out))
    assert done.exit_code == 2
    assert done.stderr == (
        f"nosworkbook: error: {out}: cannot be written (No space left on device)\n"
    )
    assert out.read_text(encoding="utf-8") == whole  # the old file, untouched
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_report_without_out_goes_to_standard_output(seeded, cohort_file):
    done = invoke(
        "report",
        "a.khan",
        "--cohort",
        str(cohort_file),
        "--format",
        "csv",
        "--store",
        str(seeded["path"]),
    )
    assert done.exit_code == 0, done.output
    assert len(_csv(done.stdout)) == INSCS001_CRITERIA
