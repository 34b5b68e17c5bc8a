"""One settings model: the cohort file, the parameters cell and the workbook agree on each."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from nosworkbook.cohorts import Cohort, load_cohort
from nosworkbook.settings import (
    DEFAULT_SCALE,
    SECTORS,
    CohortSettings,
    WorkbookParameters,
    parameter_names,
    parameters_cell,
    read_parameters,
)
from nosworkbook.widgets.checklist import Checklist
from nosworkbook.workbook import Index, Workbook

WORKBOOKS = Path(__file__).resolve().parents[1] / "workbooks"


def _cells(name: str) -> dict[str, str]:
    notebook = json.loads((WORKBOOKS / name).read_text(encoding="utf-8"))
    return {cell["id"]: "".join(cell["source"]) for cell in notebook["cells"]}


def _assigned(source: str) -> dict[str, object]:
    tree = ast.parse(source)
    return {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
    }


def _keywords(source: str) -> list[str]:
    call = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call))
    return [k.arg for k in call.keywords]


def test_every_setting_is_a_workbook_parameter_and_nothing_else_is():
    assert set(parameter_names()) == set(WorkbookParameters.model_fields)
    assert set(CohortSettings.model_fields) < set(parameter_names())


@pytest.mark.parametrize("name", ["INSCS027.ipynb", "INSCS001.ipynb", "index.ipynb"])
def test_the_parameters_cell_declares_every_parameter_with_its_default(name):
    cells = _cells(name)
    assigned = _assigned(cells["parameters"])
    assert cells["parameters"].startswith(parameters_cell())
    for parameter in parameter_names():
        default = WorkbookParameters.model_fields[parameter].default
        expected = list(default) if isinstance(default, tuple) else default
        assert assigned[parameter] == expected, parameter


@pytest.mark.parametrize("name", ["INSCS027.ipynb", "index.ipynb"])
def test_the_setup_cell_passes_every_parameter_on(name):
    keywords = _keywords(_cells(name)["setup"])
    assert [k for k in keywords if k != "units"] == list(parameter_names())


def test_a_cohort_injects_every_parameter_but_the_store():
    cohort = Cohort(name="Retail", sector="retail", due="2027-03-31")
    injected = cohort.parameters()
    assert list(injected) == [p for p in parameter_names() if p != "store"]
    assert injected["cohort"] == "retail" and injected["due"] == "2027-03-31"
    assert read_parameters(injected) == cohort.workbook_parameters()


def test_a_cohort_file_is_checked_by_the_same_rules_as_the_workbook(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("name: X\nrating_scale: [Yes, No]\n", encoding="utf-8")
    assert load_cohort(path).rating_scale == ("Yes", "No")
    for bad in ({"rating_scale": ["Only"]}, {"risk_matrix": "4x4"}, {"sector": "farming"}):
        with pytest.raises(ValueError):
            CohortSettings(**bad)
        with pytest.raises(ValueError):
            read_parameters(bad)


def test_a_parameter_the_workbook_does_not_know_is_refused_not_dropped(tmp_path):
    store = str(tmp_path / "s.sqlite")
    with pytest.raises(ValueError, match="colour: unknown parameter"):
        Workbook("INSCS027", store=store, auto_sign_in=False, colour="blue")
    with pytest.raises(ValueError, match="colour: unknown parameter"):
        Index(store=store, auto_sign_in=False, colour="blue")


def test_every_problem_with_the_parameters_is_named_at_once():
    with pytest.raises(ValueError) as caught:
        read_parameters({"edition": "teacher", "sector": "farming", "due": "soon"})
    message = str(caught.value)
    assert "edition 'teacher'" in message and "sector 'farming'" in message and "due" in message
    assert "\n" not in message


def test_the_default_scale_is_the_one_every_part_uses():
    assert Checklist().scale == list(DEFAULT_SCALE)
    assert WorkbookParameters().rating_scale == DEFAULT_SCALE == Cohort(name="x").rating_scale


def test_every_sector_has_its_words_in_the_about_banner():
    for slug, sector in SECTORS.items():
        lines = dict(WorkbookParameters(sector=slug).about_lines())
        assert lines["Sector"] == f"{sector.words} (scenarios are set in {sector.place})"
