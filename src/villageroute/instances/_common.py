"""Private helpers shared by the instance readers.

* Reading a file with a one-line :class:`~villageroute.errors.InputError` on failure.
* Checked, read-only arrays of the instance dataclasses.
* Column files (Solomon, Li & Lim): non-blank lines, node numbers 0..n-1 once each.
* Route lines of solution files (``Route #k: 1 2 ...``, CVRPLIB and Li & Lim).
* TSPLIB-style files (VRPSPD of LKH-3, CVRPLIB): specification lines, sections of data
  lines with their line numbers, node rows, explicit matrices, coordinate weights.
* ``bks*.csv`` files of best-known values (:class:`BestKnown`).
* The :class:`~villageroute.problem.Problem` whose cost is the distance, which every
  ``to_problem`` builds the same way so that one validator prices every set alike.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from os import PathLike
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from villageroute.errors import InputError
from villageroute.instances.shared import instances_dir
from villageroute.problem import Problem
from villageroute.settings import VehicleType

PathArg = str | PathLike[str]
#: Data lines of a section: (1-based line number, tokens).
Rows = list[tuple[int, list[str]]]
DAY_S = 86_400.0
#: A route line of a solution file: ``Route #k: ...`` (CVRPLIB) or ``Route k : ...``.
ROUTE_LINE = re.compile(r"route\s*#?\s*(\d+)\s*:(.*)$", re.IGNORECASE)


class BestKnown(NamedTuple):
    """A best-known solution value of one instance.

    Attributes
    ----------
    cost
        Total distance under the set's rounding rule, natural units.
    routes
        Number of routes (vehicles) of the best-known solution.
    """

    cost: float
    routes: int


# --------------------------------------------------------------------------------------
# Files and folders
# --------------------------------------------------------------------------------------


def read_text(path: Path) -> str:
    """The file's text (universal newlines), or an :class:`InputError` naming it."""
    try:
        return path.read_text()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", file=path) from exc
    except UnicodeDecodeError:
        raise InputError("not a text file (undecodable bytes)", file=path) from None


def data_dir(relative: str, what: str) -> Path:
    """``instances_dir() / relative``, or :class:`FileNotFoundError` saying what is absent."""
    folder = instances_dir() / relative
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{what} benchmark data not found at {folder}: the shared data folder "
            f"'../shared' beside the project's root is absent"
        )
    return folder


def frozen(array: np.ndarray) -> np.ndarray:
    """A read-only copy, so that a frozen dataclass of arrays is really immutable."""
    array = np.array(array, copy=True)
    array.setflags(write=False)
    return array


def load_bks_csv(
    path: Path, *, cost: str, routes: str, instance: str = "instance"
) -> dict[str, BestKnown]:
    """Best-known values by instance name from a CSV file with a header row.

    Parameters
    ----------
    path
        The CSV file.
    cost, routes, instance
        Column names of the cost, the number of routes and the instance name.

    Raises
    ------
    InputError
        Naming the file and line: missing columns, a cost that is not a positive number,
        a route count that is not a whole number >= 1, an instance listed twice with
        different values.
    """
    out: dict[str, BestKnown] = {}
    for line, row in csv_rows(path, (instance, cost, routes)):
        name = (row[instance] or "").strip()
        if not name:
            raise InputError(f"line {line}: empty instance name", file=path, field=instance)
        try:
            value = float(row[cost])
        except (TypeError, ValueError):
            raise InputError(
                f"line {line}: {row[cost]!r} is not a number", file=path, field=cost
            ) from None
        if not math.isfinite(value) or value <= 0:
            raise InputError(f"line {line}: {cost} must be > 0", file=path, field=cost)
        try:
            count = int((row[routes] or "").strip())
        except ValueError:
            count = 0
        if count < 1:
            raise InputError(
                f"line {line}: {row[routes]!r} is not a whole number >= 1",
                file=path,
                field=routes,
            )
        best = BestKnown(value, count)
        if out.get(name, best) != best:
            raise InputError(
                f"line {line}: instance {name!r} listed twice with different values",
                file=path,
            )
        out[name] = best
    return out


def csv_rows(path: Path, columns: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line number, row)`` of a CSV file whose header names at least ``columns``."""
    try:
        handle = path.open(newline="")
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", file=path) from exc
    with handle:
        reader = csv.DictReader(handle)
        missing = set(columns) - set(reader.fieldnames or ())
        if missing:
            raise InputError(f"missing column(s) {', '.join(sorted(missing))}", file=path)
        for row in reader:
            yield reader.line_num, row


# --------------------------------------------------------------------------------------
# Instance arrays
# --------------------------------------------------------------------------------------


def checked_coords(values: Any, source: str | None, *, min_nodes: int) -> np.ndarray:
    """Read-only ``(n, 2)`` float coordinates with ``n >= min_nodes``, else InputError."""
    coords = np.array(values, dtype=float)
    n = len(coords)
    if coords.shape != (n, 2) or n < min_nodes:
        raise InputError(f"coords must be (n, 2) with n >= {min_nodes}", file=source)
    return frozen(coords)


def checked_distance(values: Any, n: int, source: str | None) -> np.ndarray:
    """Read-only ``(n, n)`` float matrix of finite entries >= 0, else InputError."""
    distance = np.array(values, dtype=float)
    if distance.shape != (n, n):
        raise InputError(f"distance has shape {distance.shape}, expected {(n, n)}", file=source)
    if not np.isfinite(distance).all() or (distance < 0).any():
        raise InputError("distance has negative or non-finite entries", file=source)
    return frozen(distance)


def checked_vector(
    values: Any, n: int, name: str, source: str | None, *, nonnegative: bool = True
) -> np.ndarray:
    """Read-only ``(n,)`` float array of finite numbers (>= 0 by default), else InputError."""
    array = np.array(values, dtype=float)
    if array.shape != (n,) or not np.isfinite(array).all() or (nonnegative and (array < 0).any()):
        bound = " >= 0" if nonnegative else ""
        raise InputError(f"{name} must be {n} finite numbers{bound}", file=source)
    return frozen(array)


def freeze_arrays(
    instance: Any, n: int, vectors: Sequence[str], *, nonnegative: bool = True
) -> None:
    """Check and freeze a frozen dataclass's ``distance`` and ``(n,)`` arrays, in place."""
    source = instance.source
    object.__setattr__(instance, "distance", checked_distance(instance.distance, n, source))
    for name in vectors:
        values = checked_vector(getattr(instance, name), n, name, source, nonnegative=nonnegative)
        object.__setattr__(instance, name, values)


# --------------------------------------------------------------------------------------
# Column files and solution files
# --------------------------------------------------------------------------------------


def nonblank_lines(path: Path) -> Rows:
    """``(line number, tokens)`` of the file's non-blank lines; InputError if there are none."""
    lines = [
        (number, raw.split())
        for number, raw in enumerate(read_text(path).splitlines(), start=1)
        if raw.strip()
    ]
    if not lines:
        raise InputError("the file is empty", file=path)
    return lines


def node_number(
    value: float, line: int, n: int, seen: dict[int, int], path: Path, *, what: str, field: str
) -> int:
    """Number ``value`` of line ``line``: a whole number in ``0..n-1`` not in ``seen``."""
    if not value.is_integer() or not 0 <= value < n:
        raise InputError(
            f"line {line}: {what} number {value:g} not in 0..{n - 1}", file=path, field=field
        )
    node = int(value)
    if node in seen:
        raise InputError(
            f"line {line}: {what} {node} repeated (line {seen[node]})", file=path, field=field
        )
    seen[node] = line
    return node


def parse_route_line(
    line: str, number: int, path: Path, seen: dict[int, int], *, what: str, expected: str
) -> list[int]:
    """The numbers of route line ``line`` (see :data:`ROUTE_LINE`); ``expected`` shows its form."""
    match = ROUTE_LINE.match(line)
    if match is None:
        raise InputError(
            f"line {number}: expected {expected!r}, got {line[:40]!r}", file=path, field="Route"
        )
    return parse_route_tokens(match[2].split(), number, path, seen, what=what)


def parse_route_tokens(
    tokens: Sequence[str], number: int, path: Path, seen: dict[int, int], what: str = "customer"
) -> list[int]:
    """Whole numbers >= 1 of one route line, none listed before (``seen``: number -> line)."""
    route = []
    for token in tokens:
        if not token.isdigit() or int(token) < 1:
            raise InputError(
                f"line {number}: {token!r} is not a {what} number (1, 2, ...; the depot is "
                f"not listed)",
                file=path,
                field="Route",
            )
        value = int(token)
        if value in seen:
            raise InputError(
                f"line {number}: {what} {value} listed twice (line {seen[value]})",
                file=path,
                field="Route",
            )
        seen[value] = number
        route.append(value)
    return route


# --------------------------------------------------------------------------------------
# TSPLIB-style files
# --------------------------------------------------------------------------------------


#: Specification keywords of TSPLIB-style VRP files (CVRPLIB; LKH-3 adds a few).
TSPLIB_KEYS = frozenset(
    {
        "NAME",
        "TYPE",
        "COMMENT",
        "DIMENSION",
        "CAPACITY",
        "VEHICLES",
        "DISTANCE",
        "SERVICE_TIME",
        "EDGE_WEIGHT_TYPE",
        "EDGE_WEIGHT_FORMAT",
        "NODE_COORD_TYPE",
        "DISPLAY_DATA_TYPE",
    }
)


def split_sections(
    text: str, path: Path, *, sections: frozenset[str], keys: frozenset[str]
) -> tuple[dict[str, str], dict[str, Rows]]:
    """Specification entries (``KEY : value``) and the data lines of each section.

    ``sections`` are the section keywords and ``keys`` the specification keywords the
    format knows; any other keyword is an error, because a misspelt section would
    otherwise swallow its data lines silently.
    """
    spec: dict[str, str] = {}
    found: dict[str, Rows] = {}
    current: Rows | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if not (line[0].isalpha() or line[0] == "_"):
            if current is None:
                raise InputError(
                    f"line {number}: data outside any section: {line[:40]!r}", file=path
                )
            current.append((number, line.split()))
            continue
        match = re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s*:?\s*(.*)$", line)
        assert match is not None
        key, value = match[1].upper(), match[2].strip()
        if key == "EOF":
            break
        if key in sections:
            if key in found:
                raise InputError(f"line {number}: {key} appears twice", file=path, field=key)
            found[key] = current = []
            if value:  # data on the section's own line
                current.append((number, value.split()))
        elif key in keys:
            if key in spec and key != "COMMENT":
                raise InputError(f"line {number}: {key} appears twice", file=path, field=key)
            spec[key] = value
            current = None
        else:
            raise InputError(
                f"line {number}: unknown keyword {key!r} (or a section's data line that "
                f"does not start with a number: {line[:40]!r})",
                file=path,
            )
    return spec, found


def spec_number(
    spec: dict[str, str], key: str, path: Path, *, integer: bool = False
) -> float | None:
    """The number of specification entry ``key``, ``None`` when absent."""
    value = spec.get(key)
    if value is None:
        return None
    try:
        result = float(value)
    except ValueError:
        raise InputError(f"{key} must be a number, got {value!r}", file=path, field=key) from None
    if not math.isfinite(result) or (integer and not result.is_integer()):
        raise InputError(f"{key} must be a whole number, got {value!r}", file=path, field=key)
    return result


def dimension_and_capacity(spec: dict[str, str], path: Path) -> tuple[int, float]:
    """``DIMENSION`` (a whole number >= 2) and ``CAPACITY`` (> 0), both required."""
    dim = spec_number(spec, "DIMENSION", path, integer=True)
    if dim is None or dim < 2:
        raise InputError("DIMENSION must be given and >= 2", file=path, field="DIMENSION")
    capacity = spec_number(spec, "CAPACITY", path)
    if capacity is None or capacity <= 0:
        raise InputError("CAPACITY must be given and > 0", file=path, field="CAPACITY")
    return int(dim), capacity


def unsupported(key: str, value: str, supported: str, path: Path) -> InputError:
    """The error for a specification entry ``key`` whose ``value`` is not ``supported``."""
    return InputError(
        f"{key} {value or '(missing)'!r} is not supported (supported: {supported})",
        file=path,
        field=key,
    )


def require(sections: dict[str, Rows], key: str, path: Path) -> Rows:
    """The data lines of section ``key``, which must be present."""
    if key not in sections:
        raise InputError(f"{key} is missing", file=path, field=key)
    return sections[key]


def numbers(row: tuple[int, list[str]], path: Path, field: str) -> list[float]:
    """The tokens of one data line as finite floats (error names the line)."""
    number, tokens = row
    try:
        values = [float(t) for t in tokens]
    except ValueError:
        bad = next(t for t in tokens if not is_number(t))
        raise InputError(
            f"line {number}: {bad!r} is not a number", file=path, field=field
        ) from None
    if not all(math.isfinite(v) for v in values):
        raise InputError(f"line {number}: non-finite number", file=path, field=field)
    return values


def is_number(token: str) -> bool:
    """Whether ``float`` parses the token."""
    try:
        float(token)
    except ValueError:
        return False
    return True


def fixed_numbers(line: int, tokens: list[str], width: int, path: Path, field: str) -> list[float]:
    """Exactly ``width`` finite numbers on line ``line`` of a column file (Solomon, Li & Lim)."""
    if len(tokens) != width:
        raise InputError(
            f"line {line}: {len(tokens)} fields, expected {width}", file=path, field=field
        )
    return numbers((line, tokens), path, field)


def node_rows(rows: Rows, n: int, width: int, path: Path, field: str) -> np.ndarray:
    """``n`` lines ``id v1 .. v_width`` with ids 1..n once each; values ordered by id."""
    if len(rows) != n:
        raise InputError(f"{len(rows)} lines, expected DIMENSION = {n}", file=path, field=field)
    out = np.zeros((n, width))
    seen: dict[int, int] = {}
    for row in rows:
        values = numbers(row, path, field)
        line = row[0]
        if len(values) != width + 1:
            raise InputError(
                f"line {line}: {len(values)} fields, expected {width + 1}", file=path, field=field
            )
        node = values[0]
        if not node.is_integer() or not 1 <= node <= n:
            raise InputError(f"line {line}: node id {node:g} not in 1..{n}", file=path, field=field)
        node = int(node)
        if node in seen:
            raise InputError(
                f"line {line}: node {node} repeated (line {seen[node]})", file=path, field=field
            )
        seen[node] = line
        out[node - 1] = values[1:]
    return out


def depots(rows: Rows, n: int, path: Path) -> list[int]:
    """Node ids of ``DEPOT_SECTION`` (terminated by -1)."""
    values = [v for row in rows for v in numbers(row, path, "DEPOT_SECTION")]
    if -1 in values:
        values = values[: values.index(-1)]
    if not values or any(not v.is_integer() or not 1 <= v <= n for v in values):
        raise InputError(
            f"depot ids must be in 1..{n}, terminated by -1", file=path, field="DEPOT_SECTION"
        )
    return [int(v) for v in values]


def check_single_depot(sections: dict[str, Rows], n: int, path: Path) -> None:
    """InputError unless ``DEPOT_SECTION`` is absent or lists node 1 alone."""
    if "DEPOT_SECTION" in sections:
        depot_ids = depots(sections["DEPOT_SECTION"], n, path)
        if depot_ids != [1]:
            raise InputError(
                f"only a single depot at node 1 is supported, got {depot_ids}",
                file=path,
                field="DEPOT_SECTION",
            )


MATRIX_FORMATS = frozenset(
    {"FULL_MATRIX", "UPPER_ROW", "LOWER_ROW", "UPPER_DIAG_ROW", "LOWER_DIAG_ROW"}
)


def explicit_matrix(
    spec: dict[str, str], sections: dict[str, Rows], n: int, path: Path
) -> np.ndarray:
    """The ``EDGE_WEIGHT_SECTION`` matrix, in a supported ``EDGE_WEIGHT_FORMAT``."""
    fmt = spec.get("EDGE_WEIGHT_FORMAT", "").upper()
    if fmt not in MATRIX_FORMATS:
        raise unsupported("EDGE_WEIGHT_FORMAT", fmt, ", ".join(sorted(MATRIX_FORMATS)), path)
    return matrix(require(sections, "EDGE_WEIGHT_SECTION", path), fmt, n, path)


def matrix(rows: Rows, fmt: str, n: int, path: Path) -> np.ndarray:
    """The symmetric ``(n, n)`` matrix of an ``EDGE_WEIGHT_SECTION`` in format ``fmt``."""
    values = np.array(
        [v for row in rows for v in numbers(row, path, "EDGE_WEIGHT_SECTION")], dtype=float
    )
    counts = {
        "FULL_MATRIX": n * n,
        "UPPER_ROW": n * (n - 1) // 2,
        "LOWER_ROW": n * (n - 1) // 2,
        "UPPER_DIAG_ROW": n * (n + 1) // 2,
        "LOWER_DIAG_ROW": n * (n + 1) // 2,
    }
    if len(values) != counts[fmt]:
        raise InputError(
            f"{len(values)} edge weights, expected {counts[fmt]} for a {fmt} of dimension {n}",
            file=path,
            field="EDGE_WEIGHT_SECTION",
        )
    if (values < 0).any():
        raise InputError("negative edge weight", file=path, field="EDGE_WEIGHT_SECTION")
    if fmt == "FULL_MATRIX":
        return values.reshape(n, n)
    # Row-wise triangles, in row-major order; mirror them into a symmetric matrix.
    diag = fmt.endswith("DIAG_ROW")
    if fmt.startswith("UPPER"):
        rows_i, cols_i = np.triu_indices(n, k=0 if diag else 1)
    else:
        rows_i, cols_i = np.tril_indices(n, k=0 if diag else -1)
    out = np.zeros((n, n))
    out[rows_i, cols_i] = values
    return out + out.T - np.diag(np.diag(out))


def euclid(coords: np.ndarray) -> np.ndarray:
    """``(n, n)`` full-precision Euclidean distances between the rows of ``coords``."""
    diff = coords[:, None, :] - coords[None, :, :]
    return np.sqrt((diff**2).sum(axis=2))


def coord_weights(coords: np.ndarray, weight_type: str, scale: float) -> np.ndarray:
    """TSPLIB / LKH-3 integer edge weights from coordinates (LKH-3 ``Distance.c``)."""
    scaled = scale * euclid(coords)
    if weight_type == "CEIL_2D":
        return np.ceil(scaled)
    if weight_type == "FLOOR_2D":
        return np.floor(scaled)
    return np.floor(scaled + 0.5)  # EXACT_2D, EUC_2D: (int) (Scale * d + 0.5), TSPLIB nint


# --------------------------------------------------------------------------------------
# Costs and the Problem
# --------------------------------------------------------------------------------------


def routes_length(distance: np.ndarray, routes: Sequence[Sequence[int]]) -> float:
    """Total length of ``routes`` (0-based node indices, depot 0 not listed)."""
    total = 0.0
    for route in routes:
        path = [0, *(int(i) for i in route), 0]
        total += float(distance[path[:-1], path[1:]].sum())
    return total


def seconds_per_unit(horizon: float) -> float:
    """1, or less so that ``horizon`` distance units of unit-speed driving fit 24 h."""
    return 1.0 if horizon <= DAY_S else DAY_S / horizon


def distance_cost_problem(
    *,
    name: str,
    vehicle_name: str,
    ids: Sequence[str],
    distance: np.ndarray,
    time_s: np.ndarray,
    count: int,
    capacity: float,
    down_kg: np.ndarray,
    down_parcels: np.ndarray,
    up_kg: np.ndarray | None = None,
    up_parcels: np.ndarray | None = None,
    service_s: np.ndarray | float = 0.0,
    open_s: np.ndarray | float = 0.0,
    close_s: np.ndarray | float = DAY_S,
    day_start_s: float = 0.0,
    day_end_s: float = DAY_S,
    shift_hours: float = 24.0,
    source: str | None = None,
) -> Problem:
    """A one-vehicle-type :class:`Problem` in which a plan's cost is its distance.

    ``cost_per_km = 1000`` with ``distance_m`` in natural units and no hourly or daily
    cost, so a route's cost is its length; capacity binds in kg (``capacity_kg =
    capacity``) while each job is one parcel and the parcel capacity (one per customer)
    never binds; one visit does both jobs (``split_visits=False``).
    """
    n = len(ids)
    if count < 1:
        raise InputError(f"vehicles must be >= 1, got {count}", file=source)
    vehicle = VehicleType(
        name=vehicle_name,
        count=int(count),
        capacity_kg=float(capacity),
        capacity_parcels=max(1, n - 1),
        cost_per_km=1000.0,
        cost_per_hour=0.0,
        cost_per_day=0.0,
        max_shift_hours=shift_hours,
    )
    zeros = np.zeros(n)
    return Problem.from_arrays(
        distance,
        time_s,
        vehicle_types=[vehicle],
        down_parcels=down_parcels,
        up_parcels=zeros.astype(np.int64) if up_parcels is None else up_parcels,
        down_kg=down_kg,
        up_kg=zeros if up_kg is None else up_kg,
        # A copy: from_arrays zeroes the depot's entry in place, instances hold read-only arrays.
        service_s=np.array(service_s, dtype=float),
        open_s=open_s,
        close_s=close_s,
        ids=list(ids),
        names=[f"{name}/{i}" for i in ids],
        day_start_s=day_start_s,
        day_end_s=day_end_s,
        split_visits=False,
        name=name,
    )
