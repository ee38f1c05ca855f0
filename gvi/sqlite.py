"""SQLite, the embedded database of `make demo` and `make test`, folds only ASCII letters in LIKE,
which is what Django's `icontains` becomes there: "öberg" would not find "Öberg". Each new SQLite
connection gets a LIKE that folds case as Python does. PostgreSQL folds Unicode itself."""

import re
from functools import lru_cache


@lru_cache(maxsize=512)
def _pattern(pattern: str, escape: str | None) -> re.Pattern | None:
    """The pattern as a regular expression; None where it can match nothing (a trailing escape)."""
    parts, escaped = [], False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == escape:
            escaped = True
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    if escaped:
        return None
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


_NO_ESCAPE = object()  # like(X, Y): no ESCAPE clause at all


def like(pattern, value, escape=_NO_ESCAPE):
    """SQLite's like(X, Y[, Z]) is `Y LIKE X ESCAPE Z`: NULL in, NULL out; Z must be one character."""
    if pattern is None or value is None or escape is None:
        return None
    if escape is _NO_ESCAPE:
        escape = None
    elif len(str(escape)) != 1:
        raise ValueError("ESCAPE expression must be a single character")
    compiled = _pattern(str(pattern), escape and str(escape))
    return compiled is not None and compiled.fullmatch(str(value)) is not None


def fold_unicode_in_like(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("like", 2, like, deterministic=True)
        connection.connection.create_function("like", 3, like, deterministic=True)


def use_the_real_variable_limit(sender, connection, **kwargs):
    """Django 5.2 assumes SQLite's old limit of 999 variables per statement and splits a bulk
    insert into batches by it (71 access log rows of 14 columns); SQLite builds since 3.32 allow
    32766. Read the connection's own limit, as Django 6 does, so a page's access log stays one insert."""
    if connection.vendor == "sqlite":
        import sqlite3

        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        connection.features.max_query_params = limit
