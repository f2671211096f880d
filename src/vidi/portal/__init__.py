"""The public Trace-an-Object portal: a separate program that never sees case data.

It reads one verified publication bundle (``vidi.bundles``) and keeps its own tip
database in its own data folder. It imports nothing from the case store, the ingest
pipeline, the matching code or the workbench (tests/portal/test_boundary.py walks the
imports to prove it), and its settings have no database URL.
"""
