"""Exception types raised by villageroute for library callers."""

from __future__ import annotations

from os import PathLike


class VillagerouteError(Exception):
    """Base class of every error villageroute raises on purpose."""


class InputError(VillagerouteError, ValueError):
    """Bad input data, located by file, feature and field.

    The string form is one line: ``file: feature: field: message`` with the parts that
    are known, so a command-line front end can print it as it is.

    Parameters
    ----------
    message
        What is wrong, in words a user can act on.
    file
        The file the problem was found in, if any.
    feature
        The feature, e.g. ``"feature 12 (station 'xz-03')"``, if any.
    field
        The field or property name, e.g. ``"down_parcels"``, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | PathLike[str] | None = None,
        feature: str | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = None if file is None else str(file)
        self.feature = feature
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [self.file, self.feature, f"field '{self.field}'" if self.field else None]
        where = ": ".join(p for p in parts if p)
        return f"{where}: {self.message}" if where else self.message
