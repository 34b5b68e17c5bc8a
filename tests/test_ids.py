"""Identifiers have one grammar, and every layer that checks one agrees with it."""

from __future__ import annotations

import pytest

from nosworkbook import ids
from nosworkbook.catalog import UnknownIdentifier, load
from nosworkbook.cohorts import Learner
from nosworkbook.settings import WorkbookParameters
from nosworkbook.store import validate
from nosworkbook.widgets.signin import SignIn

CRITERIA = ["INSCS027.PC10", "INSCS027.KU7", "INSCS001.PC1", "INSCS044.KU9999"]
NOT_CRITERIA = [
    "INSCS027.PC01",
    "INSCS027.KU007",
    "INSCS027.PC0",
    "INSCS27.PC1",
    "INSCS027.XX1",
    "inscs027.PC1",
    "INSCS027.PC10 ",
    "INSCS027",
    "",
]
COHORTS = ["default", "a", "retail-l2-2027-01", "z9-" * 21 + "z"]
NOT_COHORTS = ["-a", "a-", "A1", "a_b", "a.b", "", "a" * 65, "retail 2027", "café"]
LEARNERS = ["a.khan", "A_B-1", "x", "a" * 64, "-a"]
NOT_LEARNERS = ["", "a" * 65, "a khan", "a/b", "a@b", "é"]


@pytest.mark.parametrize("cid", CRITERIA)
def test_a_criterion_id_the_grammar_accepts_is_accepted_by_the_store(cid):
    assert ids.is_criterion(cid) and validate.criterion(cid) == cid
    assert str(ids.parse_criterion(cid)) == cid


@pytest.mark.parametrize("cid", NOT_CRITERIA)
def test_a_criterion_id_the_grammar_refuses_is_refused_by_the_store_and_the_catalog(cid):
    assert not ids.is_criterion(cid)
    with pytest.raises(ValueError):
        validate.criterion(cid)
    with pytest.raises(UnknownIdentifier):
        load().criterion(cid)


def test_every_catalog_criterion_id_follows_the_grammar_and_round_trips():
    for criterion in load().criteria():
        parsed = ids.parse_criterion(criterion.id)
        assert (parsed.urn, parsed.kind, parsed.number) == (
            criterion.urn,
            criterion.kind,
            criterion.number,
        )
        assert parsed.short == criterion.short_id == ids.local(criterion.id)
        assert ids.unit_of(criterion.id) == criterion.urn


@pytest.mark.parametrize("slug", COHORTS)
def test_a_cohort_slug_is_accepted_everywhere_or_nowhere(slug, tmp_path):
    assert ids.is_cohort(slug) and validate.cohort(slug) == slug
    assert WorkbookParameters(cohort=slug).cohort == slug


@pytest.mark.parametrize("slug", NOT_COHORTS)
def test_a_bad_cohort_slug_is_refused_by_the_store_the_workbook_and_the_cohort_file(slug):
    from nosworkbook.cohorts import Cohort

    assert not ids.is_cohort(slug)
    with pytest.raises(ValueError):
        validate.cohort(slug)
    with pytest.raises(ValueError):
        WorkbookParameters(cohort=slug)
    if slug:  # an empty slug in a cohort file means "make one from the name"
        with pytest.raises(ValueError):
            Cohort(name="X", slug=slug)


@pytest.mark.parametrize("learner", LEARNERS)
def test_a_learner_id_is_accepted_by_the_store_the_roster_and_the_sign_in(learner):
    assert ids.is_learner(learner) and validate.learner(learner) == learner
    assert Learner(id=learner).id == learner
    form = SignIn()
    seen = []
    form.on_submit(lambda who, code: seen.append(who))
    form.submit(learner)
    assert seen == [learner]


@pytest.mark.parametrize("learner", NOT_LEARNERS)
def test_a_bad_learner_id_is_refused_by_the_store_the_roster_and_the_sign_in(learner):
    assert not ids.is_learner(learner)
    with pytest.raises(ValueError):
        validate.learner(learner)
    with pytest.raises(ValueError):
        Learner(id=learner)
    form = SignIn()
    seen = []
    form.on_submit(lambda who, code: seen.append(who))
    form.submit(learner)
    assert seen == [] and form.is_error


def test_exercise_ids_belong_to_their_unit():
    assert ids.is_exercise("INSCS027.risk-classification")
    assert ids.unit_of("INSCS027.risk-classification") == "INSCS027"
    assert ids.local("INSCS027.risk-classification") == "risk-classification"
    for bad in ("INSCS027.", "INSCS027.-x", "risk", "INSCS027.a b", "INSCS027." + "a" * 65):
        assert not ids.is_exercise(bad)
        with pytest.raises(ValueError):
            validate.exercise(bad)


def test_criteria_sort_by_unit_then_performance_before_knowledge_then_number():
    shuffled = ["INSCS002.PC1", "INSCS001.KU2", "INSCS001.PC10", "INSCS001.KU10", "INSCS001.PC2"]
    assert sorted(shuffled, key=ids.criterion_order) == [
        "INSCS001.PC2",
        "INSCS001.PC10",
        "INSCS001.KU2",
        "INSCS001.KU10",
        "INSCS002.PC1",
    ]


def test_slugify_always_gives_a_valid_slug_or_nothing():
    for name in ("Retail Level 2, January 2027", "  --A--  ", "Ünïcode only ×", "x" * 200, "!!!"):
        slug = ids.slugify(name)
        assert slug == "" or ids.is_cohort(slug), (name, slug)
    assert ids.slugify("Retail Level 2, January 2027") == "retail-level-2-january-2027"


def test_the_evidence_limit_is_the_one_the_store_and_the_checklist_enforce():
    from nosworkbook.widgets.checklist import Checklist

    assert validate.evidence("e" * ids.MAX_EVIDENCE)
    with pytest.raises(ValueError, match=f"{ids.MAX_EVIDENCE:,}"):
        validate.evidence("e" * (ids.MAX_EVIDENCE + 1))
    checklist = Checklist(items=[{"id": "INSCS001.PC1", "short_id": "PC1", "text": "t"}])
    assert checklist.max_evidence == ids.MAX_EVIDENCE


@pytest.mark.parametrize("person", LEARNERS + NOT_LEARNERS)
def test_a_tutor_id_is_accepted_by_the_store_and_the_cohort_file_as_a_learner_id_is(person):
    from nosworkbook.cohorts.schema import Tutor

    if ids.is_learner(person):
        assert validate.tutor(person) == person and Tutor(id=person).id == person
        return
    with pytest.raises(ValueError, match="Tutor id"):
        validate.tutor(person)
    with pytest.raises(ValueError):
        Tutor(id=person)


def test_the_feedback_limit_is_the_one_the_store_enforces():
    assert validate.feedback("f" * ids.MAX_FEEDBACK, required=True)
    with pytest.raises(ValueError, match=f"{ids.MAX_FEEDBACK:,}"):
        validate.feedback("f" * (ids.MAX_FEEDBACK + 1), required=False)
