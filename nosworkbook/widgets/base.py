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
"error"}`, whatever happened, so the browser always knows whether its answer was saved. (A
message without a `seq` is not from this protocol and cannot be matched to a reply: it is
logged and dropped.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import anywidget
import traitlets

logger = logging.getLogger(__name__)

STALE = "stale"
"""The ack error for a message typed before a sign-out or learner switch. The browser says
nothing about it: the answer belonged to whoever was signed in before, and is not saved."""

NOT_UNDERSTOOD = "The workbook did not understand that request. Please reload the page."
WENT_WRONG = "Something went wrong and your answer was not saved. Please tell your tutor."

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
                "%s: ignoring browser update of %s", type(self).__name__, ", ".join(refused)
            )
        if allowed:
            super().set_state(allowed)  # echoes only what was accepted
        if refused:
            self.send_state([k for k in refused if k in self.keys])


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
        if not isinstance(seq, int) or isinstance(seq, bool):
            # Not this protocol (the browser numbers every message): nothing to answer. Only the
            # type is logged: the rest may be a learner's evidence.
            kind = content.get("type") if isinstance(content, dict) else type(content).__name__
            self._log.warning("ignoring %s message without a seq: %.40r", type(self).__name__, kind)
            return
        error = self._answer(content)
        self.send({"type": "ack", "seq": seq, "ok": error is None, "error": error})

    def _answer(self, msg: dict[str, Any]) -> str | None:
        """Act on one message; the error to show the learner, or None if it was done."""
        verb = msg.get("type")
        method = self.VERBS.get(verb) if isinstance(verb, str) else None
        if method is None:
            self._log.warning("ignoring unknown %s message %.40r", type(self).__name__, verb)
            return NOT_UNDERSTOOD
        if msg.get("epoch") != self._epoch:
            return STALE
        if self.disabled:
            return self.disabled_note or "Editing is turned off."
        try:
            # What the learner did reaches the browser at once, in one update, before the save.
            with self.hold_sync():
                to_save = getattr(self, method)(msg)
        except Rejected as exc:
            return str(exc)
        except Exception:
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
        to_save.show(stored)
        return None
