"""The classroom: serving the workbooks to a room of learners.

- `server`: `nosworkbook serve`, standalone Voila on the workbooks, safely configured.
- `app`: the Voila application it runs: kernels owned by the page that has them, checked
  websocket messages, paths that answer 404 rather than 500, and a clean Ctrl-C.
- `kernels`: the kernel manager behind it: kernels kept ready in pools, a cap, culling, and
  kernels on Unix sockets.
- `access`: access codes (classroom mode): issued once, kept as scrypt hashes, and the
  throttle on wrong codes.

Nothing is imported here, so the store can use `access` without loading the server.
"""
