"""The classroom: serving the workbooks to a room of learners.

- `server`: `nosworkbook serve`, standalone Voila on the workbooks, safely configured.
- `kernels`: the kernel manager behind it: kernels kept ready in pools, a cap, culling, and
  kernels on Unix sockets.
- `access`: access codes (classroom mode): issued once, kept as scrypt hashes, and the
  throttle on wrong codes.

Nothing is imported here, so the store can use `access` without loading the server.
"""
