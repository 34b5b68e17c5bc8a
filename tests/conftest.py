"""Shared fixtures: the packaged catalog and its source documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from nosworkbook.catalog import Catalog, load, packaged_catalog_path

SOURCES = Path(__file__).resolve().parent.parent / "nosworkbook" / "catalog" / "sources"
SUITE = SOURCES / "customer-service-suite-2021.md"
EXPORT = SOURCES / "CFACSB9-single-standard-export.txt"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load()


@pytest.fixture(scope="session")
def suite_text() -> str:
    return SUITE.read_text(encoding="utf-8")


@pytest.fixture()
def catalog_copy(tmp_path: Path) -> Path:
    """A copy of the committed catalog to pass as --out, so tests never touch the real one."""
    target = tmp_path / "catalog.json"
    target.write_bytes(packaged_catalog_path().read_bytes())
    return target
