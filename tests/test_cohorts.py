"""Cohort files: the example is valid; each kind of mistake gets one line with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from nosworkbook.cli import main
from nosworkbook.cohorts import CohortError, example_path, load_cohort
from nosworkbook.ids import slugify


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cohort.yaml"
    path.write_text(text)
    return path


def test_example_cohort(catalog):
    cohort = load_cohort(example_path())
    assert cohort.slug == "retail-l2-2027-01" and cohort.units == (
        "INSCS001",
        "INSCS008",
        "INSCS025",
    )
    assert cohort.due.isoformat() == "2027-03-31" and [x.id for x in cohort.learners] == [
        "a.khan",
        "b.jones",
    ]
    assert cohort.tutor_ids == ("m.price",)
    params = cohort.parameters()
    assert "tutors" not in params and "learners" not in params
    assert params["organisation"] == "Example Stores Ltd" and params["due"] == "2027-03-31"
    assert params["cohort"] == "retail-l2-2027-01" and params["rating_scale"][-1] == "Competent"


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        ("all", 44),
        ("INSCS001-INSCS012", 12),
        ("INSCS040 - INSCS044", 5),
        ("[INSCS027]", 1),
    ],
)
def test_unit_selections(tmp_path, units, expected):
    cohort = load_cohort(write(tmp_path, f"name: Test cohort\nunits: {units}\n"))
    assert len(cohort.units) == expected and list(cohort.units) == sorted(cohort.units)


def test_defaults_and_slug(tmp_path):
    cohort = load_cohort(write(tmp_path, "name: Hospitality L3 — Spring 2027!\n"))
    assert cohort.slug == "hospitality-l3-spring-2027" == slugify(cohort.name)
    assert len(cohort.units) == 44 and cohort.edition == "learner" and cohort.sector == "general"
    scale = load_cohort(write(tmp_path, "name: X\nrating_scale: [No, Partly, Yes]\n"))
    assert scale.rating_scale == ("No", "Partly", "Yes")  # not YAML booleans
    own = (
        "name: X\nrisk_matrix:\n  likelihood: [rare, possible, likely, frequent]\n"
        "  impact: [minor, moderate, major, critical]\n"
        "  bands: [[3, low], [8, medium], [16, high]]\n"
    )
    assert load_cohort(write(tmp_path, own)).risk_matrix["bands"][-1] == [16, "high"]


BAD = {
    "unknown key": ("name: X\ncolour: red\n", 2, "unknown key 'colour'"),
    "unknown unit": ("name: X\nunits: [INSCS001, INSCS099]\n", 2, "unknown unit INSCS099"),
    "unknown range end": ("name: X\nunits: INSCS001-INSCS050\n", 2, "unknown unit INSCS050"),
    "backwards range": ("name: X\nunits: INSCS010-INSCS003\n", 2, "runs backwards"),
    "bad date": ("name: X\ndue: 2027-02-30\n", 2, "'2027-02-30' is not a date"),
    "words for date": ("name: X\ndue: next March\n", 2, "is not a date"),
    "duplicate learner": (
        "name: X\nlearners:\n  - id: a.khan\n  - id: b.jones\n  - id: a.khan\n",
        5,
        "learner id 'a.khan' appears twice",
    ),
    "bad learner id": ("name: X\nlearners:\n  - id: a khan\n", 3, "learner id 'a khan'"),
    "learner key": ("name: X\nlearners:\n  - id: a\n    email: a@b\n", 4, "unknown key 'email'"),
    "invalid slug": ("name: X\nslug: Retail 2027!\n", 2, "slug 'Retail 2027!' must be"),
    "bad sector": ("name: X\nsector: farming\n", 2, "'farming' is not one of"),
    "bad edition": ("name: X\nedition: teacher\n", 2, "'teacher' is not one of"),
    "no name": ("sector: retail\n", 1, "missing 'name'"),
    "bad matrix": ("name: X\nrisk_matrix: 4x4\n", 2, "unknown risk matrix '4x4'"),
    "one-label scale": ("name: X\nrating_scale: [Done]\n", 2, "two or more different labels"),
    "broken yaml": ("name: X\nunits: [INSCS001\n", 3, "not valid YAML"),
    "not a mapping": ("- a\n- b\n", None, "a cohort file is a set of keys"),
}


@pytest.mark.parametrize(("text", "line", "message"), BAD.values(), ids=BAD.keys())
def test_bad_cohort_files_name_file_line_and_problem(tmp_path, text, line, message):
    path = write(tmp_path, text)
    with pytest.raises(CohortError) as caught:
        load_cohort(path)
    where = f"{path}:{line}: " if line else f"{path}: "
    assert str(caught.value).startswith(where), str(caught.value)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("case", ["duplicate learner", "unknown unit", "bad date", "invalid slug"])
def test_build_refuses_bad_files_and_builds_nothing(tmp_path, case):
    text, line, message = BAD[case]
    path = write(tmp_path, text)
    out = tmp_path / "build"
    result = CliRunner().invoke(main, ["build", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"nosworkbook: error: {path}:{line}: {result.output.split(f':{line}: ', 1)[1].strip()}"
    ]
    assert message in result.output
    assert not out.exists()


def test_cohort_init_and_check(tmp_path):
    runner = CliRunner()
    target = tmp_path / "mine.yaml"
    result = runner.invoke(main, ["cohort", "init", str(target)])
    assert result.exit_code == 0 and target.read_text() == example_path().read_text()
    result = runner.invoke(main, ["cohort", "init", str(target)])
    assert result.exit_code == 2 and "already exists" in result.output
    result = runner.invoke(main, ["cohort", "check", str(target)])
    assert result.exit_code == 0 and "3 units, 2 learners, retail, learner edition" in result.output


def test_every_problem_in_a_cohort_file_is_named_with_its_line_in_one_run(tmp_path):
    path = write(
        tmp_path,
        "name: X\n"
        "units: [INSCS001, INSCS099]\n"
        "due: 2027-02-30\n"
        "sector: farming\n"
        "learners:\n"
        "  - id: a.khan\n"
        "  - id: a.khan\n"
        "  - id: bad id\n",
    )
    with pytest.raises(CohortError) as caught:
        load_cohort(path)
    lines = str(caught.value).splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [f"{path}:{n}" for n in (2, 3, 4, 7, 8)]
    assert "INSCS099" in lines[0] and "not a date" in lines[1] and "'farming'" in lines[2]
    assert "appears twice" in lines[3] and "'bad id'" in lines[4]
    result = CliRunner().invoke(main, ["cohort", "check", str(path)])
    assert result.exit_code == 2
    out = result.output.strip().splitlines()
    assert len(out) == 5 and all(line.startswith("nosworkbook: error: ") for line in out)
