"""Reading learners' English: word classes and lemmas, so marking does not hang on word lists.

A target starts with "Decrease", "Minimise" or "Log", a question with "In what way": what
matters is the class of word (a verb in the place of an action, a noun naming a thing) and its
lemma ("replies" is a form of the noun and the verb "reply"), not whether the word is on a list.
Both come from `lemminflect`, whose lexicon (drawn from annotated English corpora) ships inside
the package, so nothing is fetched at run time. It is loaded on first use (about half a second
and 50 MB), which only kernels that mark free text pay.

No tagger of whole sentences is used: the English pipelines that tag in context (spaCy's
models) are not on the package registries this project installs from, and TextBlob's bundled
tagger reads imperatives ("Decrease the...") as nouns. Instead the exercises read the places
where English puts a verb (the start of an instruction, after "will" or "to") and ask the
lexicon whether the word there can be one.

What the lexicon does not hold is the closed classes of English (articles, pronouns,
prepositions, conjunctions, auxiliaries): a small, finite grammar, listed once here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import cache

_CLOSED_CLASSES = """
    a an the this that these those some any each every either neither no all both half
    i me my mine myself we us our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves one ones
    who whom whose which what when where why how whether if than then so as because while
    though although unless until till since before after once and or but nor yet also too
    of to for in on at by with within without from into onto upon over under above below
    across along around about against among between beyond during except inside outside
    through throughout toward towards via per up down out off near past
    be am is are was were been being do does did doing done have has had having
    will would shall should can could may might must ought 'll 're 've 'd 's not n't
    there here very just only even still really quite rather more most less least much many
    few fewer lot lots such own same other another else"""
FUNCTION_WORDS = frozenset(_CLOSED_CLASSES.split())

_WORD = re.compile(r"[A-Za-z][A-Za-z']*(?:-[A-Za-z]+)*|\d+(?:st|nd|rd|th)\b|\d+(?:[.,]\d+)*")


def words(text: str) -> list[str]:
    """The words of a text, in order (letters and apostrophes, or a number)."""
    return _WORD.findall(text.replace("\u2019", "'").replace("\u2018", "'"))


@cache
def _lexicon():  # noqa: ANN202 - the module, imported on first use
    import lemminflect

    return lemminflect


@cache
def classes(word: str) -> dict[str, tuple[str, ...]]:
    """The word classes (universal POS tags) the lexicon knows for a word, with its lemmas.

    {} for a closed-class word and for a word the lexicon does not know (a typo, "CRM").
    """
    w = word.lower().strip("'")
    if not w or w in FUNCTION_WORDS or not w[0].isalpha():
        return {}
    found = dict(_lexicon().getAllLemmas(w))
    if not found and "-" in w:  # "role-play", "re-read": the last part says the class
        head, _, last = w.rpartition("-")
        found = {pos: tuple(f"{head}-{x}" for x in lemmas) for pos, lemmas in classes(last).items()}
    return found


def can_be_verb(word: str) -> bool:
    """Whether the word can be a form of a (main) verb."""
    return "VERB" in classes(word)


def can_be_noun(word: str) -> bool:
    """Whether the word can be a noun; a word the lexicon does not know counts as one (typos,
    acronyms and names such as "CRM" or "complants" are nearly always nouns in a target)."""
    found = classes(word)
    if not found:
        w = word.lower()
        return w not in FUNCTION_WORDS and w[:1].isalpha() and len(w) > 1
    return "NOUN" in found or "PROPN" in found


def verb_lemma(word: str) -> str | None:
    """The verb a word is a form of ("replied" -> "reply", "got" -> "get"), or None."""
    lemmas = classes(word).get("VERB")
    return lemmas[0] if lemmas else None


def lemmas(word: str) -> set[str]:
    """Every lemma of a word, whatever its class, with the word itself (for matching)."""
    w = word.lower().strip("'")
    found = {w}
    for forms in classes(w).values():
        found.update(forms)
    return found


def is_past_participle(word: str) -> bool:
    """Whether the word can be a past form of a verb ("reduced", "cut", "brought")."""
    w = word.lower()
    lemma = verb_lemma(w)
    if lemma is None:
        return False
    lexicon = _lexicon()
    past = set(lexicon.getInflection(lemma, tag="VBN")) | set(lexicon.getInflection(lemma, "VBD"))
    return w in past


def is_gerund(word: str) -> bool:
    """Whether the word is the -ing form of a verb ("waiting", "handling")."""
    w = word.lower()
    lemma = verb_lemma(w)
    return lemma is not None and w in _lexicon().getInflection(lemma, tag="VBG")


def vocabulary(texts: Iterable[str]) -> set[str]:
    """The lemmas of every content word in some texts (a goal, a scenario, criteria)."""
    found: set[str] = set()
    for text in texts:
        for word in words(str(text)):
            if word.lower() not in FUNCTION_WORDS and word[0].isalpha() and len(word) > 2:
                found |= lemmas(word)
    return found


def matches(word: str, vocab: set[str]) -> str | None:
    """The vocabulary entry a word matches by lemma, or (for a misspelling the lexicon does not
    know, "complants") by a close spelling; None when it matches nothing."""
    for lemma in sorted(lemmas(word)):
        if lemma in vocab:
            return lemma
    w = word.lower()
    for part in vocab:  # a compound of a known word: "callback", "chatbot", "webchat"
        if len(part) >= 4 and len(w) >= len(part) + 3 and (w.startswith(part) or w.endswith(part)):
            if part in FUNCTION_WORDS:
                continue
            return part
    for entry in vocab:  # one word family: "complainant" and "complaint"
        shorter = min(len(entry), len(w))
        if shorter >= 7 and _common_prefix(entry, w) >= shorter - 2:
            return entry
    if not classes(w) and len(w) >= 6:
        close = difflib.get_close_matches(w, vocab, n=1, cutoff=0.8)
        if close:
            return close[0]
    return None


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
