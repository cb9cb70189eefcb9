"""What an outside reviewer found in suites and reports (session 50)."""

from __future__ import annotations

from pathlib import Path

import pytest

from combopt.bench.suite import load_suite
from combopt.core.errors import InputError

DATA = Path(__file__).parent / "data"


def _suite(tmp_path: Path, sets: str, solvers: str = '[[solvers]]\nsolver = "lagrangian"\n') -> Path:
    p = tmp_path / "s.toml"
    p.write_text("[suite]\nmax_iterations = 1\n" + sets + solvers)
    return p


def test_a_glob_or_folder_with_an_instance_index_keeps_the_index(tmp_path):
    """``mdkp/*.txt#3`` ran instance #0 of each file (the ``#3`` was dropped for globs and folders), scored against
    #0's optimum; ``#A..B`` on a glob said the glob was not found."""
    (tmp_path / "mdkp").mkdir()
    (tmp_path / "mdkp" / "mknap1.txt").write_bytes((DATA / "mdkp" / "mknap1.txt").read_bytes())
    s = load_suite(_suite(tmp_path, '[sets.a]\nkind = "mdkp"\ninstances = ["mdkp/*.txt#3", "mdkp/mk*.txt#5..6"]\n'
                                    '[sets.b]\nkind = "mdkp"\ninstances = ["mdkp#2"]\n'))
    assert [r.path for r in s.runs] == ["mdkp/mknap1.txt#3", "mdkp/mknap1.txt#5", "mdkp/mknap1.txt#6",
                                        "mdkp/mknap1.txt#2"]
    with pytest.raises(InputError, match=r"mknap1.txt\): holds 7 instances") as e:
        load_suite(_suite(tmp_path, '[sets.a]\nkind = "mdkp"\ninstances = ["mdkp/*.txt#7"]\n'))
    assert e.value.line == 5



def test_a_suite_name_with_brackets_is_text_in_the_live_display():
    """On a terminal, ``name = "mk [/x] test"`` raised rich's MarkupError from the progress bar (a traceback, exit 1,
    before any run): the name went into the bar's markup."""
    import io
    from types import SimpleNamespace

    from rich.console import Console

    from combopt.bench.progress import SuiteProgress

    buf = io.StringIO()
    prog = SuiteProgress(Console(file=buf, force_terminal=True, markup=False, width=120), live=True)
    prog.start(SimpleNamespace(name="mk [/x] test", skipped=[]), 2, 0)
    prog._prog.refresh()
    prog.close()
    assert "mk [/x] test" in buf.getvalue()


def test_a_range_too_long_is_not_said_to_run_downwards(tmp_path):
    """``f.txt#0..200000`` runs upwards, yet was refused with "must run upwards (A..B with A <= B)"."""
    (tmp_path / "mknap1.txt").write_bytes((DATA / "mdkp" / "mknap1.txt").read_bytes())
    with pytest.raises(InputError, match=r"spans 200001 instances; at most 100,001") as e:
        load_suite(_suite(tmp_path, '[sets.a]\nkind = "mdkp"\ninstances = ["mknap1.txt#0..200000"]\n'))
    assert e.value.line == 5 and "upwards" not in e.value.message
    with pytest.raises(InputError, match="must run upwards"):
        load_suite(_suite(tmp_path, '[sets.a]\nkind = "mdkp"\ninstances = ["mknap1.txt#3..1"]\n'))


def test_a_huge_wall_limit_does_not_break_the_subprocess_launcher(tmp_path):
    """``time_limit = 1e300`` (finite, so a suite takes it) made a wall limit of 2e300 s, and the launcher that Dask
    workers of a plain ``dask worker`` use (``python -m combopt.bench.worker``) raised OverflowError waiting for it:
    every run was recorded as killed. The wait is capped; the run answers with its own row."""
    from combopt.bench.worker import run_isolated

    (tmp_path / "mknap1.txt").write_bytes((DATA / "mdkp" / "mknap1.txt").read_bytes())
    s = load_suite(_suite(tmp_path, '[sets.a]\nkind = "mdkp"\ninstances = ["mknap1.txt#0"]\n'))
    spec = {**s.runs[0].to_dict(), "file": str(tmp_path / "gone.txt"), "wall_limit": 2e300}
    row = run_isolated(spec, "subprocess")
    assert row["status"] == "error" and "gone.txt" in row["error"]


@pytest.mark.parametrize("ref", ["nope.csv", "."])
def test_a_missing_reference_file_names_the_suite_line(tmp_path, ref):
    """A reference path that names no file was reported against that path alone (``/data/nope.csv: no such reference
    file``, no line; a folder read as ``/data: no such reference file``): the mistake is the suite's, at its line."""
    (tmp_path / "mknap1.txt").write_bytes((DATA / "mdkp" / "mknap1.txt").read_bytes())
    with pytest.raises(InputError, match=r"\[sets.a\]: reference .*: no such file under the data root") as e:
        load_suite(_suite(tmp_path, f'[sets.a]\nkind = "mdkp"\ninstances = ["mknap1.txt#0"]\nreference = "{ref}"\n'))
    assert e.value.path == str(tmp_path / "s.toml") and e.value.line == 6


def test_a_reference_with_no_row_for_any_instance_is_refused(tmp_path):
    """A reference whose instance column names the instances otherwise (``MKNAP1#0`` for ``mknap1.txt#0``) was taken
    silently: no run had an optimum, a gap or a target, and the report showed "-" everywhere."""
    (tmp_path / "mknap1.txt").write_bytes((DATA / "mdkp" / "mknap1.txt").read_bytes())
    (tmp_path / "ref.csv").write_text("instance,optimum\nMKNAP1#0,3800\nMKNAP1#1,8706.1\n")
    sets = '[sets.a]\nkind = "mdkp"\ninstances = ["mknap1.txt#0..1"]\nreference = "ref.csv"\n'
    with pytest.raises(InputError, match=r"\[sets.a\]: reference 'ref.csv' has no row for any instance") as e:
        load_suite(_suite(tmp_path, sets))
    assert e.value.line == 6
    (tmp_path / "ref.csv").write_text("instance,optimum\nmknap1#1,8706.1\n")  # one instance known: taken
    s = load_suite(_suite(tmp_path, sets))
    assert s.sets["a"].refs["mknap1#1"].optimum == 8706.1 and len(s.runs) == 2


def test_an_entry_with_no_sets_is_refused(tmp_path):
    """``sets = []`` was taken: the entry ran nothing, and a suite of such entries said "0 run(s) to do"."""
    (tmp_path / "mknap1.txt").write_bytes((DATA / "mdkp" / "mknap1.txt").read_bytes())
    with pytest.raises(InputError, match=r"entry 1: sets is empty, so the entry would run nothing") as e:
        load_suite(_suite(tmp_path, '[sets.a]\nkind = "mdkp"\ninstances = ["mknap1.txt#0"]\n',
                          '[[solvers]]\nsolver = "lagrangian"\nsets = []\n'))
    assert e.value.line == 8


def test_rows_a_resume_reuses_keep_their_reference_beside_rows_of_older_contents(tmp_path, capsys, monkeypatch):
    """A results file holding a row of an older content of the instance (a resume interrupted after the file was
    edited): --resume reran that run and reused the other, but read the file with the digest put in the paths of
    both, so the reused row lost its reference in the summary ("at optimum -", no gap), stood as another instance,
    and a false warning said it had been scored against other reference values."""
    import json

    from test_cli import run_cli

    (tmp_path / "mknap1.txt").write_bytes((DATA / "mdkp" / "mknap1.txt").read_bytes())
    (tmp_path / "ref.csv").write_text("instance,optimum\nmknap1#0,3800\n")
    suite = _suite(tmp_path, '[sets.a]\nkind = "mdkp"\ninstances = ["mknap1.txt#0"]\nreference = "ref.csv"\n',
                   '[[solvers]]\nname = "one"\nsolver = "milp"\n[[solvers]]\nname = "two"\nsolver = "milp"\n'
                   'params = { backend = "highs" }\n')
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "r.jsonl"
    assert run_cli(capsys, "bench", suite, "--out", out)[0] == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["at_optimum"] for r in rows] == [True, True]
    rows[1]["instance_sha"] = "0123456789abcdef"  # "two" ran on an older content of the file
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    rc, printed, err = run_cli(capsys, "bench", suite, "--out", out, "--resume")
    assert rc == 0 and "scored against other reference values" not in err
    table = [line for line in printed.splitlines() if line.startswith("│ a ")]
    assert len(table) == 2 and all("1/1 100%" in line and "0.000" in line for line in table), printed
