"""Data-quality suites (great-expectations 1.x) over the DuckDB warehouse.

The pieces, in the order `runner.checks.run_checks` uses them:

- ``params``: the analysis window and the thresholds the expectations use;
- ``frames``: DuckDB queries that turn warehouse tables into small pandas DataFrames
  (GX's SQLAlchemy route returns wrong results on DuckDB, so GX only ever sees pandas);
- ``suites``: the expectation suites, each expectation tagged error or warning;
- ``engine``: one in-memory GX context per run, to validate;
- ``results``: the run's own ``results.json`` and the summary the CLI prints;
- ``docs``: the run's data-quality page, a self-contained HTML file rendered from the
  results (GX's own data docs need CDNs and call a failed warning "Failed").
"""

import os

# Set before any submodule imports great_expectations, which reads it at import time;
# the context config turns analytics off as well. An explicit user setting wins.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
