"""Read-only aggregations over the other apps' tables: each function is one (or a fixed number
of) SQL queries with ``annotate``/``aggregate``; none loops over rows in Python."""
