"""QUBO files (the JSON of :meth:`combopt.QUBO.write_json`) as a problem kind."""

from __future__ import annotations

from pathlib import Path

from ..core.errors import InputError
from ..core.io import register_reader
from ..core.registry import register_kind
from ..models.qubo import read_qubo_json

register_kind("qubo", ("qubo", "milp"))


def _sniff(head: str) -> bool:
    return head.lstrip().startswith("{") and '"combopt-qubo"' in head


@register_reader("qubo-json", kinds=("qubo",), extensions=(".qubo.json", ".qubo"), sniff=_sniff)
def _read(path: Path, kind: str, index: int | None):
    if index not in (None, 0):
        raise InputError(path, f"holds a single QUBO; #{index} does not exist")
    return read_qubo_json(path)
