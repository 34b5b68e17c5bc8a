"""Question technique: open-question rules, leading questions, topic, types and feedback."""

from __future__ import annotations

import pytest

from nosworkbook.exercises import get
from nosworkbook.exercises.questions import (
    MAX_WORDS,
    QUESTION_TYPES,
    QuestionTechnique,
    check_rewrite,
    content_words,
    is_open_question,
    keeps_topic,
    leading_phrase,
    question_type,
)


def test_the_types_are_the_design_list():
    assert list(QUESTION_TYPES) == [
        "open",
        "closed",
        "probing",
        "leading",
        "hypothetical",
        "reflective or summarising",
        "funnel",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "What happened when your parcel arrived?",
        "How did the delivery go?",
        "Why was that a problem for you?",
        "In what way was our reply too slow?",
        "To what extent did the reply meet your needs?",
        "Do you mind telling me what happened?",
        "Tell me about the delivery.",
        "Tell me about the delivery",
        "Describe what you saw on the screen.",
        "Talk me through what happened.",
        "Could you tell me what happened with the delivery?",
        "Would you mind telling me about your stay?",
        "So, how did the delivery go?",
        "And the delivery, how did that go?",
        "What's the problem with the parcel?",
        "I'm sorry to hear that. What happened with your order?",
        "What isn't it doing that you expected?",
        "what   happened   with   the   order?",
    ],
)
def test_open_questions_pass(text):
    ok, why = is_open_question(text)
    assert ok, why
    assert why.startswith("It is open")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Did your parcel arrive on time?", "starts with \u201cdid\u201d"),
        ("Is there anything else?", "starts with \u201cis\u201d"),
        ("Are you happy with the service?", "starts with \u201care\u201d"),
        ("Can you tell me if the parcel arrived?", "tell me if"),
        ("Tell me whether the parcel arrived.", "tell me whether"),
        ("Could you describe it?", None),  # a polite request: open
        ("What would you prefer, a refund or a replacement?", "fixed choice"),
        ("Which do you want, refund or replacement?", "fixed choice"),
        ("The delivery was late?", "statement with a question mark"),
        ("So the delivery was fine then?", "leading"),  # a statement that assumes its answer
        ("Tell me, did you keep the receipt?", "starts with \u201cdid\u201d"),
        ("Which part of the form was confusing?", "asks for one fact"),
        ("How long did you wait on hold?", "asks for one fact"),
        ("What happened, and did you ring us at the time?", "one question at a time"),
        ("The parcel was late, wasn't it?", "leading"),
        ("Don't you think the delivery was fine?", "leading"),
        ("Wouldn't you agree that was quick?", "leading"),
        ("How was the room, surely fine?", "leading"),
        ("What happened? Did it arrive?", "one question at a time"),
        ("What happened", None),  # open: the missing "?" is a reminder, not a fail
        ("Go online and check the order.", "statement, not a question"),
        ("", "Write your open question"),
        ("   ", "Write your open question"),
    ],
)
def test_closed_leading_and_broken_questions_fail_with_the_rule(text, reason):
    ok, why = is_open_question(text)
    if reason is None:
        assert ok, why
        return
    assert not ok
    assert reason.lower() in why.lower(), why


def test_very_long_text_is_not_one_question():
    text = "What " + "really " * MAX_WORDS + "happened?"
    ok, why = is_open_question(text)
    assert not ok and f"at most {MAX_WORDS}" in why
    ok, _ = is_open_question("What " + "really " * (MAX_WORDS - 3) + "happened?")
    assert ok


def test_leading_tags_only_at_the_end():
    assert leading_phrase("You'd be happy with that, wouldn't you?") == "wouldn't you"
    assert leading_phrase("It arrived on time, right?") == "right"
    assert leading_phrase("Isn't it true that you were told?") == "isn't it true"
    assert leading_phrase("What isn't it doing that you expected?") is None
    assert leading_phrase("What\u2019s gone wrong, don\u2019t you think?") == "don't you think"


def test_topic_is_shared_content_words_or_listed_topic_words():
    assert content_words("Was the room clean when you checked in?") == {"room", "clean", "check"}
    assert keeps_topic("Did your parcel arrive?", "What happened with the parcels?")[0]
    assert keeps_topic("Did your parcel arrive?", "How was its arrival?") == (True, "arrival")
    assert not keeps_topic("Did your parcel arrive?", "How are you today?")[0]
    assert not keeps_topic("Did your parcel arrive?", "What happened with the delivery?")[0]
    assert keeps_topic("Did your parcel arrive?", "What happened with the delivery?", ["delivery"])[
        0
    ]


def test_rewrite_scores_open_on_topic_full_and_off_topic_half():
    closed = "Was our reply to your enquiry quick enough?"
    assert check_rewrite(closed, "How did you find our reply to your enquiry?")[0] == 1.0
    score, why = check_rewrite(closed, "How are you today?")
    assert score == 0.5 and "drifted from the topic" in why
    assert check_rewrite(closed, "Was our reply quick?")[0] == 0.0
    assert check_rewrite(closed, "")[0] == 0.0


def test_exercise_marks_types_with_near_misses_and_definitions():
    exercise = get("INSCS022.question-technique")
    parts = {p.name: p for p in exercise.check({"q3.type": "open", "q4.type": "open"}).parts}
    assert parts["Question 3 type"].score == 0.5
    assert "this one is probing" in parts["Question 3 type"].feedback
    assert parts["Question 4 type"].score == 0.0
    assert "it is leading" in parts["Question 4 type"].feedback
    assert QUESTION_TYPES["leading"] in parts["Question 4 type"].feedback
    assert parts["Question 1 type"].feedback == "Choose a type for question 1."
    alias = exercise.check({"q6.type": "Reflective"}).parts[5]
    assert alias.ok


def test_exercise_rewrite_feedback_offers_the_model_when_wrong():
    exercise = get("INSCS022.question-technique")
    parts = {p.name: p for p in exercise.check({"rewrite1": "Was it quick?"}).parts}
    assert parts["Rewrite 1"].score == 0
    assert "For example: \u201cHow did you find the time" in parts["Rewrite 1"].feedback
    good = {p.name: p for p in exercise.check({"rewrite1": "Tell me about our reply."}).parts}
    assert good["Rewrite 1"].ok and "For example" not in good["Rewrite 1"].feedback


def test_form_labels_are_specific_and_an_unknown_type_is_refused():
    exercise = get("INSCS006.question-technique")
    fields = exercise.form()
    assert fields[0]["fields"][0]["label"] == "Question 1 type"
    rewrite = next(f for f in fields if f["label"].startswith("Closed question 1"))
    assert rewrite["fields"][0]["label"] == "Rewrite 1 as an open question"
    spec = {**exercise.spec, "classify": [{"text": "Why?", "type": "rhetorical"}]}
    with pytest.raises(ValueError, match="unknown question type 'rhetorical'"):
        QuestionTechnique(spec=spec).form()


def test_a_correct_rewrite_missing_only_its_question_mark_scores_full_marks():
    score, why = check_rewrite(
        "Did the parcel arrive on time?", "how did the delivery go", ["delivery"]
    )
    assert score == 1.0 and "question mark" in why


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("In what way was our reply too slow?", "open"),
        ("Would you mind explaining what went wrong?", "open"),
        ("Do you mind telling me what happened?", "open"),
        ("Tell me, did you keep the receipt?", "closed"),
        ("When did the parcel arrive?", "closed"),
        ("Was it a refund or a replacement you wanted?", "closed"),
        ("Isn't the app much easier than phoning?", "leading"),
        ("You must have been pleased with the refund?", "leading"),
        ("How much did you enjoy your stay with us?", "leading"),
        ("So that's all sorted now then?", "leading"),
    ],
)
def test_a_question_is_read_by_the_answer_it_invites(text, kind):
    assert question_type(text)[0] == kind
