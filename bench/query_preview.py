"""Benchmark: the query runner keeps the first 10,000 rows of a big PostgreSQL result in flat memory.

    python bench/query_preview.py new|old [--rows 2000000]

`new` previews through the PostgreSQL ModelSource (chunked streaming in a read-only transaction, rows
stop at the cap); `old` is the query runner as it was before, kept here as the baseline: a client-side
cursor that receives the whole result, then `fetchmany(10_001)`. Each prints its wall time and the
process's peak RSS; run both under `farm-bench --vs` for paired figures:

    farm-bench -n 3 --vs '.venv/bin/python bench/query_preview.py old' \
        -- .venv/bin/python bench/query_preview.py new
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

KEEP = 10_000
CONFIG = {"hostname": "127.0.0.1", "username": "postgres", "password": "", "database": "test", "ssl": False}


def query(rows: int) -> str:
    return f"SELECT n, md5(n::text) AS h, now() AS at FROM generate_series(1, {rows}) AS n"


def run_new(rows: int) -> int:
    from syncline.connectors import ConnectorContext, get_connection_type
    from syncline.runtime.preview import preview

    ctype = get_connection_type("postgresql")
    source = ctype.open_model_source(ctype.validate_config(CONFIG), ConnectorContext(data_dir=Path("/tmp")))
    return len(preview(source, query(rows), max_rows=KEEP, max_bytes=1 << 30).rows)


def run_old(rows: int) -> int:
    import psycopg

    from syncline.connectors.values import json_safe

    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="test") as conn:
        conn.execute("SET TRANSACTION READ ONLY")
        cursor = conn.execute(query(rows))  # type: ignore[arg-type]
        fields = [column.name for column in cursor.description or ()]
        fetched = cursor.fetchmany(KEEP + 1)
    return len([{f: json_safe(v) for f, v in zip(fields, row, strict=True)} for row in fetched[:KEEP]])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["new", "old"])
    parser.add_argument("--rows", type=int, default=2_000_000)
    args = parser.parse_args()
    started = time.perf_counter()
    kept = run_new(args.rows) if args.mode == "new" else run_old(args.rows)
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.mode}: kept {kept} of {args.rows:,} rows in {elapsed:.2f} s, peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
