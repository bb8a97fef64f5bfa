"""Pruning the validation reports and logs of old pipeline runs."""

from pipeline.run import prune_run_files


def test_prune_keeps_latest_runs(tmp_path):
    for run_id in (2, 9, 10, 11):
        (tmp_path / f"run-{run_id}.html").write_text("report")
        (tmp_path / f"run-{run_id}.json").write_text("{}")
    (tmp_path / "latest.html").write_text("latest")
    (tmp_path / "notes.txt").write_text("kept")

    removed = prune_run_files(tmp_path, keep=2)

    assert sorted(path.name for path in removed) == [
        "run-2.html",
        "run-2.json",
        "run-9.html",
        "run-9.json",
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "latest.html",
        "notes.txt",
        "run-10.html",
        "run-10.json",
        "run-11.html",
        "run-11.json",
    ]


def test_prune_missing_folder_is_noop(tmp_path):
    assert prune_run_files(tmp_path / "reports") == []
