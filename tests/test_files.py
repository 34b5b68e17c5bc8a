"""Atomic writes and dates shown to people: the shared helpers."""

from __future__ import annotations

import hashlib
import os

import pytest

from nosworkbook.catalog.model import display_date
from nosworkbook.files import sha256_of, write_text_atomic


def test_write_is_atomic_keeps_permissions_and_leaves_nothing_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "deep" / "file.json"
    write_text_atomic(target, "first\n")
    assert target.read_text() == "first\n" and target.stat().st_mode & 0o777 == 0o644
    target.chmod(0o600)
    write_text_atomic(target, "second\n")
    assert target.read_text() == "second\n" and target.stat().st_mode & 0o777 == 0o600

    def broken_fsync(_fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        write_text_atomic(target, "third\n")
    assert target.read_text() == "second\n"
    assert [p.name for p in target.parent.iterdir()] == ["file.json"]
    assert sha256_of(target) == hashlib.sha256(b"second\n").hexdigest()


def test_display_date():
    assert display_date("2026-03") == "March 2026"
    assert display_date("2021-02-22") == "22 February 2021"
    assert display_date("2027-03-01") == "1 March 2027"
