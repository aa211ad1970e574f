"""Side-by-side benchmark of sparsefuse against scikit-learn, celer and skglm.

The code lives in :mod:`sparsefuse.bench` (also run by ``sparsefuse bench``);
this script is the same entry point from the repository:
``python benchmarks/compare.py --help``.
"""

import sys
from pathlib import Path

from sparsefuse.bench import main

if __name__ == "__main__":
    # (news20 next to the repository, wherever this is run from; a given
    # --data-dir comes later and wins)
    data = Path(__file__).resolve().parents[2] / "shared" / "data"
    main(["--data-dir", str(data)] + sys.argv[1:])
