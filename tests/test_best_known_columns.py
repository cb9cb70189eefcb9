"""The folder form's --best-known CSV: a row's value is its first non-empty value column (PSPLIB's j120 bounds list
the optimum for 300 instances and only an upper bound for the other 300, which got no best known at all)."""

from combopt.bench import load_best_known


def test_empty_optimum_falls_back_to_the_upper_bound(tmp_path):
    p = tmp_path / "b.csv"
    p.write_text("instance,lower_bound,upper_bound,optimum,cpm_bound\nj1201_1,104,105,,99\nj1201_2,109,109,109,86\n"
                 "j1201_3,50,,,40\n")
    assert load_best_known(p) == {"j1201_1": 105.0, "j1201_2": 109.0}


def test_folder_leaves_out_notes_and_hidden_files(tmp_path):
    from combopt.bench.folder import expand

    for name in ("a.clq", "b.tsp", "README.md", ".hidden", "refs.csv", "NOTES.MD"):
        (tmp_path / name).write_text("x")
    assert [p.rsplit("/", 1)[1] for p in expand([str(tmp_path)])] == ["a.clq", "b.tsp"]
