"""The plain script the app's computation is compared with, as a whole process:

    python bench/plain.py PACKAGE_FOLDER results.csv

It reads the package's CSV files and computes results.csv with tests/plain_results.py, the
independent computation of the tests (its own CSV reading, exact integer and Fraction
arithmetic, sorting instead of pairwise comparison; it imports nothing of the app). It is the
fastest straightforward script: one pass per file, dictionaries keyed by ref, no database.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.plain_results import plain_results_csv  # noqa: E402


def main() -> None:
    folder, out = Path(sys.argv[1]), Path(sys.argv[2])
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    result = plain_results_csv(files)
    out.write_bytes(result if isinstance(result, bytes) else result.encode())


if __name__ == "__main__":
    main()
