"""Every exercise really evidences the criteria it names: what each criterion asks is asked of
the learner.

For each exercise and each criterion it names, the criterion's key word must be found, as any
form of the word (lemmas from `lemminflect`) or as a listed synonym, in what the exercise asks
of the learner. The failure message lists every exercise, criterion and key word not found, so
a tutor can see at once which claims are unsupported; the fix is to ask for it, or to stop
naming the criterion.

Performance criteria. The key word is the criterion's first word, read as a verb ("identify",
"agree", "evaluate"): every performance criterion in the suite starts with the verb saying
what to do. Two kinds of verb carry no meaning of their own, and there the key is the word
that does:

- a light verb (give, make, take, carry out, draw up, use, provide, perform, demonstrate, show)
  means what its object says, so the key is the head noun of the object: "give thanks" needs
  "thanks", "carry out risk assessments" needs "assessment", "use probing questions" needs
  "question";
- "work with someone to do something" needs the verb after "to".

Knowledge items. A knowledge item says what to know ("the importance of ...", "how to ...",
"the types of ..."), so its key word is its first content word once the frame is set aside:
the first word that is not a function word, a word of the frame (importance, types, range,
ways, methods, techniques, differences, sources), a light verb, a word that can be an
adjective ("active", "personal"; unless it follows "to" or "how") or a word every unit uses
(customer, service, organisation). "The importance of active listening" needs "listen"; "how
to assess the risks" needs "assess"; "the types of potential customer service risks" needs
"risk". Knowing is shown by working with the thing known, so a knowledge item's word may be
anywhere the learner is shown it: the story, the material and the tables as well as the
questions.

What counts as asked (where a performance criterion's verb must be):

- the scenario's instructions, not its story: each clause's first word when it is a verb's
  plain form ("Name the role...", "..., then classify it") and every verb after "to" ("asked
  you to write"). "You and your manager agreed two needs" and "the actions you will agree
  with Jordan" ask nothing, so writing targets does not evidence agreeing them;
- every question's label and help, the answer the tutors' model answer chooses for each
  single-choice question (a word that appears only in a wrong option is not asked: choosing
  against it evidences nothing) and the steps of an ordering question (each is put in its
  place). A group's heading (a statement to sort, a risk to rate, a party in a chain) is
  material, not a question;
- in a decision scenario, which is marked step by step and whose feedback names the criteria
  each step evidences, only the steps whose feedback cites the criterion: the step's question,
  its best choice, and that choice's feedback where it cites the criterion (the author's
  statement, shown to the learner, of what the choice does). Not the story, and not the
  other steps.

A synonym is accepted only where it says the same thing in plain words (SYNONYMS below, each
with its reason).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import lemminflect
import pytest

from nosworkbook.catalog import Criterion
from nosworkbook.exercises import all_exercises
from nosworkbook.exercises import answers as answer_book
from nosworkbook.exercises.base import Exercise
from nosworkbook.exercises.decision import DEFAULT_QUESTION, cited_criteria

_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


LIGHT_VERBS = _set("give make take carry draw use provide perform demonstrate show")
"""Verbs whose meaning is their object's: the key is the object's head noun."""

PARTICLES = _set("out up")  # carry out, draw up

FUNCTION_WORDS = _set(
    """a an the this that these those your you yours their them they its it our we us
    of to for in on at by with within from into about between during through and or but
    how why what when where which who whom whether if than not simply can could may might
    will would should must be is are was were been being has have had do does that
    used"""
)

KU_FRAME = _set("importance type range way method technique difference source")
"""Nouns that only frame a knowledge item ("the range of", "the methods for")."""

EVERYWHERE = _set("customer service organisation organisational")
"""Words every unit uses: a knowledge item's key is the word after them."""

SYNONYMS: dict[str, frozenset[str]] = {
    key: frozenset(words.split())
    for key, words in {
        # judging likelihood and impact is assessing a risk
        "assess": "judge",
        # naming, finding, spotting or noticing something is identifying it
        "identify": "name find spot notice recognise",
        # finding out what a customer expects is establishing it
        "establish": "find",
        # telling or briefing someone is informing them; telling a manager is advising them
        "inform": "tell brief",
        "advise": "tell",
        "communicate": "tell explain",
        # phoning a customer is contacting them
        "contact": "phone ring call email",
        # asking questions is questioning
        "question": "ask",
        # checking is confirming
        "confirm": "check",
        # replying is responding
        "respond": "reply",
        # keeping a tone, or track of actions, is maintaining it
        "maintain": "keep",
        # guiding someone through a screen is instructing them
        "instruct": "guide",
        # helping or showing a colleague is supporting and assisting them
        "support": "help",
        "assist": "help show",
        # getting approval is obtaining it
        "obtain": "get",
        # showing empathy is expressing it
        "express": "show",
        # naming each party in a chain is defining it
        "define": "name",
        # writing a plan or an objective is creating, producing or specifying it; drafting a
        # response is developing it
        "create": "write draft",
        "produce": "write draft",
        "specify": "write",
        "develop": "draft",
        # weighing up options is considering them
        "consider": "weigh",
        # working out a figure is calculating it (a phrase: see below)
        "calculate": "work+out",
        # the same word, spelt with or without its hyphen
        "re-direct": "redirect",
    }.items()
}
"""Key word -> words that say the same thing. A plus joins the words of a phrase: "work+out"."""


def lemmas(word: str) -> set[str]:
    """The word and every lemma lemminflect knows for it, whatever its word class."""
    word = word.lower().replace("\u2019", "'").removesuffix("'s").strip("'")
    found = {word}
    for forms in lemminflect.getAllLemmas(word).values():
        found.update(forms)
    return found


def _verb(word: str) -> str:
    word = word.lower()
    return lemminflect.getAllLemmas(word).get("VERB", (word,))[0]


def _noun(word: str) -> str:
    found = lemminflect.getAllLemmas(word.lower())
    for pos in ("NOUN", "VERB"):
        if pos in found:
            return found[pos][0]
    return word.lower()


def _maybe_adjective(word: str) -> bool:
    return "ADJ" in lemminflect.getAllLemmas(word.lower())


def _head_noun(words: list[str]) -> str:
    """The head of the noun phrase starting the words: its last noun before a function word
    ("risk assessments when" -> "assessment"), adjectives and possessives set aside."""
    head = ""
    for word in words:
        lower = word.lower()
        if lower in FUNCTION_WORDS or lower in {"other"} or word.endswith(","):
            if head:
                return head
            continue
        if lower.endswith("'s") or (not head and _maybe_adjective(lower)):
            continue
        head = _noun(word.strip(","))
        if word.endswith(","):
            return head
    return head


def key_word(criterion: Criterion) -> tuple[str, bool]:
    """The word that must be asked of the learner, and whether it is a verb to be asked (see the
    module's docstring)."""
    words = [w.strip(",") for w in _WORD.findall(criterion.text)]
    if criterion.kind == "performance":
        verb = _verb(words[0])
        rest = words[1:]
        if verb == "work" and "to" in rest:
            return _verb(rest[rest.index("to") + 1]), True
        if verb in LIGHT_VERBS:
            if rest and rest[0].lower() in PARTICLES:
                rest = rest[1:]
            head = _head_noun(rest)
            return (head, False) if head else (verb, True)
        return verb, True
    previous = ""
    for word in words:
        lower = word.lower()
        verbal = lower.endswith("ing") or previous in {"to", "can", "how"}
        skip = (
            lower in FUNCTION_WORDS
            or lower.endswith("'s")
            or _noun(lower) in KU_FRAME
            or _noun(lower) in EVERYWHERE
            or _verb(lower) in LIGHT_VERBS
            or (_maybe_adjective(lower) and not verbal)
        )
        if skip:
            previous = lower
            continue
        return (_verb(lower) if verbal else _noun(lower)), False
    raise AssertionError(f"{criterion.id}: no key word in {criterion.text!r}")


# -- what the exercise asks ---------------------------------------------------------------------


def _field_texts(fields: Iterable[Mapping[str, Any]], model: Mapping[str, Any]) -> list[str]:
    """The questions a form asks: each field's label and help, a choice's right answer and an
    order's steps. A group's label is the material the question is about (a statement to
    sort, a risk to rate, a party in a chain), not a question, so it is left out here."""
    texts: list[str] = []
    for field in fields:
        if field["type"] == "group":
            texts += _field_texts(field["fields"], model)
            continue
        texts += [str(field.get("label", "")), str(field.get("help", ""))]
        if field["type"] == "choice" and model.get(field["name"]) is not None:
            texts.append(str(model[field["name"]]))  # the right answer, not the distractors
        elif field["type"] == "order":
            texts += [str(item) for item in field["items"]]  # every step is put in its place
    return texts


def _group_texts(fields: Iterable[Mapping[str, Any]]) -> list[str]:
    texts: list[str] = []
    for field in fields:
        if field["type"] == "group":
            texts += [str(field.get("label", "")), str(field.get("help", ""))]
            texts += _group_texts(field["fields"])
    return texts


def _block_texts(blocks: Iterable[Mapping[str, Any]]) -> list[str]:
    texts: list[str] = []
    for block in blocks:
        texts.append(str(block.get("caption", "")))
        texts += [str(c) for c in block.get("columns", [])]
        texts += [str(cell) for row in block.get("rows", []) for cell in row]
    return texts


_CLAUSE = re.compile(r"[.!?;:,\n]|\b(?:and|then|or)\b")
_LEADING = _set("first then now also finally next")


def instructions(scenario: str) -> str:
    """The verbs a scenario tells the learner to use: each clause's first word when it is a
    verb's plain form ("Name the role...", "..., then classify it"), and every verb after "to"
    ("asked you to write", "how to handle"). Its story ("you agreed two needs with your
    manager", "the actions you will agree") asks nothing."""
    verbs = []
    for clause in _CLAUSE.split(scenario):
        words = [w.lower() for w in _WORD.findall(clause)]
        while words and words[0] in _LEADING:
            words = words[1:]
        candidates = words[:1] + [b for a, b in zip(words, words[1:], strict=False) if a == "to"]
        verbs += [w for w in candidates if _verb(w) == w and "VERB" in lemminflect.getAllLemmas(w)]
    return " ".join(verbs)


def asked(exercise: Exercise, criterion_id: str) -> tuple[str, str]:
    """What the exercise asks the learner to do (where a key verb must be), and everything it
    shows them besides (where a key noun may be): the story and the tables."""
    model = answer_book.model_answer(exercise.id)
    if exercise.kind == "decision-scenario":
        texts = []
        for number, step in enumerate(exercise.spec["steps"], 1):
            cites = {
                c
                for choice in step["choices"]
                for c in cited_criteria(str(choice["feedback"]), exercise.unit)
            }
            if criterion_id not in cites:
                continue
            best = next(c for c in step["choices"] if c["verdict"] == "best")
            texts += [str(step.get("question", DEFAULT_QUESTION)), str(model[f"step{number}"])]
            if criterion_id in cited_criteria(str(best["feedback"]), exercise.unit):
                texts.append(str(best["feedback"]))  # why the best choice evidences it
        tasks = exercise.text(" ".join(texts))
        return tasks, tasks
    scenario = exercise.scenario()
    tasks = " ".join([instructions(scenario), *_field_texts(exercise.form(), model)])
    shown = [tasks, scenario, *_group_texts(exercise.form()), *_block_texts(exercise.blocks())]
    return tasks, " ".join(shown)


def found(key: str, text: str) -> bool:
    """Whether the key word, or a synonym, is in the text as any form of the word."""
    tokens = [lemmas(w) for w in _WORD.findall(text)]
    for wanted in {key} | SYNONYMS.get(key, frozenset()):
        parts = wanted.split("+")
        for i in range(len(tokens) - len(parts) + 1):
            if all(part in tokens[i + j] for j, part in enumerate(parts)):
                return True
    return False


EXERCISES = all_exercises()


def test_every_exercise_asks_what_each_of_its_criteria_says(catalog):
    missing = []
    for exercise in EXERCISES:
        for cid in exercise.criteria:
            criterion = catalog.criterion(cid)
            key, verb = key_word(criterion)
            tasks, shown = asked(exercise, cid)
            if not found(key, tasks if verb else shown):
                missing.append(f"{exercise.id}: {cid} needs '{key}' ({criterion.text})")
    assert not missing, (
        f"{len(missing)} criteria are named but their key word is not asked of the learner "
        "(add it to what the exercise asks, or stop naming the criterion):\n" + "\n".join(missing)
    )


def test_an_exercise_naming_realistic_targets_asks_for_them_to_be_realistic(catalog):
    """SMART in this suite's standards (INSCS035, INSCS042) reads R as Realistic, while the
    checker's table reads it as Relevant: an exercise that names such a criterion must ask for
    realistic levels in its own words, not leave realism to a table about another letter."""
    missing = []
    for exercise in EXERCISES:
        for cid in exercise.criteria:
            if "realistic" not in catalog.criterion(cid).text.lower():
                continue
            tasks, _ = asked(exercise, cid)
            story = "" if exercise.kind == "decision-scenario" else exercise.scenario()
            if not found("realistic", f"{story} {tasks}"):
                missing.append(f"{exercise.id}: {cid}")
    assert not missing, "realistic targets are named but not asked for:\n" + "\n".join(missing)


@pytest.mark.parametrize(
    ("kind", "text", "key", "verb"),
    [
        ("performance", "identify health and safety hazards in home-working", "identify", True),
        ("performance", "agree actions with team members", "agree", True),
        ("performance", "give thanks to customers for the information", "thank", False),
        (
            "performance",
            "carry out risk assessments when dealing with problems",
            "assessment",
            False,
        ),
        ("performance", "use probing questions that build on comments", "question", False),
        ("performance", "draw up a profile of how customers use social media", "profile", False),
        ("performance", "work with your team to identify any negative effects", "identify", True),
        ("knowledge", "the importance of active listening to understand", "listen", False),
        ("knowledge", "how to assess the risks associated with hazards", "assess", False),
        ("knowledge", "the types of potential customer service risks that", "risk", False),
        ("knowledge", "the methods used to agree improvement actions", "agree", False),
        ("knowledge", "the random sampling techniques that can be used", "sample", False),
        (
            "knowledge",
            "the differences between assertive and passive behaviours",
            "behaviour",
            False,
        ),
    ],
)
def test_the_key_word_is_the_verb_or_what_a_frame_or_light_verb_points_to(kind, text, key, verb):
    short = "PC1" if kind == "performance" else "KU1"
    criterion = Criterion(id=f"INSCS001.{short}", kind=kind, number=1, text=text)
    assert key_word(criterion) == (key, verb)


def test_a_key_word_is_found_in_any_form_or_as_a_listed_synonym():
    assert found("identify", "Name the role each party plays")
    assert found("assess", "judging how likely it is")
    assert found("calculate", "Work out the NPS")
    assert not found("calculate", "Out of work")
    assert not found("agree", "Write the actions for your plan")
    assert found("agree", "the actions you agreed with Jordan")


def test_a_scenario_asks_what_it_tells_the_learner_to_do_not_what_its_story_says():
    story = (
        "At your review you and your manager agreed two needs. Your manager has asked you to "
        "write the actions. First name each type, then classify it. Write the actions you "
        "will agree with Jordan."
    )
    verbs = instructions(story).split()
    assert {"write", "name", "classify"} <= set(verbs)
    assert "agree" not in verbs and "agreed" not in verbs


def test_a_decision_criterion_is_looked_for_only_in_the_steps_that_cite_it():
    exercise = next(e for e in EXERCISES if e.id == "INSCS003.decision-customer-record")
    model = answer_book.model_answer(exercise.id)
    assert asked(exercise, "INSCS999.PC1") == ("", "")
    steps = exercise.spec["steps"]
    citing = {
        number: {
            c for choice in step["choices"] for c in cited_criteria(choice["feedback"], "INSCS003")
        }
        for number, step in enumerate(steps, 1)
    }
    for cid in exercise.criteria:
        tasks, shown = asked(exercise, cid)
        assert tasks == shown and exercise.scenario() not in shown
        for number in citing:
            best = exercise.text(str(model[f"step{number}"]))
            assert (best in tasks) == (cid in citing[number]), (cid, number)
