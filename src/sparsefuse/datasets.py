"""Real datasets shipped with sparsefuse."""

import gzip
from importlib import resources

import numpy as np

__all__ = ["load_leukemia"]


def load_leukemia(standardize=True):
    """Load the Golub et al. (1999) leukemia gene-expression data.

    72 samples (bone-marrow and blood) by 7129 gene-expression levels; the
    target is +1 for acute myeloid leukemia (AML) and -1 for acute
    lymphoblastic leukemia (ALL). This is the classic dense Lasso benchmark
    ("leu" in the libsvm collection); the shipped copy is unscaled.

    Parameters
    ----------
    standardize : bool, default=True
        Centre each column and scale it to unit variance (constant columns
        are left at zero).

    Returns
    -------
    X : ndarray of shape (72, 7129)
        Gene expression, Fortran-ordered float64.
    y : ndarray of shape (72,)
        +1 for AML, -1 for ALL.
    """
    path = resources.files("sparsefuse").joinpath("data/leukemia.csv.gz")
    with path.open("rb") as raw, gzip.open(raw, "rt") as f:
        data = np.loadtxt(f, delimiter=",")
    X, label = data[:, :-1], data[:, -1]
    if standardize:
        X = X - X.mean(axis=0)
        std = X.std(axis=0)
        X /= np.where(std > 0, std, 1.0)
    y = np.where(label == 1, 1.0, -1.0)
    return np.asfortranarray(X), y
