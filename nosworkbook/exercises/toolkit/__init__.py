"""The tools exercise kinds share, each in a module of its own: wording (sector variants of
data text), ordering questions, single-choice questions, risk matrices, bank holidays and
rounding (a half up, as learners round). None of them registers a kind."""
