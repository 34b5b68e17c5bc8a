"""The workbooks on JupyterHub: sign-in through the hub, each learner's own Voila server, and
the store as a hub service that owns the database.

- `auth`: the Authenticator (a cohort id and the access code `nosworkbook cohort codes` issued).
- `config`: one cohort's hub configuration (`configure`; `configure_sign_in` for a hub of your
  own), the proxy, the culler; `launch`: `nosworkbook hub`.
- `spawner`: a local server per user; `singleuser`: a learner's server (the classroom Voila
  under the hub's OAuth); `lab`: the JupyterLab profile's kernels.
- `store_service`, `store_api`, `permissions`: the store as a hub service.

Imported only by the hub and its services, never by a workbook's kernel (JupyterHub is not
needed to use the workbooks on one machine); this package imports nothing at import time.
"""
