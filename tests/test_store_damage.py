"""A damaged store file is refused and never written to; backups and the integrity check."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from nosworkbook.cli import main
from nosworkbook.store import StoreError, integrity, open_store
from nosworkbook.store.database import check_store

C = "default"


@pytest.fixture(autouse=True)
def _check_every_opening():
    integrity.forget()  # each test's files are new, but keep the cache out of it anyway
    yield
    integrity.forget()


def make_store(path: Path, saves: int = 100) -> Path:
    """A store with a few hundred saves, so its file has many pages, all in the main file."""
    with open_store(path) as store:
        for n in range(saves):
            store.save(
                C,
                f"learner{n % 7}",
                f"INSCS{n % 44 + 1:03d}.PC{n % 20 + 1}",
                rating="Competent",
                evidence=f"note {n} " + "x" * 1500,
            )
    with sqlite3.connect(path) as raw:  # the last connection closed: the WAL is checkpointed
        assert raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
    raw.close()
    return path


def damage(path: Path, size: int = 16 * 1024) -> None:
    """Write `size` random bytes into the middle of the file."""
    length = path.stat().st_size
    assert length > 4 * size, "the store should have many pages"
    with path.open("r+b") as handle:
        handle.seek(length // 2 - size // 2)
        handle.write(random.Random(7).randbytes(size))


def snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_size


# -- refused when it opens -----------------------------------------------------------------


def test_a_store_damaged_in_the_middle_is_refused_when_it_opens_and_left_untouched(
    tmp_path: Path,
) -> None:
    path = make_store(tmp_path / "progress.sqlite", saves=300)
    damage(path)
    before = snapshot(path)

    with pytest.raises(StoreError) as caught:
        open_store(path)

    message = str(caught.value)
    assert message.startswith(f"{path}: is damaged (")
    assert "nothing will be written to it" in message and "latest backup" in message
    assert "\n" not in message
    assert snapshot(path) == before


def test_a_damaged_store_is_refused_on_every_opening_not_only_the_first(tmp_path: Path) -> None:
    path = make_store(tmp_path / "progress.sqlite")
    open_store(path).close()  # sound: remembered as checked for this file as it is now
    damage(path)  # which changes the file, so it is checked again
    for _ in range(2):
        with pytest.raises(StoreError, match="is damaged"):
            open_store(path)


def test_a_sound_store_is_checked_once_per_change_in_a_process(tmp_path: Path, monkeypatch) -> None:
    path = make_store(tmp_path / "progress.sqlite")
    checks: list[Path] = []
    real = integrity.problems
    monkeypatch.setattr(integrity, "problems", lambda p, **kw: checks.append(p) or real(p, **kw))
    for _ in range(3):
        open_store(path).close()
    assert checks == [path]


# -- damage found later --------------------------------------------------------------------


def test_the_first_sign_of_damage_stops_every_later_write(tmp_path: Path) -> None:
    path = make_store(tmp_path / "progress.sqlite")
    store = open_store(path)  # sound when it opened
    store.close()  # its connections go; the next call opens new ones, reading the damage
    damage(path)
    before = snapshot(path)

    with pytest.raises(StoreError, match="is damaged") as caught:
        for learner in (f"learner{n}" for n in range(7)):
            store.history(C, learner)
    assert str(caught.value).startswith(f"{path}: is damaged (")
    assert store.damaged is not None

    writes = [
        lambda: store.save(C, "new.learner", "INSCS001.PC1", rating="Competent"),
        lambda: store.save_attempt(C, "new.learner", "INSCS001.smart", {"goal": "x"}, 1.0),
        lambda: store.set_access_code(C, "new.learner", "00" * 16, "scrypt$16384$8$1$" + "0" * 64),
        lambda: store.remove_access_code(C, "learner1"),
    ]
    for write in writes:
        with pytest.raises(StoreError) as refused:
            write()
        assert str(refused.value) == str(caught.value)  # the same clear message every time
    store.close()
    assert snapshot(path) == before


# -- backups -------------------------------------------------------------------------------


def test_a_backup_is_a_complete_sound_store_in_one_file(tmp_path: Path) -> None:
    path = make_store(tmp_path / "progress.sqlite", saves=50)
    dest = tmp_path / "backups" / "progress-2026-12-01.sqlite"
    dest.parent.mkdir()
    with open_store(path) as store:
        store.save(C, "a.khan", "INSCS027.PC10", rating="Developing", evidence="in the WAL")
        assert store.backup(dest) == dest
        expected = store.load(C, "a.khan")
    assert sorted(p.name for p in dest.parent.iterdir()) == [dest.name]  # no temp, no WAL
    with sqlite3.connect(dest) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    raw.close()
    with open_store(dest) as copy:
        assert copy.load(C, "a.khan") == expected
        assert len(copy.history(C, "learner0")) == len(open_store(path).history(C, "learner0"))


def test_a_backup_replaces_an_older_backup_atomically(tmp_path: Path) -> None:
    path = make_store(tmp_path / "progress.sqlite", saves=5)
    dest = tmp_path / "backup.sqlite"
    with open_store(path) as store:
        store.backup(dest)
        store.save(C, "a.khan", "INSCS027.PC10", rating="Competent")
        store.backup(dest)
    with open_store(dest) as copy:
        assert copy.load(C, "a.khan")["INSCS027.PC10"].rating == "Competent"


@pytest.mark.parametrize("which", ["itself", "its WAL", "a text file", "a folder", "no folder"])
def test_a_backup_never_overwrites_the_live_store_or_a_foreign_file(
    tmp_path: Path, which: str
) -> None:
    path = make_store(tmp_path / "progress.sqlite", saves=5)
    other = tmp_path / "notes.txt"
    other.write_text("my notes")
    dest = {
        "itself": path,
        "its WAL": Path(f"{path}-wal"),
        "a text file": other,
        "a folder": tmp_path,
        "no folder": tmp_path / "missing" / "b.sqlite",
    }[which]
    with open_store(path) as store:
        before = snapshot(path)
        with pytest.raises(StoreError) as caught:
            store.backup(dest)
        assert "\n" not in str(caught.value)
        store.save(C, "a.khan", "INSCS027.PC10", rating="Competent")  # still usable
    assert other.read_text() == "my notes"
    assert snapshot(path)[1] >= before[1]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


# -- the command line ----------------------------------------------------------------------


def cli(*args: str, expect: int = 0):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == expect, result.output
    return result


def test_store_check_says_ok_for_a_sound_store(tmp_path: Path) -> None:
    path = make_store(tmp_path / "progress.sqlite", saves=20)
    assert cli("store", "check", "--store", str(path)).output == f"OK: {path} is sound\n"
    assert check_store(path) == []


def test_store_check_says_what_is_wrong_with_a_damaged_store(tmp_path: Path) -> None:
    path = make_store(tmp_path / "progress.sqlite")
    damage(path)
    before = snapshot(path)
    result = cli("store", "check", "--store", str(path), expect=1)
    lines = result.output.splitlines()
    assert all(line.startswith(f"{path}: ") for line in lines) and len(lines) >= 2
    assert lines[-1].endswith("put back your latest backup (see nosworkbook store backup).")
    assert snapshot(path) == before


def test_store_check_and_backup_follow_the_environment(tmp_path: Path, monkeypatch) -> None:
    path = make_store(tmp_path / "progress.sqlite", saves=5)
    monkeypatch.setenv("NOSWORKBOOK_STORE", str(path))
    assert cli("store", "check").output == f"OK: {path} is sound\n"
    dest = tmp_path / "b.sqlite"
    assert cli("store", "backup", str(dest)).output == f"Backed up {path} to {dest}\n"
    assert check_store(dest) == []


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["store", "check", "--store", "{missing}"], "does not exist"),
        (["store", "backup", "{store}", "--store", "{store}"], "is the live store"),
        (["store", "backup", "{text}", "--store", "{store}"], "is not an SQLite file"),
        (["store", "backup", "{damaged}.copy", "--store", "{damaged}"], "is damaged"),
    ],
)
def test_store_commands_refuse_bad_input_in_one_line(
    tmp_path: Path, args: list[str], problem: str
) -> None:
    names = {
        "missing": tmp_path / "nowhere.sqlite",
        "store": make_store(tmp_path / "progress.sqlite", saves=5),
        "text": tmp_path / "notes.txt",
        "damaged": make_store(tmp_path / "damaged.sqlite"),
    }
    names["text"].write_text("not a database")
    damage(names["damaged"])
    result = cli(*(a.format(**names) for a in args), expect=2)
    assert result.output.startswith("nosworkbook: error: ") and problem in result.output
    assert len(result.output.splitlines()) == 1
    assert not names["missing"].exists() and not Path(f"{names['damaged']}.copy").exists()
