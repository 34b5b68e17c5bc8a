"""The command line: units, show, search and the data-quality report."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from nosworkbook.cli import main


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_units_table(catalog):
    lines = run("units").splitlines()
    assert lines[0].split()[:2] == ["URN", "Title"]
    assert len(lines) == 1 + 44 + 1
    assert lines[27].startswith("INSCS027  Assess the risks in customer service")
    assert " 13  13  Handling Problems, Queries and Complaints" in lines[27]
    assert lines[-1] == "44 units, 792 performance criteria, 740 knowledge items"


def test_units_json(catalog):
    data = json.loads(run("units", "--json"))
    assert [d["urn"] for d in data] == [u.urn for u in catalog]
    assert (data[7]["urn"], data[7]["performance_criteria"], data[7]["knowledge_items"]) == (
        "INSCS008",
        25,
        28,
    )


def test_show_prints_every_criterion(catalog):
    out = run("show", "inscs027")
    assert out.startswith("INSCS027  Assess the risks in customer service\n")
    unit = catalog["INSCS027"]
    flat = " ".join(out.split())
    for c in unit.criteria:
        assert f"{c.short_id} {c.text}" in flat
    assert "Original URNs: CFACSC6" in out
    assert "indicative review date March 2026" in out
    assert "You must be able to:" in out and "You need to know and understand:" in out


def test_search_finds_criteria_with_ids():
    out = run("search", "classify", "risk")
    assert "INSCS027.PC10" in out and "INSCS027.KU7" in out
    assert out.splitlines()[-1] == "2 criteria mention 'classify risk'"
    out = run("search", "complaint", "--unit", "INSCS028", "--json")
    hits = json.loads(out)
    assert hits and all(h["id"].startswith("INSCS028.") for h in hits)
    assert all("complaint" in h["text"].lower() for h in hits)
    assert run("search", "xylophone").strip() == "No criteria mention 'xylophone'"


def test_report_lists_problems_without_fixing_them(tmp_path):
    out = run("import", "--out", str(tmp_path / "c.json"), "--report", "--as-of", "2026-11-23")
    assert "INSCS019.KU13  how to overcome customers reservations and" in out
    assert "Items that end mid-sentence in the source (3):" in out
    assert (
        "INSCS026       the contents table says 'Monitor and resolve customer service problems'"
        " but the body says 'Monitor and solve customer service problems'" in out
    )
    assert "INSCS033.PC4" in out
    assert "Standards past their indicative review date (44 of 44):" in out
    out = run("import", "--out", str(tmp_path / "c.json"), "--report", "--as-of", "2026-03-31")
    assert "Standards past their indicative review date (0 of 44):" in out


def test_python_dash_m_is_the_same_command():
    proc = subprocess.run(
        [sys.executable, "-m", "nosworkbook", "units", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert len(json.loads(proc.stdout)) == 44
    proc = subprocess.run(
        [sys.executable, "-m", "nosworkbook", "--help"], capture_output=True, text=True, timeout=60
    )
    for verb in ("units", "show", "search", "import"):
        assert verb in proc.stdout


def test_a_folder_or_file_that_cannot_be_made_is_one_line_naming_it_for_every_command(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n", encoding="utf-8")
    cohort = tmp_path / "retail.yaml"
    assert CliRunner().invoke(main, ["cohort", "init", str(cohort)]).exit_code == 0
    inside = blocker / "inside"
    for args in (
        ["generate", "--out", str(inside)],
        ["build", str(cohort), "--out", str(inside)],
        ["cohort", "init", str(inside / "x.yaml")],
        ["import", "--out", str(inside / "catalog.json")],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "nosworkbook", *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert result.returncode == 2, (args, result.stderr)
        problem = result.stderr.strip().splitlines()[-1]
        assert problem.startswith(f"nosworkbook: error: {inside}"), (args, result.stderr)
        assert "Not a directory" in problem and "Traceback" not in result.stderr, args
    assert blocker.read_text(encoding="utf-8") == "not a folder\n"
