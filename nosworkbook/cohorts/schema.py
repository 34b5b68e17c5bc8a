"""Cohort files: one YAML file describes a cohort; it is checked before anything is built.

Errors name the file, the line where the problem is, and the problem, on one line, so a
tutor can fix the file without reading a traceback.

A cohort has learners (the roster) and may have tutors. Both get access codes from
`nosworkbook cohort codes`; the store keeps tutors' codes apart from learners', so a tutor's
code never signs in to a workbook and a learner's never opens the tutor's view. An id is never
both a learner and a tutor of one cohort, so `role_of` can say who an id is. Tutors are no
workbook setting: `Cohort.parameters()` leaves them out.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any, Literal, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from nosworkbook import ids
from nosworkbook.catalog import load
from nosworkbook.catalog.selection import select_units
from nosworkbook.errors import NosworkbookError
from nosworkbook.ids import slugify
from nosworkbook.settings import CohortSettings, WorkbookParameters


class _Loader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so a bad date is reported, not a crash."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class CohortError(NosworkbookError):
    """A cohort file that cannot be used: every problem in it, one line each, naming the file,
    the line and the problem, in the order of the file (as a linter gives them)."""

    def __init__(self, path: str | Path, problem: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.problems: list[tuple[int | None, str]] = [(line, problem)]
        super().__init__(self._text())

    @classmethod
    def several(cls, path: str | Path, problems: list[tuple[int | None, str]]) -> CohortError:
        error = cls(path, problems[0][1], problems[0][0])
        error.problems = sorted(problems, key=lambda p: (p[0] or 0, p[1]))
        error.args = (error._text(),)
        return error

    def _text(self) -> str:
        return "\n".join(
            f"{self.path}:{line}: {problem}" if line else f"{self.path}: {problem}"
            for line, problem in self.problems
        )


class Learner(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=rf"^{ids.LEARNER}$")
    name: str = ""


class Tutor(BaseModel):
    """A tutor of the cohort: ids follow the learners' grammar, so sign-in reads both alike."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=rf"^{ids.LEARNER}$")
    name: str = ""


Role = Literal["learner", "tutor"]
_CHECKED_IDS = "ids_checked"  # validation context: load_cohort has named id problems by line


def _id_problems(learners: list[Any], tutors: list[Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """Ids given twice, or to a learner and a tutor, each with where it is (a YAML path).

    One rule for the file (which turns the paths into lines) and the model (which refuses
    a cohort made in code), so `role_of` never meets an id with two roles.
    """

    def id_of(person: Any) -> Any:
        return person.get("id") if isinstance(person, dict) else getattr(person, "id", None)

    problems: list[tuple[tuple[str | int, ...], str]] = []
    first: dict[str, tuple[str, int]] = {}  # id -> the role and place it was first given
    for key, role, people in (("learners", "learner", learners), ("tutors", "tutor", tutors)):
        for index, person in enumerate(people):
            person_id = id_of(person)
            if not isinstance(person_id, str):
                continue
            if person_id not in first:
                first[person_id] = (role, index)
                continue
            other, at = first[person_id]
            if other == role:
                problem = f"{role} id {person_id!r} appears twice (also {role} {at + 1})"
            else:  # learners come first, so this is a tutor with a learner's id
                problem = (
                    f"tutor id {person_id!r} is also a learner's (learner {at + 1}): "
                    "an id may not be both a learner and a tutor"
                )
            problems.append(((key, index, "id"), problem))
    return problems


class Cohort(CohortSettings):
    """A cohort as its file describes it: its settings (`nosworkbook.settings`), its name and
    slug, its units, its roster and its tutors, with defaults filled in and units expanded."""

    name: str = Field(min_length=1)
    slug: str = ""
    units: tuple[str, ...] = Field(default="all", validate_default=True)  # type: ignore[assignment]
    learners: tuple[Learner, ...] = ()
    tutors: tuple[Tutor, ...] = ()

    @field_validator("units", mode="before")
    @classmethod
    def _expand_units(cls, value: Any) -> tuple[str, ...]:
        chosen = select_units("all" if value is None else value, load())
        if not chosen:
            raise ValueError("name at least one unit, or 'all'")
        return chosen

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if value and not ids.is_cohort(value):
            raise ValueError(f"slug {value!r} must be {ids.COHORT_RULE}")
        return value

    @model_validator(mode="after")
    def _distinct_ids(self, info: ValidationInfo) -> Self:
        if not (info.context or {}).get(_CHECKED_IDS):
            problems = _id_problems(list(self.learners), list(self.tutors))
            if problems:
                raise ValueError("; ".join(problem for _where, problem in problems))
        return self

    def model_post_init(self, _context: Any) -> None:
        if not self.slug:
            slug = slugify(self.name)
            if not slug:
                raise ValueError("the name gives no usable slug: add a slug")
            object.__setattr__(self, "slug", slug)

    @property
    def tutor_ids(self) -> tuple[str, ...]:
        """The tutors' ids, in the file's order (they get access codes as learners do)."""
        return tuple(tutor.id for tutor in self.tutors)

    def tutor(self, tutor_id: str) -> Tutor | None:
        """The tutor with this id, or None if it is not one of the cohort's tutors."""
        return next((tutor for tutor in self.tutors if tutor.id == tutor_id), None)

    def workbook_parameters(self) -> WorkbookParameters:
        """The settings the workbooks get: the cohort's settings, never its roster or tutors."""
        settings = {name: getattr(self, name) for name in CohortSettings.model_fields}
        return WorkbookParameters(cohort=self.slug, cohort_name=self.name, **settings)

    def parameters(self) -> dict[str, Any]:
        """What Papermill injects into every workbook's parameters cell."""
        return self.workbook_parameters().injected()


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
        where = "learner" if "learners" in loc else "tutor" if "tutors" in loc else "cohort"
        keys = allowed if where == "cohort" else "id, name"
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
        who = "tutor" if "tutors" in loc else "learner"
        return (
            f"{who} id {error.get('input')!r} may only use letters, digits, '.', '-' and '_' "
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
    learners, tutors = data.get("learners") or [], data.get("tutors") or []
    problems: list[tuple[int | None, str]] = [
        (_line_of(node, where), problem)
        for where, problem in _id_problems(
            learners if isinstance(learners, list) else [],
            tutors if isinstance(tutors, list) else [],
        )
    ]
    try:
        cohort = Cohort.model_validate(data, context={_CHECKED_IDS: True})
    except ValidationError as exc:
        problems += [(_line_of(node, tuple(e["loc"])), _describe(e)) for e in exc.errors()]
    except ValueError as exc:
        problems.append((None, str(exc)))
    if problems:
        raise CohortError.several(path, problems)
    return cohort


def role_of(cohort: Cohort, person_id: str) -> Role | None:
    """Who `person_id` is in `cohort`: "learner", "tutor", or None for a stranger.

    Ids are never both (the cohort is refused otherwise); a learner is looked for first all
    the same, so nothing could ever make a learner a tutor.
    """
    if any(learner.id == person_id for learner in cohort.learners):
        return "learner"
    if cohort.tutor(person_id) is not None:
        return "tutor"
    return None


def example_path() -> Path:
    """The example cohort file `nosworkbook cohort init` copies."""
    return Path(str(files("nosworkbook") / "data" / "example-cohort.yaml"))
