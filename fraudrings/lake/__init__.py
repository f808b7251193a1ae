"""The lake: every drop lands in Parquet files through DuckDB, checked as SQL.

``engine.py`` is the only module that imports ``duckdb`` (DuckDB's errors become
``errors.LakeError``); ``sql/*.sql`` holds every statement, one named file each;
``contract.py`` applies the contract's rules to a file's columns; ``ingest.py`` lands a
drop. See docs/lake.md.
"""
