"""The core every family shares: :class:`Result` and :class:`Status` (with the gap and bound
rules), stopping criteria, the solver/kind/reader registry, instance reading, device selection,
the project's errors and the xorshift random streams of the Numba kernels.

Imports: the standard library, numpy and numba only. The registry names the families as
strings (``BUILTIN_FAMILIES``) and imports them on first use; nothing here imports problems/
or solvers/ directly.
"""
