"""Plots of the coupling family: the I(X;T)-versus-R curve and a coupling's support."""

from __future__ import annotations

import numpy as np

from ...core.result import plot_curve_data


def plot_curve(curve, ax=None):
    """Plot an I-versus-R curve: a :class:`~combopt.Result` of an EBIM solver run with ``curve=true``,
    or its ``info["curve"]`` dict (see :func:`combopt.solvers.coupling.ebim_curve`). Returns the Axes."""
    if hasattr(curve, "info"):
        curve = curve.info.get("curve")
    return plot_curve_data(curve, ax)


def plot_coupling(coupling, ax=None, title: str | None = None):
    """Show a two-variable coupling's cells (rows and columns sorted by marginal mass)."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(4.5, 4))
    i, j = coupling.index[:, 0], coupling.index[:, 1]
    ro = np.argsort(np.argsort(-coupling.marginal(0), kind="stable"))
    co = np.argsort(np.argsort(-coupling.marginal(1), kind="stable"))
    sc = ax.scatter(co[j], ro[i], c=coupling.mass, s=12, cmap="viridis")
    from matplotlib.ticker import MaxNLocator

    # the coupling's whole grid, rows and columns by whole numbers: the axes spanned the occupied cells only, with
    # fractional ticks (a 2 x 2 decoder's one row drawn between rows -0.04 and 0.04)
    ax.set_xlim(-0.5, coupling.shape[1] - 0.5)
    ax.set_ylim(coupling.shape[0] - 0.5, -0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    ax.set_xlabel("column (by decreasing mass)")
    ax.set_ylabel("row (by decreasing mass)")
    ax.set_title(title or f"coupling: {coupling.nnz} cells")
    ax.figure.colorbar(sc, ax=ax, label="mass")
    return ax


#: cells above which a coupling gets no figure (a scatter point per cell: millions of them draw for minutes and say
#: nothing a table of its entropies does not)
MAX_FIGURE_CELLS = 200_000


def coupling_figure(panels: dict, title: str):
    """One :func:`plot_coupling` panel per two-axis coupling in ``panels`` (label -> Coupling); ``None`` when a
    coupling has other than two axes or more than :data:`MAX_FIGURE_CELLS` cells."""
    from matplotlib.figure import Figure

    if any(len(c.shape) != 2 or c.nnz > MAX_FIGURE_CELLS for c in panels.values()):
        return None
    fig = Figure(figsize=(4.8 * len(panels), 4.2), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(panels)))
    for ax, (label, c) in zip(axes, panels.items(), strict=True):
        plot_coupling(c, ax, title=f"{label}: {c.nnz} cells")
    fig.suptitle(title, fontsize=9)
    return fig
