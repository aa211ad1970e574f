"""Side-by-side benchmark of sparsefuse against scikit-learn, celer and skglm.

The code lives in :mod:`sparsefuse.bench` (also run by ``sparsefuse bench``);
this script is the same entry point from the repository:
``python benchmarks/compare.py --help``.
"""

from sparsefuse.bench import main

if __name__ == "__main__":
    main()
