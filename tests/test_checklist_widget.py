"""The Checklist widget's Python side: construction, validation and the edit -> save path.

Browser messages are fed in through `_handle_custom_msg`, the method ipywidgets calls for a
custom comm message, and replies are captured from `send`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
import traitlets

from nosworkbook.catalog import Catalog
from nosworkbook.ids import MAX_EVIDENCE as MAX_EVIDENCE_CHARS
from nosworkbook.settings import DEFAULT_SCALE
from nosworkbook.widgets import Checklist

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


@pytest.fixture()
def checklist(catalog: Catalog) -> Checklist:
    widget = Checklist.for_criteria("You must be able to", catalog["INSCS008"].performance)
    widget._clock = lambda: NOW
    return widget


@pytest.fixture()
def calls(checklist: Checklist) -> list[tuple]:
    saved: list[tuple] = []
    checklist.on_change(lambda *args: saved.append(args))
    return saved


@pytest.fixture()
def replies(checklist: Checklist, monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    sent: list[dict] = []
    monkeypatch.setattr(checklist, "send", lambda content, buffers=None: sent.append(content))
    return sent


_seq = iter(range(1, 1_000_000))


def edit(widget: Checklist, cid: str, **fields: object) -> None:
    """Deliver an edit as the browser does (the epoch the browser last saw)."""
    fields.setdefault("epoch", widget._epoch)
    widget._handle_custom_msg({"type": "edit", "id": cid, "seq": next(_seq), **fields}, [])


def test_built_from_catalog_criteria(checklist: Checklist, catalog: Catalog) -> None:
    unit = catalog["INSCS008"]
    assert checklist.heading == "You must be able to"
    assert checklist.total == len(unit.performance) == len(checklist.items)
    assert checklist.items[9] == {
        "id": "INSCS008.PC10",
        "short_id": "PC10",
        "text": unit.performance[9].text,
    }
    assert checklist.scale == list(DEFAULT_SCALE)
    assert checklist.values == {}
    assert checklist.summary == f"0 of {len(unit.performance)} rated Competent"


def test_knowledge_checklist_with_custom_scale(catalog: Catalog) -> None:
    widget = Checklist.for_criteria(
        "You need to know and understand", catalog["INSCS008"].knowledge, scale=["No", "Yes"]
    )
    assert widget.scale == ["No", "Yes"]
    assert widget.top == "Yes"
    assert [i["short_id"] for i in widget.items[:2]] == ["KU1", "KU2"]
    assert widget.summary.endswith("rated Yes")


def test_static_files_are_shipped_alongside_the_module() -> None:
    static = Path(__file__).resolve().parent.parent / "nosworkbook" / "widgets" / "static"
    js = (static / "checklist.js").read_text()
    assert "export default" in js
    assert "innerHTML" not in js  # learner text is only ever set as text
    assert ":focus-visible" in (static / "checklist.css").read_text()


@pytest.mark.parametrize("scale", [["Only"], ["A", "A"], ["A", " "]])
def test_bad_scales_are_refused(scale: list[str], catalog: Catalog) -> None:
    with pytest.raises(traitlets.TraitError):
        Checklist.for_criteria("x", catalog["INSCS008"].performance, scale=scale)


def test_duplicate_or_incomplete_items_are_refused() -> None:
    item = {"id": "INSCS008.PC1", "short_id": "PC1", "text": "t"}
    with pytest.raises(traitlets.TraitError, match="twice"):
        Checklist(items=[item, item])
    with pytest.raises(traitlets.TraitError, match="text"):
        Checklist(items=[{**item, "text": ""}])


def test_one_edit_one_callback(checklist: Checklist, calls: list, replies: list) -> None:
    edit(checklist, "INSCS008.PC10", rating="Competent")
    assert calls == [("INSCS008.PC10", "Competent", "")]
    assert checklist.values["INSCS008.PC10"] == {
        "rating": "Competent",
        "evidence": "",
        "changed": "2026-11-23T09:30:00+00:00",
    }
    assert replies[-1]["ok"] is True and replies[-1]["type"] == "ack"
    assert checklist.completed == 1
    assert checklist.summary == "1 of 25 rated Competent"


def test_evidence_edit_keeps_rating_and_saves_only_that_item(
    checklist: Checklist, calls: list, replies: list
) -> None:
    edit(checklist, "INSCS008.PC10", rating="Developing")
    edit(checklist, "INSCS008.PC2", rating="Competent")
    edit(checklist, "INSCS008.PC10", evidence="Handled a refund")
    assert calls[-1] == ("INSCS008.PC10", "Developing", "Handled a refund")
    assert len(calls) == 3
    assert set(checklist.values) == {"INSCS008.PC10", "INSCS008.PC2"}


def test_repeated_identical_edit_is_not_saved_again(
    checklist: Checklist, calls: list, replies: list
) -> None:
    """The debounced send and the blur send carry the same text: save once, ack both."""
    edit(checklist, "INSCS008.PC3", evidence="Same text")
    before = checklist.values
    edit(checklist, "INSCS008.PC3", evidence="Same text")
    assert len(calls) == 1
    assert checklist.values is before
    assert [r["ok"] for r in replies] == [True, True]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"id": "INSCS008.PC99", "rating": "Competent"}, "Unknown item"),
        ({"id": "INSCS008.KU1", "rating": "Competent"}, "Unknown item"),
        ({"id": "INSCS008.PC1", "rating": "Expert"}, "not a rating"),
        ({"id": "INSCS008.PC1", "evidence": "x" * (MAX_EVIDENCE_CHARS + 1)}, "20,000"),
        ({"id": "INSCS008.PC1", "evidence": 42}, "text"),
    ],
)
def test_invalid_edits_are_refused(
    checklist: Checklist, calls: list, replies: list, fields: dict, error: str
) -> None:
    cid = fields.pop("id")
    edit(checklist, cid, **fields)
    assert calls == []
    assert checklist.values == {}
    assert replies[-1]["ok"] is False and error in replies[-1]["error"]


def test_evidence_at_the_limit_is_accepted(checklist: Checklist, calls: list) -> None:
    edit(checklist, "INSCS008.PC1", evidence="é" * MAX_EVIDENCE_CHARS)
    assert len(calls) == 1


def test_edits_refused_while_disabled(checklist: Checklist, calls: list, replies: list) -> None:
    checklist.disabled = True
    edit(checklist, "INSCS008.PC1", rating="Competent")
    assert calls == [] and checklist.values == {}
    assert replies[-1]["ok"] is False


def test_set_values_loads_without_callbacks(checklist: Checklist, calls: list) -> None:
    checklist.set_values(
        {
            "INSCS008.PC1": {"rating": "Competent", "evidence": "Log", "changed": NOW},
            "INSCS008.PC2": {"rating": "Competent", "evidence": None, "changed": None},
            "INSCS008.PC3": {"rating": "Gold star", "evidence": "kept"},
            "INSCS008.KU1": {"rating": "Competent"},  # the other checklist's: ignored
        }
    )
    assert calls == []
    assert set(checklist.values) == {"INSCS008.PC1", "INSCS008.PC2", "INSCS008.PC3"}
    assert checklist.values["INSCS008.PC1"]["changed"] == "2026-11-23T09:30:00+00:00"
    assert checklist.values["INSCS008.PC2"]["evidence"] == ""
    assert checklist.values["INSCS008.PC3"] == {"rating": None, "evidence": "kept", "changed": None}
    assert checklist.summary == "2 of 25 rated Competent"


def test_clear_forgets_everything_without_callbacks(checklist: Checklist, calls: list) -> None:
    edit(checklist, "INSCS008.PC1", rating="Competent")
    checklist.only_incomplete = True
    checklist.clear()
    assert len(calls) == 1  # only the edit itself
    assert checklist.values == {} and checklist.only_incomplete is False
    assert checklist.completed == 0


def test_edit_typed_before_sign_out_is_not_saved_after_it(
    checklist: Checklist, calls: list, replies: list
) -> None:
    """An edit still in flight when the learner changes is refused, not saved for the next."""
    old_epoch = checklist._epoch
    checklist.set_values({})
    edit(checklist, "INSCS008.PC1", evidence="previous learner's note", epoch=old_epoch)
    assert calls == [] and checklist.values == {}
    assert replies[-1] == {"type": "ack", "seq": replies[-1]["seq"], "ok": False, "error": "stale"}


def test_failed_save_is_reported_to_the_browser(
    checklist: Checklist, replies: list, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object) -> None:
        raise OSError("disk full")

    checklist.on_change(broken)
    caplog.set_level(logging.DEBUG, logger="nosworkbook.widgets.checklist")
    edit(checklist, "INSCS008.PC1", rating="Developing")
    assert replies[-1]["ok"] is False and "could not be saved" in replies[-1]["error"]
    assert "saving INSCS008.PC1 failed" in caplog.text
    checklist.on_change(broken, remove=True)
    edit(checklist, "INSCS008.PC1", rating="Competent")
    assert replies[-1]["ok"] is True


def test_filter_state(checklist: Checklist) -> None:
    checklist.set_values(
        {"INSCS008.PC1": {"rating": "Competent"}, "INSCS008.PC2": {"rating": "Developing"}}
    )
    assert "INSCS008.PC1" not in checklist.incomplete_ids
    assert checklist.incomplete_ids[:2] == ["INSCS008.PC2", "INSCS008.PC3"]
    assert len(checklist.incomplete_ids) == checklist.total - checklist.completed == 24
    checklist.set_state({"only_incomplete": True})  # the browser ticks the filter
    assert checklist.only_incomplete is True


def test_browser_cannot_write_answers_directly(checklist: Checklist, calls: list) -> None:
    checklist.set_state({"values": {"INSCS008.PC1": {"rating": "Competent"}}, "disabled": False})
    assert checklist.values == {} and calls == []


def test_unknown_messages_are_ignored(checklist: Checklist, calls: list, replies: list) -> None:
    checklist._handle_custom_msg({"type": "shout"}, [])
    checklist._handle_custom_msg("edit", [])
    assert calls == [] and replies == []


def test_a_whole_unit_needs_few_widget_models(catalog: Catalog) -> None:
    """Both checklists of a 53-item unit: a handful of models, not one per control."""
    from ipywidgets.widgets.widget import _instances

    unit = catalog["INSCS008"]
    before = set(_instances)
    a = Checklist.for_criteria("You must be able to", unit.performance)
    b = Checklist.for_criteria("You need to know and understand", unit.knowledge)
    created = set(_instances) - before
    assert a.total + b.total == 53
    assert {a.model_id, b.model_id} <= created
    assert len(created) <= 4  # each checklist and its layout
