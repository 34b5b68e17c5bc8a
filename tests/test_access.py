"""Classroom mode: access codes made, hashed, stored, issued by the CLI and asked for at sign-in."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from nosworkbook import runtime
from nosworkbook.classroom import access
from nosworkbook.classroom.access import Throttle
from nosworkbook.cli import main
from nosworkbook.store import StoreError, open_store, peek, schema
from nosworkbook.workbook import NO_MATCH, Index, Workbook, session

C = "default"
CODE_FORMAT = re.compile(
    r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}"
)


# -- codes and hashes ----------------------------------------------------------------------


def test_new_codes_are_random_and_unambiguous() -> None:
    codes = {access.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(CODE_FORMAT.fullmatch(code) for code in codes)
    used = set("".join(codes).replace("-", ""))
    assert not used & set("01OIL") and len(used) == 31


@pytest.mark.parametrize(
    "typed", ["KXQP-7M3D", "kxqp-7m3d", " kxqp 7m3d ", "KXQP7M3D", "kx qp\u20137m 3d", "KXQP_7M3D"]
)
def test_case_spaces_and_hyphens_do_not_matter(typed: str) -> None:
    assert access.normalise(typed) == "KXQP7M3D"
    assert access.format_code(typed) == "KXQP-7M3D"
    salt, digest = access.hash_code("KXQP-7M3D")
    assert access.verify(typed, salt, digest)


def test_hashes_are_salted_scrypt_and_never_the_code() -> None:
    one = access.hash_code("KXQP-7M3D")
    two = access.hash_code("KXQP-7M3D")
    assert one != two and one[0] != two[0]  # a fresh random salt each time
    salt, digest = one
    assert re.fullmatch(r"[0-9a-f]{32}", salt)
    assert re.fullmatch(r"scrypt\$16384\$8\$1\$[0-9a-f]{64}", digest)
    assert "KXQP" not in digest.upper() and "7M3D" not in digest.upper()
    assert access.hash_code("KXQP-7M3D", salt) == one  # the same salt gives the same hash


@pytest.mark.parametrize("wrong", ["KXQP-7M3E", "", "KXQP-7M3", "KXQP-7M3DD", "x" * 200, "ÄÖÜ"])
def test_a_wrong_code_does_not_verify(wrong: str) -> None:
    salt, digest = access.hash_code("KXQP-7M3D")
    assert not access.verify(wrong, salt, digest)


def test_verification_compares_in_constant_time(monkeypatch) -> None:
    calls = []
    real = access.hmac.compare_digest
    monkeypatch.setattr(access.hmac, "compare_digest", lambda a, b: calls.append(1) or real(a, b))
    salt, digest = access.hash_code("KXQP-7M3D")
    assert access.verify("KXQP-7M3D", salt, digest)
    assert not access.verify("AAAA-AAAA", salt, digest)
    assert len(calls) == 2


def test_a_check_uses_a_bounded_work_factor_recorded_in_the_hash() -> None:
    """The check's cost is set by scrypt's parameters (about 50 ms and 16 MiB on a classroom
    server); their speed is a benchmark's business, their bounds are this test's."""
    salt, digest = access.hash_code("KXQP-7M3D")
    prefix, n, r, p, _ = digest.split("$")
    assert (prefix, int(n), int(r), int(p)) == (
        "scrypt",
        access.SCRYPT_N,
        access.SCRYPT_R,
        access.SCRYPT_P,
    )
    assert 2**14 <= access.SCRYPT_N <= 2**15 and access.SCRYPT_P == 1
    assert 128 * access.SCRYPT_N * access.SCRYPT_R <= 16 * 2**20  # 16 MiB per check
    assert access.verify("KXQP-7M3D", salt, digest)


@pytest.mark.parametrize(
    ("salt", "digest"),
    [
        ("zz" * 16, "scrypt$16384$8$1$" + "00" * 32),
        ("00" * 16, "bcrypt$16384$8$1$" + "00" * 32),
        ("00" * 16, "scrypt$1000$8$1$" + "00" * 32),  # n not a power of two
        ("00" * 16, "scrypt$16384$8$1$xyz"),
        ("00" * 16, "scrypt$1073741824$8$1$" + "00" * 32),  # far too costly to be ours
        ("00" * 16, "KXQP-7M3D"),
    ],
)
def test_stored_values_are_checked(salt: str, digest: str) -> None:
    with pytest.raises(ValueError):
        access.check_stored(salt, digest)


def test_the_throttle_locks_out_after_five_failures(tmp_path: Path) -> None:
    now = [1000.0]
    throttle = Throttle(clock=lambda: now[0])
    with open_store(tmp_path / "progress.sqlite") as store:
        fails = [throttle.failed(store, C, "b.jones", "page1") for _ in range(5)]
        assert fails == [False, False, False, False, True]
        assert throttle.wait(store, C, "b.jones") == 30  # the learner id, from any page
        assert throttle.wait(store, C, "a.khan", "page1") == 30  # and that page, for anyone
        assert throttle.wait(store, C, "a.khan", "page2") == 0
        now[0] += 29.5
        assert throttle.wait(store, C, "b.jones", "page2") == 1
        now[0] += 0.5
        assert throttle.wait(store, C, "b.jones", "page2") == 0
        for _ in range(4):
            assert not throttle.failed(store, C, "b.jones", "page2")
        throttle.succeeded(store, C, "a.khan")  # someone else signing in resets nothing of B's
        assert throttle.failed(store, C, "b.jones", "page3")
        now[0] += 30
        for _ in range(4):
            throttle.failed(store, C, "b.jones", "page3")
        throttle.succeeded(store, C, "b.jones")  # B's own sign-in resets B's count
        assert not throttle.failed(store, C, "b.jones", "page4")


def test_failure_counts_untouched_for_a_day_are_forgotten(tmp_path: Path) -> None:
    now = [1000.0]
    throttle = Throttle(clock=lambda: now[0])
    with open_store(tmp_path / "progress.sqlite") as store:
        for n in range(50):
            throttle.failed(store, C, f"guess{n}", "page1")
        now[0] += 24 * 60 * 60 + 1
        throttle.failed(store, C, "b.jones", "page2")
        with sqlite3.connect(tmp_path / "progress.sqlite") as raw:
            rows = raw.execute("SELECT subject FROM sign_in_failures ORDER BY subject").fetchall()
        raw.close()
    assert rows == [("client:page2",), ("learner:b.jones",)]


# -- the store -----------------------------------------------------------------------------


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    return tmp_path / "progress.sqlite"


def issue(db: Path, cohort: str = C, learners=("a.khan", "b.jones")) -> dict[str, str]:
    with open_store(db) as store:
        return access.issue_codes(store, cohort, learners).codes


def test_store_keeps_hashes_per_cohort_and_learner(db: Path) -> None:
    with open_store(db) as store:
        assert not store.has_access_codes(C) and store.access_roster(C) == []
        salt, digest = access.hash_code("KXQP-7M3D")
        assert store.set_access_code(C, "a.khan", salt, digest)
        assert not store.set_access_code(C, "a.khan", *access.hash_code("AAAA-AAAA"))  # kept
        assert store.verify_access(C, "a.khan", "kxqp 7m3d")
        assert not store.verify_access(C, "a.khan", "AAAA-AAAA")
        assert store.set_access_code(C, "a.khan", *access.hash_code("AAAA-AAAA"), replace=True)
        assert store.verify_access(C, "a.khan", "AAAA-AAAA")
        assert not store.verify_access(C, "a.khan", "KXQP-7M3D")  # the old code stops working
        assert not store.verify_access(C, "nobody", "AAAA-AAAA")
        assert not store.verify_access("retail", "a.khan", "AAAA-AAAA")  # cohorts kept apart
        assert store.has_access_codes(C) and not store.has_access_codes("retail")
        assert store.access_roster(C) == ["a.khan"]
        assert store.remove_access_code(C, "a.khan") and not store.has_access_codes(C)
        assert not store.remove_access_code(C, "a.khan")
        with pytest.raises(ValueError, match="is not valid"):
            store.verify_access(C, "../etc/passwd", "AAAA-AAAA")
        with pytest.raises(ValueError, match="salt"):
            store.set_access_code(C, "a.khan", "KXQP-7M3D", digest)


def test_the_plain_code_is_stored_nowhere(db: Path) -> None:
    codes = issue(db)
    files = [p for p in db.parent.iterdir() if p.name.startswith(db.name)]
    raw = b"".join(p.read_bytes() for p in files)
    for code in codes.values():
        assert code.encode() not in raw and access.normalise(code).encode() not in raw


def _make_v1(path: Path) -> None:
    """A store as schema version 1 left it: only ratings, changes and attempts."""
    with open_store(path) as store:
        store.save(C, "a.khan", "INSCS027.PC10", rating="Competent", evidence="Risk log")
        store.save_attempt(C, "a.khan", "INSCS027.risk-classification", {"risk1.level": "low"}, 0.5)
    with sqlite3.connect(path) as raw:
        raw.execute("DROP TABLE access_codes")
        raw.execute("DROP TABLE sign_in_failures")
        raw.execute("DROP TABLE sign_offs")
        raw.execute("DROP INDEX ix_changes_recent")
        raw.execute("DROP INDEX ix_attempts_recent")
        raw.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    raw.close()


def test_a_version_1_store_gains_the_access_codes_table_and_keeps_its_data(db: Path) -> None:
    _make_v1(db)
    with sqlite3.connect(db) as raw:
        assert "access_codes" not in {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
    raw.close()
    with open_store(db) as store:
        assert store.load(C, "a.khan")["INSCS027.PC10"].evidence == "Risk log"
        assert store.attempts(C, "a.khan")[0].score == 0.5
        assert not store.has_access_codes(C)
        store.set_access_code(C, "a.khan", *access.hash_code("KXQP-7M3D"))
    with sqlite3.connect(db) as raw:
        version = raw.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    raw.close()
    assert version == (str(schema.SCHEMA_VERSION),) and schema.SCHEMA_VERSION == 5
    with open_store(db) as again:  # and opens as a current store from then on
        assert again.verify_access(C, "a.khan", "KXQP-7M3D")
        assert list(again.load(C, "a.khan")) == ["INSCS027.PC10"]


def _make_v2(path: Path) -> None:
    """A store as schema version 2 left it: no sign_in_failures or sign_offs table, no time
    indexes."""
    with open_store(path) as store:
        store.save(C, "a.khan", "INSCS027.PC10", rating="Competent", evidence="Risk log")
        store.set_access_code(C, "a.khan", *access.hash_code("KXQP-7M3D"))
    with sqlite3.connect(path) as raw:
        raw.execute("DROP TABLE sign_in_failures")
        raw.execute("DROP TABLE sign_offs")
        raw.execute("DROP INDEX ix_changes_recent")
        raw.execute("DROP INDEX ix_attempts_recent")
        raw.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    raw.close()


def test_a_version_2_store_gains_the_sign_in_table_and_indexes_and_keeps_its_data(
    db: Path,
) -> None:
    _make_v2(db)
    with open_store(db) as store:
        assert store.load(C, "a.khan")["INSCS027.PC10"].evidence == "Risk log"
        assert store.verify_access(C, "a.khan", "KXQP-7M3D")
        assert not Throttle().failed(store, C, "b.jones", "page")
    with sqlite3.connect(db) as raw:
        names = {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
        version = raw.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        plan = raw.execute(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM changes "
            "WHERE cohort = 'default' AND learner = 'a.khan' AND changed_at > '2026-01-01'"
        ).fetchall()
    raw.close()
    assert {"sign_in_failures", "ix_changes_recent", "ix_attempts_recent", "sign_offs"} <= names
    assert version == (str(schema.SCHEMA_VERSION),)
    assert "ix_changes_recent" in " ".join(str(row) for row in plan)


def test_a_current_store_without_the_table_is_damaged_not_upgraded(db: Path) -> None:
    _make_v1(db)
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    raw.close()
    missing = r"is damaged: table\(s\) access_codes, sign_in_failures missing"
    with pytest.raises(StoreError, match=missing):
        open_store(db)


# -- the command line ----------------------------------------------------------------------

ROSTER = """\
name: Retail Level 2
slug: {slug}
units: [INSCS027]
learners:
  - id: a.khan
    name: Aisha Khan
  - id: b.jones
    name: Ben <b>Jones</b>
"""


def cohort_file(tmp_path: Path, slug: str = "default", roster: str = ROSTER) -> Path:
    path = tmp_path / "cohort.yaml"
    path.write_text(roster.format(slug=slug), encoding="utf-8")
    return path


def codes_cli(*args: str, expect: int = 0):
    result = CliRunner().invoke(main, ["cohort", "codes", *args])
    assert result.exit_code == expect, result.output
    return result


def printed_codes(output: str) -> dict[str, str]:
    return {
        line.split()[0]: line.split()[-1]
        for line in output.splitlines()
        if CODE_FORMAT.fullmatch(line.split()[-1] if line.split() else "")
    }


def test_cli_issues_codes_once_and_stores_only_hashes(tmp_path: Path, db: Path) -> None:
    path = cohort_file(tmp_path, slug="retail-l2")
    out = codes_cli(str(path), "--store", str(db)).output
    lines = out.splitlines()
    assert lines[0] == f"Cohort retail-l2 (Retail Level 2); store {db}"
    assert lines[1].split() == ["Learner", "id", "Name", "Code"]
    assert "Aisha Khan" in lines[2] and "Ben <b>Jones</b>" in lines[3]
    codes = printed_codes(out)
    assert set(codes) == {"a.khan", "b.jones"}
    assert "cannot be shown again" in out
    with open_store(db) as store:
        assert store.access_roster("retail-l2") == ["a.khan", "b.jones"]
        assert store.verify_access("retail-l2", "a.khan", codes["a.khan"])
        assert not store.verify_access("retail-l2", "a.khan", codes["b.jones"])

    again = codes_cli(str(path), "--store", str(db)).output
    assert printed_codes(again) == {}
    assert "No new codes." in again
    assert "2 learner(s) already have a code, which cannot be shown again: a.khan, b.jones" in again
    assert f"nosworkbook cohort codes {path} --reissue LEARNER" in again


def test_cli_reissues_a_code_and_the_old_one_stops_working(tmp_path: Path, db: Path) -> None:
    path = cohort_file(tmp_path)
    first = printed_codes(codes_cli(str(path), "--store", str(db)).output)
    out = codes_cli(str(path), "--store", str(db), "--reissue", "b.jones").output
    second = printed_codes(out)
    assert set(second) == {"b.jones"} and second["b.jones"] != first["b.jones"]
    assert "already have a code, which cannot be shown again: a.khan." in out
    with open_store(db) as store:
        assert store.verify_access(C, "b.jones", second["b.jones"])
        assert not store.verify_access(C, "b.jones", first["b.jones"])
        assert store.verify_access(C, "a.khan", first["a.khan"])


def test_cli_uses_the_store_in_the_environment(tmp_path: Path, db: Path, monkeypatch) -> None:
    monkeypatch.setenv("NOSWORKBOOK_STORE", str(db))
    codes = printed_codes(codes_cli(str(cohort_file(tmp_path))).output)
    with open_store(db) as store:
        assert store.verify_access(C, "a.khan", codes["a.khan"])


def test_cli_withdraws_codes_of_learners_taken_off_the_roster(tmp_path: Path, db: Path) -> None:
    path = cohort_file(tmp_path)
    codes_cli(str(path), "--store", str(db))
    path.write_text(ROSTER.format(slug=C).split("  - id: b.jones")[0], encoding="utf-8")
    out = codes_cli(str(path), "--store", str(db)).output
    assert "Withdrew the code(s) of 1 learner(s) no longer on the roster: b.jones" in out
    with open_store(db) as store:
        assert store.access_roster(C) == ["a.khan"]


def test_cli_refuses_a_cohort_without_a_roster(tmp_path: Path, db: Path) -> None:
    path = cohort_file(tmp_path, roster="name: Drop-in\nunits: all\n")
    result = codes_cli(str(path), "--store", str(db), expect=2)
    assert result.output == (
        f"nosworkbook: error: {path}: has no roster; add learners (id and name) before "
        "issuing access codes\n"
    )
    assert not db.exists()


def test_cli_refuses_to_reissue_for_someone_off_the_roster(tmp_path: Path, db: Path) -> None:
    path = cohort_file(tmp_path)
    result = codes_cli(str(path), "--store", str(db), "--reissue", "z.nobody", expect=2)
    assert "cannot reissue a code for 'z.nobody': not on the cohort's roster" in result.output
    assert len(result.output.splitlines()) == 1


# -- classroom mode in a workbook ----------------------------------------------------------


@pytest.fixture()
def clock(monkeypatch) -> list[float]:
    """A fresh lock-out counter for each test, on a clock the test moves."""
    now = [5000.0]
    monkeypatch.setattr(session, "THROTTLE", Throttle(clock=lambda: now[0]))
    return now


@pytest.fixture()
def classroom(db: Path, clock) -> dict[str, str]:
    return issue(db)


def make(db: Path, urn: str = "INSCS027", **kwargs) -> Workbook:
    return Workbook(urn, store=str(db), auto_sign_in=False, **kwargs)


def send_sign_in(wb: Workbook | Index, learner: str, code: str) -> None:
    """What the browser sends when the learner chooses Sign in."""
    wb.sign_in._on_custom_msg(
        wb.sign_in, {"type": "sign-in", "learner": learner, "code": code}, None
    )


def edit(checklist, cid, rating=None, evidence=""):
    message = {"type": "edit", "id": cid, "rating": rating, "evidence": evidence}
    checklist._on_custom_msg(checklist, message | {"epoch": checklist._epoch, "seq": 1}, None)


def test_without_codes_nothing_changes(db: Path, clock) -> None:
    issue(db, cohort="another-cohort")  # codes elsewhere do not matter
    wb = make(db)
    assert not wb.sign_in.ask_code and not wb.classroom
    assert wb.sign_in.message == "Type your learner id and choose Sign in."
    wb.sign_in.submit("a.khan")
    assert wb.sign_in.signed_in == "a.khan"


def test_classroom_mode_asks_for_a_code_and_signs_in_with_it(db: Path, classroom) -> None:
    wb = make(db)
    assert wb.sign_in.ask_code and wb.performance.disabled
    assert wb.sign_in.message == "Type your learner id and access code, then choose Sign in."
    send_sign_in(wb, "a.khan", classroom["a.khan"].lower().replace("-", " "))
    assert wb.sign_in.signed_in == "a.khan" and not wb.sign_in.is_error
    assert wb.sign_in.message == "Signed in as a.khan. Nothing saved yet."
    assert not wb.performance.disabled
    wb.sign_in.sign_out()
    assert wb.sign_in.message == (
        "Signed out. Type your learner id and access code, then choose Sign in."
    )


@pytest.mark.parametrize(
    ("learner", "code"),
    [
        ("a.khan", "AAAA-AAAA"),  # wrong code
        ("a.khan", ""),  # no code
        ("a.khan", "b.jones"),  # the other learner's code: filled in below
        ("z.nobody", "a.khan"),  # not on the roster, with a real code
        ("A.KHAN", "a.khan"),  # ids are exact
    ],
)
def test_a_wrong_id_or_code_gets_one_message_and_nothing_loads(
    db: Path, classroom, learner: str, code: str
) -> None:
    with open_store(db) as store:
        store.save(C, "a.khan", "INSCS027.PC10", rating="Competent", evidence="A's note")
    wb = make(db)
    send_sign_in(wb, learner, classroom.get(code, code))
    assert wb.sign_in.is_error and wb.sign_in.message == NO_MATCH
    assert wb.sign_in.signed_in == "" and wb.learner == ""
    assert wb.performance.values == {} and wb.performance.disabled
    edit(wb.performance, "INSCS027.PC10", "Not yet", "overwritten?")  # ignored
    with open_store(db) as store:
        assert store.load(C, "a.khan")["INSCS027.PC10"].evidence == "A's note"


def test_a_failed_attempt_signs_out_whoever_was_signed_in(db: Path, classroom) -> None:
    wb = make(db)
    send_sign_in(wb, "a.khan", classroom["a.khan"])
    edit(wb.performance, "INSCS027.PC1", "Competent", "A's note")
    send_sign_in(wb, "b.jones", "AAAA-AAAA")
    assert wb.sign_in.signed_in == "" and wb.performance.values == {}


def test_learner_b_never_sees_learner_a_answers(db: Path, classroom) -> None:
    wb = make(db)
    send_sign_in(wb, "a.khan", classroom["a.khan"])
    edit(wb.performance, "INSCS027.PC1", "Competent", "A's private note")
    other = make(db)  # B's own page and kernel
    send_sign_in(other, "a.khan", classroom["b.jones"])  # B's code does not open A's work
    assert other.sign_in.message == NO_MATCH and other.performance.values == {}
    send_sign_in(other, "b.jones", classroom["b.jones"])
    assert other.sign_in.signed_in == "b.jones" and other.performance.values == {}
    edit(other.performance, "INSCS027.PC2", "Developing", "B's note")
    send_sign_in(wb, "b.jones", classroom["b.jones"])  # on A's page: A's answers go first
    assert set(wb.performance.values) == {"INSCS027.PC2"}
    with open_store(db) as store:
        assert set(store.load(C, "a.khan")) == {"INSCS027.PC1"}
        assert set(store.load(C, "b.jones")) == {"INSCS027.PC2"}


def test_repeated_failures_lock_the_kernel_out_for_a_while(db: Path, classroom, clock) -> None:
    wb = make(db)
    for _ in range(4):
        send_sign_in(wb, "a.khan", "AAAA-AAAA")
        assert wb.sign_in.message == NO_MATCH
    send_sign_in(wb, "a.khan", "AAAA-AAAA")
    assert wb.sign_in.message == (
        NO_MATCH + " Too many sign-ins did not match: wait 30 seconds, then try again, "
        "or ask your tutor."
    )
    clock[0] += 10
    send_sign_in(wb, "a.khan", classroom["a.khan"])  # even the right code waits
    assert wb.sign_in.signed_in == "" and wb.sign_in.is_error
    assert "wait 20 seconds" in wb.sign_in.message
    clock[0] += 20
    send_sign_in(wb, "a.khan", classroom["a.khan"])
    assert wb.sign_in.signed_in == "a.khan"


def test_wrong_codes_for_one_learner_between_right_codes_of_ones_own_are_locked_out(
    db: Path, classroom, monkeypatch
) -> None:
    # The attack that used to work: four wrong codes for B, then one's own right code (which
    # reset the kernel's count), again and again: 252 wrong codes checked in 20 s. Now B's
    # count is kept in the store, whichever page (kernel) the guesses come from, and A's
    # sign-in does not reset it.
    checked: list[str] = []
    real_verify = access.verify
    monkeypatch.setattr(
        access, "verify", lambda code, *a: checked.append(code) or real_verify(code, *a)
    )
    kernels = [make(db), make(db)]  # two pages in two kernels, on the same store
    locked = 0
    for round_ in range(12):
        page = kernels[round_ % 2]
        for _ in range(4):
            send_sign_in(page, "b.jones", "AAAA-AAAA")
            locked += "Too many sign-ins did not match" in page.sign_in.message
            assert page.sign_in.signed_in == ""
        send_sign_in(page, "a.khan", classroom["a.khan"])
    wrong = [code for code in checked if code == "AAAA-AAAA"]
    assert len(wrong) == access.MAX_FAILURES  # 5 of the 48 wrong codes were checked; not 48
    assert locked == 48 - access.MAX_FAILURES + 1
    send_sign_in(kernels[0], "b.jones", classroom["b.jones"])  # even B's right code waits
    assert kernels[0].sign_in.signed_in == "" and "wait 30 seconds" in kernels[0].sign_in.message


def test_a_right_code_for_a_does_not_reset_the_count_against_b(db: Path, classroom, clock) -> None:
    first, second = make(db), make(db)
    for _ in range(4):
        send_sign_in(first, "b.jones", "AAAA-AAAA")
    send_sign_in(second, "a.khan", classroom["a.khan"])
    assert second.sign_in.signed_in == "a.khan"
    send_sign_in(second, "b.jones", "BBBB-BBBB")  # the fifth against B, from another kernel
    assert second.sign_in.message == (
        NO_MATCH + " Too many sign-ins did not match: wait 30 seconds, then try again, "
        "or ask your tutor."
    )
    send_sign_in(make(db), "b.jones", classroom["b.jones"])  # a third kernel waits too
    third = make(db)
    send_sign_in(third, "a.khan", classroom["a.khan"])  # A is not locked out by B's count
    assert third.sign_in.signed_in == "a.khan"
    clock[0] += 30
    send_sign_in(third, "b.jones", classroom["b.jones"])
    assert third.sign_in.signed_in == "b.jones"


def test_the_code_reaches_no_trait_and_no_log(db: Path, classroom, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    wb = make(db)
    code = classroom["a.khan"]
    send_sign_in(wb, "a.khan", "WRNG-C0DE")
    send_sign_in(wb, "a.khan", code)
    state = repr(wb.sign_in.get_state())
    for secret in (code, access.normalise(code), "WRNG-C0DE"):
        assert secret not in state
        assert secret not in caplog.text
    assert wb.sign_in.signed_in == "a.khan"


def test_no_automatic_sign_in_in_classroom_mode(db: Path, classroom, monkeypatch) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", "a.khan")
    monkeypatch.delenv("VOILA_KERNEL_ID", raising=False)
    monkeypatch.delenv("SERVER_SOFTWARE", raising=False)
    wb = Workbook("INSCS001", store=str(db))
    assert wb.sign_in.signed_in == "" and wb.sign_in.ask_code
    assert not wb.sign_in_as("a.khan")  # the kernel side needs the code too
    assert wb.sign_in.message == NO_MATCH


def test_codes_issued_after_the_page_opened_are_asked_for(db: Path, clock) -> None:
    wb = make(db)
    assert not wb.sign_in.ask_code
    codes = issue(db)
    send_sign_in(wb, "a.khan", "")
    assert wb.sign_in.ask_code and wb.sign_in.message == NO_MATCH
    send_sign_in(wb, "a.khan", codes["a.khan"])
    assert wb.sign_in.signed_in == "a.khan"


def test_the_index_is_in_classroom_mode_too(db: Path, classroom) -> None:
    with open_store(db) as store:
        store.save(C, "a.khan", "INSCS027.PC1", rating="Competent")
    index = Index(store=str(db), auto_sign_in=False)
    assert index.sign_in.ask_code
    send_sign_in(index, "a.khan", "AAAA-AAAA")
    assert index.progress.rows[26]["done"] == 0
    send_sign_in(index, "a.khan", classroom["a.khan"])
    assert index.progress.rows[26]["done"] == 1


def test_a_build_never_opens_the_store(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("NOSWORKBOOK_BUILD", "1")
    target = tmp_path / "never.sqlite"
    Workbook("INSCS027", store=str(target))
    assert not target.exists()


# -- asking a store file for classroom mode without SQLAlchemy -----------------------------


def test_peek_agrees_with_the_store(db: Path) -> None:
    assert peek.has_access_codes(db, C) is False and not db.exists()  # nothing created
    issue(db, cohort="another-cohort")
    assert peek.has_access_codes(db, C) is False
    assert peek.has_access_codes(str(db), "another-cohort") is True
    issue(db)
    with open_store(db) as store:
        assert peek.has_access_codes(db, C) is store.has_access_codes(C) is True
        store.remove_access_code(C, "a.khan")
        store.remove_access_code(C, "b.jones")
        assert peek.has_access_codes(db, C) is store.has_access_codes(C) is False


def test_peek_follows_the_environment(db: Path, monkeypatch) -> None:
    issue(db)
    monkeypatch.setenv("NOSWORKBOOK_STORE", str(db))
    assert peek.has_access_codes(None, C) is True
    monkeypatch.setenv("NOSWORKBOOK_STORE", f"sqlite:///{db}")
    assert peek.has_access_codes(None, C) is None  # a URL: the store answers


def test_peek_leaves_anything_it_cannot_read_to_the_store(tmp_path: Path) -> None:
    foreign = tmp_path / "notes.sqlite"
    foreign.write_bytes(b"not a database, and it must stay as it is")
    assert peek.has_access_codes(foreign, C) is None
    assert foreign.read_bytes() == b"not a database, and it must stay as it is"
    empty_db = tmp_path / "empty.sqlite"
    sqlite3.connect(empty_db).close()
    assert peek.has_access_codes(empty_db, C) is None  # no access_codes table yet
    assert peek.has_access_codes(tmp_path, C) is None  # a directory
    assert peek.has_access_codes("postgresql://u@localhost/db", C) is None
    wb = make(foreign)  # the workbook still opens, and says what is wrong at sign-in
    assert not wb.classroom
    wb.sign_in.submit("a.khan")
    assert wb.sign_in.is_error and wb.sign_in.message == session.NOT_LOADED
    assert str(foreign) not in wb.sign_in.message


WHERE_THE_STORE_LOADS = """
import sys, threading
first = []

class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "sqlalchemy" and not first:
            first.append(threading.current_thread().name)

sys.meta_path.insert(0, Watch())
from nosworkbook import workbook
from nosworkbook.workbook import session
session.OPEN_STORE_AFTER_S = 0.1
wb = workbook.Workbook("INSCS008", store=sys.argv[1])
if wb.session._warming is not None:
    wb.session._warming.join()
print(wb.classroom, first[0] if first else "never", wb.session._store is not None)
"""


@pytest.mark.parametrize(
    ("pooled", "loaded_on"),
    [(False, "nosworkbook-store"), (True, "MainThread")],
    ids=["on-request", "pooled"],
)
def test_a_workbook_page_does_not_wait_for_the_database_layer(
    db: Path, pooled: bool, loaded_on: str
) -> None:
    """Every page load waits for the workbook's imports: SQLAlchemy (about 0.2 s) loads on a
    thread of its own while the learner reads the page, or, in a kernel kept ready in a pool,
    before any learner arrives. The access-code box is shown in classroom mode either way."""
    issue(db)
    env = {**os.environ, "VOILA_KERNEL_ID": "a-kernel"}
    env.pop(runtime.PRELOADED_FOR, None)
    if pooled:
        env[runtime.PRELOADED_FOR] = "INSCS008.ipynb"
    out = subprocess.run(
        [sys.executable, "-c", WHERE_THE_STORE_LOADS, str(db)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout.split()
    assert out == ["True", loaded_on, "True"]


def test_the_pool_marker_is_the_one_the_classroom_server_sets() -> None:
    from nosworkbook.classroom.kernels import POOL_MARKER

    assert runtime.PRELOADED_FOR == POOL_MARKER


def test_signing_in_while_the_store_opens_opens_it_once(db: Path, monkeypatch) -> None:
    """The warming thread and a quick learner both ask for the store: one opens it, the
    other waits for it, and the learner is signed in."""
    import nosworkbook.store as store_package

    real_open, opened = store_package.open_store, []

    def slow_open(location):
        opened.append(location)
        time.sleep(0.3)
        return real_open(location)

    monkeypatch.setattr(store_package, "open_store", slow_open)
    monkeypatch.setattr(session, "OPEN_STORE_AFTER_S", 0.0)
    monkeypatch.setenv("VOILA_KERNEL_ID", "a-kernel")
    monkeypatch.delenv(runtime.PRELOADED_FOR, raising=False)
    wb = make(db)
    assert wb.session._warming is not None
    time.sleep(0.05)  # the thread is opening the store now
    wb.sign_in.submit("a.khan")
    wb.session._warming.join()
    assert wb.sign_in.signed_in == "a.khan"
    assert opened == [str(db)]
