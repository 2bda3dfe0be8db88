"""Turning rows into the store's frozen records, and the "leave unchanged" marker."""

from __future__ import annotations

from dataclasses import fields
from enum import Enum
from functools import cache
from typing import Any, Final, TypeVar

T = TypeVar("T")


class _Unset(Enum):
    UNSET = "unset"


#: A keyword argument left at UNSET leaves its column as it is (None writes NULL).
UNSET: Final = _Unset.UNSET
Unset = _Unset


@cache
def _names(cls: type) -> tuple[str, ...]:
    return tuple(field.name for field in fields(cls))


def record(cls: type[T], row: dict[str, Any]) -> T:
    """A record of ``cls`` from a row holding (at least) its fields' columns."""
    return cls(**{name: row[name] for name in _names(cls)})


def maybe(cls: type[T], row: dict[str, Any] | None) -> T | None:
    return None if row is None else record(cls, row)


def given(**values: Any) -> dict[str, Any]:
    """The keyword arguments that were given (not UNSET), as columns to write."""
    return {column: value for column, value in values.items() if value is not UNSET}
