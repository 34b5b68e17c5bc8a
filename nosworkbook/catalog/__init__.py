"""The NOS catalog: every unit and criterion of the suite, as packaged JSON.

`load()` returns the packaged catalog, imported from the copies of the source documents
kept in `sources/` by `nosworkbook import`.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from nosworkbook.catalog.model import Catalog, Criterion, Unit, UnknownIdentifier
from nosworkbook.errors import SourceError

__all__ = [
    "Catalog",
    "Criterion",
    "Unit",
    "UnknownIdentifier",
    "load",
    "packaged_catalog_path",
    "packaged_sources",
]


def packaged_catalog_path() -> Path:
    return Path(str(files("nosworkbook.catalog") / "data" / "catalog.json"))


def packaged_sources() -> list[Path]:
    """The source documents the packaged catalog is imported from (the suite)."""
    return [Path(str(files("nosworkbook.catalog") / "sources" / "customer-service-suite-2021.md"))]


@lru_cache(maxsize=1)
def _packaged() -> Catalog:
    return Catalog.model_validate_json(packaged_catalog_path().read_text(encoding="utf-8"))


def load(path: str | Path | None = None) -> Catalog:
    """The packaged catalog, or a catalog JSON file written by `nosworkbook import`."""
    if path is None:
        return _packaged()
    path = Path(path)
    try:
        return Catalog.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(path, "no such catalog file") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceError(path, f"not a nosworkbook catalog ({str(exc).splitlines()[0]})") from None
