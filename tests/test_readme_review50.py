"""docs/architecture.md and docs/adding-a-family.md against the code layout (README review 50)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "combopt"
ARCH = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def _folder_map() -> str:
    start = ARCH.index("## Folder map")
    return ARCH[start:ARCH.index("```", ARCH.index("```", start) + 3)]


def test_folder_map_names_every_family_subpackage():
    fmap = _folder_map()
    problems = fmap[fmap.index("problems/<family>/"):fmap.index("qubo_file.py")]
    for sub in sorted(p.name for p in (PKG / "problems").iterdir() if (p / "__init__.py").exists()):
        assert re.search(rf"^\s+{sub}/\s", problems, re.M), f"problems/{sub}/ is missing from the folder map"
    solvers = fmap[fmap.index("solvers/<family>/"):fmap.index("gpu/")]
    for sub in sorted(p.name for p in (PKG / "solvers").iterdir() if (p / "__init__.py").exists()):
        assert re.search(rf"\b{sub} \(", solvers), f"solvers/{sub}/ is missing from the folder map"


def test_folder_map_names_every_generator_and_cli_command():
    fmap = _folder_map()
    gens = fmap[fmap.index("generators/"):fmap.index("benchmarks/")]
    for mod in sorted(p.stem for p in (PKG / "generators").glob("*.py") if p.stem != "__init__"):
        assert f"({mod})" in gens, f"generators/{mod}.py is missing from the folder map"
    from combopt.cli.app import app

    names = {c.name or c.callback.__name__ for c in app.registered_commands}
    listed = re.search(r"`combopt ([a-z|\s]+)`", fmap.replace("\n", " ")).group(1)
    listed_names = {n.strip() for n in listed.split("|")}
    assert names <= listed_names, f"commands missing from the folder map: {sorted(names - listed_names)}"
    for mod in sorted(p.name for p in (PKG / "cli").glob("*.py") if p.stem != "__init__"):
        assert mod in fmap, f"cli/{mod} is missing from the folder map"


def test_line_limit_statement_matches_the_layout_test():
    layout = (ROOT / "tests" / "test_layout.py").read_text(encoding="utf-8")
    allowed = dict(re.findall(r'"combopt/([\w/]+\.py)": (\d+)', layout))
    for rel, n in allowed.items():
        assert re.search(rf"`{re.escape(rel)}` over {n}", ARCH.replace("\n", " ")), \
            f"architecture.md says no module is over 700 lines, but tests/test_layout.py allows {rel} {n}"


def test_adding_a_family_sections_are_numbered_once():
    text = (ROOT / "docs" / "adding-a-family.md").read_text(encoding="utf-8")
    numbers = re.findall(r"^## (\d+)\.", text, re.M)
    assert numbers == [str(i) for i in range(1, len(numbers) + 1)], numbers


def test_the_readme_suite_example_passes_the_suite_loaders_option_checks():
    """The README's suite example set wall_limit = 60 for the suite and time_limit = 60 on its HiGHS entry, which
    inherited the 60 s wall limit: load_suite refused the example ('wall_limit (60 s) must be above time_limit')."""
    import tomllib

    from combopt.bench.suite import RUN_DEFAULTS, _options

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    text = re.search(r"```toml\n(\[suite\]\n.*?)```", readme, re.S).group(1)
    spec = tomllib.loads(text)
    src = ROOT / "README.md"
    base = _options(src, text, spec["suite"], RUN_DEFAULTS, "[suite]")
    entries = [_options(src, text, ent, base, f"[[solvers]] entry {i}") for i, ent in enumerate(spec["solvers"], 1)]
    highs = [e for e, ent in zip(entries, spec["solvers"], strict=True) if ent.get("name") == "highs"]
    assert highs and highs[0]["time_limit"] == 60.0 and highs[0]["wall_limit"] > 60.0


def test_the_old_module_paths_architecture_names_warn_when_imported():
    """architecture.md gave `combopt.problems.tsp` functions as an old path that imports with a DeprecationWarning;
    they are the package's own re-exports (`from combopt.problems.tsp import two_opt` warns of nothing)."""
    import importlib
    import sys
    import warnings

    para = ARCH[ARCH.index("Old module paths"):]
    para = para[:para.index("\n\n")].replace("\n", " ")
    named = re.findall(r"`(combopt\.[\w.]+)`", para[:para.index("still import")])
    olds = [m for m in named if not m.startswith("combopt.problems.tsp.local") and m != "combopt.solvers.tsp.ils"]
    assert len(olds) >= 3, named
    for mod in olds:
        sys.modules.pop(mod, None)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            importlib.import_module(mod)
        assert any(issubclass(w.category, DeprecationWarning) for w in caught), f"{mod} imports without a warning"
