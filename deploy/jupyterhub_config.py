"""JupyterHub configuration for one nosworkbook cohort, for a hub you run yourself.

`nosworkbook hub COHORT.yaml` writes and uses the same two lines (in its state folder), so
most people need only that command. Use this file when you start `jupyterhub` yourself:

    NOSWORKBOOK_HUB_COHORT_FILE=/srv/retail.yaml \
    NOSWORKBOOK_HUB_WORKBOOKS=/srv/nosworkbook/build/retail-l2-2027-01 \
    NOSWORKBOOK_HUB_STATE=/srv/hub \
    NOSWORKBOOK_STORE=postgresql+psycopg://nosworkbook@db/nosworkbook \
    .venv/bin/jupyterhub -f deploy/jupyterhub_config.py

Settings (environment variables; `nosworkbook.hub.config.HubSettings` says what each is):

- `NOSWORKBOOK_HUB_COHORT_FILE`, `NOSWORKBOOK_HUB_WORKBOOKS` (the cohort's build folder,
  `nosworkbook build` makes it) and `NOSWORKBOOK_HUB_STATE` (the hub's database, cookie secret,
  proxy token and learners' working folders) are needed;
- `NOSWORKBOOK_STORE`: the store with the cohort's access codes (`nosworkbook cohort codes`)
  and its answers; default the user data folder's;
- `NOSWORKBOOK_HUB_HOST` (127.0.0.1), `NOSWORKBOOK_HUB_PORT` (8000), `NOSWORKBOOK_HUB_HUB_PORT`
  (8081), `NOSWORKBOOK_HUB_PROXY_API_PORT` (8001);
- `NOSWORKBOOK_HUB_PROFILE`: `voila` (the workbooks as Voila apps; learners cannot run code)
  or `lab` (JupyterLab, for courses where learners write code);
- `NOSWORKBOOK_HUB_CULL_AFTER` (3600 idle seconds before a learner's server stops; 0 never)
  and `NOSWORKBOOK_HUB_MAX_SERVERS` (40 running at once; 0 no cap).
- `NOSWORKBOOK_HUB_READY` (`true` to start every roster learner's server as the hub starts,
  each with a kernel kept ready for the index) and `NOSWORKBOOK_HUB_READY_UNITS` (units,
  space-separated, to keep a kernel ready for as well), as `nosworkbook hub --ready-unit`.
- or `NOSWORKBOOK_HUB_SETTINGS`: a JSON file with the same fields (what `nosworkbook hub`
  writes as `settings.json`).

An existing hub that has its own spawner (Zero to JupyterHub's, say) takes only the sign-in:
`configure_sign_in(c, "/srv/retail.yaml", store_url)` (see deploy/values.yaml).
"""

from nosworkbook.hub.config import configure, settings_from_environment

configure(c, settings_from_environment())  # noqa: F821 (c is the config JupyterHub passes in)
