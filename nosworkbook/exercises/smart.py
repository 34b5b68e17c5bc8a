"""SMART targets: read a written target and say which of the five SMART tests it passes, and why.

Common usage reads SMART as Specific, Measurable, Achievable, Relevant, Time-bound. Doran (1981)
had Assignable and Realistic, and variants exist: some standards in this suite (INSCS035) read R
as Realistic. This checker asks for Relevant and covers realism under Achievable. Learners write
targets every way English allows, so the tests read the target's grammar (word classes and
lemmas from `toolkit.english`), not a list of expected words; each test says why it passed or
what to add. Agreement with a tutor's labels is measured in benchmarks/marking.md.

- Specific: an action, where English puts an instruction's or a pledge's verb ("Decrease...",
  "I will log...", "My aim is to cut...", "Jordan to update..."), or a noun-first change
  ("complaint replies reduced to...", "call waiting time down to..."), and a named thing it
  acts on. Effort or a state is not an action ("try to", "focus on", "be better", "keep calm",
  "know", "learn more about"), and a general verb of change needs a thing more precise than
  "customer service" or "performance".
- Measurable: a figure that measures (a percentage, a count, a time, "8/10", "halve", "3 a
  day"), not a label ("24/7", "1st line", "Model 500", "3-step", "Covid-19") nor a date; or a
  one-off action that is done or not done ("publish", "set up", "attend"); or an absolute
  ("every complaint", which can be checked but fails Achievable). A comparative with no figure
  ("faster") is not measurable.
- Achievable: no absolutes or impossible figures wherever they stand ("always", "never",
  "every customer", "100% of", "to zero", "no customer should", "by 150%" of a fall, "6 out of
  5"); the words found are named.
- Relevant: a thing the target names shares a lemma (or a close spelling, or an acronym) with
  the goal, its keywords, the scenario in every sector's wording and the criteria the exercise
  evidences; the action's verb does not count ("answer" fits any target), nor do broad words,
  dates or names; a target about the learner's own life ("my personal emails") is not relevant;
  one about the person the goal names, and nothing else, is.
- Time-bound: a future date or a period by which it is done or reviewed: "by 31 March 2030",
  "by 31/03/2030" (day first), "by the end of June" (the next end of June), "by the end of Q2",
  "by 2027", "in 2027", "by year end", "by Christmas", "by Easter 2027" (Easter from dateutil),
  "by the summer bank holiday" (the `holidays` calendar), "within six weeks", "each month",
  "3 a week". A date before `today` is not time-bound ("that date has passed"), nor is an
  impossible date, nor a start date alone ("starting 4 January 2027"). Periods in seconds,
  minutes, hours, working days, or under a week ("within 5 working days") read as a service
  standard for each case, not as when the target is met.

Text is read up to `MAX_CHARS`; a target longer than `LONG_CHARS` is neither specific nor
measurable (too long to be a clear target).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from dateutil.easter import easter

from nosworkbook import catalog
from nosworkbook.exercises.base import Answer, Exercise, Part, Result, answer_text, register
from nosworkbook.exercises.toolkit import calendar as calendar_days
from nosworkbook.exercises.toolkit import english
from nosworkbook.exercises.toolkit.wording import variants


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


MAX_CHARS = 2_000
LONG_CHARS = 400

# What a verb means cannot be read off its class: these say how the action in a target is
# judged. Effort, not an action: "try to", "hope to", "focus on", "work on", "be better".
EFFORT_VERBS = _words(
    "try attempt hope strive endeavour focus concentrate look work think feel wish support seem "
    "become know understand stay remain have"
)
# A general verb of change says nothing on its own: its object must name the thing.
GENERAL_VERBS = _words(
    "improve increase raise boost enhance develop change make do better grow get review help "
    "support monitor"
)
# Intent or a wrapper: the action is the verb that follows ("aim to cut", "make sure ... logged").
INTENT_VERBS = _words("aim plan intend want need like love mean going ensure make have")
# A one-off action that is done or not done, so it is its own finish line (Measurable).
COMPLETION_VERBS = _words(
    "agree arrange attend book brief complete create deliver demonstrate design draft finish "
    "gain hold implement install introduce launch obtain organise organize pass prepare produce "
    "publish recruit replace run submit upgrade visit write trial pilot set roll start open "
    "hire appoint register enrol enroll train update put read re-read attend upskill add "
    "send display print go sit"
)
COMPLETION_PHRASES = re.compile(
    r"\b(?:in place|set(?:s|ting)? up|go(?:es)? live|sign(?:ed)? off|sign(?:ed)? up|"
    r"roll(?:ed|s)? out|up and running)\b",
    re.IGNORECASE,
)
RISING_VERBS = _words("increase raise boost grow lift improve")
_TIME_UNIT_MINUTES = {"sec": 1 / 60, "min": 1, "hou": 60, "hr": 60, "day": 480, "wee": 2400}
_FROM_TO = re.compile(
    r"\bfrom\s+(?:about\s+|around\s+)?(?P<frm>\d+(?:\.\d+)?)\s*(?P<fu>sec|min|hou|hr|day|wee)\w*"
    r"\s+(?:down\s+)?to\s+(?:under\s+|below\s+)?(?P<to>\d+(?:\.\d+)?)\s*"
    r"(?P<tu>sec|min|hou|hr|day|wee)\w*",
    re.IGNORECASE,
)


def _in_minutes(number: str, unit: str) -> float:
    return float(number) * _TIME_UNIT_MINUTES[unit.lower()]


REDUCING_VERBS = _words("reduce cut decrease lower drop shrink minimise minimize halve lessen")
# Nouns too broad to say what will change.
BROAD = _words(
    "service services customer customers thing things stuff performance quality experience "
    "experiences job jobs work standard standards skill skills level levels overall way ways "
    "improvement improvements everything something anything lot lots team teams staff people "
    "business company organisation organization department colleague colleagues member members "
    "best good better great effort efforts area areas aspect aspects side part parts knowledge "
    "understanding confidence progress"
)
# Dates and periods say when, not what: they never make a target relevant or name its object.
TIME_WORDS = _words(
    "day days week weeks fortnight fortnights month months quarter quarters year years hour "
    "hours minute minutes second seconds working business today tomorrow date time times end "
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec christmas easter monday tuesday "
    "wednesday thursday friday saturday sunday weekly monthly daily yearly annually quarterly "
    "soon asap start starting beginning"
)
# A target about the learner's own life, not the workplace goal.
PERSONAL = re.compile(
    r"\b(?:personal|private|my (?:friends?|family|mum|dad|kids|children|partner|mates?|"
    r"wife|husband|boyfriend|girlfriend|social media|phone bill|diet|weight|car|house|flat|"
    r"garden|holiday|lunch|spending|savings|fitness)|at home|in my spare time|for myself)\b",
    re.IGNORECASE,
)
COMPARATIVES = _words(
    "more fewer less better faster quicker higher lower shorter longer sooner bigger smaller "
    "improved"
)
VAGUE_TIME = re.compile(
    r"\b(?:soon|asap|as soon as possible|shortly|eventually|in the future|going forward|"
    r"over time|ongoing|in due course|a few (?:days|weeks|months)|at some point|when possible|"
    r"at some stage|one day)\b",
    re.IGNORECASE,
)

NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "half": 0.5,
    "halve": 0.5,
    "double": 2,
    "twice": 2,
    "treble": 3,
    "triple": 3,
}
_ARTICLES = {"a": 1, "an": 1}
_QUARTERS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "one": 1, "two": 2, "three": 3}
_QUARTERS["four"] = 4

MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_M = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\b"
)
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})\b"
_NUM = r"(?P<n>\d+|" + "|".join(sorted([*NUMBER_WORDS, "an", "a"], key=len, reverse=True)) + r")"
_UNIT = (
    r"(?P<unit>(?:working|business)\s+days?|days?|weeks?|fortnights?|months?|quarters?|years?|"
    r"hours?|hrs?|minutes?|mins?|seconds?|secs?)\b"
)
_DAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_I = re.IGNORECASE

_DATES = (
    ("iso", re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})\b")),
    ("numeric", re.compile(r"\b(?P<day>\d{1,2})[/.](?P<month>\d{1,2})[/.](?P<year>\d{4}|\d{2})\b")),
    ("dmy", re.compile(rf"\b(?P<day>\d{{1,2}}){_ORD}\s+(?:of\s+)?{_M}(?:,?\s+{_YEAR})?", _I)),
    ("mdy", re.compile(rf"\b{_M}\s+(?P<day>\d{{1,2}}){_ORD}\b(?:,?\s+{_YEAR})?", _I)),
    (
        "month",
        re.compile(
            rf"\b(?:(?:the\s+)?end\s+of\s+|(?:by|before|until|in|during)\s+(?:the\s+end\s+of\s+)?)"
            rf"{_M}(?:\s+{_YEAR})?",
            _I,
        ),
    ),
    ("month", re.compile(rf"\b{_M}\s+{_YEAR}", _I)),
    ("month", re.compile(rf"\b(?:at|in|for)\s+the\s+{_M}\s+(?=\w+\s+(?:meeting|review))", _I)),
    (
        "named",
        re.compile(
            r"\b(?P<name>christmas(?:\s+day|\s+eve)?|xmas|boxing\s+day|new\s+year(?:'s)?(?:\s+day)?|"
            r"easter(?:\s+sunday|\s+monday)?|good\s+friday|(?:the\s+)?(?:early\s+may|may\s+day|"
            r"spring|late\s+may|summer|august)\s+bank\s+holiday|st\.?\s+patrick'?s\s+day|"
            r"st\.?\s+andrew'?s\s+day)\b(?:\s+(?P<year>\d{4})\b)?",
            _I,
        ),
    ),
    (
        "quarter",
        re.compile(
            r"\b(?:q(?P<q>[1-4])|(?P<qw>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter|"
            r"quarter\s+(?P<qn>[1-4]|one|two|three|four))\b(?:\s+(?:of\s+)?(?P<year>\d{4})\b)?",
            _I,
        ),
    ),
    (
        "year",
        re.compile(
            r"\b(?:(?:by|before|until|in|during|for|within|through|throughout)\s+(?:the\s+)?"
            r"(?:end\s+of\s+)?"
            r"(?:the\s+)?(?:(?:calendar|financial)\s+)?(?:year\s+)?|(?:the\s+)?end\s+of\s+"
            r"(?:the\s+)?(?:year\s+)?)(?P<year>20\d{2})\b(?![/.-]\d)",
            _I,
        ),
    ),
)
_RELATIVE = (
    re.compile(r"\b(?:by|before|until|over)\s+(?:the\s+)?(?:summer|spring|autumn|winter)\b", _I),
    re.compile(r"\b(?:the\s+)?(?:financial\s+)?(?:year|yr)[-\s]?end\b", _I),
    re.compile(r"\bend\s+of\s+(?:the\s+)?(?:financial\s+)?year\b", _I),
    re.compile(
        r"\bend\s+of\s+(?:the\s+|this\s+|next\s+)?(?:current\s+)?(?:day|week|fortnight|month|"
        r"quarter|year|financial\s+year|term|season|summer|winter|spring|autumn|holidays)\b",
        _I,
    ),
    re.compile(
        r"\b(?:next|this|the\s+coming|the\s+following)\s+"
        r"(?:week|fortnight|month|quarter|year|financial\s+year)\b",
        _I,
    ),
    re.compile(rf"\b(?:by|before|until|on)\s+(?:next\s+|this\s+)?{_DAYS}\b", _I),
)
_PERIODS = (
    re.compile(
        rf"\b(?:within|in|over|during|for|after)\s+(?:the\s+(?:next|first|coming)\s+)?{_NUM}\s+"
        rf"{_UNIT}",
        _I,
    ),
    re.compile(rf"\b{_NUM}\s+{_UNIT}\s+from\s+(?:now|today)\b", _I),
)
_RECURRING = re.compile(
    r"\b(?:(?:each|every)\s+(?:(?:other|second|\d+|two|three|four|six)\s+)?"
    rf"(?:day|week|fortnight|month|quarter|year|shift|morning|afternoon|evening|{_DAYS})s?|"
    r"daily|weekly|fortnightly|monthly|quarterly|annually|yearly|"
    r"(?:\d+|once|twice|one|two|three|four|five)\s+(?:[a-z']+\s+){0,3}(?:a|an|per)\s+"
    r"(?:day|week|fortnight|month|quarter|year|shift))\b",
    _I,
)
_CUSTOMER_NOUNS = (
    r"(?:customers?|clients?|complaints?|calls?|callers?|quer(?:y|ies)|enquir(?:y|ies)|"
    r"contacts?|e-?mails?|messages?|guests?|visitors?|residents?|patients?|orders?|cases?|"
    r"problems?|issues?|requests?|chats?|times?|shoppers?|tenants?|accounts?|"
    r"enquirers?|bookings?|notes?|complainants?)"
)
# "all complaint handlers" and "every call log" are about staff and things, not every customer.
_NOT_CUSTOMERS = (
    r"(?:handlers?|advisers?|advisors?|staff|teams?|managers?|officers?|agents?|colleagues?|"
    r"logs?|process(?:es)?|procedures?|polic(?:y|ies)|records?|forms?|training|data|systems?|"
    r"desks?|lines?|centres?|templates?|scripts?|handling|reports?)\b"
)
_ABSOLUTES = (
    re.compile(
        r"\b(?:always|never|without fail|every single|perfect(?:ly)?|flawless(?:ly)?)\b", _I
    ),
    re.compile(
        rf"\b(?:every|all(?:\s+of)?(?:\s+our|\s+the|\s+my)?)\s+(?:\w+\s+)?{_CUSTOMER_NOUNS}\b"
        rf"(?!\s+{_NOT_CUSTOMERS})",
        _I,
    ),
    re.compile(r"(?<!by )\b100\s*(?:%|per\s*cent|percent)", _I),
    re.compile(
        r"\b(?:zero|no|nil)\s+(?:\w+\s+)?(?:complaints?|errors?|mistakes?|failures?|"
        r"escalations?|abandoned|missed|delays?|incidents?|accidents?|waits?|waiting|negative|"
        r"returns?|refunds?)\b",
        _I,
    ),
)
_STARTED = re.compile(
    r"\b(?:since|from|starting|started|start|starts|beginning|begin|began|begun|after|"
    r"commencing|as\s+of|with\s+effect\s+from|effective)\s+(?:on\s+|in\s+|from\s+)?(?:the\s+)?$",
    _I,
)
_TO_OVER_100 = re.compile(r"\bto\s+(\d{3,})\s*(?:%|per\s*cent|percent)", _I)
_SUPERLATIVE = re.compile(
    r"\bthe\s+(?:fastest|quickest|best|top|highest|most\s+\w+)\b.{0,30}\b(?:in|of)\s+the\s+"
    r"(?:whole\s+|entire\s+)?(?:company|business|organisation|country|uk|world|region|team)\b",
    _I,
)
_OVER_100 = re.compile(r"\b(\d{3,})\s*(?:%|per\s*cent|percent)\s+of\b", _I)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?", _I)


@dataclass(frozen=True)
class Check:
    """One SMART test: whether it holds, and a sentence telling the learner what to add."""

    ok: bool
    feedback: str


CRITERIA = ("specific", "measurable", "achievable", "relevant", "time_bound")
CRITERION_NAMES = {
    "specific": "Specific",
    "measurable": "Measurable",
    "achievable": "Achievable",
    "relevant": "Relevant",
    "time_bound": "Time-bound",
}


@dataclass(frozen=True)
class SmartAssessment:
    """A target read against the five SMART tests."""

    text: str
    specific: Check
    measurable: Check
    achievable: Check
    relevant: Check
    time_bound: Check
    deadline: date | None = None

    @property
    def checks(self) -> tuple[tuple[str, Check], ...]:
        return tuple((name, getattr(self, name)) for name in CRITERIA)

    @property
    def met(self) -> int:
        return sum(check.ok for _, check in self.checks)

    @property
    def smart(self) -> bool:
        return self.met == len(CRITERIA)


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    text: str
    kind: str  # "date", "relative", "recurring", "period", "standard", "past", "invalid"
    when: date | None = None


_TOPIC_FIRST = re.compile(
    r"^(?P<topic>[^-:\u2013]{3,60}?)\s*[-:\u2013]\s*(?P<verb>[A-Za-z]+)\s+(?:it|them)\b"
)


def _topic_first(text: str) -> str:
    """A note-form target put the usual way round: "Product knowledge - improve it by June"
    is read as "improve Product knowledge by June"."""
    m = _TOPIC_FIRST.match(text)
    if not m or not english.can_be_verb(m.group("verb")):
        return text
    return f"{m.group('verb')} {m.group('topic').strip()}{text[m.end() :]}"


def _normalise(text: str) -> str:
    text = (text or "").replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u2013", "-").replace("\u2014", "-")
    return " ".join(text.split())


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _next_on_or_after(today: date, month: int, day: int | None) -> date:
    """The next date with this month (and day, else its last day) that is not before today."""
    for year in range(today.year, today.year + 9):
        try:
            candidate = _last_day(year, month) if day is None else date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise ValueError(f"day {day} never occurs in month {month}")


def _number(word: str) -> float:
    word = word.lower()
    if word.isdigit():
        return float(word)
    return float(NUMBER_WORDS.get(word, _ARTICLES.get(word, 0)))


def _named_day(name: str, year: int) -> date:
    """The date of a named day in a year: Christmas, Easter and the bank holidays, from the
    `holidays` calendar (England and Wales for the bank holidays all nations share by name)."""
    key = " ".join(name.lower().replace(".", "").replace("'", "").split())
    key = key.removeprefix("the ")
    if key.startswith(("christmas eve",)):
        return date(year, 12, 24)
    if key.startswith(("christmas", "xmas")):
        return date(year, 12, 25)
    if key.startswith("boxing"):
        return date(year, 12, 26)
    if key.startswith("new year"):
        return date(year, 1, 1)
    if key.startswith(("easter", "good friday")):
        sunday = easter(year)
        offset = {"good friday": -2, "easter monday": 1}.get(key, 0)
        return sunday + timedelta(days=offset)
    if key.startswith("st patrick"):
        return date(year, 3, 17)
    if key.startswith("st andrew"):
        return date(year, 11, 30)
    wanted = (
        "Early May"
        if key.startswith(("early may", "may day"))
        else ("Spring" if key.startswith(("spring", "late may")) else "Summer")
    )
    days = calendar_days.bank_holidays("england-and-wales", [year])
    return next(d for d, n in days.items() if n.startswith(wanted))


def _resolve_date(kind: str, m: re.Match[str], today: date) -> tuple[str, date | None]:
    """("date" | "past" | "invalid", the date) for a matched date expression."""
    groups = m.groupdict()
    year = int(groups["year"]) if groups.get("year") else None
    if year is not None and year < 100:
        year += 2000
    if kind == "named":
        if year is not None:
            when = _named_day(groups["name"], year)
            return ("date" if when >= today else "past"), when
        when = _named_day(groups["name"], today.year)
        if when < today:
            when = _named_day(groups["name"], today.year + 1)
        return "date", when
    if kind == "year":
        assert year is not None
        when = date(year, 12, 31)
        return ("date" if when >= today else "past"), when
    if kind == "quarter":
        word = (groups.get("q") or groups.get("qw") or groups.get("qn") or "").lower()
        quarter = _QUARTERS.get(word) or int(word[0])
        month, day = quarter * 3, None
    else:
        raw = groups["month"]
        month = int(raw) if raw.isdigit() else MONTHS[raw[:3].lower()]
        day = int(groups["day"]) if groups.get("day") else None
    try:
        if year is None:
            if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
                raise ValueError
            return "date", _next_on_or_after(today, month, day)
        when = _last_day(year, month) if day is None else date(year, month, day)
    except ValueError:
        return "invalid", None
    return ("date" if when >= today else "past"), when


def find_times(text: str, today: date) -> list[_Hit]:
    """Every date, deadline, period and review rhythm in the text, left to right.

    A date that says when something starts ("starting 4 January 2027", "from March") is a
    "start", not a deadline, whether it is past or future.
    """
    hits: list[_Hit] = []

    def free(start: int, end: int) -> bool:
        return all(end <= h.start or start >= h.end for h in hits)

    for kind, pattern in _DATES:
        for m in pattern.finditer(text):
            if free(*m.span()):
                found, when = _resolve_date(kind, m, today)
                if found != "invalid" and _STARTED.search(text[: m.start()]):
                    found = "start"
                hits.append(_Hit(m.start(), m.end(), m.group(0), found, when))
    for pattern in _RELATIVE:
        for m in pattern.finditer(text):
            if free(*m.span()):
                hits.append(_Hit(m.start(), m.end(), m.group(0), "relative"))
    for m in _RECURRING.finditer(text):
        if free(*m.span()):
            hits.append(_Hit(m.start(), m.end(), m.group(0), "recurring"))
    for pattern in _PERIODS:
        for m in pattern.finditer(text):
            if not free(*m.span()):
                continue
            unit = m.group("unit").lower()
            n = _number(m.group("n"))
            short = unit.startswith(("hour", "hr", "min", "sec", "working", "business")) or (
                unit.startswith("day") and n < 7
            )
            kind = "standard" if short or n <= 0 else "period"
            hits.append(_Hit(m.start(), m.end(), m.group(0), kind))
    return sorted(hits, key=lambda h: h.start)


def _without(text: str, hits: Iterable[_Hit]) -> str:
    """The text with deadline spans blanked (same length), so their numbers are not measures."""
    chars = list(text)
    for hit in hits:
        counted = hit.kind == "recurring" and not re.match(r"(?:each|every)\b", hit.text, _I)
        if hit.kind != "standard" and not counted:  # "3 a day" is a measure, "each day" not
            chars[hit.start : hit.end] = " " * (hit.end - hit.start)
    return "".join(chars)


def _quote(words: Iterable[str]) -> str:
    items = [f"'{w}'" for w in words]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# Where English puts the verb of an instruction: first, or after one of these.
_VERB_SLOT = _words("will shall must should can could to i we they you and then also 'll")
_PARTICLES = _words("down up under below")


@dataclass(frozen=True)
class _Action:
    """The action a target states: where its verb is, and the verb's lemma."""

    position: int
    lemma: str
    effort: bool = False  # "try", "focus on", "be better": effort or a state, not an action


def _find_action(lowered: list[str]) -> _Action | None:
    """The target's action. A verb is looked for where English puts one in an instruction or a
    pledge ("Decrease...", "I will log...", "My aim is to cut..."), and the lexicon says whether
    the word there can be a verb; "make sure" and "aim to" hand on to the verb that follows.
    Failing that, a noun-first target states its change with a past form or a particle after
    the thing ("complaint replies reduced to...", "call waiting time down to 60 seconds")."""
    n = len(lowered)
    noun_first = _noun_first(lowered)
    if noun_first:
        return noun_first
    i = 0
    while i < n:
        w = lowered[i]
        before = lowered[i - 1] if i else ""
        slot = (
            i == 0
            or before in _VERB_SLOT
            or (i == 1 and before in ("by", "before", "until", "from", "in", "on"))
            or (_adverb(before) and (i == 1 or lowered[i - 2] in _VERB_SLOT))
        )
        if slot and w in ("be", "am", "is", "are", "become", "becoming"):
            return _Action(i, "be", effort=True)
        if slot and w in ("have", "has", "need", "needs") and i + 1 < n and lowered[i + 1] == "to":
            i += 2
            continue
        if slot and i == 0 and _unknown_verb(lowered):
            return _Action(0, w)
        if slot and w == "do" and i + 1 < n and lowered[i + 1] == "some":
            return _Action(i, "do", effort=True)  # "do some training": how much, of what?
        if i == 0 and w == "half" and n > 1 and lowered[1] in _DETERMINERS:
            return _Action(0, "halve")  # "Half the wait time": halve, as learners often write
        if slot and w == "do" and i + 1 < n and lowered[i + 1] in _DETERMINERS:
            return _Action(i, "do")
        if slot and english.can_be_verb(w) and w not in english.FUNCTION_WORDS:
            lemma = english.verb_lemma(w) or w
            if lemma in INTENT_VERBS:
                if lemma == "make" and i + 1 < n and lowered[i + 1] == "sure":
                    return _after_wrapper(lowered, i + 2)
                if lemma == "make" and _a_state(lowered, i, lemma):
                    return _Action(i, lemma, effort=True)  # "make Jordan's notes clear"
                if lemma in ("ensure", "make"):
                    found = _after_wrapper(lowered, i + 1)
                    if found or lemma == "ensure":
                        return found
                else:
                    i += 1
                    continue
            after = lowered[i + 1] if i + 1 < n else ""
            if lemma in EFFORT_VERBS or lemma == "be":
                return _Action(i, lemma, effort=True)
            if (lemma == "learn" and after in ("more", "about")) or (
                lemma in ("read", "look", "swot", "brush") and after in ("up", "into", "around")
            ):
                return _Action(i, lemma, effort=True)
            if (
                lemma in ("keep", "stay", "make")
                and after != "sure"
                and _a_state(lowered, i, lemma)
            ):
                return _Action(i, lemma, effort=True)  # "keep calm", "make customers happy"
            if (
                lemma == "get"
                and "to" in lowered[i + 1 : i + 5]
                and english.can_be_verb(_next_after(lowered, "to", i))
            ):
                i = lowered.index("to", i + 1) + 1  # "get the team to work harder"
                continue
            return _Action(i, lemma)
        i += 1
    return _after_wrapper(lowered, 1)


def _a_state(lowered: list[str], i: int, lemma: str) -> bool:
    """Whether "keep", "stay" or "make" at `i` names a state, not an action: "keep calm",
    "stay friendly", "keep being friendly", "keep explaining things", "make customers happy"
    (but "keep clear records" and "keep waiting times under 2 minutes" are actions)."""
    after = lowered[i + 1] if i + 1 < len(lowered) else ""
    then = lowered[i + 2] if i + 2 < len(lowered) else ""
    modifies = bool(then) and then not in english.FUNCTION_WORDS and english.can_be_noun(then)
    if after == "being":
        return True
    if "ADJ" in english.classes(after) and after not in _DETERMINERS and not modifies:
        return True
    if english.is_gerund(after) and (not modifies or then in BROAD):
        return True
    window = lowered[i + 1 : i + 6]
    for j in range(1, len(window)):  # "make Jordan's notes clear", "keep my explanations clear"
        word, before = window[j], window[j - 1].removesuffix("'s")
        ends = j + 1 >= len(window) or window[j + 1] in (*english.FUNCTION_WORDS, "enough")
        if (
            "ADJ" in english.classes(word)
            and english.can_be_noun(before)
            and before not in _DETERMINERS
            and ends
        ):
            return True
    return False


def _next_after(lowered: list[str], word: str, start: int) -> str:
    """The word after the first `word` from `start` on ("" if none)."""
    at = lowered.index(word, start + 1)
    return lowered[at + 1] if at + 1 < len(lowered) else ""


def _adverb(word: str) -> bool:
    """An adverb before the verb ("never put", "always call", "definately reduce")."""
    if not word or word in english.FUNCTION_WORDS:
        return False
    found = english.classes(word)
    return (bool(found) and set(found) <= {"ADV"}) or (not found and word.endswith("ly"))


def _unknown_verb(lowered: list[str]) -> bool:
    """A first word the lexicon does not know ("upskill", "onboard") reads as the verb of an
    instruction when what follows is the start of its object ("the", "6", "all", "my")."""
    w = lowered[0]
    return (
        not english.classes(w)
        and w not in english.FUNCTION_WORDS
        and w[:1].isalpha()
        and len(lowered) > 1
        and (lowered[1][:1].isdigit() or lowered[1] in _DETERMINERS)
    )


_DETERMINERS = frozenset(
    [
        "the",
        "a",
        "an",
        "all",
        "my",
        "our",
        "their",
        "his",
        "her",
        "every",
        "each",
        "some",
        "this",
        "these",
    ]
)


def _noun_first(lowered: list[str]) -> _Action | None:
    """A target that names the thing first and then its change: "complaint replies reduced to
    3 days", "call waiting time down to 60 seconds" (nouns, then a past form or a particle
    followed by "to", "by" or "from")."""
    if (
        lowered
        and re.fullmatch(r"\d+(?:\.\d+)?%?", lowered[0])
        and len(lowered) > 1
        and english.can_be_noun(lowered[1])
    ):
        return _Action(0, "reach")  # "100% first contact resolution by 2027"
    for i, w in enumerate(lowered[:6]):
        follows = lowered[i + 1] if i + 1 < len(lowered) else ""
        if i >= 1 and follows in ("to", "by", "from", "under", "below"):
            if w in _PARTICLES:
                return _Action(i, w)
            if english.is_past_participle(w):
                return _Action(i, english.verb_lemma(w) or w)
        if w in english.FUNCTION_WORDS or not (english.can_be_noun(w) or english.is_gerund(w)):
            break
    level = next((i for i, w in enumerate(lowered[:7]) if w == "to"), None)
    if (
        level
        and level + 1 < len(lowered)
        and lowered[level + 1][:1].isdigit()
        and english.can_be_noun(lowered[0])
        and not english.can_be_verb(lowered[0])
    ):
        return _Action(level, "reach")  # "complaint resolution in 5 days to 85% by June"
    return None


def _after_wrapper(lowered: list[str], start: int) -> _Action | None:
    """A past form or particle stating the change after the thing (noun-first targets, and the
    clause after "make sure": "every complaint is logged")."""
    for i in range(max(start, 1), len(lowered)):
        w = lowered[i]
        if w in english.FUNCTION_WORDS and w not in _PARTICLES:
            continue
        if w in _PARTICLES and i + 1 < len(lowered) and lowered[i + 1] in ("to", "by", "from"):
            return _Action(i, w)
        if w in ("working", "business"):
            continue
        if not english.classes(w) and i + 1 < len(lowered) and lowered[i + 1] in _DETERMINERS:
            return _Action(i, w)  # "make sure customers recieve a reply"
        if lowered[i - 1] == "to" and english.can_be_verb(w):
            lemma = english.verb_lemma(w) or w
            return _Action(i, lemma, effort=lemma in EFFORT_VERBS)  # "no one has to wait"
        if (
            english.is_past_participle(w)
            or english.is_gerund(w)
            or (i > start and english.can_be_verb(w) and not english.can_be_noun(w))
        ):
            lemma = english.verb_lemma(w) or w
            if lemma in EFFORT_VERBS or lemma == "be":
                return _Action(i, lemma, effort=True)
            return _Action(i, lemma)
    return None


def _objects(words: list[str], action: _Action | None) -> list[str]:
    """The words naming what changes: content words that can be nouns, after the action (or
    before it, in a noun-first target), less dates, numbers and the action itself."""
    lowered = [w.lower() for w in words]
    where = action.position if action else 0
    order = list(range(where + 1, len(words)))
    if action and (
        action.lemma in (*_PARTICLES, "reach")
        or (where > 0 and english.is_past_participle(lowered[where]))
        or (where > 1 and lowered[where - 1] == "to")
    ):
        order = list(range(where)) + order  # the thing comes before its change or its "to"
    names = {
        i
        for i in order
        if _a_name(lowered[i]) and words[i][:1].isupper() and not words[i].isupper()
    }
    return [
        lowered[i]
        for i in order
        if i not in names
        for w in [lowered[i]]
        if len(w) >= 3
        and w not in english.FUNCTION_WORDS
        and w not in TIME_WORDS
        and w not in NUMBER_WORDS
        and not w[0].isdigit()
        and (english.can_be_noun(w) or english.is_gerund(w))
        and (english.verb_lemma(w) not in EFFORT_VERBS | {"be"})
    ]


def _head_noun(words: list[str], action: _Action) -> str | None:
    """The head of the noun phrase the action acts on: its last noun before a preposition or
    the end ("my product knowledge" -> "knowledge", "complaint handling" -> "handling")."""
    head = None
    for word in words[action.position + 1 :]:
        w = word.lower().removesuffix("'s")
        if w in _DETERMINERS or w in ("your",):
            if head:
                break
            continue
        if w in english.FUNCTION_WORDS or w[:1].isdigit():
            break
        if english.can_be_noun(w) or english.is_gerund(w):
            head = w
        elif head:
            break
    return head


def _specific(words: list[str], length: int) -> Check:
    if length > LONG_CHARS:
        return Check(
            False,
            f"At {length} characters this is too long to be a clear target: keep it to one "
            f"sentence of under {LONG_CHARS} characters that says what will be done.",
        )
    lowered = [w.lower() for w in words]
    action = _find_action(lowered)
    if action is None:
        return Check(
            False,
            "Say what will be done: start with an action, such as reduce, answer, log or set up.",
        )
    said = words[action.position].lower()
    if action.effort:
        return Check(
            False,
            f"'{said}' says what you will try or be, not what you will do: name the action, "
            "such as 'reduce', 'answer', 'log' or 'set up'.",
        )
    things = _objects(words, action)
    if not things:
        return Check(
            False,
            f"You say '{said}', but not clearly what: name the thing that will change, such as "
            f"'complaint reply times' or 'the returns policy'.",
        )
    head = _head_noun(words, action)
    vague = all(w in BROAD for w in things) or (head in BROAD and action.lemma in GENERAL_VERBS)
    if vague and (action.lemma in GENERAL_VERBS or len(things) > 1):
        return Check(
            False,
            f"'{' '.join(things[:3])}' is too broad: name exactly what will change, such as "
            f"'call waiting time' or 'replies to complaints'.",
        )
    specific = [w for w in things if w not in BROAD and w not in PLAIN_ADJECTIVES]
    named = next((w for w in specific if "ADJ" not in english.classes(w)), None)
    named = named or (specific or things)[0]
    return Check(True, f"Specific: it says what will be done ('{said}') and to what ('{named}').")


# A number that measures: not part of a label ("24/7", "3-step", "1st", "Covid-19", "Model 500").
_MEASURE = re.compile(
    r"(?<![\w/.\-])(?P<n>\d+(?:\.\d+)?(?:/(?:5|10|100)\b|\s+out\s+of\s+\d+)?)"
    r"(?:(?P<unit>hrs?|mins?|secs?|kg|k|p)\b|(?![\w/\-]|\.\d))(?!\s+(?![ai]\b)[a-z]\b)"
    r"\s*(?P<pc>%|per\s*cent|percent)?",
    _I,
)
_LABEL_BEFORE = re.compile(
    r"(?:\S\s+(?:[A-Z][a-z]+|[A-Z]{2,})|\b(?:no\.?|number|room|floor|line|level|step|phase|"
    r"version|model|till|desk|window|gate|unit|covid))\s*$"
)
_NUMBER_WORD = re.compile(
    r"\b(?:"
    + "|".join(sorted((w for w in NUMBER_WORDS if w not in ("halve",)), key=len, reverse=True))
    + r"|a\s+third|a\s+quarter)\b",
    _I,
)


_WHERE_IT_IS = re.compile(r"\b(?:the|than\s+the|waiting|currently|now)\s*$", _I)
_A_TIME_UNIT = re.compile(rf"\s*(?:-\s*)?{_UNIT}", _I)


def _a_measure(clean: str) -> str | None:
    """The first figure in the text that measures something, or None."""
    for m in _MEASURE.finditer(clean):
        before = clean[: m.start()]
        if _WHERE_IT_IS.search(before) and _A_TIME_UNIT.match(clean[m.end() :]):
            continue  # "the 3 working day wait", "longer than the five days": where it is now
        if (
            not m.group("pc")
            and _LABEL_BEFORE.search(before)
            and not re.search(
                r"\b(?:to|by|under|below|over|above|than|within|from|at|least|most|of|in)\s*$",
                before,
                _I,
            )
        ):
            continue
        return m.group(0).strip()
    for m in _NUMBER_WORD.finditer(clean):
        word = m.group(0).lower()
        if _WHERE_IT_IS.search(clean[: m.start()]) and _A_TIME_UNIT.match(clean[m.end() :]):
            continue
        after = clean[m.end() :].lstrip()
        if word in ("one", "a third", "a quarter", "half"):
            following = english.words(after)[:1]
            if not following or following[0].lower() in english.FUNCTION_WORDS:
                continue
        return m.group(0)
    once = re.search(r"\b(?:once|twice)\s+(?:a|an|per|every|each)\s+\w+", clean, _I)
    return once.group(0) if once else None


def _measurable(clean: str, words: list[str], action: _Action | None, length: int) -> Check:
    lowered = [w.lower() for w in words]
    absolute = _an_absolute(clean)
    if absolute and action and not action.effort:
        return Check(True, f"Measurable: '{absolute}' can be checked (did it ever not happen?).")
    figure = _a_measure(clean)
    if figure and action and action.lemma in GENERAL_VERBS and _head_noun(words, action) in BROAD:
        return Check(
            False,
            f"'{figure}' of what? Name the figure you will count, such as 'the share of calls "
            "answered within 20 seconds'.",
        )
    if figure:
        return Check(True, f"Measurable: '{figure}' can be checked.")
    halves = next(
        (w for w in lowered if english.verb_lemma(w) in ("halve", "double", "treble", "triple")),
        None,
    )
    if halves:
        return Check(True, f"Measurable: '{halves}' can be checked.")
    comparative = next((w for w in lowered if w in COMPARATIVES), None)
    phrase = COMPLETION_PHRASES.search(clean) or _DONE.search(clean)
    done = None
    if action and not action.effort and not comparative and _telic(action, words):
        said = f"{words[action.position].lower()} {_object_phrase(words, action)}".strip()
        return Check(True, f"Measurable: '{said}' gives a yes or no test: was it done?")
    if action and not action.effort and not comparative:
        verbs = [action.position] + [
            i + 1
            for i, w in enumerate(lowered[:-1])
            if w in ("and", "to", "then") and english.can_be_verb(lowered[i + 1])
        ]
        done = next(
            (
                words[i]
                for i in verbs
                if _lemma(lowered[i]) in COMPLETION_VERBS and not _bare_plural(lowered, i)
            ),
            None,
        )
    if (phrase and not comparative) or done:
        said = phrase.group(0) if phrase and not comparative else str(done).lower()
        return Check(True, f"Measurable: '{said}' gives a yes or no test: was it done?")
    lead = f"'{comparative}' needs a number: by how much, or to what level? " if comparative else ""
    return Check(
        False,
        lead + "Add how you will know it is met: a number or percentage ('to 85%', 'under 2 "
        "minutes') or a finish line that is done or not done ('complete', 'publish').",
    )


_IMPOSSIBLE = (
    re.compile(r"\bstop\s+(?:\w+\s+)?any\b", _I),
    re.compile(r"\bnot\s+(?:\w+\s+){0,2}at\s+all\b", _I),
    re.compile(
        r"\b(?:to|down\s+to|at|reach(?:es|ing)?|hit|of)\s+(?:zero|0|nil|none|nothing)\b", _I
    ),
    re.compile(
        r"\b(?:no|not\s+(?:a\s+single|one|any))\s+(?:\w+\s+)?(?:customers?|callers?|guests?|"
        r"residents?|clients?|visitors?|patients?|tenants?|shoppers?|calls?|e-?mails?|"
        r"complaints?|one)\s+(?:should|will|shall|must|would|ever|has|have|is|are|to|waits?|"
        r"left|goes?|leaves?|needs?)\b",
        _I,
    ),
)
_BY_PERCENT = re.compile(
    r"\b(?:by\s+(?P<n>\d+(?:\.\d+)?)\s*(?:%|per\s*cent|percent)|"
    r"(?P<more>\d+(?:\.\d+)?)\s*(?:%|per\s*cent|percent)\s+more\b)",
    _I,
)
_OUT_OF = re.compile(r"\b(\d+(?:\.\d+)?)\s*(?:/|out\s+of\s+)(5|10|100)\b(?![/.\-]\d)", _I)


# Verbs of degree: "reduce complaints" or "improve replies" says nothing of how much, so they
# need a figure; other actions on a definite thing are done or not ("redecorate the staff
# room", "take the bus", "re-read the notes policy").
SCALAR_VERBS = _words(
    "reduce cut decrease lower minimise minimize improve increase raise boost grow speed "
    "shorten lengthen lift drop enhance develop build better extend expand maximise maximize "
    "lessen halve double get keep make help shadow learn use practise practice spend talk work"
)
_DONE = re.compile(
    r"\b(?:finished|completed|done|published|launched|installed|in\s+place|signed\s+off)\b", _I
)


def _bare_plural(lowered: list[str], i: int) -> bool:
    """Whether the verb at `i` acts on things in general ("write case notes", "publish
    reports"): an activity that goes on, not one thing done."""
    after = [w for w in lowered[i + 1 : i + 4] if w not in english.FUNCTION_WORDS][:2]
    first = lowered[i + 1] if i + 1 < len(lowered) else ""
    if not after or first in (*_DETERMINERS, "your") or first[:1].isdigit():
        return False
    return any(
        w.endswith("s") and "NOUN" in english.classes(w) and w not in english.lemmas(w) - {w}
        for w in after[-1:]
    ) and all(english.can_be_noun(w) for w in after)


def _telic(action: _Action, words: list[str]) -> bool:
    """Whether the action is a one-off on a definite thing, so it is done or not done."""
    lemma = action.lemma.split("-")[-1]
    if lemma in SCALAR_VERBS or action.lemma in SCALAR_VERBS or action.lemma in _PARTICLES:
        return False
    after = [w.lower() for w in words[action.position + 1 : action.position + 4]]
    definite = (*_DETERMINERS, "your")
    return bool(after) and after[0] in definite and after[0] != "some"


def _object_phrase(words: list[str], action: _Action) -> str:
    phrase = []
    for word in words[action.position + 1 : action.position + 6]:
        if phrase and word.lower() in english.FUNCTION_WORDS:
            break
        phrase.append(word)
    return " ".join(phrase)


def _lemma(word: str) -> str:
    return english.verb_lemma(word) or word


def _an_absolute(text: str) -> str | None:
    """The first absolute or impossible figure in the text ("always", "to zero"), or None."""
    for pattern in (*_ABSOLUTES, *_IMPOSSIBLE):
        m = pattern.search(text)
        if m:
            return m.group(0).strip()
    return None


def _achievable(text: str, words: list[str]) -> Check:
    for pattern in (*_ABSOLUTES, *_IMPOSSIBLE):
        m = pattern.search(text)
        if m:
            return Check(
                False,
                f"'{m.group(0).strip()}' leaves no room for error, so the target is unlikely to be "
                f"met: set a level the team can reach, such as 90% or 95%, and review it.",
            )
    m = _OVER_100.search(text)
    if m and int(m.group(1)) > 100:
        return Check(False, f"'{m.group(0)}' is more than all of them: use a share up to 100%.")
    m = _TO_OVER_100.search(text)
    if m and int(m.group(1)) > 100:
        return Check(False, f"'{m.group(0)}' is more than all of them: use a level up to 100%.")
    m = _SUPERLATIVE.search(text)
    if m:
        return Check(
            False,
            f"'{m.group(0)}' depends on everyone else too: set a level you can reach yourself.",
        )
    m = _OUT_OF.search(text)
    if m and float(m.group(1)) > float(m.group(2)):
        return Check(False, f"'{m.group(0)}' is above the top of the scale: aim within it.")
    reducing = any(english.verb_lemma(w) in REDUCING_VERBS for w in words)
    rising = any(english.verb_lemma(w) in RISING_VERBS for w in words)
    m = _BY_PERCENT.search(text)
    if m and rising and m.group("n") and 50 <= float(m.group("n")) <= 100:
        return Check(
            False,
            f"'{m.group(0)}': a rise of half again or more is rarely within reach; check it "
            "against where the figure is now and set a step the team can make.",
        )
    drop = _FROM_TO.search(text)
    if drop and _in_minutes(drop.group("to"), drop.group("tu")) * 20 < _in_minutes(
        drop.group("frm"), drop.group("fu")
    ):
        return Check(
            False,
            f"'{drop.group(0)}' is a cut of more than 95% in one go: set a step the team can "
            "reach first.",
        )
    for m in _BY_PERCENT.finditer(text):
        n = float(m.group("n") or m.group("more"))
        if (reducing and n >= 100) or n > 100:
            what = "cannot fall by" if reducing else "is unlikely to grow by"
            return Check(
                False,
                f"'{m.group(0)}': a figure {what} that much; set a change the team can reach, "
                "such as 10% or 20%.",
            )
    return Check(
        True,
        "Achievable: it sets no absolute such as 'always' or 'every customer'; check the "
        "level with the people who will do it.",
    )


def _relevant(
    words: list[str],
    text: str,
    action: _Action | None,
    subject: set[str],
    names: frozenset[str] = frozenset(),
    examples: tuple[str, ...] = (),
) -> Check:
    """Relevant when a thing the target names belongs to the goal's subject (its goal,
    scenario and criteria, by lemma), and it is not about the learner's own life. The action
    verb does not count: "answer" fits any target. A target that names the person the goal is
    about ("Jordan") and nothing else is relevant; one that turns to another thing ("Jordan to
    sell more upgrades") is not."""
    if not subject:
        return Check(
            True,
            "Relevant: no goal was given to compare it with; check it serves your team's aims.",
        )
    personal = PERSONAL.search(text)
    if personal:
        return Check(
            False,
            f"'{personal.group(0)}' is about your own life, not the goal: write a target for "
            "the work the goal describes.",
        )
    lowered = [w.lower() for w in words]
    shared: list[str] = []
    person = next(
        (w for w in words if w.lower().removesuffix("'s") in names or w.lower()[:-1] in names),
        None,
    )
    others: list[str] = []
    for i, (word, w) in enumerate(zip(words, lowered, strict=True)):
        if action and i == action.position:
            continue  # the action's verb fits any target ("answer my personal emails")
        w = w.removesuffix("'s")
        if w.endswith("s") and w[:-1] in names:
            w = w[:-1]  # "Jordans progress"
        after_modal = i > 0 and lowered[i - 1] in ("to", "can", "could", "will", "would")
        if (
            w in names
            or w in COMPARATIVES
            or (after_modal and english.can_be_verb(w) and english.verb_lemma(w) == w)
        ):
            continue  # a name, or a verb after "to" ("learn to use"): neither is a thing
        if (
            len(w) < 3
            or w in english.FUNCTION_WORDS
            or w in TIME_WORDS
            or w in BROAD
            or w in NUMBER_WORDS
            or w in PLAIN_ADJECTIVES
            or english.verb_lemma(w) in GENERAL_VERBS | EFFORT_VERBS | INTENT_VERBS
            or (i > 0 and word[:1].isupper() and not word.isupper() and _a_name(w))
        ):
            continue
        found = english.matches(w, subject) or _acronym(word, subject)
        if not found and w.endswith("ly"):
            found = english.matches(w[:-2], subject)  # "clearly" -> "clear"
        if found and w not in shared:
            shared.append(w)
        elif not found and english.can_be_noun(w) and not english.is_gerund(w):
            others.append(w)
    if shared:
        return Check(True, f"Relevant: it links to the goal through {_quote(shared[:3])}.")
    if person and not others:
        return Check(True, f"Relevant: it is about {person}, whom the goal is about.")
    lead = "Link it to the goal: say which part of it this target moves, naming the thing it "
    lead += "changes in the goal's own words"
    return Check(False, lead + (f", such as {_quote(examples)}." if examples else "."))


# Adjectives that fit any subject, so sharing one links nothing.
PLAIN_ADJECTIVES = _words(
    "average new current total overall main own other good bad high low big small first last "
    "next same different personal online"
)


def goal_names(texts: Iterable[str]) -> frozenset[str]:
    """The people the goal names ("Jordan"), lower-cased."""
    found = set()
    for text in texts:
        for m in re.finditer(r"\b[A-Z][a-z]+\b", str(text)):
            if _a_name(m.group(0).lower()):
                found.add(m.group(0).lower())
    return frozenset(found)


def _without_names(text: str) -> str:
    """The text less people's names ("Jordan", "Priya"): a name is the goal's who, not what."""
    return re.sub(
        r"\b[A-Z][a-z]+(?:'s)?\b",
        lambda m: "" if _a_name(m.group(0).removesuffix("'s").lower()) else m.group(0),
        text,
    )


def _a_name(word: str) -> bool:
    """A capitalised word mid-sentence that the lexicon knows only as a name, or not at all."""
    found = english.classes(word)
    return not found or set(found) <= {"PROPN"}


def _acronym(word: str, subject: set[str]) -> str | None:
    """An acronym ("FCR", "CSAT") whose letters start consecutive words of the subject."""
    if not (word.isupper() and 2 <= len(word) <= 5):
        return None
    return word.lower() if word.lower() in subject else None


def subject_vocabulary(texts: Iterable[str]) -> set[str]:
    """The lemmas a relevant target may name: the content words of the goal, the scenario and
    the criteria, less broad words and words of time."""
    texts = [_without_names(str(t)) for t in texts]
    found = {
        w
        for w in english.vocabulary(texts)
        if w not in BROAD and w not in TIME_WORDS and w not in NUMBER_WORDS
    }
    for text in texts:  # "first contact resolution" -> "fcr"
        run = [w.lower() for w in english.words(text) if w.lower() not in english.FUNCTION_WORDS]
        for size in (2, 3, 4):
            for start in range(len(run) - size + 1):
                found.add("".join(w[0] for w in run[start : start + size]))
    return found


def _time_bound(text: str, hits: list[_Hit], today: date) -> tuple[Check, date | None]:
    future = [h for h in hits if h.kind == "date"]
    if future:
        first = min(future, key=lambda h: h.when or today)
        when = first.when
        shown = _long_date(when) if when else first.text
        return Check(True, f"Time-bound: by {shown}."), when
    # A past date is a deadline that has passed, even beside a review rhythm ("by 31 March
    # 2025, checked weekly"), unless it only says when something started ("since 1 May 2025").
    past = next((h for h in hits if h.kind == "past"), None)
    if past:
        return (
            Check(
                False,
                f"'{past.text}' has passed (today is {_long_date(today)}): choose a date "
                f"after today.",
            ),
            None,
        )
    invalid = next((h for h in hits if h.kind == "invalid"), None)
    if invalid:
        return (
            Check(
                False,
                f"'{invalid.text}' is not a real date: check the day and month (dates are read "
                f"day first, as in 31/03/2030).",
            ),
            None,
        )
    ongoing = next((h for h in hits if h.kind in ("relative", "period", "recurring")), None)
    if ongoing:
        return Check(True, f"Time-bound: '{ongoing.text}'."), None
    start = next((h for h in hits if h.kind == "start"), None)
    if start:
        return (
            Check(
                False,
                f"'{start.text}' says when it starts: also say by when it will be met or "
                f"reviewed, such as 'by the end of June' or 'within eight weeks'.",
            ),
            None,
        )
    standard = next((h for h in hits if h.kind == "standard"), None)
    if standard:
        return (
            Check(
                False,
                f"'{standard.text}' says how quickly each case is handled; also say by when the "
                f"target will be met or reviewed, such as 'within eight weeks' or 'by the end "
                f"of June'.",
            ),
            None,
        )
    vague = VAGUE_TIME.search(text)
    lead = f"'{vague.group(0)}' is not a date. " if vague else ""
    return (
        Check(
            False,
            lead + "Add when it will be done or reviewed: a date ('by 31 March 2030') or a "
            "period ('within six weeks', 'each month').",
        ),
        None,
    )


def assess(
    text: str,
    today: date | None = None,
    goal_words: Iterable[str] = (),
) -> SmartAssessment:
    """Read one target against the five SMART tests (rules in the module docstring).

    `goal_words` are the texts that say what the goal is about (the goal, its keywords, the
    scenario, the criteria): a relevant target names something they name.
    """
    today = today or date.today()
    full = _normalise(text)
    if not full:
        return SmartAssessment(
            text="",
            specific=Check(False, "Write a target: start with an action verb and say what."),
            measurable=Check(False, "Write a target with a number or a clear finish line."),
            achievable=Check(False, "Write a target the team can reach."),
            relevant=Check(False, "Write a target that moves the goal."),
            time_bound=Check(False, "Write a target with a date or period."),
        )
    body = _topic_first(full[:MAX_CHARS])
    hits = find_times(body, today)
    clean = _without(body, hits)
    clean_words = english.words(clean)
    all_words = english.words(body)
    action = _find_action([w.lower() for w in clean_words])
    time_check, deadline = _time_bound(body, hits, today)
    texts = tuple(str(w) for w in goal_words)
    subject, names = _subject(texts), goal_names(texts)
    examples = _examples(texts)
    relevant_action = _find_action([w.lower() for w in all_words])
    return SmartAssessment(
        text=body,
        specific=_specific(clean_words, len(full)),
        measurable=_measurable(clean, clean_words, action, len(full)),
        achievable=_achievable(body, all_words),
        relevant=_relevant(all_words, body, relevant_action, subject, names, examples),
        time_bound=time_check,
        deadline=deadline,
    )


@lru_cache(maxsize=64)
def _examples(texts: tuple[str, ...]) -> tuple[str, ...]:
    """Up to four of the goal's own words for things, in the order given, to suggest."""
    found: list[str] = []
    for text in texts:
        for w in english.words(_without_names(text)):
            w = w.lower()
            if (
                len(w) > 3
                and w not in english.FUNCTION_WORDS
                and w not in BROAD
                and w not in TIME_WORDS
                and english.can_be_noun(w)
                and w not in found
            ):
                found.append(w)
            if len(found) == 4:
                return tuple(found)
    return tuple(found)


@lru_cache(maxsize=64)
def _subject(texts: tuple[str, ...]) -> set[str]:
    return subject_vocabulary(texts)


def _by_sector(value: Any, sector: str) -> Any:
    if isinstance(value, Mapping):
        return value.get(sector) or value["general"]
    return value


@register("smart-targets")
class SmartTargets(Exercise):
    """Write two or three SMART targets towards the scenario's goal; each is read by `assess`.

    Spec: `goal` (text, or a mapping by sector), `keywords` (words that make a target relevant
    to the goal and the unit), `targets` (how many boxes, default 3) and `required` (how many
    must be written, default 2). Marking: one part per target, scored as the share of the five
    tests it passes (so 3 of 5 scores 0.6), with feedback on each test it misses; a target that
    repeats an earlier one scores 0. `today` is the cohort setting's, else the real date.
    """

    @property
    def today(self) -> date:
        return self.setting.today or date.today()

    @property
    def goal(self) -> str:
        return self.text(str(_by_sector(self.spec["goal"], self.setting.sector))).strip()

    @property
    def count(self) -> int:
        return int(self.spec.get("targets", 3))

    @property
    def required(self) -> int:
        return min(int(self.spec.get("required", 2)), self.count)

    def goal_words(self) -> list[str]:
        """What the goal is about: the keywords, the goal, the scenario in every sector's
        wording (a learner may use their own sector's words), and the text of the criteria the
        exercise evidences."""
        texts = [str(k) for k in self.spec.get("keywords", [])]
        texts += variants(self.spec["goal"]) + variants(self.spec.get("scenario", ""))
        found = catalog.load()
        for cid in self.criteria:
            try:
                texts.append(found.criterion(cid).text)
            except KeyError:
                continue
        return texts

    def scenario(self) -> str:
        optional = self.count - self.required
        extra = f", and up to {optional} more if you wish" if optional else ""
        return (
            f"{super().scenario()}\n\n**The goal:** {self.goal}\n\n"
            f"Write {self.required} targets that move this goal{extra}. Make each one SMART."
        )

    def blocks(self) -> list[dict[str, Any]]:
        return [
            {
                "type": "table",
                "caption": (
                    "SMART: what each letter asks. Doran (1981) wrote Assignable and Realistic, "
                    "and some standards read R as Realistic: here R is Relevant, and realism is "
                    "part of Achievable."
                ),
                "columns": ["Letter", "The test", "For example"],
                "rows": [
                    ["S: Specific", "An action verb and what it acts on", "Reduce call waiting"],
                    ["M: Measurable", "A number, or a finish line: done or not", "to under 60 s"],
                    ["A: Achievable", "No 'always', 'never' or 'every customer'", "90% of calls"],
                    ["R: Relevant", "Moves the goal, in its words", "waiting, calls"],
                    ["T: Time-bound", "A date or period to meet or review it", "within six weeks"],
                ],
            }
        ]

    def form(self) -> list[dict[str, Any]]:
        fields = []
        for i in range(1, self.count + 1):
            optional = i > self.required
            fields.append(
                {
                    "type": "text",
                    "name": f"target{i}",
                    "label": f"Target {i}" + (" (optional)" if optional else ""),
                    "rows": 3,
                    "help": "One sentence: what will be done, how much, and by when.",
                }
            )
        return fields

    def assessments(self, answer: Answer) -> list[tuple[int, str, SmartAssessment, int | None]]:
        """(number, text, assessment, the earlier target it repeats) for each target to mark."""
        seen: dict[str, int] = {}
        marked = []
        words = self.goal_words()
        for i in range(1, self.count + 1):
            text = answer_text(answer, f"target{i}")
            if not text and i > self.required:
                continue
            key = " ".join(_WORD.findall(text.lower()))
            repeats = seen.get(key) if text else None
            seen.setdefault(key, i)
            marked.append((i, text, assess(text, self.today, words), repeats))
        return marked

    def check(self, answer: Answer) -> Result:
        parts = []
        for i, text, result, repeats in self.assessments(answer):
            if repeats:
                feedback = f"Target {i} repeats target {repeats}: write a different action."
                parts.append(Part(f"Target {i}", 0.0, feedback))
                continue
            if not text:
                feedback = (
                    f"Write target {i}: one sentence that says what will be done, how much, "
                    f"and by when."
                )
                parts.append(Part(f"Target {i}", 0.0, feedback))
                continue
            missing = [(n, c) for n, c in result.checks if not c.ok]
            if not missing:
                feedback = "SMART on all five tests. " + " ".join(
                    c.feedback for n, c in result.checks if n in ("specific", "time_bound")
                )
            else:
                met = [CRITERION_NAMES[n].lower() for n, c in result.checks if c.ok]
                lead = f"Meets {result.met} of 5" + (f" ({', '.join(met)}). " if met else ". ")
                feedback = lead + " ".join(
                    f"{CRITERION_NAMES[n]}: {c.feedback}" for n, c in missing
                )
            parts.append(Part(f"Target {i}", round(result.met / len(CRITERIA), 4), feedback))
        return Result(tuple(parts))

    def after_check(self, answer: Answer, result: Result) -> list[dict[str, Any]]:
        rows = []
        for i, text, assessment, repeats in self.assessments(answer):
            if repeats or not text:
                continue
            marks = ["Yes" if check.ok else "Not yet" for _, check in assessment.checks]
            rows.append([f"Target {i}", *marks])
        if not rows:
            return []
        return [
            {
                "type": "table",
                "caption": "Your targets against the five SMART tests",
                "columns": ["Target", *(CRITERION_NAMES[n] for n in CRITERIA)],
                "rows": rows,
            }
        ]
