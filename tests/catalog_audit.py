"""An audit of catalog texts against the source, written independently of the importer.

It reads the suite in the simplest way that works (a different method from the importer's
state machine), so a bug in the importer shows up as a disagreement here. Each check returns
a list of problems; the tests assert the real catalog has none and that broken catalogs
(an item dropped, merged or split, a page header left in, a word lost at a page break) do.
"""

from __future__ import annotations

import re

# Hand-counted from the source (numbered items in each section), in URN order.
# fmt: off
EXPECTED_COUNTS: dict[str, tuple[int, int]] = {
    "INSCS001": (27, 27), "INSCS002": (23, 23), "INSCS003": (12, 11), "INSCS004": (15, 15),
    "INSCS005": (18, 17), "INSCS006": (19, 18), "INSCS007": (14, 17), "INSCS008": (25, 28),
    "INSCS009": (23, 21), "INSCS010": (15, 13), "INSCS011": (11, 11), "INSCS012": (23, 20),
    "INSCS013": (15, 13), "INSCS014": (25, 18), "INSCS015": (14, 13), "INSCS016": (21, 21),
    "INSCS017": (20, 19), "INSCS018": (16, 14), "INSCS019": (20, 18), "INSCS020": (28, 20),
    "INSCS021": (15, 12), "INSCS022": (13, 10), "INSCS023": (14, 14), "INSCS024": (11, 11),
    "INSCS025": (21, 19), "INSCS026": (22, 17), "INSCS027": (13, 13), "INSCS028": (26, 26),
    "INSCS029": (16, 16), "INSCS030": (20, 20), "INSCS031": (20, 20), "INSCS032": (20, 20),
    "INSCS033": (20, 20), "INSCS034": (15, 15), "INSCS035": (15, 15), "INSCS036": (14, 14),
    "INSCS037": (15, 14), "INSCS038": (15, 14), "INSCS039": (19, 18), "INSCS040": (19, 16),
    "INSCS041": (14, 12), "INSCS042": (19, 16), "INSCS043": (17, 17), "INSCS044": (15, 14),
}
# fmt: on

# Items that cross a page break or a line break in the source, as the standard words them.
JOINED_ITEMS: dict[str, str] = {
    "INSCS002.PC20": "take messages for colleagues when you are unable to deal with customers "
    "questions or requests",
    "INSCS002.KU20": "how your communication style affects the way your customer experiences "
    "your customer service",
    "INSCS012.PC20": "help colleagues to explore the implications of your advice and information "
    "for their own work and identify actions",
    "INSCS012.KU20": "the legal, organisational, codes of practice and policies relevant to your "
    "role and the activities being carried out",
    "INSCS014.PC21": "observe your colleague perform the tasks to identify what they do well and "
    "the areas of improvement",
    "INSCS016.KU20": "the importance of respecting customer and organisation confidentiality",
    "INSCS017.PC20": "follow the legal, organisational, codes of practice and policies relevant "
    "to your role and the activities being carried out",
    "INSCS020.PC23": "inform customers about any variation to the work that could involve "
    "additional time or cost",
    "INSCS026.PC20": "confirm with your customers that the problem has been solved to their "
    "satisfaction",
    "INSCS028.PC21": "implement the agreed solution and check that customers are satisfied with "
    "the action that has been taken",
    "INSCS028.KU19": "how to devise solutions that balance customer expectations and "
    "organisational aims",
    "INSCS030.PC19": "organise additional development and training for team members when needed",
    "INSCS030.KU15": "the importance of organising development and training activities so that "
    "they have limited impact on the delivery of your organisation's day to day delivery",
    "INSCS031.PC18": "monitor the implementation of customer service improvements and the "
    "expected benefits",
    "INSCS031.KU17": "the importance of balancing the requirements of legislation and external "
    "regulation with the needs and objectives of your organisation",
    "INSCS033.PC4": "set parameters for the types of change possible during process "
    "re-engineering communicate the aims of reviews with colleagues who are affected",
    "INSCS033.KU18": "the techniques for implementing changes in customer service processes",
    "INSCS019.KU13": "how to overcome customers reservations and",
}

DEBRIS = [
    "---",
    "|",
    "**",
    "<b>",
    "</b>",
    "#",
    "  ",
    "INSCS",
    "Developed by",
    "Performance criteria",
    "Knowledge and understanding",
    "You must be able to",
    "You need to know",
]

Texts = dict[str, tuple[list[str], list[str]]]  # URN -> (performance texts, knowledge texts)


def texts_of(catalog) -> Texts:
    return {
        u.urn: ([c.text for c in u.performance], [c.text for c in u.knowledge]) for u in catalog
    }


def contents_titles(source: str) -> dict[str, str]:
    return dict(re.findall(r"^\|\s*(INSCS\d{3})\s*\|\s*(.*?)\s*\|\s*$", source, re.M))


def source_words(source: str) -> list[list[list[str]]]:
    """Per unit, the words of each item of its two lists, without page furniture."""
    lines = source.splitlines()
    heading_titles = {ln.lstrip("#").strip() for ln in lines if ln.startswith("## ")}
    titles = set(contents_titles(source).values()) | heading_titles
    units: list[list[list[str]]] = []
    inside = False
    for line in lines:
        s = line.strip()
        if re.fullmatch(r"#*\s*Overview", s):
            units.append([])
            inside = False
            continue
        if not units:
            continue
        if re.search(r"Performance criteria", s):
            inside = True
            continue
        if "Developed by" in s:
            inside = False
        if not inside or not s or s.startswith(("#", "|")) or s == "---":
            continue
        if "Knowledge and understanding" in s or re.search(
            r"must be able to|know and understand", s
        ):
            continue
        if s in titles or re.fullmatch(r"INSCS\d{3}", s):
            continue
        if re.match(r"^-?\s*\d+\.\s", s):
            units[-1].append([])
        s = re.sub(r"^-?\s*(\d+\.\s+)?", "", s)
        units[-1][-1].extend(s.split())
    return units


def check_counts(texts: Texts) -> list[str]:
    problems = []
    for urn, (pcs, kus) in EXPECTED_COUNTS.items():
        got = (len(texts.get(urn, ([], []))[0]), len(texts.get(urn, ([], []))[1]))
        if got != (pcs, kus):
            problems.append(f"{urn}: {got[0]} PCs and {got[1]} KUs, expected {pcs} and {kus}")
    if set(texts) != set(EXPECTED_COUNTS):
        problems.append(f"units differ: {sorted(set(texts) ^ set(EXPECTED_COUNTS))}")
    return problems


def check_words(texts: Texts, source: str) -> list[str]:
    problems = []
    for (urn, (pcs, kus)), expected in zip(
        sorted(texts.items()), source_words(source), strict=False
    ):
        got = [t.split() for t in pcs + kus]
        if got != expected:
            at = next(
                (i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b), None
            )
            at = min(len(got), len(expected)) if at is None else at
            problems.append(
                f"{urn}: item {at + 1} of {len(expected)} differs from the source: catalog "
                f"{' '.join((got[at:] or [['(none)']])[0])!r} vs source "
                f"{' '.join((expected[at:] or [['(none)']])[0])!r}"
            )
    return problems


def check_debris(texts: Texts, source: str) -> list[str]:
    titles = list(contents_titles(source).values()) + [
        "Monitor and solve customer service problems"
    ]
    problems = []
    for urn, (pcs, kus) in texts.items():
        for kind, items in (("PC", pcs), ("KU", kus)):
            for n, text in enumerate(items, 1):
                found = [d for d in DEBRIS if d in text] + [t for t in titles if t in text]
                if text != text.strip() or text.startswith("- "):
                    found.append("stray whitespace or bullet")
                if found:
                    problems.append(f"{urn}.{kind}{n}: contains {found}")
    return problems


def check_joined(texts: Texts) -> list[str]:
    problems = []
    for cid, expected in JOINED_ITEMS.items():
        urn, short = cid.split(".")
        items = texts[urn][0 if short.startswith("PC") else 1]
        number = int(short[2:])
        got = items[number - 1] if number <= len(items) else None
        if got != expected:
            problems.append(f"{cid}: {got!r} is not {expected!r}")
    return problems


def audit(texts: Texts, source: str) -> list[str]:
    return (
        check_counts(texts)
        + check_words(texts, source)
        + check_debris(texts, source)
        + check_joined(texts)
    )
