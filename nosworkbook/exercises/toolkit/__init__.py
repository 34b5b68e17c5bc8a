"""The tools exercise kinds share, each in a module of its own: wording (sector variants of
data text), ordering questions, single-choice questions and risk matrices. Nothing here
registers a kind."""
