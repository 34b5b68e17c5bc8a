"""Cohort files: one YAML file describes a cohort; it is checked before anything is built.

Errors name the file, the line where the problem is, and the problem, on one line, so a
tutor can fix the file without reading a traceback.
"""

from __future__ import annotations

import re
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nosworkbook.catalog import load
from nosworkbook.errors import NosworkbookError

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$|^[a-z0-9]$")
LEARNER_ID = r"^[A-Za-z0-9._-]{1,64}$"
DEFAULT_SCALE = ("Not yet", "Developing", "Competent")
Sector = Literal["general", "retail", "contact-centre", "hospitality", "public-sector"]


class _Loader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so a bad date is reported, not a crash."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class CohortError(NosworkbookError):
    """A cohort file that cannot be used: names the file, the line and the problem."""

    def __init__(self, path: str | Path, problem: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {problem}")


def slugify(name: str) -> str:
    """'Retail Level 2, January 2027' -> 'retail-level-2-january-2027'."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:64].strip("-")


class Learner(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=LEARNER_ID)
    name: str = ""


class Cohort(BaseModel):
    """A cohort as its file describes it, with defaults filled in and units expanded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    slug: str = ""
    organisation: str = ""
    sector: Sector = "general"
    edition: Literal["learner", "tutor"] = "learner"
    units: tuple[str, ...] = Field(default="all", validate_default=True)  # type: ignore[assignment]
    rating_scale: tuple[str, ...] = DEFAULT_SCALE
    risk_matrix: str | dict[str, Any] = "3x3"
    due: date | None = None
    learners: tuple[Learner, ...] = ()

    @field_validator("units", mode="before")
    @classmethod
    def _expand_units(cls, value: Any) -> tuple[str, ...]:
        catalog = load()
        every = [u.urn for u in catalog]
        if value is None or value == "all":
            return tuple(every)
        if isinstance(value, str):
            match = re.fullmatch(r"\s*(INSCS\d{3})\s*-\s*(INSCS\d{3})\s*", value)
            if not match:
                raise ValueError(
                    f"{value!r} is not 'all', a list of URNs or a range such as INSCS001-INSCS012"
                )
            first, last = match[1], match[2]
            for urn in (first, last):
                if urn not in catalog:
                    raise ValueError(f"unknown unit {urn} (the suite has INSCS001 to INSCS044)")
            if first > last:
                raise ValueError(f"the range {value!r} runs backwards")
            return tuple(u for u in every if first <= u <= last)
        if not isinstance(value, list) or not value:
            raise ValueError("give 'all', a range such as INSCS001-INSCS012, or a list of URNs")
        seen: list[str] = []
        for urn in value:
            if not isinstance(urn, str) or urn not in catalog:
                raise ValueError(f"unknown unit {urn!r} (the suite has INSCS001 to INSCS044)")
            if urn in seen:
                raise ValueError(f"unit {urn} is listed twice")
            seen.append(urn)
        return tuple(sorted(seen))

    @field_validator("rating_scale", mode="before")
    @classmethod
    def _yaml_booleans(cls, value: Any) -> Any:
        """YAML 1.1 reads Yes and No as true and false; a scale means the words."""
        if isinstance(value, list):
            return [
                {True: "Yes", False: "No"}.get(v, v) if isinstance(v, bool) else v for v in value
            ]
        return value

    @field_validator("rating_scale")
    @classmethod
    def _scale(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        labels = [v.strip() for v in value]
        if len(labels) < 2 or len(set(labels)) != len(labels) or not all(labels):
            raise ValueError("a rating scale needs two or more different labels, lowest first")
        return tuple(labels)

    @field_validator("risk_matrix")
    @classmethod
    def _matrix(cls, value: str | dict[str, Any]) -> str | dict[str, Any]:
        from nosworkbook.exercises.risk import get_matrix

        get_matrix(value)  # raises ValueError saying what is wrong
        return value

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if value and not SLUG.match(value):
            raise ValueError(
                f"slug {value!r} must be lower-case letters, digits and hyphens (at most 64), "
                "starting and ending with a letter or digit"
            )
        return value

    def model_post_init(self, _context: Any) -> None:
        if not self.slug:
            slug = slugify(self.name)
            if not slug:
                raise ValueError("the name gives no usable slug: add a slug")
            object.__setattr__(self, "slug", slug)

    def parameters(self) -> dict[str, Any]:
        """What Papermill injects into every workbook's parameters cell."""
        return {
            "cohort": self.slug,
            "cohort_name": self.name,
            "organisation": self.organisation,
            "sector": self.sector,
            "edition": self.edition,
            "rating_scale": list(self.rating_scale),
            "risk_matrix": self.risk_matrix,
            "due": self.due.isoformat() if self.due else None,
        }


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at `loc` (keys and list indexes), or its nearest parent."""
    line = node.start_mark.line + 1 if node is not None else None
    for step in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == step:
                    line, node = key.start_mark.line + 1, value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if step >= len(node.value):
                return line
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _describe(error: dict[str, Any]) -> str:
    loc = [str(p) for p in error["loc"] if not isinstance(p, int)]
    field = loc[-1] if loc else "the file"
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = ", ".join(Cohort.model_fields)
        where = "learner" if "learners" in loc else "cohort"
        keys = "id, name" if where == "learner" else allowed
        return f"unknown key {field!r} (a {where} may have: {keys})"
    if kind == "missing":
        return f"missing {field!r}"
    if kind in (
        "date_from_datetime_parsing",
        "date_parsing",
        "date_type",
        "date_from_datetime_inexact",
    ):
        return f"{field}: {error.get('input')!r} is not a date (write it as 2027-03-31)"
    if kind == "literal_error":
        return f"{field}: {error.get('input')!r} is not one of {error['ctx']['expected']}"
    if kind == "string_pattern_mismatch" and field == "id":
        return (
            f"learner id {error.get('input')!r} may only use letters, digits, '.', '-' and '_' "
            "(at most 64)"
        )
    message = error["msg"].removeprefix("Value error, ")
    return f"{field}: {message}" if loc else message


def load_cohort(path: str | Path) -> Cohort:
    """Read and check a cohort file; raises `CohortError` naming the file, line and problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CohortError(path, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CohortError(path, f"cannot be read as text ({exc})") from None
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CohortError(
            path, f"not valid YAML: {problem}", mark.line + 1 if mark else None
        ) from None
    if not isinstance(data, dict):
        raise CohortError(path, "a cohort file is a set of keys such as name, sector and units")
    learners = data.get("learners") or []
    if isinstance(learners, list):
        seen: dict[str, int] = {}
        for index, learner in enumerate(learners):
            learner_id = learner.get("id") if isinstance(learner, dict) else None
            if learner_id in seen:
                raise CohortError(
                    path,
                    f"learner id {learner_id!r} appears twice "
                    f"(also learner {seen[learner_id] + 1})",
                    _line_of(node, ("learners", index, "id")),
                )
            if learner_id is not None:
                seen[learner_id] = index
    try:
        return Cohort.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CohortError(path, _describe(first), _line_of(node, tuple(first["loc"]))) from None
    except ValueError as exc:
        raise CohortError(path, str(exc)) from None


def example_path() -> Path:
    return Path(str(files("nosworkbook") / "data" / "example-cohort.yaml"))
