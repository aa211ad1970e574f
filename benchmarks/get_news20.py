"""Make the news20 files the benchmarks read (``--data-dir``) from libsvm's
news20 training set.

Download ``news20.bz2`` from the multiclass page of the libsvm data sets
(``sparsefuse.bench.NEWS20_SOURCE``), then, from the repository root::

    python benchmarks/get_news20.py news20.bz2 data/

writes ``data/news20.npz`` (term counts, 15,935 x 62,061, float32 CSR) and
``data/news20_labels.npz`` (the newsgroups 1..20), after which
``python benchmarks/compare.py --data-dir data/`` runs the news20 problems.
"""

import argparse
import sys
from pathlib import Path

from sparsefuse.bench import NEWS20_SHAPE, NEWS20_SOURCE, save_news20


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help=f"news20.bz2 (or unpacked) from {NEWS20_SOURCE}")
    parser.add_argument("data_dir", help="folder to write news20.npz and news20_labels.npz to")
    args = parser.parse_args(argv)
    if not Path(args.source).is_file():
        parser.error(f"{args.source}: no such file (download news20.bz2 from {NEWS20_SOURCE})")
    X, labels = save_news20(args.source, args.data_dir)
    print(f"news20: {X.shape[0]} x {X.shape[1]}, {X.nnz} nonzeros, "
          f"labels {labels.min()}..{labels.max()} -> {args.data_dir}")
    if X.shape != NEWS20_SHAPE:
        print(f"warning: the benchmark's news20 is {NEWS20_SHAPE[0]} x {NEWS20_SHAPE[1]} "
              "(libsvm's training set): this file differs", file=sys.stderr)


if __name__ == "__main__":
    main()
