"""Random packages: import -> compute -> export agrees with a plain computation from the files."""
import pytest

from tests.package_gen import random_package
from tests.plain_results import plain_results_csv


@pytest.mark.parametrize("seed", range(12))
def test_round_trip_agrees_with_plain_computation(runner, tmp_path, seed):
    files = random_package(seed, submissions=25, reviewers=9)
    folder = tmp_path / "pkg"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    result = runner.invoke(args=["calls", "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["calls", "compute", f"random-{seed}"]).exit_code == 0
    out = tmp_path / "results.csv"
    assert runner.invoke(args=["calls", "export", f"random-{seed}", "--out", str(out)]).exit_code == 0
    assert out.read_text("utf-8") == plain_results_csv(files)
