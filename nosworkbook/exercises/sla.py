"""Service level agreements in working hours: when is the reply due, and was it on time?

Working time is counted on the wall clock within opening hours (default 09:00 to 17:00,
Monday to Friday), skipping weekends and the bank holidays given. In the exercise the bank
holidays are those of the cohort's nation, from the calendar (`toolkit.calendar`), never typed
into scenario files. Edge cases, decided once:

- A start outside working hours (before opening, after closing, at a weekend or on a bank
  holiday) rolls forward to the next opening: the clock starts then.
- A start exactly at closing time is outside hours (the working day is 09:00 up to 17:00).
- A deadline that lands exactly at closing time stays at 17:00 that day; it does not become
  09:00 the next working day.
- Adding 0 hours gives the start rolled forward to the next opening.
- A reply exactly at the deadline meets the SLA.
- Opening hours must fall within one day (no overnight shifts); times keep the start's
  timezone, and clock changes are not corrected (UK SLAs run on local time).

Bad input (negative or non-finite hours, closing not after opening, no working days, a
working day outside 0 to 6) raises ValueError saying which value and why.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from nosworkbook.exercises.base import Answer, Exercise, Part, Result, answer_text, register
from nosworkbook.exercises.toolkit import calendar
from nosworkbook.exercises.toolkit.choices import KEEP_ORDER, check_choices, choice_fields
from nosworkbook.exercises.toolkit.rounding import exact, shown
from nosworkbook.exercises.toolkit.wording import variant
from nosworkbook.settings import DEFAULT_NATION, NATIONS

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
FORMAT_HINT = "Tue 14 Jan 2025 11:30 (14/01/2025 11:30 and 2025-01-14 11:30 also work)"
MAX_DAYS = 3660  # look no further than ten years for a working day
MET, MISSED = "Yes, the reply met the SLA", "No, the reply missed the SLA"


def _rules(
    day_start: time, day_end: time, working_days: Iterable[int], holidays: Iterable[Any]
) -> tuple[frozenset[int], frozenset[date]]:
    if not (isinstance(day_start, time) and isinstance(day_end, time)):
        raise ValueError("day_start and day_end must be times, e.g. time(9) and time(17)")
    if day_end <= day_start:
        raise ValueError(
            f"day_end {day_end:%H:%M} must be after day_start {day_start:%H:%M} "
            "(opening hours within one day)"
        )
    days = frozenset(working_days)
    if not days:
        raise ValueError("working_days is empty: give at least one day (0 Monday to 6 Sunday)")
    bad = sorted(
        d for d in days if not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= 6
    )
    if bad:
        raise ValueError(f"working_days {bad} are not days: use 0 (Monday) to 6 (Sunday)")
    return days, frozenset(_as_date(h) for h in holidays)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"holiday {value!r} is not a date: use YYYY-MM-DD") from None


def _hours(hours: float) -> timedelta:
    if isinstance(hours, bool) or not isinstance(hours, int | float):
        raise ValueError(f"hours must be a number, not {hours!r}")
    if not math.isfinite(hours):
        raise ValueError(f"hours must be a finite number, not {hours}")
    if hours < 0:
        raise ValueError(f"hours must be 0 or more, not {hours}")
    return timedelta(hours=hours)


def _opening(
    moment: datetime, day_start: time, day_end: time, days: frozenset[int], off: frozenset[date]
) -> datetime:
    """`moment` if it is within working hours, else the next opening."""
    day = moment.date()
    if day.weekday() in days and day not in off:
        if moment.time() < day_start:
            return datetime.combine(day, day_start, tzinfo=moment.tzinfo)
        if moment.time() < day_end:
            return moment
    for _ in range(MAX_DAYS):
        day += timedelta(days=1)
        if day.weekday() in days and day not in off:
            return datetime.combine(day, day_start, tzinfo=moment.tzinfo)
    raise ValueError(f"no working day within {MAX_DAYS} days: check working_days and holidays")


def working_segments(
    start: datetime,
    hours: float,
    day_start: time = time(9),
    day_end: time = time(17),
    working_days: Iterable[int] = (0, 1, 2, 3, 4),
    holidays: Iterable[Any] = (),
) -> list[tuple[datetime, datetime]]:
    """The stretches of working time that make up `hours` from `start`, in order."""
    days, off = _rules(day_start, day_end, working_days, holidays)
    remaining = _hours(hours)
    current = _opening(start, day_start, day_end, days, off)
    segments = []
    while remaining > timedelta(0):
        close = datetime.combine(current.date(), day_end, tzinfo=current.tzinfo)
        available = close - current
        if remaining <= available:  # lands at or before closing: stays that day
            segments.append((current, current + remaining))
            break
        segments.append((current, close))
        remaining -= available
        current = _opening(close, day_start, day_end, days, off)
    return segments


def add_working_hours(
    start: datetime,
    hours: float,
    day_start: time = time(9),
    day_end: time = time(17),
    working_days: Iterable[int] = (0, 1, 2, 3, 4),
    holidays: Iterable[Any] = (),
) -> datetime:
    """The moment `hours` of working time after `start`: the deadline of an SLA."""
    days, off = _rules(day_start, day_end, working_days, holidays)
    segments = working_segments(start, hours, day_start, day_end, days, off)
    if segments:
        return segments[-1][1]
    return _opening(start, day_start, day_end, days, off)


def working_hours_between(
    a: datetime,
    b: datetime,
    day_start: time = time(9),
    day_end: time = time(17),
    working_days: Iterable[int] = (0, 1, 2, 3, 4),
    holidays: Iterable[Any] = (),
) -> float:
    """Working hours from `a` to `b` (negative when `b` is before `a`)."""
    days, off = _rules(day_start, day_end, working_days, holidays)
    if b < a:
        return -working_hours_between(b, a, day_start, day_end, days, off)
    total = timedelta(0)
    day = a.date()
    while day <= b.date():
        if day.weekday() in days and day not in off:
            opens = max(a, datetime.combine(day, day_start, tzinfo=a.tzinfo))
            closes = min(b, datetime.combine(day, day_end, tzinfo=a.tzinfo))
            if closes > opens:
                total += closes - opens
        day += timedelta(days=1)
    return total.total_seconds() / 3600


def format_when(moment: datetime) -> str:
    """'Tue 14 Jan 2025 11:30', whatever the machine's locale."""
    day = DAY_NAMES[moment.weekday()][:3]
    return f"{day} {moment.day} {MONTHS[moment.month - 1]} {moment.year} {moment:%H:%M}"


def format_hours(hours: float) -> str:
    """'1 hour', '2.5 hours', '45 minutes': minutes to the nearest whole one and hours to two
    decimal places, a half up, as learners round (`toolkit.rounding`)."""
    if 0 < hours < 1:
        minutes = shown(exact(hours) * 60)
        return f"{minutes} minute{'' if minutes == '1' else 's'}"
    text = shown(hours, 2)
    return f"{text} hour{'' if text == '1' else 's'}"


_DAY = re.compile(
    r"^(mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday)\.?\s+",
    re.IGNORECASE,
)
_TIME = re.compile(r"\s*(\d{1,2})(?:[:.](\d{2}))?\s*([ap]\.?m\.?)?$", re.IGNORECASE)
_DATE_FORMATS = ("%d %b %Y", "%d %B %Y", "%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")


def _shown(text: str) -> str:
    """The learner's text for a message, cut short if it is long."""
    text = " ".join(str(text).split())
    return repr(text if len(text) <= 40 else text[:40] + "\u2026")


def parse_when(text: str) -> datetime:
    """A date and time as a learner writes it: 'Tue 14 Jan 2025 11:30', '14/01/2025 11:30',
    '2025-01-14 11:30'; the day name is optional but must match the date if given."""
    t = " ".join(str(text or "").replace(",", " ").split())
    if not t:
        raise ValueError(f"no date and time given: write it like {FORMAT_HINT}")
    t = re.sub(r"(\d{4}-\d{2}-\d{2})T", r"\1 ", t)
    t = re.sub(r"\s+at\s+", " ", t, flags=re.IGNORECASE)
    given_day = None
    found = _DAY.match(t)
    if found:
        given_day = found.group(1).lower()[:3]
        t = t[found.end() :]
    clock = _TIME.search(t)
    if not clock or (clock.group(2) is None and clock.group(3) is None):
        raise ValueError(f"{_shown(text)} has no time: write it like {FORMAT_HINT}")
    hour, minute = int(clock.group(1)), int(clock.group(2) or 0)
    half = (clock.group(3) or "").lower().replace(".", "")
    if half:
        if not 1 <= hour <= 12:
            raise ValueError(f"{hour} is not an hour on a 12-hour clock (use 1 to 12 with am/pm)")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"{clock.group(0).strip()!r} is not a time of day: use 00:00 to 23:59")
    day_text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", t[: clock.start()].strip(), flags=re.I)
    when = None
    for pattern in _DATE_FORMATS:
        try:
            when = datetime.strptime(day_text, pattern)
            break
        except ValueError:
            continue
    if when is None:
        raise ValueError(f"{_shown(text)} is not a date I can read: write it like {FORMAT_HINT}")
    when = when.replace(hour=hour, minute=minute)
    if given_day and DAY_NAMES[when.weekday()][:3].lower() != given_day:
        raise ValueError(
            f"{when.day} {MONTHS[when.month - 1]} {when.year} is a {DAY_NAMES[when.weekday()]}, "
            f"not a {next(d for d in DAY_NAMES if d[:3].lower() == given_day)}"
        )
    return when


def _day_list(days: Sequence[int]) -> str:
    names = [DAY_NAMES[d] for d in sorted(days)]
    if list(sorted(days)) == list(range(min(days), max(days) + 1)) and len(names) > 2:
        return f"{names[0]} to {names[-1]}"
    return ", ".join(names)


def _day_words(day: date) -> str:
    """'Fri 18 Apr 2025'."""
    return format_when(datetime.combine(day, time())).rsplit(" ", 1)[0]


def _parse_day(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip().lower()[:3]
    for n, name in enumerate(DAY_NAMES):
        if name[:3].lower() == text:
            return n
    raise ValueError(f"{value!r} is not a day name")


@register("sla-deadline")
class SlaDeadline(Exercise):
    """Work out each message's SLA deadline in working hours and judge whether the reply met it.

    Spec: `opening`: `{start: "09:00", end: "17:00", days: [Mon, ...]}`; `sla_hours`;
    `messages`: `{received, channel, text, reply, hours?, why?}` (times in any format
    `parse_when` reads; text may vary by sector; `why` may vary by nation, keyed by nation);
    `choices`: optional. The service is closed on the bank holidays of the cohort's nation.

    Marking: a deadline is right or wrong (no near misses: one minute out is a different
    promise), and a wrong one is told the slip that explains it, found by working the deadline
    out again with that one mistake (`_slips`): clock hours, the clock started on arrival
    outside opening hours, a bank holiday counted as a working day (named, substitute days
    too), another nation's bank holiday taken off, a closing-time deadline moved to the next
    morning, the clock started the next day or at opening, the weekend or every calendar day
    counted, a working Saturday left out, 9 to 5 assumed, the usual SLA used for one with its
    own. The verdict on the reply gets half marks when it follows from the learner's own
    wrong deadline.
    """

    @property
    def rules(self) -> dict[str, Any]:
        opening = self.spec.get("opening", {})
        if "holidays" in opening:
            raise ValueError(
                f"{self.id}: bank holidays come from the calendar for the cohort's nation; "
                "do not list them in the scenario"
            )
        return {
            "day_start": time.fromisoformat(str(opening.get("start", "09:00"))),
            "day_end": time.fromisoformat(str(opening.get("end", "17:00"))),
            "working_days": tuple(_parse_day(d) for d in opening.get("days", range(5))),
            "holidays": tuple(self.bank_holidays),
        }

    @cached_property
    def bank_holidays(self) -> dict[date, str]:
        """The nation's bank holidays over every year the messages' deadlines can reach.

        Worked out once per exercise: `rules` reads it for every message and every check."""
        return calendar.bank_holidays(self.setting.nation, self._years)

    @cached_property
    def _years(self) -> range:
        """The years the messages, their replies and their deadlines fall in."""
        times = [parse_when(m[key]) for m in self.spec["messages"] for key in ("received", "reply")]
        first, last = min(times).year, max(times).year + 1  # a deadline may cross New Year
        return range(first, last + 1)

    def _in_period(self) -> dict[date, str]:
        """The bank holidays from the first message to the last reply or deadline."""
        messages = self._messages()
        first = min(m["received"] for m in messages).date()
        last = max(max(m["reply"], m["deadline"]) for m in messages).date()
        return {d: n for d, n in self.bank_holidays.items() if first <= d <= last}

    def _why(self, item: Mapping[str, Any]) -> str:
        """A message's explanation, in the words for the cohort's nation where they differ."""
        why = item.get("why", "")
        if isinstance(why, Mapping) and set(why) <= set(NATIONS):
            why = why.get(self.setting.nation) or why.get(DEFAULT_NATION, "")
        return self.text(variant(why, self.setting.sector)).strip()

    def _messages(self) -> list[dict[str, Any]]:
        out = []
        for item in self.spec["messages"]:
            received = parse_when(item["received"])
            hours = float(item.get("hours", self.spec["sla_hours"]))
            out.append(
                {
                    **item,
                    "received": received,
                    "hours": hours,
                    "reply": parse_when(item["reply"]),
                    "deadline": add_working_hours(received, hours, **self.rules),
                }
            )
        return out

    def blocks(self) -> list[dict[str, Any]]:
        rules = self.rules
        holidays = ", ".join(
            f"{_day_words(day)} ({name})" for day, name in self._in_period().items()
        )
        rows = [
            ["Working days", _day_list(rules["working_days"])],
            ["Opening hours", f"{rules['day_start']:%H:%M} to {rules['day_end']:%H:%M}"],
            ["Bank holidays (closed)", holidays or "none in this period"],
            [
                "Service level",
                f"Reply within {format_hours(self.spec['sla_hours'])} of working time",
            ],
        ]
        if any("hours" in m for m in self.spec["messages"]):
            rows[-1][1] += " unless the message says otherwise (see the SLA column)"
        inbox = [
            [
                n,
                format_when(m["received"]),
                self.text(m.get("channel", "")),
                self.text(variant(m["text"], self.setting.sector)),
                format_hours(m["hours"]),
                format_when(m["reply"]),
            ]
            for n, m in enumerate(self._messages(), 1)
        ]
        return [
            {
                "type": "table",
                "caption": "Service hours and SLA",
                "columns": ["", ""],
                "rows": rows,
            },
            {
                "type": "table",
                "caption": "The messages",
                "columns": ["Message", "Received", "Channel", "Summary", "SLA", "Reply sent"],
                "rows": inbox,
            },
        ]

    def form(self) -> list[dict[str, Any]]:
        fields: list[dict[str, Any]] = []
        for n, m in enumerate(self._messages(), 1):
            fields.append(
                {
                    "type": "group",
                    "label": f"Message {n}, received {format_when(m['received'])}",
                    "fields": [
                        {
                            "type": "text",
                            "name": f"message{n}.deadline",
                            "label": f"Message {n} deadline",
                            "help": f"Day, date and time, e.g. {FORMAT_HINT}",
                            "rows": 1,
                        },
                        {
                            "type": "choice",
                            "name": f"message{n}.met",
                            "label": f"Message {n}: did the reply at {format_when(m['reply'])} "
                            "meet the SLA?",
                            "options": [MET, MISSED],
                            KEEP_ORDER: True,  # yes before no; the data varies the answer
                        },
                    ],
                }
            )
        return fields + choice_fields(self.spec.get("choices", []), self.text)

    def explain(self, received: datetime, hours: float) -> str:
        """The working time counted day by day, e.g. 'Thu 17 Apr 14:00 to 17:00 (3 hours)'."""
        spans = []
        for a, b in working_segments(received, hours, **self.rules):
            day = format_when(a).rsplit(" ", 2)[0]
            spans.append(
                f"{day} {a:%H:%M} to {b:%H:%M} ({format_hours((b - a).total_seconds() / 3600)})"
            )
        return "; ".join(spans)

    @cached_property
    def other_nations_holidays(self) -> dict[date, str]:
        """Bank holidays of the other UK nations that are working days in this one, by date:
        a learner who takes one of them off has used the wrong nation's calendar."""
        ours = self.bank_holidays
        found: dict[date, str] = {}
        for nation in NATIONS:
            if nation != self.setting.nation:
                for day, name in calendar.bank_holidays(nation, self._years).items():
                    if day not in ours:
                        found.setdefault(day, name)
        return dict(sorted(found.items()))

    def _slips(self, m: Mapping[str, Any]) -> Iterator[tuple[Callable[[], datetime], str]]:
        """The slips a learner can make with this message, most specific first: each as a
        way to work out the deadline with that one mistake, and what to tell the learner."""
        rules, received, hours = self.rules, m["received"], m["hours"]
        days, off = frozenset(rules["working_days"]), frozenset(rules["holidays"])
        start, end = rules["day_start"], rules["day_end"]
        opens = _opening(received, start, end, days, off)
        want = m["deadline"]

        def deadline(
            start_at: datetime = received, count: float = hours, **changes: Any
        ) -> Callable[[], datetime]:
            return lambda: add_working_hours(start_at, count, **{**rules, **changes})

        if opens != received:
            outside = (
                "You started the clock when the message arrived, outside opening hours: it "
                f"starts at the next opening, {format_when(opens)}"
            )
            yield (
                lambda: received + timedelta(hours=hours),
                f"{outside}, and only working hours count.",
            )
            close = datetime.combine(received.date(), end, tzinfo=received.tzinfo)
            first = (close - received).total_seconds() / 3600
            if 0 < first < hours:  # working hours counted from arrival on a closed day or early
                yield deadline(close, hours - first), f"{outside}."
        else:
            yield (
                lambda: received + timedelta(hours=hours),
                "You counted clock hours: count only working hours, within opening times.",
            )
        closed = {
            d: n
            for d, n in self.bank_holidays.items()
            if received.date() <= d <= want.date() and d.weekday() in days
        }
        tries = [closed] if len(closed) > 1 else []  # all forgotten, then each alone
        for counted in [*tries, *({d: n} for d, n in closed.items())]:
            kept = tuple(d for d in rules["holidays"] if d not in counted)
            named = " and ".join(f"{name} ({_day_words(d)})" for d, name in counted.items())
            where = NATIONS[self.setting.nation].words
            yield (
                deadline(holidays=kept),
                f"You counted {named} as a working day: it is a bank holiday in {where}, and "
                "the service is closed."
                if len(counted) == 1
                else f"You counted {named} as working days: they are bank holidays in {where}, "
                "and the service is closed.",
            )
        for day, name in self.other_nations_holidays.items():  # a week past: the days it costs
            if received.date() <= day <= want.date() + timedelta(days=7) and day.weekday() in days:
                yield (
                    deadline(holidays=(*rules["holidays"], day)),
                    f"You took {name} ({_day_words(day)}) as a bank holiday: it is not one in "
                    f"{NATIONS[self.setting.nation].words}, so the service is open that day.",
                )
        if want.time() == end:
            yield (
                lambda: _opening(want + timedelta(minutes=1), start, end, days, off),
                f"A deadline that lands exactly at closing time stays at {end:%H:%M} that day.",
            )
        if opens == received:
            weekday = DAY_NAMES[received.weekday()]
            close = datetime.combine(received.date(), end, tzinfo=received.tzinfo)
            yield (
                deadline(close),
                "You started the clock the next working day: a message that arrives within "
                f"opening hours starts it at once, at {received:%H:%M} on {weekday}.",
            )
            if received.time() > start:
                yield (
                    deadline(datetime.combine(received.date(), start, tzinfo=received.tzinfo)),
                    f"You counted {weekday} from opening: the clock starts when the message "
                    f"arrived, at {received:%H:%M}, not at {start:%H:%M}.",
                )
        shut = sorted(set(range(7)) - days)
        if shut:
            weekend = shut == [5, 6]
            shut_names = " and ".join(DAY_NAMES[d] for d in shut)
            yield (
                deadline(working_days=range(7)),
                "You counted the weekend: only working days count."
                if weekend
                else f"You counted {shut_names} as "
                f"{'a working day' if len(shut) == 1 else 'working days'}: the service is "
                "closed then.",
            )
        yield (
            deadline(working_days=range(7), holidays=()),
            "You counted calendar days, weekends and bank holidays too: count only the days "
            "the service is open.",
        )
        weekdays = days & {0, 1, 2, 3, 4}
        if weekdays and weekdays != days:
            extra = " and ".join(DAY_NAMES[d] for d in sorted(days - weekdays))
            yield (
                deadline(working_days=weekdays),
                f"You left out {extra}: this service works {_day_list(sorted(days))}.",
            )
        if (start, end) != (time(9), time(17)):
            yield (
                deadline(day_start=time(9), day_end=time(17)),
                f"You used opening hours of 09:00 to 17:00: this service is open "
                f"{start:%H:%M} to {end:%H:%M}.",
            )
        usual = float(self.spec["sla_hours"])
        if hours != usual:
            yield (
                deadline(count=usual),
                f"You used the usual SLA of {format_hours(usual)}: this message has "
                f"{format_hours(hours)}.",
            )

    def _diagnose(self, got: datetime, m: Mapping[str, Any]) -> str:
        """Name the slip behind a wrong deadline: the first single mistake that gives exactly
        the learner's deadline (and not the right one); "" when none does."""
        for worked, message in self._slips(m):
            try:
                slipped = worked()
            except ValueError:  # that mistake leaves no working time to count
                continue
            if slipped == got and slipped != m["deadline"]:
                return message
        return ""

    def check(self, answer: Answer) -> Result:
        parts = []
        for n, m in enumerate(self._messages(), 1):
            want = m["deadline"]
            counted = self.explain(m["received"], m["hours"])
            why = self._why(m)
            raw = answer_text(answer, f"message{n}.deadline")
            got: datetime | None = None
            name = f"Message {n} deadline"
            if not raw:
                parts.append(
                    Part(name, 0.0, f"Write the deadline for message {n}, e.g. {FORMAT_HINT}.")
                )
            else:
                try:
                    got = parse_when(raw)
                except ValueError as exc:
                    parts.append(Part(name, 0.0, f"{str(exc)[:1].upper()}{str(exc)[1:]}."))
            if got is not None and got == want:
                parts.append(
                    Part(
                        name, 1.0, f"Right: {format_when(want)}. Counted: {counted}. {why}".strip()
                    )
                )
            elif got is not None:
                slip = self._diagnose(got, m)
                parts.append(
                    Part(
                        name,
                        0.0,
                        f"You wrote {format_when(got)}; the deadline is {format_when(want)}. "
                        f"{slip} Counted: {counted}. {why}".replace("  ", " ").strip(),
                    )
                )
            parts.append(self._mark_met(answer, n, m, got))
        parts += check_choices(answer, self.spec.get("choices", []), self.text)
        return Result(tuple(parts))

    def model_answer(self) -> dict[str, str]:
        """The deadlines and verdicts for this setting (the nation's holidays decide them)."""
        answer = {}
        for n, m in enumerate(self._messages(), 1):
            answer[f"message{n}.deadline"] = format_when(m["deadline"])
            answer[f"message{n}.met"] = MET if m["reply"] <= m["deadline"] else MISSED
        return answer

    def _mark_met(self, answer: Answer, n: int, m: Mapping[str, Any], got: datetime | None) -> Part:
        name = f"Message {n} met the SLA"
        choice = answer_text(answer, f"message{n}.met")
        reply, want = m["reply"], m["deadline"]
        met = reply <= want
        late = working_hours_between(want, reply, **self.rules)
        if met:
            fact = (
                f"the reply at {format_when(reply)} was within the deadline of {format_when(want)}"
            )
        else:
            fact = (
                f"the reply at {format_when(reply)} came {format_hours(late)} of working time "
                f"after the deadline of {format_when(want)}"
            )
        right = MET if met else MISSED
        if not choice:
            return Part(name, 0.0, f"Say whether the reply to message {n} met the SLA.")
        if choice == right:
            return Part(name, 1.0, f"Right: {fact}.")
        if got is not None and choice == (MET if reply <= got else MISSED):
            verdict = "met" if met else "missed"
            return Part(
                name,
                0.5,
                f"That follows from your deadline, but {fact}, so it {verdict} the SLA.",
            )
        return Part(name, 0.0, f"Not so: {fact}. Compare the reply time with the deadline.")
