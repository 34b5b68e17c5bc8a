"""The settings a cohort gives its workbooks, written once.

`CohortSettings` is what a tutor chooses for a cohort (organisation, sector, edition, rating
scale, risk matrix, due date). `WorkbookParameters` adds who the workbook is for (the cohort's
slug and name) and where answers are kept: it is the notebook's Papermill `parameters` cell.
The cohort file's schema (`nosworkbook.cohorts.schema.Cohort`) extends `CohortSettings`; the
generator writes the parameters cell from `WorkbookParameters`; the workbook checks what
Papermill injected with it. A setting added here reaches all three, or fails a test.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nosworkbook import ids


@dataclass(frozen=True)
class Sector:
    """A sector scenarios can be set in, with the words used for it."""

    slug: str
    words: str  # "retail": how the about banner names it
    place: str  # "a shop": where scenarios are set


SECTORS: dict[str, Sector] = {
    s.slug: s
    for s in (
        Sector("general", "general customer service", "a customer service team"),
        Sector("retail", "retail", "a shop"),
        Sector("contact-centre", "contact centre", "a contact centre"),
        Sector("hospitality", "hospitality", "a hotel"),
        Sector("public-sector", "public sector", "a council service"),
    )
}
SectorName = Literal["general", "retail", "contact-centre", "hospitality", "public-sector"]


@dataclass(frozen=True)
class Nation:
    """A nation whose bank holidays the exercises count (`exercises.toolkit.calendar`)."""

    slug: str
    words: str  # "England and Wales"
    subdivision: str  # the `holidays` package's code for it within GB


NATIONS: dict[str, Nation] = {
    n.slug: n
    for n in (
        Nation("england-and-wales", "England and Wales", "ENG"),
        Nation("scotland", "Scotland", "SCT"),
        Nation("northern-ireland", "Northern Ireland", "NIR"),
    )
}
NationName = Literal["england-and-wales", "scotland", "northern-ireland"]
DEFAULT_NATION = "england-and-wales"

EDITIONS: dict[str, str] = {
    "learner": "Learner edition: model answers and marking notes are not shown",
    "tutor": "Tutor edition: model answers and marking notes are shown",
}
Edition = Literal["learner", "tutor"]

DEFAULT_SCALE: tuple[str, ...] = ("Not yet", "Developing", "Competent")
"""Lowest first; the top of the scale is the rating that counts as complete."""
DEFAULT_MATRIX = "3x3"


def check_scale(labels: Any) -> tuple[str, ...]:
    """A rating scale: two or more different labels, lowest first; ValueError otherwise."""
    if isinstance(labels, str) or not isinstance(labels, list | tuple):
        raise ValueError("a rating scale is a list of two or more labels, lowest first")
    cleaned = tuple(str(v).strip() for v in labels)
    if len(cleaned) < 2 or len(set(cleaned)) != len(cleaned) or not all(cleaned):
        raise ValueError("a rating scale needs two or more different labels, lowest first")
    if len(cleaned) > ids.MAX_SCALE:
        raise ValueError(f"a rating scale has at most {ids.MAX_SCALE} labels")
    too_long = [v for v in cleaned if len(v) > ids.MAX_RATING]
    if too_long:
        raise ValueError(f"a rating label has at most {ids.MAX_RATING} characters")
    return cleaned


def day_words(value: date | str) -> str:
    """A date in plain British style: '31 March 2027'."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{value.day} {value:%B %Y}"


class CohortSettings(BaseModel):
    """What a tutor chooses for a cohort's workbooks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    organisation: str = Field("", description="the organisation named in scenarios")
    sector: SectorName = Field(
        "general", description="retail | contact-centre | hospitality | public-sector | general"
    )
    edition: Edition = Field("learner", description="learner | tutor")
    rating_scale: tuple[str, ...] = Field(DEFAULT_SCALE, description="")
    risk_matrix: str | dict[str, Any] = Field(
        DEFAULT_MATRIX, description='"3x3", "5x5" or a matrix of the cohort\'s own'
    )
    due: date | None = Field(None, description='due date, e.g. "2027-03-31"')
    nation: NationName = Field(
        DEFAULT_NATION,
        description="bank holidays: england-and-wales | scotland | northern-ireland",
    )

    @field_validator("rating_scale", mode="before")
    @classmethod
    def _scale(cls, value: Any) -> tuple[str, ...]:
        if isinstance(value, list | tuple):  # YAML 1.1 reads Yes and No as true and false
            value = [
                {True: "Yes", False: "No"}.get(v, v) if isinstance(v, bool) else v for v in value
            ]
        return check_scale(value)

    @field_validator("risk_matrix")
    @classmethod
    def _matrix(cls, value: str | dict[str, Any]) -> str | dict[str, Any]:
        from nosworkbook.exercises.toolkit.matrix import get_matrix

        get_matrix(value)  # raises ValueError saying what is wrong
        return value

    def about_lines(self) -> list[tuple[str, str]]:
        """(label, value) pairs for the "About this workbook" banner, in plain words."""
        from nosworkbook.exercises.toolkit.matrix import band_text, get_matrix

        lines = []
        if self.organisation.strip():
            lines.append(("Organisation", self.organisation.strip()))
        sector = SECTORS[self.sector]
        lines.append(("Sector", f"{sector.words} (scenarios are set in {sector.place})"))
        lines.append(("Bank holidays", NATIONS[self.nation].words))
        lines.append(("Edition", EDITIONS[self.edition]))
        lines.append(("Rating scale", " / ".join(self.rating_scale)))
        grid = get_matrix(self.risk_matrix)
        lines.append(
            ("Risk matrix", f"{grid.name} (level = likelihood x impact: {band_text(grid)})")
        )
        if self.due:
            lines.append(("Due", day_words(self.due)))
        return lines


class WorkbookParameters(CohortSettings):
    """A workbook's Papermill parameters: the cohort's settings, who it is for, the store."""

    cohort: str = Field(
        ids.DEFAULT_COHORT, description="cohort slug: answers are kept per learner and cohort"
    )
    cohort_name: str = Field("", description="the cohort's name, shown to learners")
    store: str | Path | None = Field(
        None,
        description="where answers are saved: a path or SQLAlchemy URL; None means the default",
    )

    @field_validator("cohort")
    @classmethod
    def _cohort(cls, value: str) -> str:
        if not ids.is_cohort(value):
            raise ValueError(f"cohort {value!r} is not a valid slug ({ids.COHORT_RULE})")
        return value

    def injected(self) -> dict[str, Any]:
        """What Papermill injects: plain JSON values, the store left out unless one is set."""
        values = self.model_dump(mode="json")
        if values["store"] is None:
            del values["store"]
        return {name: values[name] for name in parameter_names() if name in values}


def parameter_names() -> tuple[str, ...]:
    """Every workbook parameter, in the order the parameters cell lists them."""
    return ("cohort", "cohort_name", *CohortSettings.model_fields, "store")


def _literal(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, date):
        value = value.isoformat()
    return json.dumps(value)


def parameters_cell() -> str:
    """The source of a workbook's `parameters` cell: each parameter's default and what it is."""
    lines = ["# Parameters: Papermill replaces these for a cohort build."]
    for name in parameter_names():
        field = WorkbookParameters.model_fields[name]
        line = f"{name} = {_literal(field.default)}"
        if field.description:
            line += f"  # {field.description}"
        lines.append(line)
    return "\n".join(lines)


def call_arguments(first: str, indent: str = "    ", width: int = 100) -> str:
    """`first, cohort=cohort, ...`: a call passing every parameter on, wrapped to `width`."""
    words = [f"{first},"] + [f"{name}={name}," for name in parameter_names()]
    words[-1] = words[-1].rstrip(",")
    return "\n".join(
        textwrap.wrap(" ".join(words), width=width, initial_indent=indent, subsequent_indent=indent)
    )


def read_parameters(values: dict[str, Any]) -> WorkbookParameters:
    """Check what Papermill injected (or a caller passed); ValueError with every problem."""
    try:
        return WorkbookParameters.model_validate(values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "parameters"
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "literal_error":
                message = f"unknown {where} {error.get('input')!r}: use {error['ctx']['expected']}"
                problems.append(message)
                continue
            elif error["type"] == "extra_forbidden":
                message = f"unknown parameter (known: {', '.join(parameter_names())})"
            problems.append(f"{where}: {message}")
        raise ValueError("; ".join(problems)) from None
