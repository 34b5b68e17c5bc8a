"""The importer: reproducible catalog, both source formats, and bad input refused cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nosworkbook.catalog import packaged_catalog_path, packaged_sources
from nosworkbook.catalog.importer import import_sources
from nosworkbook.cli import main

SOURCES = Path(__file__).resolve().parent.parent / "nosworkbook" / "catalog" / "sources"
SUITE = SOURCES / "customer-service-suite-2021.md"
EXPORT = SOURCES / "CFACSB9-single-standard-export.txt"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_reimport_gives_the_committed_catalog(tmp_path):
    out = tmp_path / "catalog.json"
    result = run("import", str(SUITE), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == packaged_catalog_path().read_bytes()
    assert packaged_sources() == [SUITE.resolve()] or packaged_sources()[0].samefile(SUITE)


def test_import_defaults_to_the_packaged_sources(catalog_copy):
    before = catalog_copy.read_bytes()
    catalog_copy.write_text("{}")  # --out exists but is not a catalog: a clear error
    result = run("import", "--out", str(catalog_copy))
    assert result.exit_code == 2 and "not a nosworkbook catalog" in result.output
    catalog_copy.write_bytes(before)
    result = run("import", "--out", str(catalog_copy))
    assert result.exit_code == 0, result.output
    assert catalog_copy.read_bytes() == packaged_catalog_path().read_bytes()


def test_export_imports_to_the_same_unit_as_the_suite(catalog):
    result = import_sources([EXPORT], base=catalog)
    suite_unit, export_unit = catalog["INSCS041"], result.catalog["INSCS041"]
    for field in (
        "title",
        "overview",
        "performance",
        "knowledge",
        "original_urns",
        "keywords",
        "competence_area",
        "validity",
        "status",
        "version",
        "suite",
        "relevant_occupations",
        "originating_organisation",
    ):
        assert getattr(export_unit, field) == getattr(suite_unit, field), field
    # The export's dates are more precise and agree with the suite's months.
    assert export_unit.date_approved == "2021-02-22"
    assert export_unit.date_approved.startswith(suite_unit.date_approved)
    assert export_unit.indicative_review_date.startswith(suite_unit.indicative_review_date)
    # The rest of the catalog is untouched; the report explains the differences.
    assert all(result.catalog[u.urn] == u for u in catalog if u.urn != "INSCS041")
    notes = [n for _, n in result.notes]
    assert any("matched by Original URN CFACSB9" in n for n in notes)
    assert any("developed by is 'Skills CFA', not 'Instructus'" in n for n in notes)


def test_suite_and_export_together(tmp_path):
    out = tmp_path / "both.json"
    result = run("import", str(SUITE), str(EXPORT), "--out", str(out), "--report")
    assert result.exit_code == 0, result.output
    assert "Single-standard exports compared with the catalog (4)" in result.output


def _export_with_unknown_origin(tmp_path: Path) -> Path:
    path = tmp_path / "export.txt"
    path.write_text(EXPORT.read_text(encoding="utf-8").replace("CFACSB9", "CFACSZZ9"))
    return path


def test_export_with_unknown_original_urn_needs_urn(tmp_path, catalog_copy):
    export = _export_with_unknown_origin(tmp_path)
    result = run("import", str(export), "--out", str(catalog_copy))
    assert result.exit_code == 2
    assert "no unit in the catalog has Original URN CFACSZZ9 (give --urn and --title)" in (
        result.output
    )
    result = run("import", str(export), "--urn", "INSCS041", "--out", str(catalog_copy))
    assert result.exit_code == 0, result.output
    from nosworkbook.catalog import load

    updated = load(catalog_copy)
    assert updated["INSCS041"].original_urns == ("CFACSZZ9",)
    assert updated["INSCS041"].title == "Use service partnerships for customer service delivery"


def test_export_as_a_new_unit_needs_a_title(tmp_path, catalog_copy):
    export = _export_with_unknown_origin(tmp_path)
    result = run("import", str(export), "--urn", "INSCS045", "--out", str(catalog_copy))
    assert result.exit_code == 2 and "give --title" in result.output
    result = run(
        "import",
        str(export),
        "--urn",
        "INSCS045",
        "--title",
        "Work in partnerships",
        "--out",
        str(catalog_copy),
    )
    assert result.exit_code == 0, result.output
    from nosworkbook.catalog import load

    updated = load(catalog_copy)
    assert len(updated) == 45 and updated["INSCS045"].title == "Work in partnerships"
    assert len(updated["INSCS045"].performance) == 14


def _truncate(fraction: float):
    def write(path: Path) -> None:
        data = SUITE.read_bytes()
        path.write_bytes(data[: int(len(data) * fraction)])

    return write


def _bad_cases():
    suite = SUITE.read_text(encoding="utf-8")
    keyword_row = suite.rindex("| <b>Keywords</b>")
    cases = {
        "empty": (lambda p: p.write_text(""), "the file is empty"),
        "blank": (lambda p: p.write_text("\n  \n\t\n"), "the file is empty"),
        "binary": (lambda p: p.write_bytes(bytes(range(256)) * 40), "binary file"),
        "latin-1": (
            lambda p: p.write_bytes("Caf\xe9 standards\n".encode("latin-1")),
            "binary file or not UTF-8",
        ),
        "no-standards": (
            lambda p: p.write_text("# Shopping list\n\n- milk\n- bread\n"),
            "no standards found",
        ),
        "contents-only": (
            lambda p: p.write_text(suite[: suite.index("## Overview")]),
            "no standards found",
        ),
        "mid-keywords-row": (
            lambda p: p.write_text(suite[: keyword_row + 60]),
            "truncated",
        ),
        "skipped-number": (
            lambda p: p.write_text(suite.replace("\n5. identify customer problems", "\n", 1)),
            "jump from 4 to 6",
        ),
    }
    for fraction in (0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.998):
        cases[f"truncated-{fraction}"] = (_truncate(fraction), None)
    return cases


@pytest.mark.parametrize(("make", "message"), _bad_cases().values(), ids=_bad_cases().keys())
def test_bad_sources_fail_cleanly_and_leave_the_catalog(tmp_path, catalog_copy, make, message):
    source = tmp_path / "source.md"
    make(source)
    before = catalog_copy.read_bytes(), os.stat(catalog_copy).st_mtime_ns
    result = run("import", str(source), "--out", str(catalog_copy))
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"nosworkbook: error: {source}: "), lines
    if message:
        assert message in lines[0]
    assert (catalog_copy.read_bytes(), os.stat(catalog_copy).st_mtime_ns) == before
    assert not [p for p in catalog_copy.parent.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "/nonexistent/suite.md"], "/nonexistent/suite.md: no such file"),
        (["import", "{tmp}"], "is a directory"),
        (["show", "INSCS099"], "unknown unit 'INSCS099'"),
        (["search", "risk", "--unit", "INSCS100"], "unknown unit 'INSCS100'"),
        (["import", str(EXPORT), "--urn", "XYZ1"], "'XYZ1' is not a unit URN"),
    ],
)
def test_errors_from_the_real_command_are_one_line(tmp_path, catalog_copy, args, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if args[0] == "import":
        args += ["--out", str(catalog_copy)]
    before = catalog_copy.read_bytes()
    proc = subprocess.run(
        [sys.executable, "-m", "nosworkbook", *args], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert message in proc.stderr
    assert catalog_copy.read_bytes() == before


def test_an_export_whose_overview_names_no_competence_area_is_imported_and_reported(
    catalog, tmp_path
):
    from nosworkbook.catalog.report import findings, render

    text = EXPORT.read_text(encoding="utf-8").replace(
        "This standard is part of the customer service competence area related to Customer "
        "Service Management. ",
        "",
    )
    assert "competence area" not in text
    export = tmp_path / "reworded-export.txt"
    export.write_text(text, encoding="utf-8")
    result = import_sources([export], base=catalog)
    unit = result.catalog["INSCS041"]
    assert unit.competence_area == catalog["INSCS041"].competence_area  # kept from the catalog
    found = [f for f in findings(result.catalog, result.notes) if f.category == "no-area"]
    assert [f.where for f in found] == ["INSCS041"]
    assert "kept the catalog's (Customer Service Management)" in found[0].detail
    assert "does not name their competence area (1)" in render(result.catalog, found)
    cli = run("import", str(export), "--out", str(tmp_path / "c.json"), "--report")
    assert cli.exit_code == 0, cli.output
    assert "does not name its competence area" in cli.output
