"""Risk matrices: likelihood x impact gives a level, low, medium or high.

Matrices are data. The defaults follow common practice (bands are not standardised; HSE
prescribes no matrix): 3x3 with levels 1..3, product 1-2 low, 3-4 medium, 6-9 high; 5x5 with
levels 1..5, product 1-4 low, 5-12 medium, 15-25 high. A cohort may supply its own. The
cohort schema, the about banner and the risk exercise all read matrices from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LEVELS = ("low", "medium", "high")


@dataclass(frozen=True)
class RiskMatrix:
    """A square matrix: level names for each axis and bands over likelihood x impact."""

    name: str
    likelihood: tuple[str, ...]  # names of levels 1..n
    impact: tuple[str, ...]
    bands: tuple[tuple[int, str], ...]  # (highest product in the band, level), ascending

    def __post_init__(self) -> None:
        size = len(self.likelihood)
        if size < 2 or len(self.impact) != size:
            raise ValueError(f"matrix {self.name!r}: both axes need the same number (2+) of levels")
        tops = [top for top, _ in self.bands]
        if tops != sorted(tops) or len(set(tops)) != len(tops) or not tops:
            raise ValueError(f"matrix {self.name!r}: bands must rise in order")
        if tops[-1] < size * size:
            raise ValueError(
                f"matrix {self.name!r}: bands stop at {tops[-1]} but products reach {size * size}"
            )
        unknown = {level for _, level in self.bands} - set(LEVELS)
        if unknown:
            raise ValueError(
                f"matrix {self.name!r}: unknown band {sorted(unknown)}: use low, medium, high"
            )

    @property
    def size(self) -> int:
        return len(self.likelihood)

    def level_of(self, product: int) -> str:
        for top, level in self.bands:
            if product <= top:
                return level
        raise ValueError(f"product {product} is beyond matrix {self.name!r}")  # unreachable

    def label(self, axis: str, value: int) -> str:
        names = self.likelihood if axis == "likelihood" else self.impact
        return f"{value} {names[value - 1]}"


MATRICES: dict[str, RiskMatrix] = {
    "3x3": RiskMatrix(
        name="3x3",
        likelihood=("unlikely", "possible", "likely"),
        impact=("minor", "moderate", "major"),
        bands=((2, "low"), (4, "medium"), (9, "high")),
    ),
    "5x5": RiskMatrix(
        name="5x5",
        likelihood=("rare", "unlikely", "possible", "likely", "almost certain"),
        impact=("negligible", "minor", "moderate", "major", "severe"),
        bands=((4, "low"), (12, "medium"), (25, "high")),
    ),
}


def get_matrix(matrix: str | Mapping[str, Any] | RiskMatrix = "3x3") -> RiskMatrix:
    """A default matrix by name, or a cohort's own from a mapping:
    `{"name": ..., "likelihood": [...names], "impact": [...], "bands": [[4, "low"], ...]}`."""
    if isinstance(matrix, RiskMatrix):
        return matrix
    if isinstance(matrix, str):
        try:
            return MATRICES[matrix]
        except KeyError:
            raise ValueError(
                f"unknown risk matrix {matrix!r}: use {' or '.join(MATRICES)} or define one"
            ) from None
    if isinstance(matrix, Mapping):
        try:
            return RiskMatrix(
                name=str(matrix.get("name", "custom")),
                likelihood=tuple(str(n) for n in matrix["likelihood"]),
                impact=tuple(str(n) for n in matrix["impact"]),
                bands=tuple((int(top), str(level)) for top, level in matrix["bands"]),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"a risk matrix needs likelihood, impact and bands ({exc})") from None
    raise ValueError(f"not a risk matrix: {matrix!r}")


def band_text(grid: RiskMatrix) -> str:
    """'1 to 2 low, 3 to 4 medium, 5 to 9 high': the bands in words."""
    spans, low = [], 1
    for top, level in grid.bands:
        spans.append(f"{low} to {top} {level}")
        low = top + 1
    return ", ".join(spans)


def matrix_block(grid: RiskMatrix, placed: Mapping[tuple[int, int], list[str]], title: str) -> dict:
    """A coloured matrix for the widget: impact across, likelihood down (highest first); each
    cell has its band (`level`), its score (likelihood x impact) and the items `placed` on it."""
    rows = []
    for lik in range(grid.size, 0, -1):
        cells = []
        for imp in range(1, grid.size + 1):
            level = grid.level_of(lik * imp)
            cells.append({"level": level, "score": lik * imp, "items": placed.get((lik, imp), [])})
        rows.append({"label": grid.label("likelihood", lik), "cells": cells})
    return {
        "type": "matrix",
        "title": title,
        "row_label": "Likelihood",
        "col_label": "Impact",
        "col_labels": [grid.label("impact", i) for i in range(1, grid.size + 1)],
        "rows": rows,
    }
