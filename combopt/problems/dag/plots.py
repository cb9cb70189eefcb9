"""Plots of learned graphs (truth overlay) and of the score trace.

Edge colours against a truth: correct edges black, reversed orange, extra
(not in the truth's skeleton) red, missing (truth edges not found) dashed grey.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["plot_graph", "plot_result_graph", "plot_score_trace"]

COLOURS = {"correct": "black", "reversed": "tab:orange", "extra": "tab:red", "missing": "0.6", "edge": "tab:blue"}


def _layout(d: int, B: np.ndarray, names: list[str]):
    import networkx as nx

    G = nx.DiGraph()
    G.add_nodes_from(range(d))
    G.add_edges_from(zip(*np.nonzero(B), strict=True))
    if d <= 40:
        return nx.circular_layout(G)
    return nx.spring_layout(G, seed=0)


def plot_graph(W: np.ndarray, names: list[str], truth: np.ndarray | None = None, ax=None, title: str | None = None,
               with_labels: bool | None = None):
    """Draw the graph of ``W`` (edge width ~ |weight|), coloured against ``truth`` when given.

    Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt
    import networkx as nx
    from matplotlib.lines import Line2D

    W = np.asarray(W, dtype=np.float64)
    d = W.shape[0]
    E = W != 0
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 6))
    T = None if truth is None else np.asarray(truth) != 0
    pos = _layout(d, E | (T if T is not None else False), names)
    G = nx.DiGraph()
    G.add_nodes_from(range(d))
    if with_labels is None:
        with_labels = d <= 40
    nx.draw_networkx_nodes(G, pos, ax=ax, node_size=300 if d <= 40 else 40, node_color="#dde8f5",
                           edgecolors="0.3")
    if with_labels:
        nx.draw_networkx_labels(G, pos, labels={i: names[i] for i in range(d)}, ax=ax, font_size=8)
    groups: dict[str, list[tuple[int, int]]] = {k: [] for k in COLOURS}
    for i, j in zip(*np.nonzero(E), strict=True):
        if T is None:
            groups["edge"].append((i, j))
        elif T[i, j]:
            groups["correct"].append((i, j))
        elif T[j, i]:
            groups["reversed"].append((i, j))
        else:
            groups["extra"].append((i, j))
    if T is not None:
        for i, j in zip(*np.nonzero(T), strict=True):
            if not E[i, j] and not E[j, i]:
                groups["missing"].append((i, j))
    wmax = max(float(np.abs(W).max()), 1e-12)
    handles = []
    for key, edges in groups.items():
        if not edges:
            continue
        widths = [1.0 if key == "missing" else 0.8 + 2.2 * abs(W[i, j]) / wmax for i, j in edges]
        nx.draw_networkx_edges(G, pos, edgelist=edges, ax=ax, edge_color=COLOURS[key], width=widths,
                               style="dashed" if key == "missing" else "solid", arrows=True, arrowsize=12,
                               node_size=300 if d <= 40 else 40, connectionstyle="arc3,rad=0.08")
        handles.append(Line2D([0], [0], color=COLOURS[key], linestyle="--" if key == "missing" else "-",
                              label=f"{key} ({len(edges)})"))
    if handles:
        ax.legend(handles=handles, loc="upper right", fontsize=8)
    ax.set_title(title or "learned graph")
    ax.set_axis_off()
    return ax


def plot_result_graph(result: Any, ax=None, **kw):
    """Draw a ``dag`` :class:`combopt.Result`'s graph with its truth (from the result's JSON record)."""
    sol = result.solution_json if isinstance(result.solution_json, dict) else {}
    names = sol.get("names")
    if result.solution is None and sol.get("adjacency") is None:  # a run that found none (interrupted, ...)
        raise ValueError(f"this {result.problem} result holds no graph to draw (no solution)")
    W = np.asarray(result.solution if result.solution is not None else sol.get("adjacency"), dtype=np.float64)
    if names is None:
        names = [f"X{i}" for i in range(W.shape[0])]
    truth = None
    if sol.get("truth_edges") is not None:
        index = {v: i for i, v in enumerate(names)}
        truth = np.zeros(W.shape, dtype=np.int64)
        for c, e in sol["truth_edges"]:
            truth[index[c], index[e]] = 1
    title = f"{result.solver} on {result.instance}"
    m = sol.get("metrics")
    if m:
        title += f": SHD {m['shd']}, TPR {m['tpr']:.2f}, FDR {m['fdr']:.2f}"
    return plot_graph(W, names, truth=truth, ax=ax, title=title, **kw)


def plot_score_trace(result: Any, ax=None):
    """Score of the current order against swap rounds (``info["loss_trace"]`` of the ``topo`` solver)."""
    import matplotlib.pyplot as plt

    trace = result.info.get("loss_trace")
    if not trace:
        raise ValueError("this result has no loss_trace (it comes from the 'topo' solver)")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(range(len(trace)), trace, marker=".", label="order's least-squares score")
    ts = (result.solution_json or {}).get("truth_score")
    if ts is not None:
        ax.axhline(ts, color="grey", linestyle="--", label="true graph's score")
    if result.objective is not None:
        ax.axhline(result.objective, color="tab:green", linestyle=":", label="output (thresholded, refit)")
    ax.set_xlabel("swap round")
    ax.set_ylabel("score")
    ax.set_title(f"{result.solver} on {result.instance}")
    ax.legend(loc="best")
    return ax


def _register() -> None:
    from ...core.result import register_result_plot

    register_result_plot("dag", "graph")(plot_result_graph)
    register_result_plot("dag", "score_trace")(lambda result, ax=None: plot_score_trace(result, ax))


_register()
