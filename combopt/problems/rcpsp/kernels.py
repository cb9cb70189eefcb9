"""Batched RCPSP schedule decoding: one source of truth for CPU and GPU.

:func:`decode_list` turns one activity list (a precedence-feasible order of the
tasks) into a schedule with the serial schedule-generation scheme and, when
asked, improves it by forward-backward improvement (double justification):

1. forward serial SGS: each task in list order starts at the earliest time at
   which its predecessors have finished, its release has passed, it fits the
   time-varying capacity of every resource for its whole duration and it does
   not overlap an already scheduled disjunctive partner;
2. right-justification: tasks in order of non-increasing finish time are
   scheduled as late as possible, finishing by the makespan, their deadline
   and the (new) starts of their successors;
3. left-justification: tasks in order of non-decreasing (new) start time are
   scheduled as early as possible again.

Each pass keeps every task at or beyond (2) / before (3) its previous position
(the tasks already moved only vacate time inside its interval), so the
makespan never grows and windows stay satisfied. Justification runs only on
schedules that meet every deadline; a schedule that misses one is returned
from pass 1 with its total lateness.

``decode_list`` is one plain Python function with no calls to other project
functions, compiled by ``numba.njit`` for the CPU (called by
:func:`decode_batch_serial`, which :func:`decode_batch_cpu` runs on several
threads), inlined into the Numba CUDA kernel of :mod:`combopt.gpu.rcpsp` as
``decode_list_device`` (one list per thread), and run as Python
(``.py_func``) under the CUDA simulator.

The GA operators (:func:`crossover_batch`, :func:`mutate_batch`) and the
regret-based biased sampling of initial lists (:func:`sample_lists`) are CPU
kernels.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from numba import njit

#: ``info`` columns written by :func:`decode_list`
INFO_MAKESPAN, INFO_LATENESS, INFO_PASSES = 0, 1, 2
INFO_COLUMNS = 3


def _decode_list(order, dur, dem, cap, pred_ptr, pred_idx, succ_ptr, succ_idx, disj_ptr, disj_idx,
                release, deadline, rank, fbi, usage, st, st2, lst, key, out_start, info, b):
    """Decode the activity list ``order`` into ``out_start``; write makespan,
    total lateness and passes run into ``info[b]``.

    Parameters
    ----------
    order
        int32 activity list (must be precedence feasible).
    dur, dem, cap
        Durations ``(n,)``, demands ``(n, R)`` and capacity profile ``(H, R)``.
    pred_ptr, pred_idx, succ_ptr, succ_idx, disj_ptr, disj_idx
        CSR adjacency of predecessors, successors and disjunctive partners.
    release, deadline
        Windows (deadline a large number when absent).
    rank
        Position of each task in a fixed topological order (breaks ties).
    fbi
        Forward-backward improvement after the first pass when its makespan is
        at most ``fbi`` (and it meets every deadline); ``-1``: serial SGS only.
    usage
        ``(H, R)`` int32 workspace, zero on entry and left zero on exit.
    st, st2, lst, key
        ``(n,)`` workspaces (int32, int32, int32, int64).
    out_start
        ``(n,)`` int32 start times (output).
    info, b
        ``info[b, 0]`` makespan (-1 when the list could not be decoded: not
        precedence feasible, or the time axis was too short),
        ``info[b, 1]`` total lateness past deadlines, ``info[b, 2]`` passes run
        (generated schedules).
    """
    n = dur.shape[0]
    R = dem.shape[1]
    H = cap.shape[0]
    T = 0
    late = 0
    passes = 0
    ok0 = True
    for pas in range(3):
        if pas > 0 and (T > fbi or late > 0 or not ok0):
            break
        backward = pas == 1
        # ---- the list of this pass
        if pas == 0:
            for k in range(n):
                lst[k] = order[k]
        else:
            # reverse the previous list (close to the wanted order), then insertion sort by key
            for k in range(n // 2):
                tmp = lst[k]
                lst[k] = lst[n - 1 - k]
                lst[n - 1 - k] = tmp
            for k in range(n):
                if pas == 1:  # finish descending, successors first on ties
                    key[k] = -(np.int64(st[k] + dur[k]) * (n + 1) + rank[k])
                else:  # start ascending, predecessors first on ties
                    key[k] = np.int64(st[k]) * (n + 1) + rank[k]
            for a in range(1, n):
                v = lst[a]
                kv = key[v]
                c = a - 1
                while c >= 0 and key[lst[c]] > kv:
                    lst[c + 1] = lst[c]
                    c -= 1
                lst[c + 1] = v
        # ---- schedule the list
        for k in range(n):
            st2[k] = -1
        hi = 0
        ok = True
        plate = 0
        for k in range(n):
            j = lst[k]
            p = dur[j]
            if not backward:
                a = release[j]
                for e in range(pred_ptr[j], pred_ptr[j + 1]):
                    i = pred_idx[e]
                    if st2[i] < 0:
                        ok = False
                        break
                    fi = st2[i] + dur[i]
                    if fi > a:
                        a = fi
                if not ok:
                    break
            else:
                lf = T
                if deadline[j] < lf:
                    lf = deadline[j]
                for e in range(succ_ptr[j], succ_ptr[j + 1]):
                    s2 = st2[succ_idx[e]]
                    if s2 < 0:
                        ok = False
                        break
                    if s2 < lf:
                        lf = s2
                if not ok:
                    break
                a = lf - p
            # search the first (forward) / last (backward) feasible start
            while True:
                if backward:
                    if a < release[j] or a < 0:
                        ok = False
                        break
                elif a + p > H:
                    ok = False
                    break
                moved = False
                if p > 0:
                    if not backward:
                        tau = a + p - 1
                        while tau >= a:
                            for r in range(R):
                                q = dem[j, r]
                                if q > 0 and usage[tau, r] + q > cap[tau, r]:
                                    moved = True
                                    break
                            if moved:
                                a = tau + 1
                                break
                            tau -= 1
                    else:
                        tau = a
                        while tau < a + p:
                            for r in range(R):
                                q = dem[j, r]
                                if q > 0 and usage[tau, r] + q > cap[tau, r]:
                                    moved = True
                                    break
                            if moved:
                                a = tau - p
                                break
                            tau += 1
                    if not moved:
                        for e in range(disj_ptr[j], disj_ptr[j + 1]):
                            m = disj_idx[e]
                            sm = st2[m]
                            pm = dur[m]
                            if sm >= 0 and pm > 0 and a < sm + pm and sm < a + p:
                                moved = True
                                if backward:
                                    a = sm - p
                                else:
                                    a = sm + pm
                                break
                if not moved:
                    break
            if not ok:
                break
            st2[j] = a
            f = a + p
            if p > 0:
                for tau in range(a, f):
                    for r in range(R):
                        usage[tau, r] += dem[j, r]
            if f > hi:
                hi = f
            if f > deadline[j]:
                plate += f - deadline[j]
        # ---- leave the workspace clean
        for tau in range(hi):
            for r in range(R):
                usage[tau, r] = 0
        passes += 1
        if not ok:
            if pas == 0:
                ok0 = False
            break
        for k in range(n):
            st[k] = st2[k]
        if pas == 0:
            late = plate
        T = 0
        for k in range(n):
            if st[k] + dur[k] > T:
                T = st[k] + dur[k]
    if ok0:
        for k in range(n):
            out_start[k] = st[k]
        info[b, 0] = T
    else:
        for k in range(n):
            out_start[k] = -1
        info[b, 0] = -1
    info[b, 1] = late
    info[b, 2] = passes


#: the CPU build: one compiled function shared by every batch wrapper
decode_list = njit(cache=True)(_decode_list)
#: the device build: inlined into the CUDA kernel (an inlined callee needs no device
#: context at compile time, so PTX can be produced on a machine without a GPU)
decode_list_device = njit(inline="always")(_decode_list)


@njit(cache=True, nogil=True)
def decode_batch_serial(lists, dur, dem, cap, pred_ptr, pred_idx, succ_ptr, succ_idx, disj_ptr, disj_idx,
                        release, deadline, rank, fbi, usage, st, st2, lst, key, out_start, info):
    """Decode every row of ``lists`` on the calling thread (releases the GIL).

    Workspaces and outputs have a leading batch axis; ``info`` rows match the lists.
    """
    for b in range(lists.shape[0]):
        decode_list(lists[b], dur, dem, cap, pred_ptr, pred_idx, succ_ptr, succ_idx, disj_ptr, disj_idx,
                    release, deadline, rank, fbi, usage[b], st[b], st2[b], lst[b], key[b], out_start[b], info, b)


_POOL: ThreadPoolExecutor | None = None


def cpu_threads() -> int:
    """Threads :func:`decode_batch_cpu` uses: Numba's thread count (``NUMBA_NUM_THREADS``)."""
    return max(1, int(numba.config.NUMBA_NUM_THREADS))


def decode_batch_cpu(lists, dur, dem, cap, pred_ptr, pred_idx, succ_ptr, succ_idx, disj_ptr, disj_idx,
                     release, deadline, rank, fbi, usage, st, st2, lst, key, out_start, info):
    """:func:`decode_batch_serial` split over :func:`cpu_threads` threads (rows in disjoint chunks).

    The compiled loop releases the GIL, so Python threads run it in parallel
    without a second (parallel) compilation of the decoder.
    """
    global _POOL
    B = lists.shape[0]
    k = min(cpu_threads(), B)
    rest = (dur, dem, cap, pred_ptr, pred_idx, succ_ptr, succ_idx, disj_ptr, disj_idx, release, deadline, rank, fbi)
    if k <= 1:
        decode_batch_serial(lists, *rest, usage, st, st2, lst, key, out_start, info)
        return
    if _POOL is None or _POOL._max_workers < k:
        _POOL = ThreadPoolExecutor(max_workers=k, thread_name_prefix="combopt-rcpsp")
    bounds = [(B * c) // k for c in range(k + 1)]
    futs = [_POOL.submit(decode_batch_serial, lists[lo:hi], *rest, usage[lo:hi], st[lo:hi], st2[lo:hi],
                         lst[lo:hi], key[lo:hi], out_start[lo:hi], info[lo:hi])
            for lo, hi in zip(bounds, bounds[1:], strict=False) if hi > lo]
    for f in futs:
        f.result()
