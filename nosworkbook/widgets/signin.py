"""Sign-in: the learner types (or is given) their id; the workbook loads their answers.

One small anywidget with a native form, so the textbox is named `Learner` for screen readers
and browser tests, and Enter signs in. In classroom mode (`ask_code`) the form also has a
password box named `Access code`; the code reaches the kernel only in the sign-in message,
is handed to the handlers and kept nowhere: never in a trait, never in a log.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import traitlets

from nosworkbook import ids
from nosworkbook.ids import LEARNER_RULE
from nosworkbook.widgets.base import KernelOwnedWidget, message_problem

STATIC_NOTE = "Sign in to record your answers (learner id)."

SignInHandler = Callable[[str, str], None]  # (learner id, access code)

_STATIC = Path(__file__).parent / "static"


class SignIn(KernelOwnedWidget):
    """A sign-in form; handlers run in the kernel when the learner submits it.

    The browser writes none of its traits: who is signed in is the kernel's to say, and
    what the learner typed arrives only in the sign-in message.
    """

    _esm = _STATIC / "signin.js"
    _css = _STATIC / "signin.css"

    learner = traitlets.Unicode("").tag(sync=True)  # what the box shows
    id_label = traitlets.Unicode("Learner").tag(sync=True)  # the box's name ("Tutor": dashboard)
    signed_in = traitlets.Unicode("").tag(sync=True)  # who is signed in, "" for nobody
    ask_code = traitlets.Bool(False).tag(sync=True)  # classroom mode: an access code too
    message = traitlets.Unicode("").tag(sync=True)
    is_error = traitlets.Bool(False).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._handlers: list[SignInHandler] = []
        self._sign_out_handlers: list[Callable[[], None]] = []
        self.on_msg(self._on_custom_msg)

    def _static_text(self) -> str:
        return STATIC_NOTE

    def _static_html(self) -> str:
        # Deliberately no learner data: an executed notebook must not carry who signed in.
        return f'<p class="nosw-static">{html.escape(STATIC_NOTE)}</p>'

    def on_submit(self, handler: SignInHandler) -> None:
        self._handlers.append(handler)

    def on_sign_out(self, handler: Callable[[], None]) -> None:
        self._sign_out_handlers.append(handler)

    def submit(self, learner: str, code: str = "") -> None:
        """Sign in as `learner`, as if typed; the kernel-side path the form also takes."""
        learner = (learner or "").strip()
        self.learner = learner
        if not ids.is_learner(learner):
            self.show(LEARNER_RULE + ".", error=True)
            return
        for handler in self._handlers:
            handler(learner, code)

    def sign_out(self) -> None:
        for handler in self._sign_out_handlers:
            handler()

    def show(self, message: str, error: bool = False) -> None:
        self.message, self.is_error = message, error

    def _on_custom_msg(self, _widget: object, content: Any, _buffers: object) -> None:
        if not isinstance(content, dict):
            return
        problem = message_problem(content)  # checked at the door, as for every widget
        if problem is not None:
            self.show(problem, error=True)  # nothing the browser sent is kept
            return
        if content.get("type") == "sign-in":
            learner, code = content.get("learner", ""), content.get("code", "")
            self.submit(
                learner[:200] if isinstance(learner, str) else "",
                code[:200] if isinstance(code, str) else "",
            )
        elif content.get("type") == "sign-out":
            self.sign_out()
