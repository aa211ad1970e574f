"""Real datasets shipped with sparsefuse."""

import gzip
import lzma
import numbers
import re
from importlib import resources

import numpy as np
from scipy import sparse

__all__ = ["load_debian_packages", "load_leukemia"]

DEBIAN_BLOCKS = ("description", "name", "depends", "debtags", "metadata")


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


def _debian_records(lines=None):
    """Parse ``apt-cache dumpavail`` output (the shipped snapshot unless
    ``lines`` are given) into field dicts.

    A line starting with a space or a tab continues the field before it (the
    RFC 822 folding of long ``Tag`` and ``Depends`` fields and of the long
    description) and is joined to it with a space; the long description's
    paragraph separator, a lone ``.``, is dropped.
    """
    if lines is None:
        path = resources.files("sparsefuse").joinpath("data/debian_packages.txt.xz")
        with path.open("rb") as raw, lzma.open(raw, "rt", encoding="utf-8") as f:
            return _debian_records(f)
    records, current, key = [], {}, None
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if current:
                records.append(current)
                current, key = {}, None
            continue
        if line[0] in " \t":
            text = line.strip()
            if key is not None and text != ".":
                current[key] = f"{current[key]} {text}".strip()
            continue
        key, _, value = line.partition(":")
        current[key] = value.strip()
    if current:
        records.append(current)
    return records


def _package_names(field):
    """Package names of a Depends-style field, without versions or arch qualifiers."""
    names = []
    for alternative in re.split(r"[,|]", field):
        name = alternative.strip().split(" ", 1)[0].split(":", 1)[0]
        if name:
            names.append(name)
    return names


def _vectorize(vectorizer, documents, block, n_samples):
    """The vectorizer's matrix; a block left without features is a clear error."""
    try:
        return vectorizer.fit_transform(documents)
    except ValueError as exc:  # (scikit-learn: "After pruning, no terms remain", ...)
        if vectorizer.min_df != 1:
            advice = f"take more samples or a smaller min_df (given {vectorizer.min_df})"
        else:
            advice = "take more samples"
        raise ValueError(f"the {block} block has no feature in n_samples={n_samples} "
                         f"packages: {advice} ({exc}).") from None


def load_debian_packages(n_samples=None, min_df=2, random_state=0):
    """Load Debian 12 package metadata as a five-modality regression problem.

    Each package is a sample; the target is ``log1p(Installed-Size)`` (kB on
    disk after installation). The features come in five blocks of different
    kinds, every one sparse:

    - ``description``: TF-IDF of the words of ``Description`` and of the
      package name (split on ``-``, ``.`` and ``+``);
    - ``name``: binary character 3-grams of the package name;
    - ``depends``: binary indicators of the packages named in ``Depends``,
      ``Pre-Depends`` and ``Recommends`` (versions and architecture
      qualifiers dropped; each alternative of ``a | b`` counts as named);
    - ``debtags``: binary indicators of the debtags facets (``Tag``);
    - ``metadata``: one-hot ``Section``, ``Priority``, ``Architecture``,
      ``Multi-Arch`` and maintainer.

    The download ``Size`` is not used: it leaks the target. The data ship with
    sparsefuse as the untrimmed snapshot of ``apt-cache dumpavail`` (63,666
    packages, 63,540 with an installed size), restricted to the useful
    fields. The snapshot keeps the first line of each field only:
    ``Description`` is the one-line synopsis, and where ``apt-cache`` folded
    a long ``Tag`` field over several lines only its first facets are there
    (8,934 of the 29,781 tagged packages end their ``Tag`` line with a comma).

    Parameters
    ----------
    n_samples : int, default=None
        Keep a random subset of this many packages (all when None). Too few
        to leave a feature in some block is an error.
    min_df : int or float, default=2
        Drop terms, 3-grams and dependencies seen in fewer packages (a float:
        in a smaller share of them, as scikit-learn's vectorizers read it).
    random_state : int, default=0
        Seed of the subset.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``blocks`` (dict of CSR matrices, in the order listed above),
        ``feature_names`` (dict of string arrays, one per block), ``target``,
        ``packages`` (package names) and ``DESCR``.
    """
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.utils import Bunch

    records = [r for r in _debian_records() if r.get("Installed-Size", "").isdigit()]
    if n_samples is not None:
        if not (isinstance(n_samples, numbers.Integral) and not isinstance(n_samples, bool)
                and 0 < n_samples <= len(records)):
            raise ValueError(f"n_samples must be an int in [1, {len(records)}]; got "
                             f"{n_samples!r}.")
        keep = np.sort(np.random.default_rng(random_state).choice(
            len(records), n_samples, replace=False))
        records = [records[k] for k in keep]
    packages = np.array([r["Package"] for r in records])
    target = np.log1p(np.array([float(r["Installed-Size"]) for r in records]))

    def name_words(name):
        return " ".join(re.split(r"[-.+]", name))

    def split_list(text):
        return [token for token in text.split("\x00") if token]

    blocks, names = {}, {}
    text = [r.get("Description", "") + " " + name_words(r["Package"]) for r in records]
    vectorizer = TfidfVectorizer(min_df=min_df, sublinear_tf=True, dtype=np.float64)
    blocks["description"] = _vectorize(vectorizer, text, "description", n_samples)
    names["description"] = vectorizer.get_feature_names_out()

    vectorizer = CountVectorizer(analyzer="char", ngram_range=(3, 3), min_df=min_df,
                                 binary=True, lowercase=False, dtype=np.float64)
    blocks["name"] = _vectorize(vectorizer, packages, "name", n_samples)
    names["name"] = vectorizer.get_feature_names_out()

    deps = ["\x00".join(_package_names(", ".join(
        r.get(k, "") for k in ("Depends", "Pre-Depends", "Recommends")))) for r in records]
    vectorizer = CountVectorizer(analyzer=split_list, min_df=min_df, binary=True,
                                 dtype=np.float64)
    blocks["depends"] = _vectorize(vectorizer, deps, "depends", n_samples)
    names["depends"] = vectorizer.get_feature_names_out()

    tags = ["\x00".join(t.strip() for t in r.get("Tag", "").split(",")) for r in records]
    vectorizer = CountVectorizer(analyzer=split_list, binary=True, dtype=np.float64)
    blocks["debtags"] = _vectorize(vectorizer, tags, "debtags", n_samples)
    names["debtags"] = vectorizer.get_feature_names_out()

    fields = ("Section", "Priority", "Architecture", "Multi-Arch", "Maintainer")
    meta = ["\x00".join(f"{k}={r.get(k, 'none')}" for k in fields) for r in records]
    vectorizer = CountVectorizer(analyzer=split_list, binary=True, lowercase=False,
                                 dtype=np.float64)
    blocks["metadata"] = _vectorize(vectorizer, meta, "metadata", n_samples)
    names["metadata"] = vectorizer.get_feature_names_out()

    blocks = {k: sparse.csr_matrix(v) for k, v in blocks.items()}
    descr = (f"Debian 12 packages: {len(records)} samples; blocks "
             + ", ".join(f"{k} ({v.shape[1]})" for k, v in blocks.items())
             + "; target log1p(Installed-Size in kB).")
    return Bunch(blocks=blocks, feature_names=names, target=target, packages=packages,
                 DESCR=descr)
