"""Workbook generation: one notebook per unit and an index, deterministic and fresh."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from nosworkbook.cli import main
from nosworkbook.generate import generate, index_notebook, stale, unit_notebook, workbook_texts

ROOT = Path(__file__).resolve().parent.parent
WORKBOOKS = ROOT / "workbooks"


def test_committed_workbooks_are_fresh(catalog):
    assert stale(WORKBOOKS, catalog) == []
    names = sorted(p.name for p in WORKBOOKS.glob("*.ipynb"))
    assert names == sorted([f"{u.urn}.ipynb" for u in catalog] + ["index.ipynb"])


def test_generation_is_deterministic(tmp_path, catalog):
    assert workbook_texts(catalog) == workbook_texts(catalog)
    first = generate(tmp_path, catalog)
    assert len(first) == 45
    snapshot = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert generate(tmp_path, catalog) == []  # nothing to rewrite
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == snapshot
    assert snapshot["INSCS001.ipynb"] == (WORKBOOKS / "INSCS001.ipynb").read_bytes()


def test_check_names_each_stale_file(tmp_path, catalog):
    runner = CliRunner()
    result = runner.invoke(main, ["generate", "--out", str(tmp_path)])
    assert result.exit_code == 0 and "Wrote 45 of 45 workbooks" in result.output
    result = runner.invoke(main, ["generate", "--out", str(tmp_path), "--check"])
    assert result.exit_code == 0 and "up to date" in result.output
    (tmp_path / "INSCS005.ipynb").write_text("{}")
    (tmp_path / "index.ipynb").unlink()
    result = runner.invoke(main, ["generate", "--out", str(tmp_path), "--check"])
    assert result.exit_code == 1
    assert f"{tmp_path / 'INSCS005.ipynb'}: out of date" in result.output
    assert f"{tmp_path / 'index.ipynb'}: missing" in result.output
    assert "INSCS006" not in result.output
    assert (tmp_path / "INSCS005.ipynb").read_text() == "{}"  # --check writes nothing


def test_anatomy(catalog):
    unit = catalog["INSCS027"]
    nb = unit_notebook(unit, today=date(2026, 11, 23))
    nbformat.validate(nb)
    kinds = [(c.cell_type, c.id) for c in nb.cells]
    assert kinds[:3] == [("markdown", "title"), ("code", "parameters"), ("markdown", "overview")]
    title = nb.cells[0].source
    assert title.startswith("# INSCS027: Assess the risks in customer service")
    assert "Handling Problems, Queries and Complaints" in title and "CFACSC6" in title
    assert "was due for review by March 2026" in title
    assert nb.cells[1].metadata["tags"] == ["parameters"]
    params = {}
    exec(nb.cells[1].source, params)
    assert params["cohort"] == "default" and params["rating_scale"][-1] == "Competent"
    assert {"organisation", "sector", "edition", "due", "store"} <= set(params)
    for paragraph in unit.overview.split("\n\n"):
        assert paragraph in nb.cells[2].source
    order = [c.id for c in nb.cells]
    assert order.index("sign-in") < order.index("performance") < order.index("knowledge")
    assert order.index("knowledge") < order.index("exercises-intro") < order.index("progress")
    assert "exercise-risk-classification" in order
    intro = nb.cells[order.index("exercise-risk-classification-intro")].source
    assert intro.startswith("### Classify the risks") and "PC10" in intro
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.id not in ("parameters", "setup"):
            assert len(cell.source.splitlines()) <= 2  # notebooks stay thin
    before_review = unit_notebook(unit, today=date(2026, 3, 31))
    assert "due for review" not in before_review.cells[0].source


def test_index_links_every_unit(catalog):
    nb = index_notebook(catalog)
    text = "\n".join(c.source for c in nb.cells)
    for unit in catalog:
        assert f"[{unit.urn}]({unit.urn}.ipynb)" in text


def _run_code_cells(path: Path, store: Path) -> dict:
    """Execute a workbook's code cells in-process, as a kernel would, returning its names."""
    nb = nbformat.read(path, as_version=4)
    namespace: dict = {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            source = cell.source
            if "parameters" in cell.metadata.get("tags", []):
                source += f"\nstore = {str(store)!r}"
            exec(compile(source, str(path), "exec"), namespace)
    return namespace


@pytest.mark.parametrize("n", range(1, 45))
def test_each_checklist_holds_exactly_its_units_criteria(catalog, tmp_path, n):
    urn = f"INSCS{n:03d}"
    workbook = _run_code_cells(WORKBOOKS / f"{urn}.ipynb", tmp_path / "s.sqlite")["workbook"]
    unit = catalog[urn]
    for checklist, criteria in (
        (workbook.performance, unit.performance),
        (workbook.knowledge, unit.knowledge),
    ):
        assert checklist.items == [
            {"id": c.id, "short_id": c.short_id, "text": c.text} for c in criteria
        ]
        assert checklist.scale == ["Not yet", "Developing", "Competent"]


def test_each_exercise_title_and_criteria_are_written_once_as_a_markdown_heading(catalog):
    """The markdown cell is the one copy (the widget shows neither): it reads in a viewer
    without a kernel and is listed in JupyterLab's table of contents."""
    nb = unit_notebook(catalog["INSCS027"])
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    title = "Classify the risks in a customer service process"
    assert markdown.count(title) == 1
    assert f"### {title}\n\nEvidences PC8, PC9, PC10, KU7." in markdown
