"""What every nosworkbook widget shares: the kernel owns the state, and saving has one path.

Kernel-owned state. A learner's answers, scores and dates are decided in the kernel, so a
browser (or anyone with the page's websocket) must not be able to write them. Every widget
class names the few traits the browser may set in `BROWSER_WRITABLE` (the Checklist's
`only_incomplete` filter, say); any other write from the browser is refused, logged, and the
browser's copy is put right with `send_state`.

One message path for widgets that save (`SavingWidget`). The browser sends
`{"type": <verb>, "seq", "epoch", ...}`. The message goes to the handler for its verb, unless
its epoch is stale (typed before a sign-out or learner switch) or the widget is disabled.
The handler validates it (raising `Rejected` with a message for the learner), shows what the
learner did and returns a `ToSave`; the save callbacks run, and the first thing one of them
returns (what the store stored, with the store's own time) is shown: one clock, the store's.
Every message with a `seq` is answered with exactly one `{"type": "ack", "seq", "ok",
"error"}`, whatever happened (a handler that breaks, a state update or an ack that cannot be
sent), so the browser always knows whether its answer was saved. (A message without a `seq`,
a whole number from 0 to 2**53 - 1, is not from this protocol and cannot be matched to a
reply: it is logged and dropped.)

The door. Before any handler reads a message, `message_problem` walks it once, with a fixed
budget, and refuses (in the ack, nothing stored) what the kernel could not keep or send back:
text with a lone UTF-16 surrogate (half an emoji, which has no UTF-8 and would make every later
state update of the widget fail), a message bigger than the limits below, nesting deeper than
any form needs, values that are not plain JSON (a number that is not finite), an epoch that is
not a whole number. Lengths are counted in characters (code points), as Python and the store
count them, never in UTF-16 units.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import anywidget
import traitlets

from nosworkbook.ids import (
    MAX_ANSWER_ITEMS,
    MAX_MESSAGE_DEPTH,
    MAX_MESSAGE_TEXT,
    MAX_MESSAGE_VALUES,
)

logger = logging.getLogger(__name__)

STALE = "stale"
"""The ack error for a message typed before a sign-out or learner switch. The browser says
nothing about it: the answer belonged to whoever was signed in before, and is not saved."""

NOT_UNDERSTOOD = "The workbook did not understand that request. Please reload the page."
WENT_WRONG = "Something went wrong and your answer was not saved. Please tell your tutor."
TOO_LARGE = "That is too much to save at once. Please shorten your answer and try again."
UNENCODABLE = (
    "Your answer has a broken character in it (often half of an emoji) that cannot be saved. "
    "Please delete that character and try again."
)
SHOW_FAILED = "Your answer was saved, but the page could not be updated. Please reload the page."


MAX_SEQ = 2**53 - 1  # the largest whole number a browser's JSON keeps exactly

_SURROGATE = re.compile("[\ud800-\udfff]")
_SHOWN = 40  # characters of a browser's value quoted in an error or a log line


def shown(value: object) -> str:
    """A value from the browser, quoted for an error or a log line: short and always encodable
    (`repr` writes a lone surrogate as an escape)."""
    text = repr(value) if not isinstance(value, list | dict) else type(value).__name__
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def message_problem(content: Mapping[str, Any]) -> str | None:
    """Why a message from the browser cannot be taken (a sentence for the learner), or None.

    One pass, without recursion, that stops at the first problem: however big or deep the
    message, it costs at most `MAX_MESSAGE_VALUES` steps (each container's size is read before
    its entries are). Every string is checked, keys included, and so is every number.
    """
    text = values = 0
    stack: list[tuple[Any, int]] = [(content, 1)]
    while stack:
        value, depth = stack.pop()
        values += 1
        if values > MAX_MESSAGE_VALUES:
            return TOO_LARGE
        if isinstance(value, str):
            text += len(value)
            if text > MAX_MESSAGE_TEXT:
                return TOO_LARGE
            if not value.isascii() and _SURROGATE.search(value):
                return UNENCODABLE
        elif isinstance(value, dict | list):
            if depth > MAX_MESSAGE_DEPTH:
                return NOT_UNDERSTOOD
            if len(value) > MAX_ANSWER_ITEMS:
                return TOO_LARGE
            if isinstance(value, dict):
                for key, item in value.items():
                    if not isinstance(key, str):
                        return NOT_UNDERSTOOD
                    stack.append((key, depth))
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, float):
            if not math.isfinite(value):
                return NOT_UNDERSTOOD
        elif value is not None and not isinstance(value, int):
            return NOT_UNDERSTOOD
    return None


def _whole(value: object) -> bool:
    """A JSON whole number (not a bool, not 1.0)."""
    return isinstance(value, int) and not isinstance(value, bool)


SaveCallback = Callable[..., Any]
"""Called with a `ToSave`'s arguments; returns what the store stored (or None if it is only
listening). An exception means the save failed."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(value: object) -> str | None:
    """A date as an ISO 8601 string (stores may hand back datetimes or strings), else None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).isoformat(timespec="seconds")
        except ValueError:
            logger.warning("ignoring unreadable date %r", value)
            return None
    logger.warning("ignoring a date of type %s", type(value).__name__)
    return None


class StaticFallback:
    """Adds a static `text/html` (and a short `text/plain`) view to a widget's display output.

    Front ends with a widget manager (JupyterLab, Voila) still draw the live widget; viewers
    without one (GitHub, nbviewer, an executed notebook opened without its kernel) show the
    HTML instead. Subclasses build it with `html.escape` around every piece of data.
    """

    def _static_html(self) -> str:
        raise NotImplementedError

    def _static_text(self) -> str:
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        if bundle is None:  # no view: nothing to display
            return None
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, None)
        data = {**data, "text/plain": self._static_text(), "text/html": self._static_html()}
        return data if metadata is None else (data, metadata)


class KernelOwnedWidget(StaticFallback, anywidget.AnyWidget):
    """A widget whose state only the kernel writes, apart from the traits it names."""

    BROWSER_WRITABLE: ClassVar[frozenset[str]] = frozenset()
    """The traits the browser may set (view state such as a filter); nothing else."""

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """Accept from the browser only `BROWSER_WRITABLE` traits; put the others right."""
        allowed = {k: v for k, v in sync_data.items() if k in self.BROWSER_WRITABLE}
        refused = [k for k in sync_data if k not in self.BROWSER_WRITABLE]
        if refused:
            logger.warning(
                "%s: ignoring browser update of %s", type(self).__name__, _names(refused)
            )
        if allowed:
            super().set_state(allowed)  # echoes only what was accepted
        if refused:
            self.send_state([k for k in refused if k in self.keys])


def _names(keys: list[str]) -> str:
    """Trait names for a log line: at most ten, each short and encodable."""
    first = [str(k)[:_SHOWN].encode("utf-8", "backslashreplace").decode("utf-8") for k in keys[:10]]
    more = f" and {len(keys) - 10:,} more" if len(keys) > 10 else ""
    return ", ".join(first) + more


class Rejected(ValueError):
    """A message from the browser that cannot be acted on; its text goes back to the learner."""


@dataclass(frozen=True)
class ToSave:
    """What a verb's handler asks to be saved, and how to show it once the store has it.

    `args` go to every save callback. `show` is called with what the first callback that
    returned something returned (what the store stored), or with None when nothing is saving
    (no callback, or only ones that listen); it is not called when a save failed, so a date
    shown is always that of something stored. `what` names it in the log.
    """

    args: tuple[Any, ...]
    show: Callable[[Any], None]
    what: str


class SavingWidget(KernelOwnedWidget):
    """A widget whose learner actions are messages, each validated, saved and acknowledged.

    Subclasses map each verb to a handler method in `VERBS`; a handler takes the message and
    returns a `ToSave`, or None when there is nothing new to save (the message is still
    acknowledged as ok).
    """

    VERBS: ClassVar[Mapping[str, str]] = {}
    SAVE_FAILED: ClassVar[str] = (
        "Your answer could not be saved. Please try again or tell your tutor."
    )

    disabled = traitlets.Bool(False).tag(sync=True)
    disabled_note = traitlets.Unicode("Sign in to record your answers.").tag(sync=True)
    _epoch = traitlets.Int(0).tag(sync=True)
    # How long the browser waits for an ack before it shows the answer as not saved.
    _ack_timeout_ms = traitlets.Int(20_000).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        self._savers: list[SaveCallback] = []
        self._clock: Callable[[], datetime] = utcnow  # only used when nothing is saving
        super().__init__(**kwargs)
        self.on_msg(self._on_custom_msg)

    def _add_saver(self, callback: SaveCallback, remove: bool = False) -> None:
        if remove:
            self._savers.remove(callback)
        else:
            self._savers.append(callback)

    @property
    def _log(self) -> logging.Logger:
        """The subclass's own logger, so a failed save is logged under the widget's module."""
        return logging.getLogger(type(self).__module__)

    def _now_iso(self) -> str:
        return self._clock().isoformat(timespec="seconds")

    # --- browser -> Python --------------------------------------------------------------------

    def _on_custom_msg(self, _widget: object, content: Any, _buffers: object) -> None:
        """Answer one message from the browser with exactly one ack."""
        seq = content.get("seq") if isinstance(content, dict) else None
        if not _whole(seq) or not 0 <= seq <= MAX_SEQ:
            # Not this protocol (the browser numbers every message): nothing to answer. Only the
            # type is logged: the rest may be a learner's evidence.
            kind = content.get("type") if isinstance(content, dict) else type(content).__name__
            self._log.warning(
                "ignoring %s message without a seq: %s", type(self).__name__, shown(kind)
            )
            return
        try:
            error = message_problem(content)
            if error is not None:
                self._log.warning(
                    "%s: refusing a %s message: %s",
                    type(self).__name__,
                    shown(content.get("type")),
                    error,
                )
            else:
                error = self._answer(content)
        except Exception:  # never without an ack, whatever broke
            self._log.exception("%s: answering message %s failed", type(self).__name__, seq)
            error = WENT_WRONG
        self._ack(seq, error)

    def _ack(self, seq: int, error: str | None) -> None:
        """Send the one ack for `seq`; if it cannot be sent as it is, a plain one instead."""
        try:
            self.send({"type": "ack", "seq": seq, "ok": error is None, "error": error})
        except Exception:
            self._log.exception("%s: could not send the ack for %s", type(self).__name__, seq)
            if error != WENT_WRONG:
                self.send({"type": "ack", "seq": seq, "ok": False, "error": WENT_WRONG})

    def _answer(self, msg: dict[str, Any]) -> str | None:
        """Act on one message; the error to show the learner, or None if it was done."""
        verb = msg.get("type")
        method = self.VERBS.get(verb) if isinstance(verb, str) else None
        if method is None:
            self._log.warning("ignoring unknown %s message %s", type(self).__name__, shown(verb))
            return NOT_UNDERSTOOD
        epoch = msg.get("epoch")
        if not _whole(epoch):
            return NOT_UNDERSTOOD
        if epoch != self._epoch:
            return STALE
        if self.disabled:
            return self.disabled_note or "Editing is turned off."
        try:
            # What the learner did reaches the browser at once, in one update, before the save.
            with self.hold_sync():
                to_save = getattr(self, method)(msg)
        except Rejected as exc:
            return str(exc)
        except Exception:  # the handler, or sending what it showed (nothing is saved yet)
            self._log.exception("%s: handling %r failed", type(self).__name__, verb)
            return WENT_WRONG
        return None if to_save is None else self._save(to_save)

    def _save(self, to_save: ToSave) -> str | None:
        """Run the save callbacks, then show what was stored; the error, or None if saved."""
        stored: Any = None
        failed = False
        for callback in list(self._savers):
            try:
                returned = callback(*to_save.args)
            except Exception:  # a failed save must reach the learner, not only the log
                # Quietly: a traceback in the notebook would only alarm a learner.
                self._log.debug("saving %s failed", to_save.what, exc_info=True)
                failed = True
                continue
            if stored is None:
                stored = returned
        if failed:
            return self.SAVE_FAILED
        try:
            to_save.show(stored)
        except Exception:  # stored, but the browser may not have been told: say so
            self._log.exception("showing %s failed", to_save.what)
            return SHOW_FAILED
        return None
