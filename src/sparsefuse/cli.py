"""The ``sparsefuse`` command: ``demo``, ``fit``, ``path`` and ``bench``.

Every error the user can cause (a missing or malformed file, a wrong format,
an unknown column, a bad option value) ends with one line on standard error
and exit code 2, never a traceback. Options, output locations and optional
imports are checked before the computation, not after it.
"""

import argparse
import json
import os
import sys
import time
import warnings
import zipfile
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning

import sparsefuse
from sparsefuse.fusion import _cut
from sparsefuse.group import check_groups

FORMATS = ("libsvm", "npz", "csv")
PENALTIES = ("l1", "elasticnet", "group", "sparse_group")
GROUP_PENALTIES = ("group", "sparse_group")
L1_RATIO_PENALTIES = ("elasticnet", "sparse_group")
# dtype kinds a model can take: bool, signed and unsigned int, float
NUMERIC_KINDS = "biuf"
# csv cells read as missing values (besides empty ones and NaN), lower case
MISSING_MARKS = ("na", "n/a", "nan", "null", "none", "?")
# Packages with an installed size in the shipped Debian snapshot (the demo's
# largest --n-samples; load_debian_packages checks the same bound, but only
# after parsing the whole snapshot).
DEBIAN_PACKAGES = 63_540
# Below this the demo's 20% test split and 3-fold cross-validation have a
# handful of packages each (and under 7 packages the min_df=2 vocabularies
# are empty: a ValueError deep in the demo).
DEMO_MIN_SAMPLES = 100


class UsageError(Exception):
    """A problem with the user's input, reported as one line and exit code 2."""


# --- progress -----------------------------------------------------------------

class Progress:
    """A tqdm bar when tqdm is installed and output is not quiet; else nothing."""

    def __init__(self, total, desc, quiet):
        self.bar = None
        if not quiet:
            try:
                from tqdm import tqdm
            except ImportError:
                return
            self.bar = tqdm(total=total, desc=desc, file=sys.stderr, leave=False)

    def update(self, n=1):
        if self.bar is not None:
            self.bar.update(n)

    def close(self):
        if self.bar is not None:
            self.bar.close()


# --- data files -------------------------------------------------------------------

def load_data(path, fmt, target=None):
    """Read X, y and feature names from a libsvm, npz or csv file.

    - libsvm: the target is in the file (``--target`` is not used);
    - npz: a NumPy archive with arrays ``X`` (2-D) and ``y``, or the
      ``data/indices/indptr/shape`` of a SciPy sparse matrix plus ``y``;
    - csv: a header row of column names; ``--target`` names the target column,
      every other column is a feature.
    """
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{path}: is a folder, not a data file")
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "libsvm":
        from sklearn.datasets import load_svmlight_file

        try:
            X, y = load_svmlight_file(str(path))
        except (ValueError, RuntimeError, UnicodeDecodeError, OverflowError, OSError,
                EOFError, zlib.error) as exc:  # (the last three: a damaged .gz or .bz2)
            # (the parser quotes the bytes it choked on: a binary file's would
            # fill the screen)
            detail = _libsvm_fault(path)
            if detail is None:
                detail = _one_line(exc)
                detail = (detail if len(detail) <= 120 and detail.isprintable()
                          else type(exc).__name__)
            raise UsageError(f"{path}: not a valid libsvm file ({detail})") from None
        names = [f"x{j}" for j in range(X.shape[1])]
    elif fmt == "npz":
        X, y = _read_npz(path)
        names = [f"x{j}" for j in range(X.shape[1])] if X.ndim == 2 else []
    else:
        X, y, names = _read_csv(path, target)
    if getattr(X, "ndim", 2) != 2 or np.ndim(y) != 1 or X.shape[0] != len(y):
        raise UsageError(f"{path}: X must be 2-D and y 1-D with one value per row "
                         f"(got X {getattr(X, 'shape', None)}, y {np.shape(y)})")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise UsageError(f"{path}: no samples or no features")
    for name, array in (("X", X), ("y", y)):
        if array.dtype.kind not in NUMERIC_KINDS:
            raise UsageError(f"{path}: {name} must be numeric; got dtype {array.dtype}")
        if array.dtype.kind == "f":
            where = _non_finite(array)
            if where is not None:
                raise UsageError(f"{path}: {name} holds NaN or infinite values (the first "
                                 f"at {where}, counting from 0); missing values are not "
                                 "imputed")
    return X, np.asarray(y, dtype=np.float64), names


def _non_finite(array):
    """The (row, column) or index of an array's first non-finite entry, or None."""
    if sparse.issparse(array):
        if np.all(np.isfinite(array.data)):
            return None
        coo = array.tocoo()
        bad = np.flatnonzero(~np.isfinite(coo.data))
        order = np.lexsort((coo.col[bad], coo.row[bad]))[0]
        return f"row {coo.row[bad][order]}, column {coo.col[bad][order]}"
    bad = np.argwhere(~np.isfinite(array))
    if bad.size == 0:
        return None
    return ", ".join(f"{axis} {i}" for axis, i in zip(("row", "column"), bad[0]))


def _read_csv(path, target):
    """X, y and feature names of a csv file with a header row."""
    import csv

    try:
        with open(path, newline="") as f:
            reader = csv.reader(f)
            # blank lines (a trailing one above all, or spaces only) are
            # skipped, as pandas does; each row keeps the line it starts on
            # for the messages below (a quoted field can span lines)
            rows = []
            while True:
                line = reader.line_num + 1
                row = next(reader, None)
                if row is None:
                    break
                if row and not (len(row) == 1 and not row[0].strip()):
                    rows.append((line, row))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"{path}: not a readable csv file ({_one_line(exc)})") from None
    if len(rows) < 2:
        raise UsageError(f"{path}: a csv file needs a header row and at least one data row")
    header, body = rows[0][1], [row for _, row in rows[1:]]
    lines = [line for line, _ in rows[1:]]
    if header:
        # a UTF-8 byte-order mark, as spreadsheet programs write it, is not
        # part of the first column's name (read as UTF-8, or as Latin-1 /
        # cp1252 where the locale says so)
        for mark in ("\ufeff", "\u00ef\u00bb\u00bf"):
            if header[0].startswith(mark):
                header[0] = header[0][len(mark):]
    if target is None:
        raise UsageError("--target is required with --format csv (the target column name)")
    # a repeated name would merge coefficients in the model file, and a
    # repeated target would stay among the features
    repeated = [name for name, count in Counter(header).items() if count > 1]
    if repeated:
        raise UsageError(f"{path}: duplicate column names in the header: "
                         f"{_first_ten(map(repr, repeated))}")
    if target not in header:
        # (one column whose name holds ; or a tab: another separator)
        hint = ("; the file is read as comma-separated"
                if len(header) == 1 and any(sep in header[0] for sep in ";\t") else "")
        if not hint and target.strip() in [h.strip() for h in header]:
            hint = "; column names keep the spaces around them in the header"
        raise UsageError(f"{path}: unknown target column {target!r} "
                         f"(columns: {_first_ten(header)}{hint})")
    for line, row in zip(lines, body):
        if len(row) != len(header):
            raise UsageError(f"{path}: line {line} has {len(row)} fields but the header has "
                             f"{len(header)}; check the separator")
    try:
        values = np.array(body, dtype=np.float64)
    except ValueError:
        values = None
    if values is None or not np.all(np.isfinite(values)):
        raise UsageError(f"{path}: {_bad_cell(body, header, lines)}")
    k = header.index(target)
    return (np.delete(values, k, axis=1), values[:, k],
            [h for j, h in enumerate(header) if j != k])


def _bad_cell(body, header, lines):
    """Where and what the first value of a csv body that is not a finite
    number is (rows of the header's width)."""
    for line, row in zip(lines, body):
        for k, (name, cell) in enumerate(zip(header, row)):
            try:
                value = float(cell)
            except ValueError:
                value = None
            if value is not None and np.isfinite(value):
                continue
            where = f"line {line}, column {name!r}" if name else f"line {line}, column {k + 1}"
            if not cell.strip() or cell.strip().lower() in MISSING_MARKS or (
                    value is not None and np.isnan(value)):
                return (f"missing value {cell!r} at {where}: fill in or drop the rows or "
                        "columns with missing values (they are not imputed)")
            if value is None:
                return f"non-numeric value {cell!r} at {where}"
            return f"value {cell!r} at {where} is not finite"
    return "a value is not a finite number"


def _libsvm_fault(path):
    """Where and what the first line of a libsvm file that scikit-learn's
    parser refuses is, found by reading it as that parser does (``.gz`` and
    ``.bz2`` files decompressed, ``#`` starting a comment of any bytes, an
    optional ``qid:`` first, indices at least 0 and increasing); None if no
    line is found at fault, or the file cannot be read (the parser's message
    then says what is wrong)."""
    import bz2
    import gzip

    opener = {".gz": gzip.open, ".bz2": bz2.open}.get(Path(path).suffix, open)
    try:
        with opener(path, "rb") as lines:
            for line, raw in enumerate(lines, start=1):
                fault = _libsvm_line_fault(raw.split(b"#", 1)[0])
                if fault is not None:
                    return f"line {line}: {fault}"
    except (OSError, EOFError, ValueError, zlib.error):  # (a damaged archive)
        return None
    return None


def _libsvm_line_fault(raw):
    """What scikit-learn's parser refuses in one libsvm line (its comment cut
    off), or None."""
    tokens = raw.split()
    if not tokens:
        return None
    if not _parses(tokens[0], float):
        return f"the label {_shown(tokens[0])!r} is not a number"
    features = tokens[1:]
    if features and features[0].startswith(b"qid"):
        if b":" not in features[0]:
            return f"{_shown(features[0])!r} is not qid:value"
        features = features[1:]
    previous = -1
    for token in features:
        key, colon, value = token.partition(b":")
        if not (colon and _parses(key, int) and _parses(value, float)):
            return f"{_shown(token)!r} is not index:value (an integer index, a number)"
        index = int(key)
        if index < 0:
            return f"the index of {_shown(token)!r} is negative"
        if index <= previous:
            return (f"the indices are not increasing ({_shown(token)!r} after index "
                    f"{previous})")
        previous = index
    return None


def _shown(token):
    """A token of a file's line as text to show, cut at 40 characters."""
    return _cut(token.decode("ascii", errors="backslashreplace"))


def _parses(text, kind):
    try:
        kind(text)
    except ValueError:
        return False
    return True


def _first_ten(items):
    """The first ten names, each cut at 40 characters (a file read with the
    wrong format can make its whole first line one name)."""
    items = [_cut(item) for item in items]
    return ", ".join(items[:10]) + ("..." if len(items) > 10 else "")


def _read_npz(path):
    """X and y of an npz archive; every unreadable array is a usage error."""
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        # (numpy reads a file that is neither npy nor npz as a pickle, which
        # it refuses with advice about allow_pickle: not this command's option)
        detail = "" if "pickle" in str(exc) else f" ({_one_line(exc)})"
        raise UsageError(f"{path}: not an npz archive{detail}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise UsageError(f"{path}: a single .npy array, not an npz archive of X and y")

    def read(name):
        # the arrays are decompressed only now: object arrays (refused
        # without pickle) and corrupt members fail here, not in np.load
        try:
            return archive[name]
        except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
            raise UsageError(f"{path}: cannot read array {name!r} ({_one_line(exc)})") from None

    with archive:
        keys = set(archive.files)
        if "y" not in keys:
            raise UsageError(f"{path}: the npz archive has no array 'y' (found {sorted(keys)})")
        y = read("y")
        if "X" in keys:
            return read("X"), y
        if not {"data", "indices", "indptr", "shape"} <= keys:
            raise UsageError(f"{path}: the npz archive needs 'X' or the arrays of a sparse "
                             f"matrix (found {sorted(keys)})")
        fmt_name = "csr"
        if "format" in keys:
            # (scipy.sparse.save_npz stores the format as bytes: b'csc')
            fmt_name = read("format")
            fmt_name = fmt_name.item() if fmt_name.size == 1 else fmt_name
            if isinstance(fmt_name, bytes):
                fmt_name = fmt_name.decode("ascii", "replace")
            fmt_name = str(fmt_name)
        if fmt_name not in ("csr", "csc"):
            raise UsageError(f"{path}: the sparse matrix has format {fmt_name!r}; the npz "
                             "arrays data/indices/indptr/shape are read as 'csr' or 'csc'")
        cls = sparse.csc_matrix if fmt_name == "csc" else sparse.csr_matrix
        arrays = [read(name) for name in ("data", "indices", "indptr", "shape")]
    try:
        return cls(tuple(arrays[:3]), shape=tuple(arrays[3])), y
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{path}: inconsistent sparse arrays ({_one_line(exc)})") from None


def parse_groups(spec, names):
    """``--groups``: an int (contiguous blocks) or a JSON file {name: columns}."""
    if spec is None:
        raise UsageError("--groups is required with the group penalties "
                         "(an int block size, or a JSON file {name: columns})")
    if spec.isdigit():
        if int(spec) == 0:
            raise UsageError("--groups 0: a block size is a positive int")
        return int(spec)
    if spec.lstrip("-+").isdigit():
        raise UsageError(f"--groups {spec}: a block size is a positive int")
    path = Path(spec)
    if not path.is_file():
        raise UsageError(f"--groups: {spec!r} is neither an int nor an existing JSON file")
    try:
        groups = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid JSON ({_one_line(exc)})") from None
    if not isinstance(groups, dict):
        raise UsageError(f"{path}: groups must be a JSON object {{name: [columns]}}")
    position = {n: j for j, n in enumerate(names)}
    resolved = {}
    owner = {}
    for key, columns in groups.items():
        if not isinstance(columns, list):
            raise UsageError(f"{path}: group {key!r} must be a list of columns")
        idx = []
        for c in columns:
            if isinstance(c, str):
                if c not in position:
                    raise UsageError(f"{path}: group {key!r} names unknown column {c!r}")
                idx.append(position[c])
            elif isinstance(c, bool):
                # (JSON true / false would otherwise pass as the indices 1 / 0)
                raise UsageError(f"{path}: group {key!r} has the boolean {json.dumps(c)}; "
                                 "a column is a name or an integer index")
            elif isinstance(c, int):
                if not 0 <= c < len(names):
                    raise UsageError(f"{path}: group {key!r} has the column index {c}, outside "
                                     f"0..{len(names) - 1} (the {len(names)} feature columns)")
                idx.append(c)
            else:
                raise UsageError(f"{path}: group {key!r} has a column that is neither a name "
                                 "nor an index")
            j = idx[-1]
            if j in owner:
                where = (f"is in group {owner[j]!r} and in group {key!r}" if owner[j] != key
                         else f"is listed twice in group {key!r}")
                raise UsageError(f"{path}: column {j} ({_shown_name(names[j])}) {where}; "
                                 "each must be in exactly one group")
            owner[j] = key
        resolved[key] = idx
    covered = {j for idx in resolved.values() for j in idx}
    if len(covered) < len(names):
        missing = [name for j, name in enumerate(names) if j not in covered]
        raise UsageError(f"{path}: {len(missing)} of the {len(names)} feature columns "
                         f"{'is' if len(missing) == 1 else 'are'} in no group "
                         f"({_first_ten(missing)}); each must be in exactly one group")
    return resolved


def _shown_name(name):
    return repr(_cut(str(name)))


def check_output(path, option, folder=False):
    """Fail before the computation, not after it, if ``path`` cannot be written.

    A file needs a writable existing folder; a folder may be created, with its
    parents, under the nearest existing folder.
    """
    target = Path(path)
    try:
        if target.exists():
            if folder and not target.is_dir():
                raise UsageError(f"{option} {path}: exists and is not a folder")
            if not folder and target.is_dir():
                raise UsageError(f"{option} {path}: is a folder, not a file")
            place = target
        else:
            place = target.parent
            while folder and not place.exists() and place != place.parent:
                place = place.parent
            if not place.exists():
                raise UsageError(f"{option} {path}: no such folder {place}")
            if not place.is_dir():
                raise UsageError(f"{option} {path}: {place} is not a folder")
    except OSError as exc:
        raise UsageError(f"{option} {path}: {exc.strerror or exc}") from None
    if not os.access(place, os.W_OK):
        raise UsageError(f"{option} {path}: {place} is not writable")


def pyplot():
    """matplotlib.pyplot on the Agg backend; its absence is a usage error."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("plots need matplotlib: pip install matplotlib") from None
    return plt


def write_text(path, text):
    """Write an output file; an unwritable path is a usage error."""
    try:
        Path(path).write_text(text)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _one_line(exc):
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# --- estimators from options -----------------------------------------------------------

def build_estimator(args, groups):
    common = dict(tol=args.tol, max_iter=args.max_iter, fit_intercept=not args.no_intercept)
    l1_ratio = args.l1_ratio
    if args.penalty == "l1":
        if args.alpha is not None:
            return sparsefuse.Lasso(alpha=args.alpha, **common)
        return sparsefuse.LassoCV(cv=args.cv, alphas=args.n_alphas, eps=args.eps, **common)
    if args.penalty == "elasticnet":
        if args.alpha is not None:
            return sparsefuse.ElasticNet(alpha=args.alpha, l1_ratio=l1_ratio, **common)
        return sparsefuse.ElasticNetCV(l1_ratio=l1_ratio, cv=args.cv, alphas=args.n_alphas,
                                       eps=args.eps, **common)
    tau = 0.0 if args.penalty == "group" else l1_ratio
    if args.alpha is not None:
        return sparsefuse.SparseGroupLasso(groups, args.alpha, l1_ratio=tau, **common)
    return sparsefuse.GroupLassoCV(groups, l1_ratio=tau, cv=args.cv, alphas=args.n_alphas,
                                   eps=args.eps, **common)


def penalty_l1_ratio(args):
    """The L1 share of the command's penalty, as its JSON files record it."""
    if args.penalty in L1_RATIO_PENALTIES:
        return args.l1_ratio
    return 1.0 if args.penalty == "l1" else 0.0


def groups_document(group_names, indices, names):
    """Groups as JSON records them: {group name: [column names]}."""
    return {str(name): [names[j] for j in idx] for name, idx in zip(group_names, indices)}


def model_document(model, args, names, n_samples):
    coef = np.asarray(model.coef_)
    doc = {
        "sparsefuse_version": sparsefuse.__version__,
        "penalty": args.penalty,
        "alpha": float(getattr(model, "alpha_", getattr(model, "alpha", np.nan))),
        "l1_ratio": penalty_l1_ratio(args),
        "intercept": float(model.intercept_),
        "dual_gap": float(model.dual_gap_),
        "n_iter": int(model.n_iter_),
        "n_samples": int(n_samples),
        "n_features": int(coef.size),
        "feature_names": list(names),
        "coef": {names[j]: float(coef[j]) for j in np.flatnonzero(coef)},
    }
    if hasattr(model, "groups_"):
        doc["groups"] = groups_document(model.group_names_, model.groups_, names)
        doc["active_groups"] = [str(g) for g in model.active_groups_]
    if hasattr(model, "alpha_"):
        doc["cv"] = {"alphas": [float(a) for a in np.ravel(model.alphas_)],
                     # (mse_path_ drops axes of length one, as scikit-learn's)
                     "mean_mse": [float(m) for m in np.reshape(
                         model.mse_path_, (np.size(model.alphas_), -1)).mean(axis=1)]}
    return doc


# --- commands -----------------------------------------------------------------

def check_options(args):
    """Refuse the options that mean nothing to the command as given (rather
    than ignore them), then fill in the defaults of the others."""
    if args.groups is not None and args.penalty not in GROUP_PENALTIES:
        raise UsageError(f"--groups applies to --penalty group or sparse_group, "
                         f"not {args.penalty}")
    if args.l1_ratio is not None and args.penalty not in L1_RATIO_PENALTIES:
        raise UsageError(f"--l1-ratio applies to --penalty elasticnet or sparse_group, "
                         f"not {args.penalty}")
    if args.target is not None and args.format != "csv":
        raise UsageError(f"--target names a csv column; a {args.format} file holds its "
                         "target (y) itself")
    fixed = getattr(args, "alpha", None) is not None
    for option, value in (("--eps", args.eps), ("--n-alphas", args.n_alphas)):
        if fixed and value is not None:
            raise UsageError(f"{option} sets the alpha grid of --cv; it does not apply to "
                             "a fixed --alpha")
    args.l1_ratio = 0.5 if args.l1_ratio is None else args.l1_ratio
    args.eps = 1e-3 if args.eps is None else args.eps
    args.n_alphas = 50 if args.n_alphas is None else args.n_alphas
    if args.n_alphas < 1:
        raise UsageError(f"--n-alphas must be at least 1; got {args.n_alphas}")
    # (the estimators' own checks name their parameters, not these options)
    if getattr(args, "alpha", None) == 0:
        raise UsageError("--alpha 0 is least squares, with no penalty to select features "
                         "(and no duality gap): give a positive --alpha")
    for option, value, ok, what in (
            ("--alpha", getattr(args, "alpha", None), lambda a: np.isfinite(a) and a > 0,
             "a finite number > 0"),
            ("--l1-ratio", args.l1_ratio, lambda r: 0 <= r <= 1, "in [0, 1]"),
            ("--eps", args.eps, lambda e: 0 < e <= 1, "in (0, 1]"),
            ("--tol", args.tol, lambda t: np.isfinite(t) and t >= 0, "a finite number >= 0"),
            ("--max-iter", args.max_iter, lambda m: 1 <= m < 2 ** 31,
             "an integer in [1, 2**31)")):
        if value is not None and not ok(value):
            raise UsageError(f"{option} must be {what}; got {value}")
    if args.penalty == "elasticnet" and not fixed and args.l1_ratio == 0:
        # (the grid starts at alpha_max, which a ridge penalty has not)
        # (`path` takes no --alpha: only the l1_ratio can change there)
        advice = ("give a fixed --alpha, or an --l1-ratio in (0, 1]" if hasattr(args, "alpha")
                  else "give an --l1-ratio in (0, 1]")
        raise UsageError(f"--l1-ratio 0 (ridge) has no automatic alpha grid: {advice}")


def cmd_fit(args):
    check_options(args)
    if args.cv is not None and args.cv < 2:
        raise UsageError(f"--cv must be at least 2 (folds); got {args.cv}")
    check_output(args.out, "--out")
    X, y, names = load_data(args.data, args.format, args.target)
    groups = parse_groups(args.groups, names) if args.penalty in GROUP_PENALTIES else None
    # (what the estimator would refuse, refused before the progress bar)
    if args.cv is not None and args.cv > X.shape[0]:
        raise UsageError(f"--cv {args.cv}: more folds than the {X.shape[0]} samples")
    try:
        if groups is not None:
            check_groups(groups, X.shape[1])
    except ValueError as exc:
        raise UsageError(_one_line(exc)) from None
    model = build_estimator(args, groups)
    start = time.perf_counter()
    from sparsefuse import _cv

    progress = Progress(args.cv or 0, "cross-validation", args.quiet or args.cv is None)
    _cv.progress_hook = progress.update
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.fit(X, y)
        except ValueError as exc:
            raise UsageError(_one_line(exc)) from None
        finally:
            _cv.progress_hook = None
            progress.close()
    for w in caught:
        if not args.quiet and issubclass(w.category, UserWarning):
            print(f"sparsefuse: warning: {_one_line(w.message)}", file=sys.stderr)
    doc = model_document(model, args, names, X.shape[0])
    doc["fit_seconds"] = time.perf_counter() - start
    write_text(args.out, json.dumps(doc, indent=1))
    if not args.quiet:
        print(f"{args.penalty}: alpha={doc['alpha']:.4g}, {len(doc['coef'])} of "
              f"{doc['n_features']} coefficients nonzero, duality gap {doc['dual_gap']:.2e}, "
              f"{doc['fit_seconds']:.2f}s -> {args.out}")
    return 0


def check_plot_format(path, option):
    """Fail before the computation if matplotlib cannot write ``path``'s
    format (its suffix; none means PNG)."""
    suffix = Path(path).suffix[1:].lower()
    plt = pyplot()
    figure = plt.figure()
    formats = figure.canvas.get_supported_filetypes()
    plt.close(figure)
    if suffix and suffix not in formats:
        raise UsageError(f"{option} {path}: matplotlib cannot write .{suffix} files "
                         f"(it writes {', '.join(sorted(formats))})")


def cmd_path(args):
    check_options(args)
    if args.quiet and not args.out and not args.plot:
        raise UsageError("--quiet without --out or --plot: the path would be neither shown "
                         "nor written")
    if args.out:
        check_output(args.out, "--out")
    if args.plot:
        check_output(args.plot, "--plot")
        check_plot_format(args.plot, "--plot")
    X, y, names = load_data(args.data, args.format, args.target)
    # eps goes to the library, which checks it as for fit: a number in (0, 1]
    common = dict(eps=args.eps, tol=args.tol, max_iter=args.max_iter,
                  fit_intercept=not args.no_intercept)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if args.penalty in GROUP_PENALTIES:
                groups = parse_groups(args.groups, names)
                tau = penalty_l1_ratio(args)
                # One call for the whole grid: the block problem (and its Gram
                # spectra) is built once, and each alpha starts from the last.
                alphas, coefs, gaps = sparsefuse.group_lasso_path(
                    X, y, groups, l1_ratio=tau, alphas=args.n_alphas, **common)
            else:
                alphas, coefs, gaps = _enet_path(X, y, args, common)
        except ValueError as exc:
            raise UsageError(_one_line(exc)) from None
    # one line for the alphas that did not converge (a warning each would
    # bury the table), the other warnings as fit prints them
    unconverged = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    if not args.quiet:
        if unconverged:
            print(f"sparsefuse: warning: {unconverged} of {len(alphas)} alphas did not "
                  "converge (duality gap above the tolerance): increase --max-iter or "
                  "loosen --tol", file=sys.stderr)
        for w in caught:
            if issubclass(w.category, UserWarning) \
                    and not issubclass(w.category, ConvergenceWarning):
                print(f"sparsefuse: warning: {_one_line(w.message)}", file=sys.stderr)
    if not args.quiet:
        print(f"{'alpha':>12} {'nonzero':>8} {'duality gap':>12}")
        for a, c, g in zip(alphas, coefs.T, gaps):
            print(f"{a:>12.4g} {np.count_nonzero(c):>8d} {g:>12.2e}")
    if args.out:
        # (the intercept that goes with each alpha's coefficients: the path
        # functions centre X and y and return the coefficients alone)
        if common["fit_intercept"]:
            # (in float64 whatever X's dtype, as the solver's offsets)
            x_mean = np.asarray(X.mean(axis=0, dtype=np.float64)).ravel()
            intercepts = float(np.mean(y, dtype=np.float64)) - x_mean @ coefs
        else:
            intercepts = np.zeros(len(alphas))
        doc = {
            "sparsefuse_version": sparsefuse.__version__, "penalty": args.penalty,
            "l1_ratio": penalty_l1_ratio(args),
            "fit_intercept": common["fit_intercept"], "n_samples": int(X.shape[0]),
            "n_features": int(X.shape[1]), "feature_names": list(names),
            "alphas": [float(a) for a in alphas], "dual_gaps": [float(g) for g in gaps],
            "intercepts": [float(b) for b in intercepts],
            "coefs": [{names[j]: float(c[j]) for j in np.flatnonzero(c)} for c in coefs.T],
        }
        if args.penalty in GROUP_PENALTIES:
            indices, group_names = check_groups(groups, X.shape[1])
            doc["groups"] = groups_document(group_names, indices, names)
        write_text(args.out, json.dumps(doc, indent=1))
    if args.plot:
        save_path_plot(alphas, coefs, args.plot, title=f"{args.penalty} path of {args.data}")
    written = [str(p) for p in (args.out, args.plot) if p]
    if written and not args.quiet:
        print(f"{args.penalty} path, {len(alphas)} alphas -> {', '.join(written)}")
    return 0


def _enet_path(X, y, args, common):
    """The L1 / elastic-net path in one call (screening and strong rules
    carried from step to step), the progress bar moved after each alpha."""
    from sparsefuse import _path

    l1_ratio = penalty_l1_ratio(args)
    bar = []

    def step():
        # (the bar starts with the first solved alpha: an option the library
        # rejects ends in one error line, without a bar before it)
        if not bar:
            bar.append(Progress(args.n_alphas, "path", args.quiet))
        bar[0].update()

    _path.step_hook = step
    try:
        return sparsefuse.enet_path(X, y, l1_ratio=l1_ratio, alphas=args.n_alphas, **common)
    finally:
        _path.step_hook = None
        for progress in bar:
            progress.close()


def save_path_plot(alphas, coefs, filename, title="", colors=None, labels=None):
    """Coefficient paths against alpha (log scale), optionally coloured by block."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 5))
    shown = np.flatnonzero(np.any(coefs != 0, axis=1))
    # the features with the largest coefficients, to keep the figure readable
    shown = shown[np.argsort(-np.abs(coefs[shown]).max(axis=1))][:300]
    seen = set()
    for j in shown:
        color = None if colors is None else colors[j]
        label = None
        if labels is not None and labels[j] not in seen:
            label = labels[j]
            seen.add(label)
        ax.plot(alphas, coefs[j], color=color, lw=0.8, label=label)
    ax.set_xscale("log")
    ax.invert_xaxis()
    ax.set_xlabel("alpha")
    ax.set_ylabel("coefficient")
    ax.set_title(title)
    if labels is not None:
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    try:
        fig.savefig(filename, dpi=110)
    except (OSError, ValueError, RuntimeError) as exc:  # (RuntimeError: pgf without LaTeX)
        raise UsageError(f"cannot write the plot {filename}: {_one_line(exc)}") from None
    finally:
        plt.close(fig)


def cmd_bench(rest):
    # sparsefuse.bench parses (and documents, in --help) its own options and
    # checks its outputs before the run
    from sparsefuse import bench

    return bench.main(rest) or 0


def check_demo_options(args):
    """The demo's options, checked before its minute of work."""
    if args.n_samples is not None and not (
            DEMO_MIN_SAMPLES <= args.n_samples <= DEBIAN_PACKAGES):
        raise UsageError(f"--n-samples must be between {DEMO_MIN_SAMPLES} and "
                         f"{DEBIAN_PACKAGES} (the Debian packages); got {args.n_samples}")
    if args.n_jobs == 0:
        raise UsageError("--n-jobs must be a number of parallel jobs (-1: all CPUs, -2: "
                         "all but one, ...); got 0")
    check_output(args.out_dir, "--out-dir", folder=True)


def cmd_demo(args):
    check_demo_options(args)
    from sparsefuse.demo import run_demo

    run_demo(out_dir=args.out_dir, quiet=args.quiet, n_jobs=args.n_jobs,
             n_samples=args.n_samples)
    return 0


# --- entry point -------------------------------------------------------------------

DATA_FORMATS_HELP = """\
data formats (--format):
  csv     a header row of column names, then one row per sample; --target names
          the target column, every other column is a feature
  npz     a NumPy archive (numpy.savez) with arrays X (2-D) and y, or with the
          arrays data, indices, indptr, shape (and format, 'csr' or 'csc'; csr
          when absent) of a SciPy sparse matrix, as scipy.sparse.save_npz
          writes them, plus y; its columns are named x0, x1, ...
  libsvm  svmlight / libsvm text: the target first on each line, then
          index:value pairs; index 1 is column x0, unless some index is 0,
          then index 0 is (scikit-learn's load_svmlight_file rule)
"""


def build_parser():
    """The command line's parser and its commands' parsers, by name."""
    parser = argparse.ArgumentParser(
        prog="sparsefuse", description="Certified sparse linear models for multimodal data.")
    parser.add_argument("--version", action="version", version=sparsefuse.__version__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="fusion of the built-in Debian package data")
    demo.add_argument("--out-dir", default="sparsefuse-demo",
                      help="where the PNG plots go (default: sparsefuse-demo)")
    demo.add_argument("--n-jobs", type=int, default=2,
                      help="cross-validation folds solved in parallel (-1: all CPUs; "
                      "default 2)")
    demo.add_argument("--n-samples", type=int, default=None,
                      help="a random subset of the packages, for a quicker run "
                      f"({DEMO_MIN_SAMPLES} to {DEBIAN_PACKAGES})")
    demo.add_argument("--quiet", action="store_true", help="no progress or report")

    for name, text in (("fit", "fit one model and save it as JSON"),
                       ("path", "compute a regularization path")):
        p = sub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".",
                           epilog=DATA_FORMATS_HELP,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("data", help="data file")
        p.add_argument("--format", choices=FORMATS, required=True,
                       help="how the data file is laid out (see below)")
        p.add_argument("--target", help="the target column's name (csv only)")
        p.add_argument("--penalty", choices=PENALTIES, default="l1", help="default: l1")
        p.add_argument("--l1-ratio", type=float, default=None,
                       help="L1 share of the penalty (elasticnet, sparse_group; default 0.5)")
        p.add_argument("--groups", help="int block size (dividing the number of "
                       "columns), or JSON file {name: columns} (group penalties only)")
        p.add_argument("--eps", type=float, default=None,
                       help="alpha_min / alpha_max of the automatic grid, in (0, 1] "
                       "(default 1e-3)")
        p.add_argument("--n-alphas", type=int, default=None,
                       help="alphas in the grid (default 50)")
        p.add_argument("--tol", type=float, default=1e-4,
                       help="duality gap to reach, relative to ||y - mean(y)||^2 / n "
                       "(||y||^2 / n with --no-intercept; default 1e-4)")
        p.add_argument("--max-iter", type=int, default=1000,
                       help="epochs per alpha (default 1000)")
        p.add_argument("--no-intercept", action="store_true", help="fit no intercept")
        p.add_argument("--quiet", action="store_true", help="no progress or summary")
        if name == "fit":
            how = p.add_mutually_exclusive_group(required=True)
            how.add_argument("--alpha", type=float, help="fixed regularization")
            how.add_argument("--cv", type=int, help="choose alpha by K-fold CV")
            p.add_argument("--out", required=True, help="model JSON file")
        else:
            p.add_argument("--out", help="path JSON file (per alpha: intercept, coefficients, "
                                             "duality gap)")
            p.add_argument("--plot", help="PNG file of the coefficient paths")

    # every option, --help included, goes to sparsefuse.bench's own parser
    sub.add_parser("bench", add_help=False,
                   help="timing against scikit-learn, celer and skglm "
                   "(options: sparsefuse bench --help)")
    return parser, sub.choices


def main(argv=None):
    """Run the ``sparsefuse`` command; returns the exit code.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments (``sys.argv[1:]`` when None).

    Returns
    -------
    code : int
        0 on success, 2 on a usage or input error. The errors argparse finds
        itself (an unknown or missing option), ``--help`` and ``--version``
        exit through ``SystemExit`` instead, with codes 2 and 0.
    """
    parser, commands = build_parser()
    args, rest = parser.parse_known_args(argv)
    if rest and args.command != "bench":
        # (the command's usage, not the top level's: the options are its)
        commands[args.command].error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        if args.command == "fit":
            return cmd_fit(args)
        if args.command == "path":
            return cmd_path(args)
        if args.command == "bench":
            return cmd_bench(rest)
        return cmd_demo(args)
    except UsageError as exc:
        print(f"sparsefuse: error: {exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print("sparsefuse: error: out of memory", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
