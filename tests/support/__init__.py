"""Helpers shared by the tests, one module per subject.

- ``contracts``: column lists and DDL of the contracted marts, read from their YAML;
- ``marts``: marts.pattern_classifications built by hand from literal patterns;
- ``approvals``: a plain client of ``pattern_approvals`` and a sync that pauses;
- ``app_databases``: the application's own ``hook_events`` tables (SQLite, PostgreSQL);
- ``batches``: one generated sample delivered in two batches (incremental builds);
- ``lakes``: the rows of a Parquet lake and of the warehouse it copies;
- ``receivers``: a local SMTP server and HTTP receiver for the notification channels;
- ``scoring``: literal upstream rows for the scoring layer and a dbt run of its nodes.

Tests import them as ``from tests.support.<module> import <name>`` (the project root is
on ``sys.path``: the editable install of the project puts it there).
"""
