"""Random packages: import -> compute -> export agrees, byte for byte, with a plain computation
from the files (tests/plain_results.py, which imports nothing of the app).

Version-1-shaped packages (one rubric in [review], no [funds]) are read under version 2 as
well, so government lines do not count there either.
"""
import pytest

from tests.package_gen import random_package
from tests.plain_results import plain_results_csv


def round_trip(runner, tmp_path, files: dict[str, bytes], slug: str) -> tuple[str, str, bytes]:
    """`flask calls import`, `compute` and `export` of a package: their outputs and results.csv."""
    folder = tmp_path / "pkg"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    imported = runner.invoke(args=["calls", "import", str(folder)])
    assert imported.exit_code == 0, imported.output
    computed = runner.invoke(args=["calls", "compute", slug])
    assert computed.exit_code == 0, computed.output
    out = tmp_path / "results.csv"
    assert runner.invoke(args=["calls", "export", slug, "--out", str(out)]).exit_code == 0
    return imported.output, computed.output, out.read_bytes()


@pytest.mark.parametrize("seed", range(6))
def test_version_1_shaped_packages_agree_with_the_plain_computation(runner, tmp_path, seed):
    files = random_package(seed, submissions=25, reviewers=9)
    assert round_trip(runner, tmp_path, files, f"random-{seed}")[2].decode("utf-8") == plain_results_csv(files)


@pytest.mark.parametrize("seed", range(100, 124))
def test_version_2_packages_agree_with_the_plain_computation(runner, tmp_path, seed):
    files = random_package(seed, submissions=25, reviewers=12, reviews_per=(2, 8), v2=True)
    assert round_trip(runner, tmp_path, files, f"random-{seed}")[2].decode("utf-8") == plain_results_csv(files)
