import os
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"

# The suite tests what the solvers find, so kernels compile in-process as they always did; the
# cold-start gate (a time-limited run on an empty Numba cache returns a construction) is tested
# on its own in tests/test_cold_start.py, which switches it back on.
os.environ.setdefault("COMBOPT_COLD_START", "0")
os.environ.setdefault("COMBOPT_BACKGROUND_WARMUP", "0")

# tests/cudasim runs in a subprocess with NUMBA_ENABLE_CUDASIM=1 (see test_gpu_kernels.py)
collect_ignore = [] if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1" else ["cudasim"]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture
def read_error(tmp_path):
    """``check(name, text, line, needle, read=combopt.read)``: writing ``text`` to ``name`` and reading it raises an
    :class:`InputError` that names the file and ``line`` (``file:line: ...``) and says ``needle``."""
    import combopt
    from combopt.core.errors import InputError

    def check(name: str, text: str, line: int, needle: str, read=None) -> None:
        f = tmp_path / name
        f.write_text(text)
        with pytest.raises(InputError) as e:
            (read or combopt.read)(f)
        msg = str(e.value)
        assert needle in msg and f"{f}:{line}: " in msg, msg

    return check


def pytest_collection_modifyitems(config, items):
    from combopt.core.device import gpu_available

    if gpu_available():
        return
    skip = pytest.mark.skip(reason="needs a real CUDA GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


# Status, bound and gap are claims: in tests a bound on the wrong side or a false "optimal" raises
# (combopt.core.status.BoundViolation) instead of being dropped with a warning as in a release.
os.environ["COMBOPT_STRICT_BOUNDS"] = "1"  # subprocesses (CLI tests) inherit it


@pytest.fixture(autouse=True)
def _strict_bounds(monkeypatch):
    import combopt.core.status as status

    monkeypatch.setattr(status, "STRICT", True)


@pytest.fixture
def no_theta(monkeypatch):
    """Independent-set bounds without the Lovasz theta bound (which proves the optimum of many small graphs outright),
    for tests of the other bounds and of the searches that run while the bound is not met."""
    from combopt.problems.graph import theta

    monkeypatch.setattr(theta, "MAX_VERTICES", -1)


@pytest.fixture(scope="session")
def run_notebook():
    """``run_notebook("dag.ipynb") -> (outputs, stream text)``: execute a notebook of examples/ in
    memory (never written back) and fail on any error output."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    examples = Path(__file__).resolve().parent.parent / "examples"

    def run(name: str):
        nb = nbformat.read(examples / name, as_version=4)
        nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(examples)}}).execute()
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
        errors = [o for o in outputs if o.get("output_type") == "error"]
        assert not errors, f"{name}: {errors[0].get('evalue')}"
        return outputs, "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")

    return run


@pytest.fixture
def one_cli_error(capsys):
    """``combopt solve ARGS -t 1`` must fail with exit 2 and one ``combopt: error:`` line (no traceback); returns
    that line."""
    from combopt.cli.app import main

    def run(*args) -> str:
        rc = main(["solve", *args, "-t", "1"])
        err = capsys.readouterr().err
        lines = err.strip().splitlines()
        assert rc == 2 and len(lines) == 1 and lines[0].startswith("combopt: error:") and "Traceback" not in err, err
        return lines[0]

    return run


@pytest.fixture
def no_solution_backend():
    """A PuLP back end stopped before it found (or read) any solution: what a MILP at a short limit can return."""
    import pulp

    class Nothing(pulp.LpSolver):
        def actualSolve(self, lp, **kwargs):
            lp.assignStatus(pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound)
            return pulp.LpStatusNotSolved

    return Nothing()
