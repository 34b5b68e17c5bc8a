"""Identifiers and the limits on what learners type: every grammar and limit, written once.

The catalog, the store, the widgets, the cohort schema and the classroom all check ids with
these functions, so an id one of them accepts is never refused by another.

- Unit: its URN, ``INSCS027``.
- Criterion: ``INSCS027.PC10`` (performance criterion 10) or ``INSCS027.KU7`` (knowledge item
  7), numbered as in the standard: no zero and no leading zeros, so each has one spelling.
- Exercise: ``INSCS027.risk-classification``: the unit, a dot and a name of letters, digits,
  hyphens or underscores.
- Cohort slug: ``retail-l2-2027-01``: lower-case letters, digits and hyphens, starting and
  ending with a letter or digit, at most 64. It names a folder (``build/<slug>/``) and a
  cohort in the store; ``default`` is the cohort of learners not grouped into cohorts.
- Learner: ``a.khan``: 1 to 64 letters, digits, full stops, hyphens or underscores.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

DEFAULT_COHORT = "default"
"""The cohort slug used when learners are not grouped into cohorts."""

# --- limits: what the store keeps, and so what a widget may send --------------------------------

MAX_RATING = 64
"""Characters in a rating label."""
MAX_SCALE = 20
"""Labels in a rating scale."""
MAX_EVIDENCE = 20_000
"""Characters in one evidence note."""
MAX_FEEDBACK = 5_000
"""Characters in a tutor's feedback on a criterion they sign off or return: a few paragraphs
the learner can act on. Counted in code points, as evidence notes are."""
MAX_ANSWER = 200_000
"""Characters of JSON in one exercise answer: generous for any exercise."""
MAX_ANSWER_TEXT = 5_000
"""Characters in one field of an exercise answer."""
MAX_ANSWER_ITEMS = 100
"""Entries in one list field of an exercise answer."""
MAX_ID = 64
"""Characters in a learner id, a cohort slug or an exercise's name."""
MAX_MESSAGE_TEXT = MAX_ANSWER + 1_000
"""Characters of text (every string and key) in one message from the browser: an exercise
answer's worth and its envelope. An evidence note fits well inside."""
MAX_MESSAGE_VALUES = 2_000
"""Values (strings, numbers, lists, objects, keys) in one message from the browser. The
largest form has 18 fields and 63 options in all; a message needs a few hundred at most."""
MAX_MESSAGE_DEPTH = 4
"""Lists and objects inside one another in a message: the message, an answer, a list field,
one spare. (Entries in any one list or object: MAX_ANSWER_ITEMS.)"""

# --- limits: how fast and how much one learner may save (the store enforces them, per learner
# of a cohort, across every kernel and page the learner has open) --------------------------------

MAX_SAVES_PER_MINUTE = 600
"""Saves (checklist changes and exercise checks together) one learner may make in any 60
seconds. The checklist saves an item at most once every 0.6 s while the learner types, so a
person stays far below this; a script does not."""
MAX_SAVED_CHARS_PER_MINUTE = 1_000_000
"""Characters of evidence notes and exercise answers one learner may save in any 60 seconds:
fifty full-length notes. Saving 200 notes of 20,000 characters in 9 seconds stops at fifty."""
HISTORY_PER_CRITERION = 1_000
"""Versions of one criterion's rating and note kept in its history, at most."""
HISTORY_CHARS_PER_CRITERION = 500_000
"""Characters of notes kept in one criterion's history, at most: twenty-five full-length
versions, or hundreds of short ones. Past either limit the oldest drafts are dropped; the
current value is never touched (see HISTORY_NEWEST_KEPT)."""
HISTORY_NEWEST_KEPT = 20
"""The newest versions of a criterion, always kept (20 full-length notes fit the limit above).
Of older versions the store keeps, before any draft, the first one, every one where the
rating changed (what the learner's evidence was when they claimed each rating) and the last
one before each pause of HISTORY_PAUSE_SECONDS or more (where the learner left it at the end
of a sitting)."""
HISTORY_PAUSE_SECONDS = 30 * 60
"""A gap between two saves of a criterion at least this long ends a sitting (see above)."""
ATTEMPTS_PER_EXERCISE = 100
"""Attempts at one exercise kept for a learner; past this the oldest are dropped, except the
first attempt and the best-scoring one."""

# --- grammars ------------------------------------------------------------------------------------

URN = r"INSCS[0-9]{3}"
CRITERION = rf"({URN})\.(PC|KU)([1-9][0-9]{{0,3}})"
EXERCISE = rf"({URN})\.([A-Za-z0-9][A-Za-z0-9_-]{{0,{MAX_ID - 1}}})"
COHORT = rf"[a-z0-9](?:[a-z0-9-]{{0,{MAX_ID - 2}}}[a-z0-9])?"
LEARNER = rf"[A-Za-z0-9._-]{{1,{MAX_ID}}}"

_URN = re.compile(URN)
_CRITERION = re.compile(CRITERION)
_EXERCISE = re.compile(EXERCISE)
_COHORT = re.compile(COHORT)
_LEARNER = re.compile(LEARNER)

LEARNER_RULE = (
    "A learner id is 1 to 64 letters, digits, full stops, hyphens or underscores, "
    "for example a.khan"
)
COHORT_RULE = (
    "lower-case letters, digits and hyphens (at most 64), starting and ending with a letter "
    "or digit"
)

Kind = Literal["performance", "knowledge"]
KIND_PREFIX: dict[str, str] = {"performance": "PC", "knowledge": "KU"}
_PREFIX_KIND: dict[str, Kind] = {"PC": "performance", "KU": "knowledge"}


def _full(pattern: re.Pattern[str], value: object) -> re.Match[str] | None:
    return pattern.fullmatch(value) if isinstance(value, str) else None


def is_unit(value: object) -> bool:
    """True for a URN in the suite's form, such as ``INSCS027`` (whether or not it exists)."""
    return _full(_URN, value) is not None


def is_criterion(value: object) -> bool:
    return _full(_CRITERION, value) is not None


def is_exercise(value: object) -> bool:
    return _full(_EXERCISE, value) is not None


def is_cohort(value: object) -> bool:
    return _full(_COHORT, value) is not None


def is_learner(value: object) -> bool:
    return _full(_LEARNER, value) is not None


class CriterionId(NamedTuple):
    """A criterion id taken apart: ``INSCS027.PC10`` is ("INSCS027", "performance", 10)."""

    urn: str
    kind: Kind
    number: int

    @property
    def short(self) -> str:
        """``PC10``: the id within its unit."""
        return f"{KIND_PREFIX[self.kind]}{self.number}"

    def __str__(self) -> str:
        return f"{self.urn}.{self.short}"


def criterion_id(urn: str, kind: Kind, number: int) -> str:
    """The id of a unit's criterion: ("INSCS027", "performance", 10) -> ``INSCS027.PC10``."""
    return str(CriterionId(urn, kind, number))


def parse_criterion(value: str) -> CriterionId:
    """Take a criterion id apart; ValueError if it is not one."""
    match = _full(_CRITERION, value)
    if match is None:
        raise ValueError(
            f"{value!r} is not a criterion id: expected a unit URN, a dot, PC or KU and the "
            "item number, such as 'INSCS027.PC10' or 'INSCS027.KU7'"
        )
    return CriterionId(match[1], _PREFIX_KIND[match[2]], int(match[3]))


def criterion_order(value: str) -> tuple[str, int, int]:
    """Sort key: by unit, performance criteria before knowledge items, then by number."""
    parsed = parse_criterion(value)
    return parsed.urn, 0 if parsed.kind == "performance" else 1, parsed.number


def unit_of(value: str) -> str:
    """The unit a criterion or exercise id belongs to: ``INSCS027.PC10`` -> ``INSCS027``."""
    return value.partition(".")[0]


def local(value: str) -> str:
    """The part of a criterion or exercise id within its unit: ``INSCS027.PC10`` -> ``PC10``."""
    return value.partition(".")[2]


def slugify(name: str) -> str:
    """A cohort slug from a cohort's name: 'Retail Level 2, January 2027' ->
    'retail-level-2-january-2027'; '' when the name has no letters or digits."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:MAX_ID].strip("-")
