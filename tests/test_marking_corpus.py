"""The free-text marking agrees with a tutor's labels on the labelled corpora.

The corpora (benchmarks/marking_corpus/, its second/ and third/ sets, and the held_out/ set
written after all tuning) were written as learners write and labelled before the checker was
run on them. The figures and every disagreement are in benchmarks/marking.md; this keeps them
from slipping.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import marking_bench  # noqa: E402

FOLDERS = [
    folder
    for folder in (
        marking_bench.CORPUS,
        marking_bench.CORPUS / "second",
        marking_bench.CORPUS / "third",
        marking_bench.CORPUS / "held_out",
    )
    if (folder / "smart_targets.yaml").exists()
]


def _shares(tallies) -> dict[str, float]:
    return {tally.name: tally.share for tally in tallies}


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_every_smart_letter_agrees_with_the_tutor_at_least_95_percent(folder: Path) -> None:
    tallies, _confusion, wrong = marking_bench.smart(
        marking_bench._load(folder, "smart_targets.yaml")
    )
    shares = _shares(tallies.values())
    assert min(shares.values()) >= marking_bench.TARGET, (shares, wrong)
    assert all(t.total >= 100 for t in tallies.values())


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_every_question_type_agrees_with_the_tutor_at_least_95_percent(folder: Path) -> None:
    tallies, _confusion, wrong = marking_bench.questions(
        marking_bench._load(folder, "questions.yaml")
    )
    shares = _shares(tallies.values())
    assert set(shares) == {"open", "closed", "leading"}
    assert min(shares.values()) >= marking_bench.TARGET, (shares, wrong)


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_rewrite_scores_agree_with_the_tutor_at_least_95_percent(folder: Path) -> None:
    tally, _confusion, wrong = marking_bench.rewrites(marking_bench._load(folder, "rewrites.yaml"))
    assert tally.share >= marking_bench.TARGET, (tally.share, wrong)


def test_the_corpus_is_as_large_as_promised() -> None:
    corpus = marking_bench.CORPUS
    assert len(marking_bench._load(corpus, "smart_targets.yaml")) >= 200
    assert len(marking_bench._load(corpus, "questions.yaml")) >= 120
    assert len(marking_bench._load(corpus, "rewrites.yaml")) >= 30
