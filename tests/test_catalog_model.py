"""The catalog API: look-ups, identifiers, metadata and review dates."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from nosworkbook.catalog import UnknownIdentifier, load
from nosworkbook.errors import SourceError


def test_units_in_urn_order(catalog):
    assert [u.urn for u in catalog.units] == [f"INSCS{n:03d}" for n in range(1, 45)]


def test_lookup_by_urn_and_criterion(catalog):
    unit = catalog["INSCS027"]
    assert unit.title == "Assess the risks in customer service"
    pc10 = catalog.criterion("INSCS027.PC10")
    assert pc10.kind == "performance" and pc10.number == 10 and pc10.short_id == "PC10"
    assert pc10.text == (
        "classify each risk as high, medium or low considering its probability and potential "
        "consequences"
    )
    ku7 = catalog.criterion("INSCS027.KU7")
    assert ku7.kind == "knowledge"
    assert ku7.text == "how to classify risk based on probability and potential consequences"
    assert "INSCS027" in catalog and "INSCS045" not in catalog


@pytest.mark.parametrize("bad", ["INSCS045", "inscs027", "CFACSC6", ""])
def test_unknown_unit(catalog, bad):
    with pytest.raises(UnknownIdentifier, match="unknown unit"):
        catalog[bad]


@pytest.mark.parametrize("bad", ["INSCS027.PC14", "INSCS027.KU0", "INSCS027.XX1", "INSCS027"])
def test_unknown_criterion(catalog, bad):
    with pytest.raises(UnknownIdentifier):
        catalog.criterion(bad)


def test_ids_and_numbers_follow_the_standard(catalog):
    for unit in catalog:
        for kind, prefix, items in (
            ("performance", "PC", unit.performance),
            ("knowledge", "KU", unit.knowledge),
        ):
            for n, c in enumerate(items, 1):
                assert (c.id, c.kind, c.number) == (f"{unit.urn}.{prefix}{n}", kind, n)


def test_metadata(catalog):
    unit = catalog["INSCS001"]
    assert unit.original_urns == ("CFACSA10", "CFACSA13", "CFACSA19")
    assert unit.competence_area == "Customer Service Foundations"
    assert unit.keywords[0] == "face to face" and unit.keywords[-1] == "social media platforms"
    assert (unit.developed_by, unit.version, unit.validity, unit.status) == (
        "Instructus",
        "1",
        "Current",
        "Original",
    )
    assert (unit.date_approved, unit.indicative_review_date) == ("2021-02", "2026-03")
    assert unit.relevant_occupations == ("Customer Service Occupations",)
    assert unit.suite == "Customer Service"
    assert unit.overview.startswith("This standard is part of the customer service")
    assert unit.overview.count("\n\n") == 2
    areas = {u.competence_area for u in catalog}
    assert areas == {
        "Customer Service Foundations",
        "Impression and Image",
        "Customer Service Delivery",
        "Handling Problems, Queries and Complaints",
        "Customer Service Management",
    }
    assert catalog["INSCS026"].title == "Monitor and resolve customer service problems"
    assert catalog.by_original_urn("CFACSB9").urn == "INSCS041"


def test_review_dates(catalog):
    unit = catalog["INSCS001"]
    assert not unit.review_overdue(date(2026, 3, 31))
    assert unit.review_overdue(date(2026, 4, 1))
    assert all(u.review_overdue(date(2026, 11, 23)) for u in catalog)


def test_models_are_frozen(catalog):
    with pytest.raises(ValidationError):
        catalog["INSCS001"].title = "changed"
    assert isinstance(catalog["INSCS001"].performance, tuple)


def test_load_is_shared_and_reads_files(catalog, catalog_copy, tmp_path):
    assert load() is load()
    assert load(catalog_copy) == catalog
    broken = tmp_path / "broken.json"
    broken.write_text('{"suite": "x", "units": [{"urn": "nope"}]}')
    with pytest.raises(SourceError, match="broken.json: not a nosworkbook catalog"):
        load(broken)
    with pytest.raises(SourceError, match="no such catalog file"):
        load(tmp_path / "missing.json")
