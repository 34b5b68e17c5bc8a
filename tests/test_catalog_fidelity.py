"""The catalog says exactly what the standards say: every count, every word, in order."""

from __future__ import annotations

import copy

import pytest
from catalog_audit import (
    EXPECTED_COUNTS,
    JOINED_ITEMS,
    audit,
    check_counts,
    check_debris,
    check_joined,
    check_words,
    texts_of,
)


def test_totals(catalog):
    assert len(catalog) == 44
    assert sum(len(u.performance) for u in catalog) == 792
    assert sum(len(u.knowledge) for u in catalog) == 740
    assert sum(p for p, _ in EXPECTED_COUNTS.values()) == 792
    assert sum(k for _, k in EXPECTED_COUNTS.values()) == 740


def test_catalog_passes_the_independent_audit(catalog, suite_text):
    assert audit(texts_of(catalog), suite_text) == []


@pytest.mark.parametrize("cid", sorted(JOINED_ITEMS))
def test_items_split_across_pages_are_whole(catalog, cid):
    assert catalog.criterion(cid).text == JOINED_ITEMS[cid]


# Each mutation is a bug an importer could have; the audit must notice every one of them.


def _drop(texts):
    del texts["INSCS020"][0][23]  # PC24, the item after a page break


def _merge(texts):
    pcs = texts["INSCS020"][0]
    pcs[22:24] = [pcs[22] + " " + pcs[23]]


def _split(texts):
    pcs = texts["INSCS016"][1]
    first, rest = pcs[19].split(" and ", 1)
    pcs[19:20] = [first, "and " + rest]


def _header_left_in(texts):
    texts["INSCS012"][0][19] = texts["INSCS012"][0][19].replace(
        "advice and information", "advice and Deliver brand promise using social media information"
    )


def _word_lost(texts):
    texts["INSCS016"][1][19] = "the importance of respecting customer and organisation"


def _word_moved(texts):
    pcs = texts["INSCS002"][0]
    pcs[19] = pcs[19].removesuffix(" questions or requests")
    pcs[20] = "questions or requests " + pcs[20]


@pytest.mark.parametrize(
    ("mutate", "checks"),
    [
        (_drop, [check_counts, check_words]),
        (_merge, [check_counts, check_words]),
        (_split, [check_counts, check_words]),
        (_header_left_in, [check_words, check_debris, check_joined]),
        (_word_lost, [check_words, check_joined]),
        (_word_moved, [check_words, check_joined]),
    ],
    ids=["dropped", "merged", "split", "page-header", "lost-word", "moved-words"],
)
def test_audit_catches_importer_mistakes(catalog, suite_text, mutate, checks):
    texts = copy.deepcopy(texts_of(catalog))
    mutate(texts)
    for check in checks:
        args = (texts, suite_text) if check in (check_words, check_debris) else (texts,)
        assert check(*args), f"{check.__name__} missed the {mutate.__name__} mutation"


def test_no_item_is_blank_or_has_debris(catalog, suite_text):
    assert check_debris(texts_of(catalog), suite_text) == []
    assert all(c.text[0].isalpha() and c.text[-1] not in " ;:" for c in catalog.criteria())
