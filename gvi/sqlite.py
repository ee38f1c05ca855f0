"""SQLite, the embedded database of `make demo` and `make test`, folds only ASCII letters in LIKE,
which is what Django's `icontains` becomes there: "öberg" would not find "Öberg". Each new SQLite
connection gets a LIKE that folds case as Python does. PostgreSQL folds Unicode itself."""

import re
from functools import lru_cache


@lru_cache(maxsize=512)
def _pattern(pattern: str, escape: str | None) -> re.Pattern:
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
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def like(pattern, value, escape=None):
    """SQLite's like(X, Y[, Z]) is `Y LIKE X ESCAPE Z`."""
    if pattern is None or value is None:
        return None
    return _pattern(pattern, escape).fullmatch(str(value)) is not None


def fold_unicode_in_like(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("like", 2, like, deterministic=True)
        connection.connection.create_function("like", 3, like, deterministic=True)
