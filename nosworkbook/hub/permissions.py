"""Who may do what through the store service, decided from what the hub says about a token.

A learner is a hub user named by their learner id who is in the cohort's learners group; they
read and write only their own records. The cohort's tutors (its tutors group) read the whole
cohort and sign off, always as themselves. Nothing here trusts a name sent in a request: the
caller is who the hub says owns the token. Pure, so the rules are tested without a hub.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from nosworkbook import ids

TUTORS_PREFIX = "tutors-"
"""The hub group `tutors-<cohort slug>` holds the cohort's tutors."""
LEARNERS_PREFIX = "learners-"
"""The hub group `learners-<cohort slug>` holds the cohort's learners, each named by their
learner id."""

_CLIENT = re.compile(r"client:[0-9a-f]{1,64}")
MAX_SUBJECTS = 4
"""Subjects one sign-in attempt counts against (`Throttle.subjects`: the learner and the page)."""


def tutor_group(cohort: str) -> str:
    """The hub group of the cohort's tutors."""
    return TUTORS_PREFIX + cohort


def learner_group(cohort: str) -> str:
    """The hub group of the cohort's learners."""
    return LEARNERS_PREFIX + cohort


class Refused(Exception):
    """The caller may not do this (HTTP 403); the text says why, in one line."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Who owns the token a request came with, and the hub groups they are in."""

    name: str
    groups: frozenset[str]

    @classmethod
    def from_hub(cls, model: Mapping[str, Any]) -> Caller:
        """The caller from the hub's model of a token's owner; Refused for a service's token."""
        if model.get("kind", "user") != "user":
            raise Refused("The store service answers learners and tutors, not other services.")
        name, groups = model.get("name"), model.get("groups") or ()
        if not isinstance(name, str) or not isinstance(groups, list | tuple):
            raise Refused("The hub did not say who owns this token.")
        return cls(name, frozenset(g for g in groups if isinstance(g, str)))

    def tutors(self, cohort: str) -> bool:
        return tutor_group(cohort) in self.groups

    def learns_in(self, cohort: str) -> bool:
        return learner_group(cohort) in self.groups and ids.is_learner(self.name)


def in_cohort(caller: Caller, cohort: str) -> None:
    """The caller is one of the cohort's learners or tutors."""
    if not (caller.learns_in(cohort) or caller.tutors(cohort)):
        raise Refused(f"{caller.name} is neither a learner nor a tutor in cohort {cohort}.")


def tutor_of(caller: Caller, cohort: str) -> None:
    """The caller is one of the cohort's tutors."""
    if not caller.tutors(cohort):
        raise Refused(f"Only the tutors of cohort {cohort} may do this; {caller.name} is not one.")


def may_read(caller: Caller, cohort: str, learner: str) -> None:
    """A learner reads their own records in their cohort; the cohort's tutors read anyone's."""
    if caller.tutors(cohort):
        return
    if learner == caller.name and caller.learns_in(cohort):
        return
    if learner == caller.name:
        raise Refused(f"{caller.name} is not a learner in cohort {cohort}.")
    raise Refused(f"{caller.name} may read only their own records, not {learner}'s.")


def may_write(caller: Caller, cohort: str, learner: str) -> None:
    """Only the learner saves their ratings, notes and attempts, in their own cohort."""
    if learner != caller.name:
        raise Refused(f"{caller.name} may save only their own records, not {learner}'s.")
    if not caller.learns_in(cohort):
        raise Refused(f"{caller.name} is not a learner in cohort {cohort}.")


def may_verify(caller: Caller, cohort: str, learner: str, role: str) -> None:
    """Anyone checks only their own access code, as what they are in the cohort."""
    if learner != caller.name:
        raise Refused(f"{caller.name} may check only their own access code.")
    if role == "tutor":
        tutor_of(caller, cohort)
    elif not caller.learns_in(cohort):
        raise Refused(f"{caller.name} is not a learner in cohort {cohort}.")


def own_subjects(caller: Caller, subjects: Iterable[object]) -> list[str]:
    """The sign-in throttle's subjects, if each is the caller's own id or a page's id."""
    found = list(subjects)
    if not found or len(found) > MAX_SUBJECTS:
        raise ValueError(f"Give 1 to {MAX_SUBJECTS} sign-in subjects.")
    for subject in found:
        if not isinstance(subject, str):
            raise ValueError("Each sign-in subject must be text.")
        if subject != f"learner:{caller.name}" and not _CLIENT.fullmatch(subject):
            raise Refused(f"{caller.name} may count sign-ins only against their own id.")
    return [str(s) for s in found]
