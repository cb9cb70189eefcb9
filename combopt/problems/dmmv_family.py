"""Importing this module registers the DMMV family: kinds, readers and adapters."""

from . import dmmv, fir, quantization, spec, tomography  # noqa: F401
