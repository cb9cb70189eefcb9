"""Discrete min-max violation (DMMV) and its applications.

* :mod:`.base` -- :class:`DMMVBase` (the adapter every DMMV application shares: blocks of
  :class:`combopt.models.dmmv.DMMV`, start points, the MILP) and kind ``dmmv`` with its generic
  ``.npz`` and ``.dmmv.json`` files;
* :mod:`.fir` -- FIR filter design with integer coefficients (kind ``fir``), Remez start,
  frequency-response plots;
* :mod:`.tomography` -- discrete tomography (kind ``tomography``): projections, SART/SIRT,
  reconstructions;
* :mod:`.quantization` -- post-training weight quantization (kind ``quantization``): ``.npy`` and
  ``.safetensors`` weights, RTN and GPTQ;
* :mod:`.spec` -- the TOML spec files that describe FIR, tomography and quantization instances.

Imports: combopt.core, combopt.models and this package only. The search itself lives in
combopt.solvers.dmmv.
"""

from . import fir, quantization, spec, tomography  # noqa: F401  (register kinds and readers)
from .base import DMMVBase, DMMVInstance

__all__ = ["DMMVBase", "DMMVInstance"]
