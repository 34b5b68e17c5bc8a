"""The tools exercise kinds share, each in a module of its own: wording (sector variants of
data text), ordering questions, single-choice questions, risk matrices and bank holidays.
registers a kind."""
