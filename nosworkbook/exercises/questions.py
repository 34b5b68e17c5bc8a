"""Question technique: name the type of a question, and turn a closed question into an open one.

Question types follow docs/DESIGN.md: open, closed, probing, leading, hypothetical, reflective or
summarising, and funnel (a sequence that narrows from open to closed).

A rewrite is checked by rule, so the learner is always told which rule it broke:

1. it is not empty and not too long to ask as one question (at most 35 words);
2. it is not leading ("don't you think", "wouldn't you agree", a tag such as ", isn't it?");
3. every sentence that asks something is open: it starts (or has a clause that starts) with an
   open interrogative (what, how, why, which, where, when, who) or is a request to talk
   ("Tell me...", "Describe...", "Explain...", "Talk me through..."); polite wrappers such as
   "Could you tell me..." count as requests, but "tell me whether..." and questions opening
   with a yes/no word (do, is, are, can, could, would, will, have, did...) are closed, as is a
   question that offers a fixed choice ("..., a refund or a replacement?");
4. a question asked with an interrogative ends with "?" (a "Tell me..." request need not);
5. it keeps the topic: it shares a content word with the closed question (or a topic word
   the scenario lists, e.g. "delivery" for "Did it arrive?").

An empathy statement before the question ("I'm sorry to hear that. What happened?") is fine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from nosworkbook.exercises.base import Answer, Exercise, Part, Result, answer_text, register
from nosworkbook.exercises.toolkit.choices import check_choices, choice_fields
from nosworkbook.exercises.toolkit.wording import variant

QUESTION_TYPES: dict[str, str] = {
    "open": "invites the customer to answer in their own words (what, how, why, tell me...)",
    "closed": "can be answered with yes, no or one fact; good for confirming details",
    "probing": "follows up something the customer has just said, often in their own words, "
    "to get more detail",
    "leading": "suggests the answer the asker wants, so the customer may simply agree",
    "hypothetical": "asks what the customer would think or do if things were different "
    "(what if, suppose, imagine)",
    "reflective or summarising": "plays back or sums up what the customer said, to check "
    "understanding",
    "funnel": "a series of questions that starts broad and open and narrows to specific, "
    "closed ones",
}

# Half marks: the learner's type is a close relative of the right one.
NEAR_TYPES = {
    frozenset({"probing", "open"}): "Probing questions are often open, but",
    frozenset({"hypothetical", "open"}): "Hypothetical questions are usually open, but",
    frozenset({"leading", "closed"}): "Leading questions are usually closed, but",
}

MAX_WORDS = 35

OPEN_WORDS = ("what", "how", "why", "which", "where", "when", "who", "whom", "whose")
REQUESTS = (
    "tell me",
    "tell us",
    "telling me",
    "describe",
    "describing",
    "explain",
    "explaining",
    "talk me through",
    "talk us through",
    "talking me through",
    "walk me through",
    "walking me through",
    "take me through",
    "help me understand",
    "say more",
    "share",
    "give me an idea",
    "give me a sense",
    "let me know",
    "go on",
    "i'd like to hear",
    "i would like to hear",
    "i'd love to hear",
    "i'd like to understand",
    "i'd like to know",
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


YES_NO_OPENERS = _words(
    "do does did is are was were am can could would will shall should have has had may might "
    "must isn't aren't wasn't weren't don't doesn't didn't won't wouldn't can't couldn't "
    "shouldn't haven't hasn't hadn't"
)
LEADING_PHRASES = (
    "don't you think",
    "do you not think",
    "wouldn't you agree",
    "would you not agree",
    "don't you agree",
    "wouldn't you say",
    "you'd agree",
    "you would agree",
    "surely",
    "i'm sure you",
    "i take it",
    "isn't it true",
    "isn't it the case",
    "isn't it obvious",
    "isn't it better",
    "obviously",
)
_TAG = re.compile(
    r"(?:,\s*(?:is|was|are|were|do|does|did|will|would|can|could|have|has|had)(?:n't)?\s+"
    r"(?:it|you|they|we|he|she|that|there)|(?:,\s*|\s)(?:\w+n't|\w+nt)\s+"
    r"(?:it|you|they|we|he|she|that|there)|\s+innit|,\s*(?:right|yes|yeah|eh|surely|no|ok|"
    r"okay))\s*[?.!]*$"
)
_POLITE = re.compile(
    r"^(?:(?:i\s+was\s+wondering|i\s+wonder)\s+(?:if|whether)\s+you\s+(?:could|would|can)\s+|"
    r"(?:could|can|would|will)\s+you\s+(?:please\s+|just\s+|possibly\s+)?|"
    r"(?:would|do)\s+you\s+mind\s+(?:just\s+)?)"
    r"(?=(?:tell|describe|explain|talk|walk|take|help|say|share|give|let|go|run|"
    r"telling|describing|explaining|talking|walking|taking|sharing|giving|going|running)\b)"
)
# "In what way...", "To what extent...", "For how long...": a preposition before the
# interrogative does not change what it asks.
_PREPOSITION_FIRST = re.compile(
    r"^(?:in|to|at|for|from|on|with|by|about|under|during|after|before|since)\s+"
    r"(?=(?:what|which|how|whom|whose|where|when)\b)"
)
_FILLERS = re.compile(
    r"^(?:(?:so|and|ok|okay|right|well|now|please|sorry|thanks|thank you|great|lovely)\b[,\s]*)+"
)
_FIXED_CHOICE = re.compile(r",[^,?]*\bor\b[^,?]*\?$")

STOPWORDS = _words(
    """a about above after again all also am an and any anything are as at be because been
    before being both but by can could did do does doing done during each else ever every
    everything for from further get gets getting give go going got had has have having he her
    here how i if in into is it its just know let like made make me more most much my need no
    not now of off on once only or other our out over own please really right said same say
    see she should so some something such tell than thank thanks that the their them then
    there these they thing things think this those through to too under until up us very was
    way we well went were what when where whether which while who whom whose why will with
    would you your yours yourself describe explain happen happened happening talk walk take
    help understand feel felt want wanted share sense idea mind okay ok sorry hear today yes
    again any don didn doesn isn wasn aren weren won wouldn couldn shouldn haven hasn hadn
    """
)


def _normal(text: str) -> str:
    text = str(text).replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", "").replace("\u201d", "").replace('"', "")
    return " ".join(text.split()).strip().lower()


# Questions that ask for one fact: how long/many/much, when, where, who, which, what time.
_SINGLE_FACT = re.compile(
    r"^(?:how\s+(?:long|many|much|old|often|far|big)|when|where|who|whom|whose|which|"
    r"what\s+(?:time|date|day|colour|size|number|model|year|month)|"
    r"what(?:'s|\s+is|\s+was)?\s+(?:your|the)\s+(?:\w+\s+)?(?:number|name|postcode|address|"
    r"reference|email|date|account|phone|details))\b"
)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.?!])\s+", text) if s.strip()]


# A negative question ("Isn't it...?", "Wasn't the engineer polite?") expects "yes".
_NEGATIVE_OPENER = re.compile(
    r"^(?:isn't|wasn't|aren't|weren't|don't|doesn't|didn't|won't|wouldn't|can't|couldn't|"
    r"shouldn't|haven't|hasn't|hadn't)\b"
)
# A statement put as a question ("You must have been pleased...?", "So that's all sorted
# now then?") proposes the answer: it starts with a subject, not a question word.
# What makes a statement put as a question assume its answer, not just check a fact.
_ASSUMED = re.compile(
    r"\b(?:must|surely|presumably|obviously|clearly|basically|i\s+(?:expect|assume|presume|"
    r"suppose|guess|bet|imagine|take\s+it)|so\b|then\b|all\s+sorted|sorted|fine|happy|pleased|"
    r"ok|okay|alright|good|better|great|enjoyed|loved|no\s+problems?|only|just)\b"
)
_STATEMENT_QUESTION = re.compile(
    r"^(?:so\s+|and\s+|presumably\s+|obviously\s+|clearly\s+|basically\s+)*"
    r"(?:you|you're|you've|you'd|you'll|that's|that|this|it's|it|we|we've|we're|our|your|"
    r"the|i\s+(?:expect|assume|presume|suppose|guess|bet|imagine|take\s+it|think))\b"
)
# Words that take the customer's praise for granted inside an open form ("How much did you
# enjoy...", "What did you love most...", "our friendly team").
_ASSUMED_PRAISE = re.compile(
    r"\b(?:enjoy(?:ed)?|love[ds]?|like[ds]?\s+(?:most|best|about)|liked|great|excellent|"
    r"amazing|brilliant|fantastic|wonderful|friendly|helpful|quick\s+(?:response|reply|service)|"
    r"quickly\s+did\s+our|delighted|pleased|lovely|beautiful|simple|how\s+easy|"
    r"(?:the\s+)?best\s+(?:part|thing|bit)|(?:only|just)\s+(?:a\s+)?(?:small|little|minor|"
    r"short|slight|quick|few))\b"
)


def leading_phrase(text: str) -> str | None:
    """The phrase that makes a question leading, or None: a leading phrase or tag, a negative
    question, a statement put as a question, or praise the question takes for granted."""
    t = _normal(text)
    for phrase in LEADING_PHRASES:
        if re.search(rf"\b{re.escape(phrase)}\b", t):
            return phrase
    tag = _TAG.search(t)
    if tag:
        return tag.group(0).strip(" ,?.!")
    for sentence in _sentences(t):
        s = _FILLERS.sub("", sentence).strip()
        if not s.endswith("?") and not _TAG.search(s):
            praise = _ASSUMED_PRAISE.search(s)
            if praise and re.match(r"(?:tell|describe|explain|talk)\b", s):
                return praise.group(0)  # "Tell me how great your stay was"
            continue
        negative = _NEGATIVE_OPENER.match(s)
        if negative:
            return negative.group(0)
        statement = _STATEMENT_QUESTION.match(s)
        asks = any(
            (re.findall(r"[a-z']+", clause)[:1] or [""])[0] in OPEN_WORDS
            for clause in re.split(r"[,;:\u2014-]", s)
        )
        if statement and not asks and _ASSUMED.search(s):
            return s.rstrip("?").strip()
        praise = _ASSUMED_PRAISE.search(s)
        if praise:
            return praise.group(0)
    return None


_ASIDE = re.compile(r",\s*(?:do\s+you\s+think|would\s+you\s+say|do\s+you\s+reckon)\s*(?=\?|$)")


def _sentence_kind(sentence: str) -> tuple[str, str]:
    """('open' | 'closed' | 'unmarked' | 'statement', reason) for one sentence."""
    s = _ASIDE.sub("", _FILLERS.sub("", _normal(sentence)).strip())
    asks = s.endswith("?")
    s = _POLITE.sub("", s)
    words = re.findall(r"[a-z']+", s)
    if not words:
        return "statement", ""
    first = words[0]
    s = _PREPOSITION_FIRST.sub("", s)
    for request in REQUESTS:
        found = re.match(rf"{re.escape(request)}\b\s*", s)
        if found:
            rest = s[found.end() :]
            wh = re.match(r"(?:(?:me|us|to me)\s+)?(if|whether)\b", rest)
            if wh:
                return "closed", (
                    f"\u201c{request} {wh.group(1)}\u2026\u201d still asks for a yes or no"
                )
            if _SINGLE_FACT.match(rest):
                return "closed", (
                    f"\u201c{request} {rest.split()[0]}\u2026\u201d asks for one fact, which the "
                    "customer can give in a word or two"
                )
            then = re.match(r"[,:;\u2014-]+\s*(?:(?:please|so)\s+)?([a-z']+)", rest)
            if then and then.group(1) in YES_NO_OPENERS:
                return "closed", (
                    f"after \u201c{request}\u201d the question itself starts with "
                    f"\u201c{then.group(1)}\u201d, so the customer can answer yes or no"
                )
            return "open", f"\u201c{request}\u201d asks the customer to answer in their own words"
    if first in YES_NO_OPENERS:
        return "closed", f"it starts with \u201c{first}\u201d, so the customer can answer yes or no"
    clause_starts = [re.findall(r"[a-z']+", c)[:1] for c in re.split(r"[,;:\u2014-]", s)]
    starts = [w[0].split("'")[0] for w in clause_starts if w]
    opener = next((w for w in starts if w in OPEN_WORDS), None)
    fact = _SINGLE_FACT.match(s)
    choice = _FIXED_CHOICE.search(s) or (opener == "which" and re.search(r"\bor\b", s))
    if fact and opener and s.startswith(opener) and not choice:
        return "closed", (
            f"\u201c{fact.group(0).strip()}\u2026\u201d asks for one fact, which the customer can "
            "give in a word or two"
        )
    if opener:
        if _FIXED_CHOICE.search(s) or (opener == "which" and re.search(r"\bor\b", s)):
            return (
                "closed",
                "it offers a fixed choice of answers (\u2026 or \u2026), which closes it",
            )
        if not asks:
            return (
                "unmarked",
                f"a question that starts with \u201c{opener}\u201d ends with \u201c?\u201d",
            )
        return "open", f"it starts with \u201c{opener}\u201d, which invites a full answer"
    if asks:
        return "closed", "it is a statement with a question mark, which invites a yes or no"
    return "statement", ""


def is_open_question(text: str) -> tuple[bool, str]:
    """(True, why) when the text is an open question, else (False, which rule it breaks)."""
    t = " ".join(str(text or "").split())
    if not t:
        return False, "Write your open question."
    words = t.split()
    if len(words) > MAX_WORDS:
        return False, (
            f"That is {len(words)} words: keep it to one short question (at most {MAX_WORDS})."
        )
    phrase = leading_phrase(t)
    if phrase:
        return False, (
            f"\u201c{phrase}\u201d makes it a leading question: it suggests the answer you want. "
            "Ask without hinting at an answer."
        )
    if t.count("?") > 1 or _several_questions(t):
        return False, "Ask one question at a time, so the customer knows what to answer."
    if len(words) < 2:
        return False, "That is too short to ask a customer: ask a whole question."
    kinds = [_sentence_kind(s) for s in _sentences(t)]
    closed = [why for kind, why in kinds if kind == "closed"]
    if closed:
        return False, f"It is still closed: {closed[0]}. Start with what, how or tell me."
    opened = [why for kind, why in kinds if kind == "open"]
    unmarked = [why for kind, why in kinds if kind == "unmarked"]
    if unmarked and not opened:
        return True, f"It is open, but {unmarked[0]}: remember the question mark when you write it."
    if not opened:
        return False, "That is a statement, not a question: ask the customer something."
    return True, f"It is open: {opened[0]}."


def _several_questions(text: str) -> bool:
    """Whether one sentence asks two or more questions ("What happened and did you...?")."""
    t = _ASIDE.sub("", _normal(text))
    joins = re.split(r"\s*(?:,\s*(?:and|or)?|\band\b|\bor\b)\s+", t)
    asks = 0
    for clause in joins[1:]:
        first = clause.split()[:2]
        if first and (first[0] in OPEN_WORDS or (first[0] in YES_NO_OPENERS and len(first) > 1)):
            asks += 1
    return (
        asks >= 1
        and bool(joins)
        and (joins[0].split()[:1] or [""])[0]
        in (
            *OPEN_WORDS,
            *YES_NO_OPENERS,
        )
    )


def question_type(text: str) -> tuple[str, str]:
    """("open" | "closed" | "leading", why) for one question, as the rewrite marking reads it."""
    phrase = leading_phrase(text)
    if phrase:
        return "leading", f"\u201c{phrase}\u201d suggests the answer"
    parts = _question_parts(text)
    if len(parts) > 1:  # "What happened, and was anyone hurt?": closed if any part is
        kinds = [question_type(part) for part in parts]
        closed = next((k for k in kinds if k[0] == "closed"), None)
        return closed or kinds[0]
    ok, why = is_open_question(text)
    return ("open" if ok else "closed"), why


def _question_parts(text: str) -> list[str]:
    """The questions one sentence asks, split where a new one starts after "and" or a comma."""
    t = " ".join(str(text or "").split())
    if t.count("?") > 1 or not _several_questions(t):
        return [t]
    pieces = re.split(r"\s*(?:,\s*(?:and|or)?|\band\b|\bor\b)\s+(?=(?:\w+)\b)", t)
    parts, current = [], ""
    for piece in pieces:
        first = (piece.split()[:1] or [""])[0].lower()
        if current and (first in OPEN_WORDS or first in YES_NO_OPENERS):
            parts.append(current.rstrip("?") + "?")
            current = piece
        else:
            current = f"{current}, {piece}" if current else piece
    parts.append(current if current.endswith("?") else current + "?")
    return parts


def _stem(word: str) -> str:
    for suffix in ("ies", "ing", "ed", "es", "s", "e", "y"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def content_words(text: str) -> set[str]:
    """The words that carry the topic, lightly stemmed (stop words and question words out)."""
    words = re.findall(r"[a-z]+", _normal(text).replace("'s", ""))
    return {_stem(w) for w in words if w not in STOPWORDS and len(w) > 2}


def _same(a: str, b: str) -> bool:
    short, long = sorted((a, b), key=len)
    return a == b or (len(short) >= 4 and long.startswith(short))


def keeps_topic(original: str, rewrite: str, topic: Iterable[str] = ()) -> tuple[bool, str]:
    """(True, shared word) when the rewrite shares a content word with the original question
    or one of the scenario's topic words."""
    wanted = content_words(original) | {_stem(w.lower()) for w in topic}
    got = content_words(rewrite)
    for word in sorted(got):
        if any(_same(word, w) for w in wanted):
            return True, word
    return False, ""


def check_rewrite(original: str, rewrite: str, topic: Iterable[str] = ()) -> tuple[float, str]:
    """Score a rewrite: 1 when open and on topic, 0.5 when open but off topic, else 0."""
    ok, why = is_open_question(rewrite)
    if not ok:
        return 0.0, why
    on_topic, _word = keeps_topic(original, rewrite, topic)
    if not on_topic:
        return 0.5, (
            f"{why} But it has drifted from the topic of \u201c{original}\u201d: ask about the "
            "same thing, openly."
        )
    return 1.0, why


@register("question-technique")
class QuestionTechnique(Exercise):
    """Name each question's type; rewrite closed questions as open ones.

    Spec: `classify`: list of `{text, type, why}` (text may vary by sector); `rewrite`: list of
    `{closed, topic: [words], model}`; `choices`: optional single-choice questions.
    """

    def _type_label(self, value: str) -> str:
        if value in ("reflective", "summarising"):
            return "reflective or summarising"
        if value not in QUESTION_TYPES:
            raise ValueError(f"{self.id}: unknown question type {value!r}")
        return value

    def blocks(self) -> list[dict[str, Any]]:
        names = [self._type_label(i["type"]) for i in self.spec.get("classify", [])]
        shown = [t for t in QUESTION_TYPES if t in names or t in ("open", "closed")]
        return [
            {
                "type": "table",
                "caption": "Types of question",
                "columns": ["Type", "What it does"],
                "rows": [[t, QUESTION_TYPES[t]] for t in shown],
            }
        ]

    def form(self) -> list[dict[str, Any]]:
        fields: list[dict[str, Any]] = []
        for i, item in enumerate(self.spec.get("classify", []), 1):
            self._type_label(item["type"])  # refuse a scenario with an unknown type early
            text = self.text(variant(item["text"], self.setting.sector))
            fields.append(
                {
                    "type": "group",
                    "label": f"Question {i}: {text}",
                    "fields": [
                        {
                            "type": "select",
                            "name": f"q{i}.type",
                            "label": f"Question {i} type",
                            "options": list(QUESTION_TYPES),
                        }
                    ],
                }
            )
        for i, item in enumerate(self.spec.get("rewrite", []), 1):
            fields.append(
                {
                    "type": "group",
                    "label": f"Closed question {i}: \u201c{self.text(item['closed'])}\u201d",
                    "fields": [
                        {
                            "type": "text",
                            "name": f"rewrite{i}",
                            "label": f"Rewrite {i} as an open question",
                            "help": "Keep the same topic; start with what, how, why or "
                            "\u201cTell me\u201d.",
                            "rows": 2,
                        }
                    ],
                }
            )
        return fields + choice_fields(self.spec.get("choices", []), self.text)

    def _mark_type(self, i: int, item: Mapping[str, Any], got: str) -> Part:
        name = f"Question {i} type"
        want = self._type_label(item["type"])
        why = self.text(item.get("why", "")).strip()
        got = got.lower()
        if got == "reflective" or got == "summarising":
            got = "reflective or summarising"
        if not got:
            return Part(name, 0.0, f"Choose a type for question {i}.")
        if got == want:
            return Part(name, 1.0, f"Yes: {want}. {why}".strip())
        near = NEAR_TYPES.get(frozenset({got, want}))
        if near:
            return Part(name, 0.5, f"{near} this one is {want}. {why}".strip())
        definition = QUESTION_TYPES.get(want, "")
        return Part(
            name,
            0.0,
            f"You chose {got}; it is {want}: a {want} question {definition}. {why}".strip(),
        )

    def check(self, answer: Answer) -> Result:
        parts = [
            self._mark_type(i, item, answer_text(answer, f"q{i}.type"))
            for i, item in enumerate(self.spec.get("classify", []), 1)
        ]
        for i, item in enumerate(self.spec.get("rewrite", []), 1):
            closed = self.text(item["closed"])
            score, why = check_rewrite(
                closed, answer_text(answer, f"rewrite{i}"), item.get("topic", ())
            )
            if score < 1 and item.get("model"):
                why += f" For example: \u201c{self.text(item['model'])}\u201d"
            parts.append(Part(f"Rewrite {i}", score, why))
        parts += check_choices(answer, self.spec.get("choices", []), self.text)
        return Result(tuple(parts))
