"""What every benchmark shares: Django set-up, the PostgreSQL check, timing, memory, the table."""

import os
import statistics
import time
from dataclasses import dataclass, field


def setup_django(settings_module: str = "config.settings") -> None:
    """Set up Django for a benchmark: DEBUG off (DEBUG keeps every query in memory)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    os.environ.setdefault("DJANGO_DEBUG", "0")
    import django

    django.setup()


class NotPostgreSQL(SystemExit):
    pass


def require_postgresql() -> None:
    """The national scale is measured on PostgreSQL only: refuse clearly otherwise."""
    from django.db import connection

    if connection.vendor != "postgresql":
        raise NotPostgreSQL(
            "make bench needs PostgreSQL: set DATABASE_URL=postgres://USER@HOST:5432/DBNAME "
            f"(the database in use is {connection.vendor}: {connection.settings_dict.get('NAME')})."
        )


def timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def median(values) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def memory_kib() -> dict[str, int]:
    """This process's current (VmRSS) and peak (VmHWM) resident set size, from /proc."""
    numbers = {}
    try:
        with open("/proc/self/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    numbers[key] = int(value.split()[0])
    except OSError:  # not Linux: getrusage gives the peak only
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        numbers = {"VmRSS": peak, "VmHWM": peak}
    return numbers


@dataclass
class Figure:
    """One line of the table: the project's figure next to its floor, measured in the same run."""

    name: str
    project: float
    floor: float | None
    unit: str = "s"
    higher_is_better: bool = False
    target: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if not self.floor or self.project is None:
            return None
        return self.floor / self.project if self.higher_is_better else self.project / self.floor


def _format(value, unit):
    if value is None:
        return "-"
    if unit == "s":
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:,.1f} {unit}"


def print_table(figures: list[Figure], out=print) -> None:
    """Project next to floor with the ratio (how many times slower than the floor)."""
    rows = [("figure", "project", "floor", "× floor", "target")]
    for fig in figures:
        ratio = fig.ratio
        rows.append(
            (
                fig.name,
                _format(fig.project, fig.unit),
                _format(fig.floor, fig.unit),
                f"{ratio:.2f}×" if ratio is not None else "-",
                fig.target,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        out("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            out("  ".join("-" * width for width in widths))
    for fig in figures:
        for note in fig.notes:
            out(f"  {fig.name}: {note}")
