"""Tutors in the cohort file: read and checked like the roster, given access codes, told apart.

The tutor's dashboard will let in only a verified code whose id `role_of` calls a tutor, so
these tests keep learners' and tutors' ids apart and show what each is.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from nosworkbook.cli import main
from nosworkbook.cohorts import Cohort, CohortError, Tutor, example_path, load_cohort, role_of
from nosworkbook.store import open_store

CODE = re.compile(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}")

COHORT = """\
name: Retail Level 2
slug: retail-l2
units: [INSCS027]
learners:
  - id: a.khan
    name: Aisha Khan
  - id: b.jones
    name: Ben Jones
tutors:
  - id: m.price
    name: Mina Price
"""


def write(tmp_path: Path, text: str = COHORT) -> Path:
    path = tmp_path / "cohort.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def codes(*args: str, expect: int = 0):
    result = CliRunner().invoke(main, ["cohort", "codes", *args])
    assert result.exit_code == expect, result.output
    return result


def rows(output: str) -> dict[str, list[str]]:
    """The printed table: id -> its columns (id, name words..., role, code)."""
    return {
        line.split()[0]: line.split()
        for line in output.splitlines()
        if line.split() and CODE.fullmatch(line.split()[-1])
    }


# -- the cohort file ---------------------------------------------------------------------------


def test_tutors_are_read_from_the_cohort_file(tmp_path: Path) -> None:
    cohort = load_cohort(write(tmp_path))
    assert cohort.tutors == (Tutor(id="m.price", name="Mina Price"),)
    assert cohort.tutor_ids == ("m.price",)
    assert cohort.tutor("m.price") == Tutor(id="m.price", name="Mina Price")
    assert cohort.tutor("a.khan") is None and cohort.tutor("z.nobody") is None
    assert load_cohort(write(tmp_path, "name: X\n")).tutors == ()


def test_the_example_cohort_file_has_a_tutor(catalog) -> None:
    cohort = load_cohort(example_path())
    assert cohort.tutor_ids == ("m.price",) and cohort.tutor("m.price").name == "Mina Price"
    assert "tutors:" in example_path().read_text(encoding="utf-8")


def test_a_duplicate_tutor_and_a_tutor_who_is_a_learner_are_named_with_their_lines(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        COHORT + "  - id: m.price\n  - id: b.jones\n    name: Ben the tutor\n  - id: bad id\n",
    )
    with pytest.raises(CohortError) as caught:
        load_cohort(path)
    lines = str(caught.value).splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [f"{path}:{n}" for n in (12, 13, 15)]
    assert "tutor id 'm.price' appears twice (also tutor 1)" in lines[0]
    assert "tutor id 'b.jones' is also a learner's (learner 2)" in lines[1]
    assert "an id may not be both a learner and a tutor" in lines[1]
    assert "tutor id 'bad id' may only use letters" in lines[2]
    result = CliRunner().invoke(main, ["cohort", "codes", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.splitlines() == [f"nosworkbook: error: {line}" for line in lines]


def test_a_tutor_with_an_unknown_key_is_told_what_a_tutor_may_have(tmp_path: Path) -> None:
    path = write(tmp_path, COHORT + "    email: m@example.org\n")
    with pytest.raises(
        CohortError, match=r":12: unknown key 'email' \(a tutor may have: id, name\)"
    ):
        load_cohort(path)


def test_a_cohort_made_in_code_refuses_an_id_with_two_roles() -> None:
    with pytest.raises(ValueError, match="an id may not be both a learner and a tutor"):
        Cohort(name="X", learners=[{"id": "a.khan"}], tutors=[{"id": "a.khan"}])
    with pytest.raises(ValueError, match="tutor id 'm.price' appears twice"):
        Cohort(name="X", tutors=[{"id": "m.price"}, {"id": "m.price"}])


def test_role_of_tells_a_learner_a_tutor_and_a_stranger_apart(tmp_path: Path) -> None:
    cohort = load_cohort(write(tmp_path))
    assert role_of(cohort, "a.khan") == "learner"
    assert role_of(cohort, "m.price") == "tutor"
    assert role_of(cohort, "z.nobody") is None
    assert role_of(cohort, "M.PRICE") is None  # ids are compared exactly, as the store does


def test_tutors_never_reach_the_workbooks_parameters(tmp_path: Path) -> None:
    with_tutor = load_cohort(write(tmp_path))
    without = load_cohort(write(tmp_path, COHORT.split("tutors:")[0]))
    assert with_tutor.parameters() == without.parameters()
    assert "tutors" not in with_tutor.workbook_parameters().model_dump()
    injected = json.dumps(with_tutor.parameters())
    assert "m.price" not in injected and "Mina Price" not in injected


# -- access codes ------------------------------------------------------------------------------


def test_cohort_codes_prints_tutors_with_role_tutor_and_stores_their_hashes(
    tmp_path: Path,
) -> None:
    db = tmp_path / "progress.sqlite"
    out = codes(str(write(tmp_path)), "--store", str(db)).output
    lines = out.splitlines()
    assert lines[1].split() == ["Id", "Name", "Role", "Code"]
    table = rows(out)
    assert list(table) == ["a.khan", "b.jones", "m.price"]
    assert table["m.price"][1:-1] == ["Mina", "Price", "Tutor"]
    assert table["a.khan"][1:-1] == ["Aisha", "Khan", "Learner"]
    assert "Give each learner and tutor their own, privately" in out
    tutor_code, learner_code = table["m.price"][-1], table["a.khan"][-1]
    with open_store(db) as store:
        assert store.access_roster("retail-l2") == ["a.khan", "b.jones"]
        assert store.access_roster("retail-l2", role="tutor") == ["m.price"]
        assert store.verify_access("retail-l2", "m.price", tutor_code, role="tutor")
        assert not store.verify_access("retail-l2", "m.price", learner_code, role="tutor")
        assert not store.verify_access("retail-l2", "a.khan", tutor_code)
        # a tutor's code never signs in to a learner's workbook, a learner's never to the
        # tutor's view
        assert not store.verify_access("retail-l2", "m.price", tutor_code)
        assert not store.verify_access("retail-l2", "a.khan", learner_code, role="tutor")
        assert store.verify_access("retail-l2", "a.khan", learner_code)
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith(db.name))
    assert tutor_code.encode() not in raw and tutor_code.replace("-", "").encode() not in raw


def test_a_tutor_code_is_reissued_and_the_old_one_stops_working(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite"
    path = write(tmp_path)
    first = rows(codes(str(path), "--store", str(db)).output)
    out = codes(str(path), "--store", str(db), "--reissue", "m.price").output
    second = rows(out)
    assert list(second) == ["m.price"] and second["m.price"][-2] == "Tutor"
    assert second["m.price"][-1] != first["m.price"][-1]
    assert "2 learner(s) already have a code, which cannot be shown again: a.khan, b.jones." in out
    assert f"nosworkbook cohort codes {path} --reissue ID" in out
    with open_store(db) as store:
        assert store.verify_access("retail-l2", "m.price", second["m.price"][-1], role="tutor")
        assert not store.verify_access("retail-l2", "m.price", first["m.price"][-1], role="tutor")
        assert store.verify_access("retail-l2", "a.khan", first["a.khan"][-1])
    again = codes(str(path), "--store", str(db)).output
    assert "2 learner(s) and 1 tutor(s) already have a code" in again


def test_a_cohort_with_tutors_but_no_learners_can_issue_codes(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite"
    path = write(tmp_path, "name: Tutors only\nslug: staff\ntutors:\n  - id: m.price\n")
    table = rows(codes(str(path), "--store", str(db)).output)
    assert list(table) == ["m.price"] and table["m.price"][-2] == "Tutor"
    with open_store(db) as store:
        assert store.verify_access("staff", "m.price", table["m.price"][-1], role="tutor")
        assert not store.has_access_codes("staff")  # tutors' codes do not make a classroom


def test_a_tutor_taken_out_of_the_file_loses_their_code(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite"
    path = write(tmp_path)
    codes(str(path), "--store", str(db))
    path.write_text(COHORT.replace("m.price", "r.singh"), encoding="utf-8")
    out = codes(str(path), "--store", str(db)).output
    assert "Withdrew the code(s) of 1 id(s) no longer among the cohort's learners or tutors" in out
    with open_store(db) as store:
        assert store.access_roster("retail-l2") == ["a.khan", "b.jones"]
        assert store.access_roster("retail-l2", role="tutor") == ["r.singh"]


def test_reissuing_for_someone_neither_learner_nor_tutor_is_refused_in_one_line(
    tmp_path: Path,
) -> None:
    db = tmp_path / "progress.sqlite"
    path = write(tmp_path)
    result = codes(str(path), "--store", str(db), "--reissue", "z.nobody", expect=2)
    assert result.output == (
        f"nosworkbook: error: {path}: cannot reissue a code for 'z.nobody': not on the "
        "cohort's roster nor one of its tutors\n"
    )
    assert not db.exists()


def test_cohort_check_counts_the_tutors(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["cohort", "check", str(write(tmp_path))])
    assert result.exit_code == 0
    assert "2 learners, general, learner edition, 1 tutor(s)" in result.output
