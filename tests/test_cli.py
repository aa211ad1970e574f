"""The ``sparsefuse`` command: user errors are one line and exit code 2, found
before the work starts (the heavy functions are replaced by ones that fail)."""

import json
import sys

import numpy as np
import pytest

import sparsefuse
from sparsefuse import cli
from sparsefuse.cli import main


def usage_error(capsys, argv, *words):
    """Run the command, expect a one-line usage error containing ``words``."""
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("sparsefuse: error:") and len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, err
    return err


def count_alphas(monkeypatch, name):
    """Replace ``sparsefuse.<name>`` by a wrapper listing the ``alphas`` of each call."""
    calls = []
    library = getattr(sparsefuse, name)

    def counted(*args, **kwargs):
        calls.append(kwargs.get("alphas"))
        return library(*args, **kwargs)

    monkeypatch.setattr(sparsefuse, name, counted)
    return calls


def must_not_run(*args, **kwargs):
    raise AssertionError("the computation ran before the options were checked")


@pytest.fixture
def npz_file(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 6))
    path = tmp_path / "d.npz"
    np.savez(path, X=X, y=X[:, 0] - X[:, 3] + 0.1 * rng.standard_normal(40))
    return path


@pytest.fixture
def no_matplotlib(monkeypatch):
    # (a None entry makes every import of the module fail)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)


def write_csv(path, header):
    rng = np.random.default_rng(0)
    values = rng.standard_normal((30, len(header)))
    lines = [",".join(header)] + [",".join(f"{v:.6f}" for v in row) for row in values]
    path.write_text("\n".join(lines) + "\n")
    return path


# --- fit: data files ---------------------------------------------------------------

def test_fit_csv_with_a_byte_order_mark(tmp_path, capsys):
    """Found by a review: spreadsheet programs start a UTF-8 csv with a
    byte-order mark, which became part of the first column's name."""
    path = write_csv(tmp_path / "bom.csv", ["a", "b", "y"])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    out = tmp_path / "m.json"
    assert main(["fit", str(path), "--format", "csv", "--target", "a", "--alpha", "0.01",
                 "--out", str(out), "--quiet"]) == 0
    assert json.loads(out.read_text())["feature_names"] == ["b", "y"]


def test_fit_csv_target_with_spaces_gets_a_hint(tmp_path, capsys):
    path = tmp_path / "spaced.csv"
    path.write_text("a, b, y\n1, 2, 3\n2, 3, 5\n")
    usage_error(capsys, ["fit", str(path), "--format", "csv", "--target", "y", "--alpha",
                         "0.1", "--out", str(tmp_path / "m.json")], "spaces")


@pytest.mark.parametrize("command,extra,words", [
    ("fit", ["--penalty", "group", "--groups", "3", "--l1-ratio", "0.7", "--alpha", "0.1"],
     ["--l1-ratio", "group"]),
    ("path", ["--penalty", "l1", "--l1-ratio", "0.7"], ["--l1-ratio", "l1"]),
    ("fit", ["--alpha", "0.1", "--eps", "0.01"], ["--eps", "fixed --alpha"]),
    ("fit", ["--alpha", "0.1", "--n-alphas", "5"], ["--n-alphas", "fixed --alpha"]),
    ("fit", ["--cv", "3", "--n-alphas", "-5"], ["--n-alphas", "at least 1"]),
    ("fit", ["--penalty", "elasticnet", "--l1-ratio", "0", "--cv", "3"], ["ridge"]),
    ("path", ["--penalty", "elasticnet", "--l1-ratio", "0"], ["ridge"]),
])
def test_options_that_do_not_apply_are_refused(npz_file, tmp_path, capsys, monkeypatch,
                                               command, extra, words):
    """Found by a review: --l1-ratio with a penalty that has none, and the
    grid options with a fixed alpha, were silently ignored."""
    for name in ("Lasso", "LassoCV", "ElasticNetCV", "SparseGroupLasso", "lasso_path",
                 "enet_path", "group_lasso_path"):
        monkeypatch.setattr(sparsefuse, name, must_not_run)
    out = ["--out", str(tmp_path / "o.json")]
    usage_error(capsys, [command, str(npz_file), "--format", "npz", *extra, *out], *words)


@pytest.mark.parametrize("command,extra,words", [
    ("fit", ["--alpha", "-1"], ["--alpha must be a finite number > 0; got -1.0"]),
    ("fit", ["--alpha", "nan"], ["--alpha must be"]),
    ("fit", ["--alpha", "0"], ["--alpha 0 is least squares", "positive --alpha"]),
    ("fit", ["--cv", "3", "--tol", "-1"], ["--tol must be a finite number >= 0"]),
    ("path", ["--max-iter", "0"], ["--max-iter must be an integer in [1, 2**31)"]),
    ("fit", ["--penalty", "elasticnet", "--l1-ratio", "2", "--alpha", "0.1"],
     ["--l1-ratio must be in [0, 1]"]),
    ("path", ["--eps", "nan"], ["--eps must be in (0, 1]"]),
])
def test_bad_option_values_name_the_option(npz_file, tmp_path, capsys, monkeypatch,
                                           command, extra, words):
    """Found by a review: these were the estimators' errors, naming their
    parameters (alpha, max_iter) instead of the options, and with --cv only
    once the progress bar had started."""
    for name in ("Lasso", "LassoCV", "ElasticNet", "ElasticNetCV", "SparseGroupLasso",
                 "lasso_path", "enet_path", "group_lasso_path"):
        monkeypatch.setattr(sparsefuse, name, must_not_run)
    out = ["--out", str(tmp_path / "o.json")]
    err = usage_error(capsys, [command, str(npz_file), "--format", "npz", *extra, *out], *words)
    assert "cross-validation" not in err


def test_ridge_path_advice_names_only_its_options(npz_file, tmp_path, capsys):
    """Found by a review: `path` was told to give a fixed --alpha, an option
    it does not have."""
    out = ["--out", str(tmp_path / "o.json")]
    err = usage_error(capsys, ["path", str(npz_file), "--format", "npz", "--penalty",
                               "elasticnet", "--l1-ratio", "0", *out], "--l1-ratio in (0, 1]")
    assert "--alpha" not in err
    err = usage_error(capsys, ["fit", str(npz_file), "--format", "npz", "--penalty",
                               "elasticnet", "--l1-ratio", "0", "--cv", "3", *out])
    assert "fixed --alpha" in err


@pytest.mark.parametrize("header,repeated", [
    (["a", "a", "b", "y"], "'a'"),  # the model file would merge the two coefficients
    (["a", "b", "y", "y"], "'y'"),  # the second target would stay among the features
])
def test_fit_csv_with_duplicate_column_names(tmp_path, capsys, header, repeated):
    path = write_csv(tmp_path / "dup.csv", header)
    out = tmp_path / "m.json"
    usage_error(capsys, ["fit", str(path), "--format", "csv", "--target", "y",
                         "--alpha", "0.01", "--out", str(out)], "duplicate column", repeated)
    assert not out.exists()


def test_fit_csv_skips_blank_lines(tmp_path, capsys):
    """Found by a review: a blank line (a trailing one, as editors leave)
    was read as a row of no fields, and blamed on the separator."""
    text = write_csv(tmp_path / "d.csv", ["a", "b", "y"]).read_text()
    lines = text.splitlines()
    blank = tmp_path / "blank.csv"
    blank.write_text("\n".join(lines[:5] + ["", "   "] + lines[5:]) + "\n\n\n")
    fits = []
    for path in (tmp_path / "d.csv", blank):
        out = tmp_path / f"{path.stem}.json"
        assert main(["fit", str(path), "--format", "csv", "--target", "y", "--alpha", "0.01",
                     "--out", str(out), "--quiet"]) == 0
        fits.append(json.loads(out.read_text())["coef"])
    assert fits[0] == fits[1]


@pytest.mark.parametrize("cell,words", [
    ("", ["missing value ''", "line 4, column 'b'", "not imputed"]),
    ("NA", ["missing value 'NA'", "line 4, column 'b'"]),
    ("nan", ["missing value 'nan'", "line 4, column 'b'"]),
    ("?", ["missing value '?'", "line 4, column 'b'"]),
    ("inf", ["'inf' at line 4, column 'b' is not finite"]),
    ("1e999", ["'1e999' at line 4, column 'b' is not finite"]),
    ("abc", ["non-numeric value 'abc' at line 4, column 'b'"]),
    ("1,2", ["line 4 has 4 fields but the header has 3"]),
])
def test_fit_csv_bad_cells_are_located(tmp_path, capsys, cell, words):
    """Found by a review: a missing value gave "could not convert string to
    float: ''" without saying where, NaN and inf only the estimator's
    message without the file."""
    path = tmp_path / "bad.csv"
    # (line 3 is blank: lines are counted in the file, blank ones too)
    path.write_text(f"a,b,y\n1,2,3\n\n4,{cell},5\n6,7,8\n")
    usage_error(capsys, ["fit", str(path), "--format", "csv", "--target", "y", "--alpha",
                         "0.1", "--out", str(tmp_path / "m.json")], "bad.csv", *words)


def test_fit_csv_bad_cells_are_located_where_their_record_starts(tmp_path, capsys):
    """A quoted field can span lines (found by a review: the message gave
    the record's last line); a column of the header without a name is
    given by its number."""
    path = tmp_path / "bad.csv"
    path.write_text('a,b,y\n1,2,3\n"4\n",x,5\n')
    usage_error(capsys, ["fit", str(path), "--format", "csv", "--target", "y", "--alpha",
                         "0.1", "--out", str(tmp_path / "m.json")],
                "non-numeric value 'x' at line 3, column 'b'")
    path.write_text('a,,y\n1,2,3\n4,x,5\n')
    usage_error(capsys, ["fit", str(path), "--format", "csv", "--target", "y", "--alpha",
                         "0.1", "--out", str(tmp_path / "m.json")],
                "non-numeric value 'x' at line 3, column 2")


def test_fit_npz_and_libsvm_with_non_finite_values(tmp_path, capsys):
    X = np.ones((6, 3))
    X[2, 1] = np.nan
    np.savez(tmp_path / "x.npz", X=X, y=np.ones(6))
    y = np.ones(6)
    y[4] = np.inf
    np.savez(tmp_path / "y.npz", X=np.ones((6, 3)), y=y)
    (tmp_path / "s.svm").write_text("1 1:2 3:nan\n2 2:1\n")
    out = ["--alpha", "0.1", "--out", str(tmp_path / "m.json")]
    usage_error(capsys, ["fit", str(tmp_path / "x.npz"), "--format", "npz", *out],
                "x.npz: X holds NaN or infinite values", "row 2, column 1")
    usage_error(capsys, ["fit", str(tmp_path / "y.npz"), "--format", "npz", *out],
                "y.npz: y holds NaN or infinite values", "row 4")
    usage_error(capsys, ["fit", str(tmp_path / "s.svm"), "--format", "libsvm", *out],
                "s.svm: X holds NaN or infinite values", "row 0, column 2")


def test_fit_groups_leaving_columns_out_name_them(tmp_path, capsys):
    """Found by a review: the estimator's message advised
    ``ungrouped='unpenalized'``, a Python keyword the command does not have."""
    path = write_csv(tmp_path / "d.csv", ["a", "b", "c", "y"])
    groups = tmp_path / "g.json"
    groups.write_text(json.dumps({"g1": ["a", "b"]}))
    err = usage_error(capsys, ["fit", str(path), "--format", "csv", "--target", "y",
                               "--penalty", "group", "--groups", str(groups), "--alpha", "0.1",
                               "--out", str(tmp_path / "m.json")],
                      "1 of the 3 feature columns is in no group (c)")
    assert "ungrouped" not in err


def test_fit_options_the_estimator_refuses_fail_before_the_progress_bar(tmp_path, capsys,
                                                                         monkeypatch):
    """Found by a review: these were refused from inside the fit, after the
    cross-validation bar had appeared (--cv 100 in scikit-learn's words)."""
    from sparsefuse import _cv

    def must_not_fit(*args, **kwargs):
        raise AssertionError("the fit began before the options were checked")

    monkeypatch.setattr(_cv, "path_mse", must_not_fit)
    path = write_csv(tmp_path / "d.csv", ["a", "b", "c", "d", "e", "f", "y"])
    groups = tmp_path / "g.json"
    groups.write_text(json.dumps({"g1": ["a", "b"], "g2": ["b", "c", "d", "e", "f"]}))
    fit = ["fit", str(path), "--format", "csv", "--target", "y", "--out",
           str(tmp_path / "m.json"), "--cv", "3"]
    cases = [(["--eps", "2"], "--eps must be in (0, 1]; got 2.0"),
             (["--penalty", "group", "--groups", "4"], "must divide n_features=6"),
             (["--penalty", "group", "--groups", str(groups)],
              "column 1 ('b') is in group 'g1' and in group 'g2'")]
    for options, words in cases:
        err = usage_error(capsys, fit + options, words)
        assert "cross-validation" not in err
    err = usage_error(capsys, fit[:-1] + ["100"], "--cv 100: more folds than the 30 samples")
    assert "cross-validation" not in err


@pytest.mark.parametrize("index", [-1, 3])
def test_fit_groups_index_out_of_range_names_the_file(tmp_path, capsys, index):
    """A review: an index outside the columns got the estimator's message,
    which names neither the file nor the group."""
    path = write_csv(tmp_path / "d.csv", ["a", "b", "c", "y"])
    groups = tmp_path / "g.json"
    groups.write_text(json.dumps({"g1": ["a", "b"], "g2": [index, "c"]}))
    usage_error(capsys, ["fit", str(path), "--format", "csv", "--target", "y", "--penalty",
                         "group", "--groups", str(groups), "--alpha", "0.1", "--out",
                         str(tmp_path / "m.json")],
                f"g.json: group 'g2' has the column index {index}, outside 0..2")


def test_path_says_where_it_wrote_and_refuses_to_write_nothing(tmp_path, capsys):
    """Found by a review: --quiet without outputs computed the path and threw
    it away; with --out, nothing said where it went."""
    path = write_csv(tmp_path / "d.csv", ["a", "b", "y"])
    run = ["path", str(path), "--format", "csv", "--target", "y", "--n-alphas", "3"]
    usage_error(capsys, run + ["--quiet"], "--quiet without --out or --plot")
    assert main(run + ["--out", str(tmp_path / "p.json")]) == 0
    assert f"l1 path, 3 alphas -> {tmp_path / 'p.json'}" in capsys.readouterr().out


def test_fit_a_folder_is_not_a_data_file(tmp_path, capsys):
    usage_error(capsys, ["fit", str(tmp_path), "--format", "csv", "--target", "y",
                         "--alpha", "0.1", "--out", str(tmp_path / "m.json")],
                "is a folder, not a data file")


@pytest.mark.parametrize("arrays,words", [
    (dict(X=np.array([[1, "a"]] * 5, dtype=object), y=np.ones(5)), ["array 'X'", "Object"]),
    (dict(X=np.ones((5, 2)), y=np.array(["a"] * 5)), ["y must be numeric"]),
    (dict(X=np.array([["1", "2"]] * 5), y=np.ones(5)), ["X must be numeric"]),
    (dict(y=np.array([1, 2], dtype=object), X=np.ones((2, 2))), ["array 'y'", "Object"]),
])
def test_fit_npz_with_unreadable_or_non_numeric_arrays(tmp_path, capsys, arrays, words):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    usage_error(capsys, ["fit", str(path), "--format", "npz", "--alpha", "0.1",
                         "--out", str(tmp_path / "m.json")], *words)


@pytest.mark.parametrize("fmt", ["npz", "libsvm"])
def test_target_with_a_format_that_holds_its_target(npz_file, capsys, monkeypatch, fmt):
    """Found by a review: --target was silently ignored but for csv."""
    monkeypatch.setattr(cli, "load_data", must_not_run)
    usage_error(capsys, ["path", str(npz_file), "--format", fmt, "--target", "y"],
                "--target names a csv column", fmt)


@pytest.mark.parametrize("make,argv,words", [
    (lambda d: d.write_text("a,b,y\n1,2,3\n"), ["--format", "npz"], ["not an npz archive"]),
    (lambda d: d.write_bytes(b"\x7fELF" + b"\x01" * 1000), ["--format", "libsvm"],
     ["not a valid libsvm file"]),
    (lambda d: d.write_text("a,b,y\n1,2,3\n4,5,6\n"),
     ["--format", "csv", "--target", "y", "--penalty", "group", "--groups", "-3"],
     ["--groups -3: a block size is a positive int"]),
])
def test_unreadable_input_messages_are_short_and_say_what_is_wrong(tmp_path, capsys, make,
                                                                   argv, words):
    """Found by a review: numpy's advice about allow_pickle (not an option
    here), a binary file's bytes quoted whole, a negative block size called
    "neither an int nor an existing JSON file"."""
    data = tmp_path / "data.bin"
    make(data)
    err = usage_error(capsys, ["fit", str(data), *argv, "--alpha", "0.1",
                               "--out", str(tmp_path / "m.json")], *words)
    assert "pickle" not in err and len(err) < 300


def test_npz_sparse_arrays_as_save_npz_writes_them(tmp_path, capsys):
    """Found by a review: scipy.sparse.save_npz stores the format as bytes,
    which was read as "b'csc'", not 'csc': a square CSC matrix was taken as
    CSR, silently transposed. Formats other than csr / csc are refused."""
    from scipy import sparse

    X = sparse.random(25, 25, density=0.3, format="csc", random_state=0)
    y = np.arange(25.0)
    sparse.save_npz(tmp_path / "X.npz", X)
    arrays = dict(np.load(tmp_path / "X.npz"))
    assert isinstance(arrays["format"].item(), bytes)
    for name, fmt in [("bytes", arrays["format"]), ("str", np.array("csc"))]:
        path = tmp_path / f"{name}.npz"
        np.savez(path, y=y, **dict(arrays, format=fmt))
        read, _, _ = cli.load_data(str(path), "npz")
        assert read.format == "csc" and abs(read - X).max() == 0
    path = tmp_path / "coo.npz"
    np.savez(path, y=y, **dict(arrays, format=np.array("coo")))
    usage_error(capsys, ["fit", str(path), "--format", "npz", "--alpha", "0.1",
                         "--out", str(tmp_path / "m.json")], "format 'coo'", "'csr' or 'csc'")


def test_fit_npz_single_array_file(tmp_path, capsys):
    path = tmp_path / "X.npz"
    with open(path, "wb") as f:
        np.save(f, np.ones((3, 2)))
    usage_error(capsys, ["fit", str(path), "--format", "npz", "--alpha", "0.1",
                         "--out", str(tmp_path / "m.json")], "not an npz archive")


def test_fit_unwritable_out_fails_before_reading_the_data(npz_file, tmp_path, capsys,
                                                         monkeypatch):
    monkeypatch.setattr(cli, "load_data", must_not_run)
    usage_error(capsys, ["fit", str(npz_file), "--format", "npz", "--alpha", "0.1",
                         "--out", str(tmp_path / "missing" / "m.json")], "--out", "no such folder")


# --- groups ------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["fit", "path"])
def test_boolean_columns_in_groups_json(npz_file, tmp_path, capsys, command):
    groups = tmp_path / "groups.json"
    groups.write_text('{"first": [0, true], "second": [2, 3, 4, 5]}')
    out = ["--alpha", "0.1", "--out", str(tmp_path / "m.json")] if command == "fit" else []
    usage_error(capsys, [command, str(npz_file), "--format", "npz", "--penalty", "group",
                         "--groups", str(groups), *out], "'first'", "boolean true")


@pytest.mark.parametrize("command", ["fit", "path"])
@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
def test_groups_with_a_penalty_without_groups(npz_file, tmp_path, capsys, monkeypatch,
                                             command, penalty):
    monkeypatch.setattr(cli, "load_data", must_not_run)
    out = ["--alpha", "0.1", "--out", str(tmp_path / "m.json")] if command == "fit" else []
    usage_error(capsys, [command, str(npz_file), "--format", "npz", "--penalty", penalty,
                         "--groups", "2", *out], "--groups applies to", penalty)


# --- path --------------------------------------------------------------------------

@pytest.mark.parametrize("penalty", ["l1", "sparse_group"])
@pytest.mark.parametrize("eps", ["0", "-1", "10", "nan"])
def test_path_eps_outside_zero_one(npz_file, capsys, penalty, eps):
    groups = ["--groups", "2"] if penalty != "l1" else []
    usage_error(capsys, ["path", str(npz_file), "--format", "npz", "--n-alphas", "3",
                         "--penalty", penalty, *groups, "--eps", eps],
                "--eps must be in (0, 1]")


def test_path_eps_one_is_a_constant_grid(npz_file, tmp_path):
    out = tmp_path / "path.json"
    assert main(["path", str(npz_file), "--format", "npz", "--n-alphas", "3", "--eps", "1",
                 "--out", str(out), "--quiet"]) == 0
    alphas = json.loads(out.read_text())["alphas"]
    assert len(alphas) == 3 and len(set(alphas)) == 1


@pytest.mark.parametrize("penalty", ["l1", "group"])
def test_path_reports_alphas_that_did_not_converge(npz_file, capsys, penalty):
    """Found by a review: the path command silenced every warning, so gaps
    far above the tolerance came without one. One line counts them."""
    argv = ["path", str(npz_file), "--format", "npz", "--n-alphas", "4", "--max-iter", "1",
            "--tol", "1e-12", "--penalty", penalty]
    assert main(argv + (["--groups", "2"] if penalty == "group" else [])) == 0
    warned = [line for line in capsys.readouterr().err.split("\n") if "warning" in line]
    assert len(warned) == 1 and "3 of 4 alphas did not converge" in warned[0], warned
    assert main(["path", str(npz_file), "--format", "npz", "--n-alphas", "4"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_path_plot_without_matplotlib_fails_before_the_path(npz_file, tmp_path, capsys,
                                                            monkeypatch, no_matplotlib):
    monkeypatch.setattr(sparsefuse, "enet_path", must_not_run)
    usage_error(capsys, ["path", str(npz_file), "--format", "npz", "--plot",
                         str(tmp_path / "p.png")], "matplotlib")


def test_path_plot_format_is_checked_before_the_path(npz_file, tmp_path, capsys, monkeypatch):
    """Found by a review: the path was computed and printed first."""
    pytest.importorskip("matplotlib")
    monkeypatch.setattr(sparsefuse, "enet_path", must_not_run)
    usage_error(capsys, ["path", str(npz_file), "--format", "npz", "--plot",
                         str(tmp_path / "p.txt")], "--plot", "cannot write .txt", "png")


@pytest.mark.parametrize("options,words", [
    (["--cv", "1"], ["--cv", "at least 2"]),
    (["--cv", "3", "--n-alphas", "0"], ["--n-alphas", "at least 1"]),
])
def test_fit_cv_options_name_the_option(npz_file, tmp_path, capsys, monkeypatch,
                                        options, words):
    """Found by a review: errors named the library's parameters (cv, alphas)."""
    monkeypatch.setattr(cli, "load_data", must_not_run)
    usage_error(capsys, ["fit", str(npz_file), "--format", "npz", "--out",
                         str(tmp_path / "m.json")] + options, *words)


@pytest.mark.parametrize("option", ["--out", "--plot"])
def test_path_unwritable_outputs_fail_before_the_path(npz_file, tmp_path, capsys,
                                                      monkeypatch, option):
    monkeypatch.setattr(sparsefuse, "enet_path", must_not_run)
    usage_error(capsys, ["path", str(npz_file), "--format", "npz", option,
                         str(tmp_path / "missing" / "p.x")], option, "no such folder")


@pytest.mark.parametrize("penalty", ["group", "sparse_group"])
def test_group_path_is_one_call(npz_file, tmp_path, monkeypatch, penalty):
    library = sparsefuse.group_lasso_path
    calls = count_alphas(monkeypatch, "group_lasso_path")
    out = tmp_path / "path.json"
    ratio = ["--l1-ratio", "0.3"] if penalty == "sparse_group" else []
    assert main(["path", str(npz_file), "--format", "npz", "--penalty", penalty, "--groups",
                 "2", "--n-alphas", "8", *ratio, "--out", str(out), "--quiet"]) == 0
    assert calls == [8]  # the block problem is built once, not once per alpha
    doc = json.loads(out.read_text())
    # the grid the command used to build alpha by alpha, and every point
    # certified at the command's tol (1e-4, scikit-learn's scaling)
    archive = np.load(npz_file)
    X, y = archive["X"], archive["y"]
    tau = 0.0 if penalty == "group" else 0.3
    kw = dict(l1_ratio=tau, tol=1e-4, max_iter=1000, fit_intercept=True)
    top = library(X, y, 2, alphas=1, **kw)[0][0]
    np.testing.assert_allclose(doc["alphas"], np.geomspace(top, top * 1e-3, 8), rtol=1e-12)
    assert max(doc["dual_gaps"]) <= 1e-4 * np.var(y)
    assert len(doc["coefs"]) == 8 and not doc["coefs"][0]  # zero at alpha_max


@pytest.mark.parametrize("penalty, model", [
    ("l1", lambda a: sparsefuse.Lasso(alpha=a, tol=1e-12)),
    ("elasticnet", lambda a: sparsefuse.ElasticNet(alpha=a, l1_ratio=0.5, tol=1e-12)),
    ("group", lambda a: sparsefuse.GroupLasso(2, alpha=a, tol=1e-12)),
    ("sparse_group", lambda a: sparsefuse.SparseGroupLasso(2, alpha=a, l1_ratio=0.5,
                                                           tol=1e-12)),
])
@pytest.mark.parametrize("intercept", [True, False])
def test_path_json_predicts_as_the_fitted_model(tmp_path, penalty, model, intercept):
    """Each alpha's intercept is in the path's JSON (with the settings), so
    that its coefficients predict: as a model fitted at that alpha does."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 6)) + 3.0
    y = X[:, 0] - X[:, 3] + 100.0 + 0.1 * rng.standard_normal(40)
    data, out = tmp_path / "d.npz", tmp_path / "path.json"
    np.savez(data, X=X, y=y)
    options = ["--groups", "2"] if penalty in ("group", "sparse_group") else []
    options += ["--l1-ratio", "0.5"] if penalty in ("elasticnet", "sparse_group") else []
    options += [] if intercept else ["--no-intercept"]
    assert main(["path", str(data), "--format", "npz", "--penalty", penalty, "--n-alphas",
                 "5", "--eps", "0.01", "--tol", "1e-12", "--out", str(out), "--quiet",
                 *options]) == 0
    doc = json.loads(out.read_text())
    assert doc["fit_intercept"] is intercept and len(doc["intercepts"]) == 5
    assert doc["l1_ratio"] == {"l1": 1.0, "group": 0.0}.get(penalty, 0.5)
    if penalty in ("group", "sparse_group"):
        assert doc["groups"] == {"0": ["x0", "x1"], "1": ["x2", "x3"], "2": ["x4", "x5"]}
    for k in (2, 4):
        coef = np.array([doc["coefs"][k].get(name, 0.0) for name in doc["feature_names"]])
        fitted = model(doc["alphas"][k]).set_params(fit_intercept=intercept).fit(X, y)
        np.testing.assert_allclose(X @ coef + doc["intercepts"][k], fitted.predict(X),
                                   rtol=1e-6)


# --- demo --------------------------------------------------------------------------

@pytest.fixture
def demo_calls(monkeypatch):
    from sparsefuse import demo

    calls = []
    monkeypatch.setattr(demo, "run_demo", lambda **kwargs: calls.append(kwargs))
    return calls


@pytest.mark.parametrize("options,words", [
    (["--n-samples", "0"], ["--n-samples", "got 0"]),
    (["--n-samples", "3"], ["--n-samples", "got 3"]),
    (["--n-samples", str(cli.DEBIAN_PACKAGES + 1)], ["--n-samples"]),
    (["--n-jobs", "0"], ["--n-jobs", "got 0"]),
])
def test_demo_options_checked_before_the_demo(tmp_path, capsys, demo_calls, options, words):
    usage_error(capsys, ["demo", "--out-dir", str(tmp_path), *options], *words)
    assert demo_calls == []


def test_demo_out_dir_that_is_a_file(tmp_path, capsys, demo_calls):
    afile = tmp_path / "afile"
    afile.touch()
    usage_error(capsys, ["demo", "--n-samples", "500", "--out-dir", str(afile)],
                "--out-dir", "not a folder")
    usage_error(capsys, ["demo", "--out-dir", str(afile / "below")], "--out-dir", "not a folder")
    assert demo_calls == []


def test_demo_valid_options_reach_the_demo(tmp_path, demo_calls):
    out = tmp_path / "new" / "figures"  # created by the demo, with its parents
    assert main(["demo", "--n-samples", str(cli.DEMO_MIN_SAMPLES), "--n-jobs", "-1",
                 "--out-dir", str(out), "--quiet"]) == 0
    assert demo_calls == [dict(out_dir=str(out), quiet=True, n_jobs=-1,
                               n_samples=cli.DEMO_MIN_SAMPLES)]


def test_demo_largest_n_samples_is_the_dataset_size():
    from sparsefuse.datasets import load_debian_packages

    with pytest.raises(ValueError, match=rf"\[1, {cli.DEBIAN_PACKAGES}\]"):
        load_debian_packages(n_samples=cli.DEBIAN_PACKAGES + 1)


# --- bench -------------------------------------------------------------------------

@pytest.fixture
def bench_calls(monkeypatch):
    from sparsefuse import bench

    calls = []
    monkeypatch.setattr(bench, "main", lambda argv: calls.append(argv))
    return calls


def bench_usage_error(capsys, monkeypatch, argv, *words):
    """``sparsefuse bench`` checks its options (its own parser's) before any
    work: exit code 2 and a message containing ``words``."""
    from sparsefuse import bench

    def must_not_run():
        raise AssertionError("the benchmark ran before the options were checked")

    monkeypatch.setattr(bench, "git_commit", must_not_run)
    with pytest.raises(SystemExit) as exit_:
        main(["bench", *argv])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    for word in words:
        assert word in err


def test_bench_unwritable_json_fails_before_the_benchmark(tmp_path, capsys, monkeypatch):
    bench_usage_error(capsys, monkeypatch, ["--quick", "--json",
                                            str(tmp_path / "missing" / "r.json")],
                      "--json", "no such folder")
    bench_usage_error(capsys, monkeypatch, [f"--json={tmp_path}"], "--json", "is a folder")


def test_bench_plots_checked_before_the_benchmark(tmp_path, capsys, monkeypatch):
    afile = tmp_path / "afile"
    afile.touch()
    bench_usage_error(capsys, monkeypatch, ["--plots", str(afile)], "--plots", "not a folder")


def test_bench_plots_without_matplotlib(tmp_path, capsys, monkeypatch, no_matplotlib):
    bench_usage_error(capsys, monkeypatch, ["--quick", "--plots", str(tmp_path / "plots")],
                      "matplotlib")


def test_bench_options_are_passed_through(tmp_path, bench_calls):
    argv = ["--quick", "--problems", "leukemia", "--budget", "5", "--json",
            str(tmp_path / "r.json")]
    assert main(["bench", *argv]) == 0
    assert bench_calls == [argv]


def test_bench_help_lists_the_benchmark_options(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["bench", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for option in ("--quick", "--json", "--plots", "--problems", "--solvers", "--group"):
        assert option in out


def test_path_is_one_library_path_and_advances_a_bar_per_alpha(npz_file, tmp_path,
                                                               monkeypatch):
    """The L1 path was solved alpha by alpha (one call each, for the progress
    bar), 4-10x slower than one path; now one call, the bar moved per alpha."""
    from sparsefuse import cli

    ticks = []

    class Recorder:
        def __init__(self, total, desc, quiet):
            pass

        def update(self, n=1):
            ticks.append(n)

        def close(self):
            pass

    monkeypatch.setattr(cli, "Progress", Recorder)
    calls = count_alphas(monkeypatch, "enet_path")
    out = tmp_path / "path.json"
    assert main(["path", str(npz_file), "--format", "npz", "--n-alphas", "6",
                 "--out", str(out), "--quiet"]) == 0
    assert calls == [6] and len(ticks) == 6
    saved = json.loads(out.read_text())
    data = np.load(npz_file)
    alphas, _, _ = sparsefuse.lasso_path(data["X"], data["y"], alphas=6, fit_intercept=True)
    np.testing.assert_allclose(saved["alphas"], alphas)


def test_fit_csv_long_column_names_are_cut_in_messages(tmp_path, capsys):
    """Found by a review: a libsvm file read as csv listed its whole first
    line (800 characters) as the column names of the message."""
    path = tmp_path / "long.svm"
    path.write_text("1 " + " ".join(f"{j}:{j * 0.5}" for j in range(1, 150)) + "\n2 1:3\n")
    err = usage_error(capsys, ["fit", str(path), "--format", "csv", "--target", "y",
                               "--alpha", "0.1", "--out", str(tmp_path / "m.json")],
                      "unknown target column 'y' (columns: 1 1:0.5 2:1.0")
    assert len(err) < 200 + len(str(path))
