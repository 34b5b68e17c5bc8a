"""SMART targets: read a written target and say which of the five SMART tests it passes, and why.

Common usage reads SMART as Specific, Measurable, Achievable, Relevant, Time-bound. Doran (1981)
had Assignable and Realistic, and variants exist: some standards in this suite (INSCS035) read R
as Realistic. This checker asks for Relevant and covers realism under Achievable. The rules are
deliberately simple, so a learner and a tutor can both see why a target passed or failed:

- Specific: an action verb from `ACTION_VERBS` (reduce, answer, complete, train...; any of their
  usual forms) and a named object: at least two content words after the verb (or before it, in
  "complaint replies reduced..."), not all of them broad words such as "customer service",
  "team" or "performance". Many verb forms are also nouns
  ("replies", "reviews"), so the verb is preferably one that starts the target or follows
  "will", "to", "I"..., then a past or -ing form ("complaint replies reduced").
- Measurable: a number, percentage or number word (dates and deadlines do not count), or a
  yes/no finish line: a one-off verb in `COMPLETION_VERBS` (complete, publish, launch...) or a
  phrase such as "in place", "set up", "go live".
- Achievable: no absolutes that leave no room for error ("always", "never", "every customer",
  "all complaints", "100% of calls", "zero complaints", "more than 100% of"); the word found is
  named in the feedback.
- Relevant: the target shares a word with `goal_words` (the scenario's goal and the unit's
  topic), after simple stemming ("complaints" = "complaint", "replied" = "reply"); broad words
  ("customer", "service", "team") do not count. With no goal words, relevance is not judged.
- Time-bound: a future date or a period by which it is done or reviewed: "by 31 March 2030",
  "by 31/03/2030" (day first), "by the end of June" (the next end of June), "by the end of Q2"
  (calendar quarters: the next end of that quarter), "within six weeks", "in the next 30 days",
  "by the end of the year", "next month", "each month", "weekly". A date before `today` is not
  time-bound ("that date has passed"), even beside a review rhythm, unless it says when
  something started ("since 1 May 2025"); nor is an impossible date. Periods in seconds, minutes,
  hours, working days, or under a week ("within 5 working days") read as a service standard for
  each case, not as when the target is met.

Text is read up to `MAX_CHARS`; a target longer than `LONG_CHARS` is not specific (too long to
be a clear target).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from nosworkbook.exercises.base import Answer, Exercise, Part, Result, answer_text, register


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


MAX_CHARS = 2_000
LONG_CHARS = 400

ACTION_VERBS = tuple(
    sorted(
        _words(
            "achieve acknowledge agree answer arrange attend audit book brief bring check clear "
            "close coach collect complete create cut deliver demonstrate design double explain "
            "finish fix follow gain greet halve handle hold implement improve increase install "
            "introduce keep launch lead learn lift lower maintain meet monitor observe obtain "
            "organise pass practise practice prepare produce publish raise reach read record "
            "recruit reduce replace reply resolve respond review run share shadow shorten study "
            "submit train update upgrade visit welcome write"
        )
    )
)
COMPLETION_VERBS = _words(
    "agree arrange attend book brief complete create deliver demonstrate design finish gain "
    "hold implement install introduce launch obtain organise pass prepare produce publish read "
    "recruit replace run shadow submit upgrade visit write"
)
COMPLETION_PHRASES = re.compile(
    r"\b(?:in place|set up|go(?:es)? live|sign(?:ed)? off|signed up|sign up|roll(?:ed)? out)\b",
    re.IGNORECASE,
)

_IRREGULAR = {
    "held": "hold",
    "ran": "run",
    "wrote": "write",
    "written": "write",
    "kept": "keep",
    "met": "meet",
    "learnt": "learn",
    "led": "lead",
    "brought": "bring",
    "read": "read",
    "cut": "cut",
}

VAGUE_VERBS = _words("aim try hope strive endeavour focus look work ensure help support")
VAGUE_OBJECT = _words(
    "service services customer customers thing things stuff performance quality experience "
    "better best good great everything something job work standard standards skill skills "
    "level levels overall general lot lots way ways improvement improvements"
)
GENERIC = _words(
    "customer customers service services team teams staff organisation company business work "
    "target targets goal goals colleague colleagues member members people"
)
STOPWORDS = _words(
    "a an the and or but of to for in on at by with within from into onto our my your their "
    "his her its this that these those all each every than under over less more least most as "
    "so it i we you they he she will shall be is are was were been being per cent percent up "
    "down out no not via through about across before after until end start next also then who "
    "which what when where how can could would should must may might do does did have has had "
    "me us them any some such only just very there here if while during least later"
)
# Dates and periods say when, not what: they never make a target relevant.
TIME_WORDS = _words(
    "day days week weeks fortnight fortnights month months quarter quarters year years hour "
    "hours minute minutes second seconds working business today tomorrow date time times "
    "january february march april may june july august september october november december"
)
COMPARATIVES = _words(
    "more fewer less better faster quicker higher lower shorter longer sooner bigger smaller "
    "improved"
)
VAGUE_TIME = re.compile(
    r"\b(?:soon|asap|as soon as possible|shortly|eventually|in the future|going forward|"
    r"over time|ongoing|in due course|a few (?:days|weeks|months)|at some point|when possible)\b",
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
    (
        "quarter",
        re.compile(
            r"\b(?:q(?P<q>[1-4])|(?P<qw>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter|"
            r"quarter\s+(?P<qn>[1-4]|one|two|three|four))\b(?:\s+(?:of\s+)?(?P<year>\d{4})\b)?",
            _I,
        ),
    ),
)
_RELATIVE = (
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
    r"daily|weekly|fortnightly|monthly|quarterly|annually|yearly)\b",
    _I,
)
_CUSTOMER_NOUNS = (
    r"(?:customers?|clients?|complaints?|calls?|callers?|quer(?:y|ies)|enquir(?:y|ies)|"
    r"contacts?|e-?mails?|messages?|guests?|visitors?|residents?|patients?|orders?|cases?|"
    r"problems?|issues?|requests?|chats?|times?|shoppers?|tenants?)"
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
        rf"\b(?:every|all(?:\s+of)?(?:\s+our|\s+the)?|each)\s+(?:\w+\s+)?{_CUSTOMER_NOUNS}\b"
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
    r"\b(?:since|from|starting|started|beginning|began|begun|after)\s+(?:on\s+)?$", _I
)
_OVER_100 = re.compile(r"\b(\d{3,})\s*(?:%|per\s*cent|percent)\s+of\b", _I)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?", _I)
_NUMBER = re.compile(r"\d+(?:\.\d+)?\s*%?|%")


def _verb_forms(verb: str) -> set[str]:
    forms = {verb, verb + "s", verb + "es", verb + "ed", verb + "d", verb + "ing"}
    if verb.endswith("e"):
        forms.add(verb[:-1] + "ing")
    if verb.endswith("y") and verb[-2] not in "aeiou":
        forms |= {verb[:-1] + "ies", verb[:-1] + "ied"}
    if re.fullmatch(r".*[^aeiou][aeiou][bdgmnprt]", verb):
        forms |= {verb + verb[-1] + "ed", verb + verb[-1] + "ing"}
    return forms


VERB_FORMS: dict[str, str] = {form: verb for verb in ACTION_VERBS for form in _verb_forms(verb)}
VERB_FORMS.update({form: verb for form, verb in _IRREGULAR.items() if verb in ACTION_VERBS})
_VAGUE_VERB_FORMS = {form: verb for verb in VAGUE_VERBS for form in _verb_forms(verb)}


def stem(word: str) -> str:
    """A crude, consistent stem so "complaints", "complaint" and "replied"/"reply" match."""
    w = word.lower().replace("'", "")
    if w.endswith(("ies", "ied")) and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("ing") and len(w) > 5:
        w = w[:-3]
    elif w.endswith(("ed", "es")) and len(w) > 4:
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")) and len(w) > 3:
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiouls":
        w = w[:-1]
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


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


def _resolve_date(kind: str, m: re.Match[str], today: date) -> tuple[str, date | None]:
    """("date" | "past" | "invalid", the date) for a matched date expression."""
    groups = m.groupdict()
    year = int(groups["year"]) if groups.get("year") else None
    if year is not None and year < 100:
        year += 2000
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
    """Every date, deadline, period and review rhythm in the text, left to right."""
    hits: list[_Hit] = []

    def free(start: int, end: int) -> bool:
        return all(end <= h.start or start >= h.end for h in hits)

    for kind, pattern in _DATES:
        for m in pattern.finditer(text):
            if free(*m.span()):
                found, when = _resolve_date(kind, m, today)
                hits.append(_Hit(m.start(), m.end(), m.group(0), found, when))
    for pattern in _RELATIVE:
        for m in pattern.finditer(text):
            if free(*m.span()):
                hits.append(_Hit(m.start(), m.end(), m.group(0), "relative"))
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
    for m in _RECURRING.finditer(text):
        if free(*m.span()):
            hits.append(_Hit(m.start(), m.end(), m.group(0), "recurring"))
    return sorted(hits, key=lambda h: h.start)


def _without(text: str, hits: Iterable[_Hit]) -> str:
    """The text with deadline spans blanked (same length), so their numbers are not measures."""
    chars = list(text)
    for hit in hits:
        if hit.kind != "standard":
            chars[hit.start : hit.end] = " " * (hit.end - hit.start)
    return "".join(chars)


def _quote(words: Iterable[str]) -> str:
    items = [f"'{w}'" for w in words]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


_BEFORE_VERB = _words("will shall must should would can to i we they you he she and then also or")


def _verb_position(lowered: list[str]) -> int | None:
    """Where the action verb is. Many verb forms are also nouns ("complaint replies reduced"),
    so prefer one that starts the target or follows "will", "to", "I"..., then a past or
    -ing form, then the first form found."""
    found = [i for i, w in enumerate(lowered) if w in VERB_FORMS]
    if not found:
        return None
    for i in found:
        if i == 0 or lowered[i - 1] in _BEFORE_VERB:
            return i
    for i in found:
        if lowered[i].endswith(("ed", "ing")) or lowered[i] in _IRREGULAR:
            return i
    return found[0]


def _specific(words: list[str], length: int) -> Check:
    if length > LONG_CHARS:
        return Check(
            False,
            f"At {length} characters this is too long to be a clear target: keep it to one "
            f"sentence of under {LONG_CHARS} characters that says what will be done.",
        )
    lowered = [w.lower() for w in words]
    position = _verb_position(lowered)
    if position is None:
        vague = next((w for w in lowered if w in _VAGUE_VERB_FORMS), None)
        lead = (
            f"'{vague}' says what you will attempt, not what you will do. "
            if vague
            else "Say what will be done. "
        )
        return Check(
            False,
            lead + "Start with an action verb, such as reduce, answer, complete or train.",
        )
    verb = VERB_FORMS[lowered[position]]
    # The object usually follows the verb; in "complaint replies reduced to..." it comes first.
    content = [
        w
        for w in lowered[position + 1 :] + lowered[:position]
        if len(w) >= 3
        and w not in STOPWORDS
        and w not in NUMBER_WORDS
        and not w[0].isdigit()
        and w not in VERB_FORMS
        and w not in _VAGUE_VERB_FORMS
    ]
    if len(content) < 2:
        return Check(
            False,
            f"You say '{verb}', but not clearly what: name the thing that will change, such as "
            f"'complaint reply times' or 'the returns policy'.",
        )
    if all(w in VAGUE_OBJECT or w in GENERIC for w in content):
        return Check(
            False,
            f"'{' '.join(content[:3])}' is too broad: name exactly what will change, such as "
            f"'call waiting time' or 'replies to complaints'.",
        )
    return Check(True, f"Specific: it says what will be done ('{verb}') and to what.")


def _measurable(clean: str, words: list[str]) -> Check:
    lowered = [w.lower() for w in words]
    number = _NUMBER.search(clean)
    if number:
        return Check(True, f"Measurable: '{number.group(0).strip()}' can be checked.")
    word = next((w for w in lowered if w in NUMBER_WORDS), None)
    if word:
        return Check(True, f"Measurable: '{word}' can be checked.")
    phrase = COMPLETION_PHRASES.search(clean)
    done = next((w for w in lowered if VERB_FORMS.get(w) in COMPLETION_VERBS), None)
    if phrase or done:
        said = phrase.group(0) if phrase else done
        return Check(True, f"Measurable: '{said}' gives a yes or no test: was it done?")
    comparative = next((w for w in lowered if w in COMPARATIVES), None)
    lead = f"'{comparative}' needs a number: by how much, or to what level? " if comparative else ""
    return Check(
        False,
        lead + "Add how you will know it is met: a number or percentage ('to 85%', 'under 2 "
        "minutes') or a finish line that is done or not done ('complete', 'publish').",
    )


def _achievable(text: str) -> Check:
    for pattern in _ABSOLUTES:
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
    return Check(
        True,
        "Achievable: it sets no absolute such as 'always' or 'every customer'; check the "
        "level with the people who will do it.",
    )


def _relevant(words: list[str], goal_words: Iterable[str]) -> Check:
    goal: dict[str, str] = {}
    for phrase in goal_words:
        for w in _WORD.findall(str(phrase)):
            w = w.lower()
            if (
                len(w) > 2
                and not w[0].isdigit()
                and w not in STOPWORDS | GENERIC | TIME_WORDS
                and w not in NUMBER_WORDS
            ):
                goal.setdefault(stem(w), w)
    if not goal:
        return Check(
            True,
            "Relevant: no goal was given to compare it with; check it serves your team's aims.",
        )
    shared: list[str] = []
    for w in words:
        s = stem(w)
        if s in goal and w.lower() not in STOPWORDS | GENERIC and goal[s] not in shared:
            shared.append(goal[s])
    if shared:
        return Check(True, f"Relevant: it links to the goal through {_quote(shared[:3])}.")
    examples = list(dict.fromkeys(goal.values()))[:4]
    return Check(
        False,
        "Link it to the goal: say which part of it this target moves, using the goal's own "
        f"words, such as {_quote(examples)}.",
    )


def _time_bound(text: str, hits: list[_Hit], today: date) -> tuple[Check, date | None]:
    future = [h for h in hits if h.kind == "date"]
    if future:
        first = min(future, key=lambda h: h.when or today)
        when = first.when
        shown = _long_date(when) if when else first.text
        return Check(True, f"Time-bound: by {shown}."), when
    # A past date is a deadline that has passed, even beside a review rhythm ("by 31 March
    # 2025, checked weekly"), unless it only says when something started ("since 1 May 2025").
    past = next(
        (h for h in hits if h.kind == "past" and not _STARTED.search(text[: h.start])), None
    )
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


def assess(text: str, today: date | None = None, goal_words: Iterable[str] = ()) -> SmartAssessment:
    """Read one target against the five SMART tests (rules in the module docstring)."""
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
    body = full[:MAX_CHARS]
    hits = find_times(body, today)
    clean = _without(body, hits)
    clean_words = _WORD.findall(clean)
    time_check, deadline = _time_bound(body, hits, today)
    return SmartAssessment(
        text=body,
        specific=_specific(clean_words, len(full)),
        measurable=_measurable(clean, clean_words),
        achievable=_achievable(body),
        relevant=_relevant(_WORD.findall(body), goal_words),
        time_bound=time_check,
        deadline=deadline,
    )


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
        """The keywords, then the goal's own words (less action verbs, which fit any target)."""
        own = [w for w in _WORD.findall(self.goal) if w.lower() not in VERB_FORMS]
        return [str(k) for k in self.spec.get("keywords", [])] + own

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
