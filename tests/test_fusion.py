"""Multimodal fusion front end, the built-in data, the demo and the CLI."""

import json
import pickle
import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

import sparsefuse as sf
from sparsefuse._path import InvalidParameterError
from sparsefuse.cli import main
from sparsefuse.datasets import load_debian_packages, load_leukemia
from sparsefuse.fusion import BlockStacker, Blocks, FusionRegressor


def modalities(n=150, seed=0):
    """Three blocks: a dense informative one, a sparse informative one, noise."""
    rng = np.random.default_rng(seed)
    dense = rng.standard_normal((n, 6)) * 3 + 5
    text = sparse.random(n, 40, density=0.2, random_state=seed, format="csr") * 4
    noise = rng.standard_normal((n, 10))
    y = dense[:, :2] @ [1.0, -2.0] + 2 * text[:, :3] @ np.ones(3) + 0.1 * rng.standard_normal(n)
    return {"dense": dense, "text": text, "noise": noise}, y


def test_blocks_container():
    data, y = modalities()
    blocks = Blocks(data, feature_names={"dense": [f"d{j}" for j in range(6)]})
    assert blocks.shape == (150, 56) and len(blocks) == 150
    assert list(blocks.feature_names["dense"][:2]) == ["d0", "d1"]
    assert blocks.feature_names["noise"][0] == "noise[0]"
    sub = blocks[np.arange(10)]
    assert sub.shape == (10, 56) and sparse.issparse(sub["text"])
    assert blocks[5:8].shape == (3, 56)
    with pytest.raises(ValueError, match="different numbers of samples"):
        Blocks({"a": np.ones((3, 2)), "b": np.ones((4, 2))})
    with pytest.raises(ValueError, match="2-D"):
        Blocks({"a": np.ones(3)})
    with pytest.raises(ValueError, match="names"):
        Blocks([np.ones((3, 2))], names=["a", "b"])
    with pytest.raises(ValueError, match="feature names"):
        Blocks({"a": np.ones((3, 2))}, feature_names={"a": ["x"]})


def test_dataframe_blocks_keep_column_names():
    import pandas as pd

    data, y = modalities()
    frame = pd.DataFrame(data["dense"], columns=[f"gene{j}" for j in range(6)])
    model = FusionRegressor("l1", cv=3).fit({"expr": frame, "text": data["text"]}, y)
    assert model.selected_features_["expr"][:2] == ["gene0", "gene1"]


@pytest.mark.parametrize("penalty", ["sparse_group", "group", "l1"])
def test_selects_the_informative_modalities(penalty):
    data, y = modalities()
    model = FusionRegressor(penalty, cv=3, alphas=20).fit(data, y)
    assert model.score(data, y) > 0.95
    assert model.modality_importance_["dense"] > 0 and model.modality_importance_["text"] > 0
    # the pure-noise modality gets at most a trace of the weight
    assert model.modality_importance_["noise"] < 0.05 * min(
        model.modality_importance_["dense"], model.modality_importance_["text"])
    text = model.report(top=3)
    assert "dense" in text and "alpha" in text
    # (returned, not printed, unless a file is given: a REPL showed it twice)
    import io

    out = io.StringIO()
    assert model.report(top=3, file=out) == text and out.getvalue() == text + "\n"


def test_scaling_is_learnt_on_fit_and_applied_at_predict():
    data, y = modalities()
    stacker = BlockStacker()
    Z = stacker.fit_transform(data)
    assert sparse.issparse(Z)
    dense_part = Z[:, stacker.modality_slices_["dense"]].toarray()
    np.testing.assert_allclose(dense_part.mean(axis=0), 0, atol=1e-12)
    assert abs(Z[:, stacker.modality_slices_["text"]]).max() == pytest.approx(1.0)
    shifted = {k: v[:5] for k, v in data.items()}
    np.testing.assert_allclose(stacker.transform(shifted).toarray(), Z[:5].toarray())
    with pytest.raises(ValueError, match="do not match"):
        stacker.transform({"dense": data["dense"], "text": data["text"]})
    with pytest.raises(ValueError, match="features; fit saw"):
        stacker.transform({**data, "noise": data["noise"][:, :3]})


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_predict_scales_the_coefficients_not_the_blocks(dtype):
    """Found by a review: predict stacked scaled copies of every block (a
    large sparse block twice over); now block by block, a sparse block's
    scaling moved onto the coefficients, with the same predictions."""
    import tracemalloc

    data, y = modalities(n=3000)
    data = {k: v.astype(dtype) for k, v in data.items()}
    model = FusionRegressor(alpha=0.01).fit(data, y)
    stacked = np.asarray(model.stacker_.transform(data) @ model.coef_).ravel() + model.intercept_
    tracemalloc.start()
    y_pred = model.predict(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # (float32: the stacked product rounds to float32, near zero too)
    atol = 1e-5 * np.abs(stacked).max() if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y_pred, stacked, rtol=1e-12, atol=atol)
    # (a centred copy of one dense block at a time, none of the sparse one;
    # float32 sparse blocks take float64 copies of slices of 262,144 entries)
    text, largest = data["text"], max(data["dense"].nbytes, data["noise"].nbytes)
    if dtype == np.float64:
        assert peak < largest + 0.5 * (text.data.nbytes + text.indices.nbytes), peak
    # (a review: the means moved onto the coefficients too cancelled digits
    # for columns of large mean; dense blocks are centred first, as in fit)
    shifted = {k: v.astype(np.float64) for k, v in data.items()}
    shifted["dense"] = shifted["dense"] + 1e12
    model = FusionRegressor(alpha=0.01).fit(shifted, y)
    exact = model.intercept_ + sum(
        np.asarray(model.stacker_.transform(shifted)[:, sl] @ model.coef_[sl]).ravel()
        for sl in model.modality_slices_.values())
    np.testing.assert_allclose(model.predict(shifted), exact, rtol=0, atol=1e-9)
    # (and a float32 sparse block's products in float64, as the stacked
    # design's were: values of 1e4 lost 1e-2 of a spread of 7 in float32)
    rng = np.random.default_rng(0)
    noise = rng.standard_normal((500, 50))
    big = sparse.csr_matrix((1e4 + noise).astype(np.float32))
    target = noise[:, :25].sum(axis=1) - noise[:, 25:].sum(axis=1)
    other = rng.standard_normal((500, 2))
    model = FusionRegressor(alpha=1e-9, tol=1e-10, max_iter=100_000).fit(
        {"a": other, "s": big}, target)
    np.testing.assert_allclose(model.predict({"a": other, "s": big}),
                               model.predict({"a": other, "s": big.astype(np.float64)}),
                               rtol=0, atol=1e-9)


def test_group_penalty_drops_a_whole_modality():
    rng = np.random.default_rng(3)
    signal, noise = rng.standard_normal((400, 5)), rng.standard_normal((400, 30))
    y = signal @ np.arange(1.0, 6.0) + 0.5 * rng.standard_normal(400)
    model = FusionRegressor("group", alpha=0.3).fit({"signal": signal, "noise": noise}, y)
    assert model.selected_features_["noise"] == [] and model.modality_importance_["noise"] == 0
    assert len(model.selected_features_["signal"]) == 5
    assert model.model_.active_groups_ == ["signal"]


def test_finer_groups_and_fixed_alpha():
    data, y = modalities()
    model = FusionRegressor("group", group_size=4, alpha=0.05).fit(data, y)
    assert any(g.startswith("text/") for g in model.model_.group_names_)
    assert model.alpha_ == 0.05


def test_sklearn_machinery():
    data, y = modalities()
    blocks = Blocks(data)
    scores = cross_val_score(FusionRegressor(cv=3, alphas=10), blocks, y, cv=3)
    assert np.all(scores > 0.9)
    search = GridSearchCV(FusionRegressor(alphas=10, cv=3), {"penalty": ["l1", "group"]},
                          cv=3).fit(blocks, y)
    restored = pickle.loads(pickle.dumps(search.best_estimator_))
    np.testing.assert_allclose(restored.predict(blocks), search.predict(blocks))
    pipe = make_pipeline(FunctionTransformer(lambda b: b), FusionRegressor(cv=3, alphas=10))
    assert pipe.fit(blocks, y).score(blocks, y) > 0.9


def test_bad_fusion_parameters():
    data, y = modalities()
    with pytest.raises(ValueError, match="penalty"):
        FusionRegressor("ridge").fit(data, y)
    with pytest.raises(ValueError, match="group_size"):
        FusionRegressor(group_size=0).fit(data, y)
    with pytest.raises(ValueError, match="one value per sample"):
        FusionRegressor().fit(data, y[:10])
    for bad in (dict(penalty="ridge"), dict(group_size=True), dict(alpha=-1.0),
                dict(alpha=0.0)):  # (the group models need alpha > 0)
        with pytest.raises(InvalidParameterError):
            FusionRegressor(**bad).fit(data, y)
    # (found by a review: accepted by the penalties that do not use it)
    for penalty in ("l1", "group", "sparse_group"):
        for bad in (5.0, -0.1, np.nan, "0.5", True):
            with pytest.raises(InvalidParameterError, match="l1_ratio"):
                FusionRegressor(penalty, l1_ratio=bad, alpha=0.1).fit(data, y)
    with pytest.warns(UserWarning, match="least squares"):  # (the Lasso takes alpha=0)
        FusionRegressor("l1", alpha=0.0).fit(data, y)
    # (found by a review: range()'s error for 0, no group for -1)
    stacker = BlockStacker().fit(data)
    for bad in (0, -1, 2.5, True):
        with pytest.raises(InvalidParameterError, match="group_size"):
            stacker.groups(bad)


def test_fusion_routes_groups_to_its_cv_and_checks_every_parameter():
    """Found by a review: a GroupKFold cv could not get its groups, and the
    cross-validation's parameters went unchecked with a given alpha."""
    import sklearn
    from sklearn.model_selection import GroupKFold

    data, y = modalities()
    blocks, groups = Blocks(data), np.repeat(np.arange(10), 15)
    with pytest.raises(ValueError, match="needs sklearn.set_config"):
        FusionRegressor(cv=GroupKFold(3)).fit(blocks, y, groups=groups)
    with sklearn.config_context(enable_metadata_routing=True):
        model = FusionRegressor("group", cv=GroupKFold(3), alphas=5).fit(blocks, y,
                                                                        groups=groups)
        # the folds keep each group whole: the same as the inner CV estimator's
        inner = sf.GroupLassoCV(model.model_.groups, cv=GroupKFold(3), alphas=5,
                                eps=1e-2).fit(model.stacker_.transform(blocks), y,
                                              groups=groups)
        assert model.alpha_ == inner.alpha_
        search = GridSearchCV(FusionRegressor(cv=GroupKFold(3), alphas=5),
                              {"penalty": ["l1", "group"]}, cv=GroupKFold(3))
        assert np.isfinite(search.fit(blocks, y, groups=groups).best_score_)
    # (names in an order that changes from run to run, or drawn once, would
    # name list blocks differently at predict)
    for bad in (dict(eps=-1), dict(cv="a"), dict(alphas=-3), dict(n_jobs="x"),
                dict(unpenalized=3), dict(modality_names=3),
                dict(modality_names={"dense", "text", "noise"}),
                dict(modality_names=(name for name in data)),
                dict(modality_names=np.array("dense"))):
        with pytest.raises(InvalidParameterError, match=list(bad)[0]):
            FusionRegressor(alpha=0.1, **bad).fit(data, y)
    model = FusionRegressor(alpha=0.1).fit(data, y)
    assert model.n_features_in_ == 56 == model.stacker_.n_features_in_
    listed = FusionRegressor(alpha=0.1, modality_names=data.keys()).fit(list(data.values()), y)
    np.testing.assert_array_equal(listed.coef_, model.coef_)
    tags = model.__sklearn_tags__().input_tags
    assert tags.dict and tags.sparse


def test_stacker_feature_names_out_and_pandas_output():
    """Found by a review: set_output(transform="pandas") raised."""
    import pandas as pd

    data, y = modalities()
    stacker = BlockStacker().fit(data)
    names = stacker.get_feature_names_out()
    assert len(names) == stacker.transform(data).shape[1]
    # (pandas output: dense blocks only; unnamed, named, non-string columns)
    dense = {"a": np.ones((5, 2)), "b": pd.DataFrame(np.zeros((5, 2)), columns=["u", "v"]),
             "c": pd.DataFrame(np.zeros((5, 2))), "d": pd.DataFrame(np.zeros((5, 2)))}
    frame = BlockStacker().set_output(transform="pandas").fit_transform(dense)
    assert list(frame.columns) == ["a[0]", "a[1]", "b__u", "b__v", "c__0", "c__1", "d__0",
                                   "d__1"]
    model = FusionRegressor(alpha=0.05).fit(data, y)
    with pytest.raises(InvalidParameterError, match="top"):
        model.report(top=-1)
    selected = np.count_nonzero(model.coef_)
    assert sum(line.count("(") for line in model.report(top=None).splitlines()[2:]) == selected


def test_debian_loader_bad_arguments():
    """Found by a review: errors from numpy or scikit-learn's vectorizers."""
    for kw, message in ((dict(n_samples=100.0), "n_samples must be an int"),
                        (dict(n_samples=True), "n_samples must be an int"),
                        (dict(n_samples=3), "no feature in n_samples=3 .* smaller min_df"),
                        (dict(n_samples=1, min_df=1), "debtags block .* take more samples \\(")):
        with pytest.raises(ValueError, match=message):
            load_debian_packages(**kw)


def test_debian_loader():
    data = load_debian_packages(n_samples=3000, random_state=1)
    assert list(data.blocks) == ["description", "name", "depends", "debtags", "metadata"]
    for name, block in data.blocks.items():
        assert sparse.issparse(block) and block.shape[0] == 3000
        assert len(data.feature_names[name]) == block.shape[1]
    assert np.all(np.isfinite(data.target)) and data.target.min() >= 0
    assert len(set(data.packages)) == 3000
    # Sections are one-hot: exactly one per package.
    names = data.feature_names["metadata"]
    section = np.array([n.startswith("Section=") for n in names])
    np.testing.assert_array_equal(
        np.asarray(data.blocks["metadata"][:, section].sum(axis=1)).ravel(), 1)


def test_debian_records_fold_continuation_lines():
    """Found by a review: a folded field's continuation lines became fields
    named after their first word (the snapshot happens to have none)."""
    from sparsefuse.datasets import _debian_records

    lines = ["Package: a\n", "Tag: role::program, use::editing,\n",
             " works-with::text\n", "Description: an editor\n", " long text\n",
             " .\n", " more\n", "\n", "Package: b\n"]
    assert _debian_records(lines) == [
        {"Package": "a", "Tag": "role::program, use::editing, works-with::text",
         "Description": "an editor long text more"},
        {"Package": "b"}]


def test_debian_snapshot_as_documented():
    """The counts load_debian_packages' docstring gives: first lines only."""
    from sparsefuse.datasets import _debian_records

    records = _debian_records()
    tagged = [r["Tag"] for r in records if "Tag" in r]
    assert len(records) == 63_666
    assert sum(r.get("Installed-Size", "").isdigit() for r in records) == 63_540
    assert (len(tagged), sum(t.endswith(",") for t in tagged)) == (29_781, 8_934)


def test_leukemia_loader():
    X, y = load_leukemia()
    assert X.shape == (72, 7129) and set(np.unique(y)) == {-1.0, 1.0}
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-10)


def test_demo_runs_end_to_end(tmp_path, capsys):
    assert main(["demo", "--n-samples", "3000", "--out-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "sparse-group lasso, fused blocks" in out and "Total time" in out
    # (a review: nothing said what the table shows) the gain of fusion over
    # the best modality alone, and what the fused model keeps
    summary = next(line for line in out.splitlines() if line.startswith("Fused,"))
    assert "for the best one alone (" in summary and "of 5 modalities" in summary
    # (a review: it said ridge used every feature; its count is the table's)
    ridge = next(line for line in out.splitlines() if "ridge, stacked blocks" in line)
    assert f"ridge {int(ridge.split()[-2]):,} (R^2 {ridge.split()[-3]})" in summary
    assert (tmp_path / "path.png").stat().st_size > 1000
    assert (tmp_path / "importance.png").stat().st_size > 1000


# --- command line --------------------------------------------------------------

@pytest.fixture
def csv_file(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 4))
    y = X[:, 0] - 2 * X[:, 2] + 0.1 * rng.standard_normal(60)
    path = tmp_path / "data.csv"
    lines = ["a,b,c,d,target"] + [",".join(f"{v:.6f}" for v in (*x, t)) for x, t in zip(X, y)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_cli_fit_csv_writes_readable_json(csv_file, tmp_path):
    out = tmp_path / "model.json"
    assert main(["fit", str(csv_file), "--format", "csv", "--target", "target",
                 "--alpha", "0.05", "--out", str(out), "--quiet"]) == 0
    doc = json.loads(out.read_text())
    assert set(doc["coef"]) == {"a", "c"} and doc["feature_names"] == ["a", "b", "c", "d"]
    assert doc["alpha"] == 0.05 and doc["dual_gap"] >= 0


@pytest.mark.parametrize("options,estimator", [
    (["--alpha", "0.05"], lambda: sf.Lasso(alpha=0.05)),
    (["--alpha", "0.05", "--no-intercept"], lambda: sf.Lasso(alpha=0.05, fit_intercept=False)),
    (["--cv", "3", "--n-alphas", "8", "--eps", "0.01"],
     lambda: sf.LassoCV(cv=3, alphas=8, eps=0.01)),
    (["--penalty", "elasticnet", "--l1-ratio", "0.3", "--alpha", "0.05"],
     lambda: sf.ElasticNet(alpha=0.05, l1_ratio=0.3)),
    (["--penalty", "group", "--groups", "GROUPS", "--alpha", "0.1"],
     lambda: sf.GroupLasso({"ab": [0, 1], "cd": [2, 3]}, 0.1)),
    (["--penalty", "sparse_group", "--groups", "GROUPS", "--l1-ratio", "0.5", "--cv", "3",
      "--n-alphas", "8", "--eps", "0.01"],
     lambda: sf.GroupLassoCV({"ab": [0, 1], "cd": [2, 3]}, l1_ratio=0.5, cv=3, alphas=8,
                             eps=0.01)),
])
def test_cli_fit_json_holds_the_estimators_model(csv_file, tmp_path, options, estimator):
    """The model file's coefficients, intercept, alpha and gap are those of
    the library's estimator fitted to the same data with the same options."""
    groups = tmp_path / "groups.json"
    groups.write_text(json.dumps({"ab": [0, 1], "cd": [2, 3]}))
    options = [str(groups) if o == "GROUPS" else o for o in options]
    out = tmp_path / "model.json"
    assert main(["fit", str(csv_file), "--format", "csv", "--target", "target",
                 "--tol", "1e-10", "--out", str(out), "--quiet", *options]) == 0
    doc = json.loads(out.read_text())
    data = np.loadtxt(csv_file, delimiter=",", skiprows=1)
    X, y = data[:, :4], data[:, 4]
    model = estimator().set_params(tol=1e-10).fit(X, y)
    coef = np.array([doc["coef"].get(name, 0.0) for name in doc["feature_names"]])
    assert np.count_nonzero(model.coef_) >= 2
    np.testing.assert_allclose(coef, model.coef_, rtol=1e-9, atol=1e-12)
    assert doc["intercept"] == pytest.approx(model.intercept_, rel=1e-9, abs=1e-12)
    assert doc["alpha"] == getattr(model, "alpha_", getattr(model, "alpha", None))
    assert doc["dual_gap"] == pytest.approx(model.dual_gap_, rel=1e-6, abs=1e-15)
    assert doc["n_samples"] == X.shape[0] and doc["n_features"] == X.shape[1]


def test_cli_fit_libsvm_cv_and_groups(tmp_path):
    from sklearn.datasets import dump_svmlight_file

    X, y = load_leukemia()
    path = tmp_path / "leu.svm"
    dump_svmlight_file(X[:, :200], y, str(path))
    out = tmp_path / "m.json"
    assert main(["fit", str(path), "--format", "libsvm", "--cv", "3", "--n-alphas", "10",
                 "--out", str(out), "--quiet"]) == 0
    assert json.loads(out.read_text())["cv"]["alphas"]
    groups = tmp_path / "groups.json"
    groups.write_text(json.dumps({"first": list(range(100)), "second": list(range(100, 200))}))
    assert main(["fit", str(path), "--format", "libsvm", "--penalty", "group", "--groups",
                 str(groups), "--alpha", "0.05", "--out", str(out), "--quiet"]) == 0
    doc = json.loads(out.read_text())
    assert set(doc["groups"]) == {"first", "second"}


def test_cli_path_npz_with_plot(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((50, 8))
    path = tmp_path / "d.npz"
    np.savez(path, X=X, y=X[:, 1] + 0.1 * rng.standard_normal(50))
    out, png = tmp_path / "path.json", tmp_path / "path.png"
    assert main(["path", str(path), "--format", "npz", "--n-alphas", "8", "--out", str(out),
                 "--plot", str(png), "--quiet"]) == 0
    assert len(json.loads(out.read_text())["alphas"]) == 8
    assert png.stat().st_size > 1000


BAD_FILES = [
    ("csv", "a,b,target\n1,2\n3,4,5\n", "fields but the header has"),
    ("csv", "a;b;target\n1;2;3\n", "a;b;target; the file is read as comma-separated"),
    ("csv", "a,b,target\n1,x,3\n", "non-numeric"),
    ("csv", "", "header row"),
    ("libsvm", "1 1:2 2:x\n", "not a valid libsvm file (line 1: '2:x' is not index:value"),
    ("libsvm", "garbage line without colon pairs ::\n",
     "not a valid libsvm file (line 1: the label 'garbage' is not a number)"),
    ("libsvm", "1 qid:2 1:2 # note\n2 1:1 3\n", "(line 2: '3' is not index:value"),
    ("npz", "not a zip file", "not an npz archive"),
]


@pytest.mark.parametrize("fmt,content,message", BAD_FILES)
def test_cli_bad_files_are_one_line_errors(tmp_path, capsys, fmt, content, message):
    path = tmp_path / f"bad.{fmt}"
    path.write_text(content)
    target = ["--target", "target"] if fmt == "csv" else []
    code = main(["fit", str(path), "--format", fmt, *target, "--alpha", "0.1",
                 "--out", str(tmp_path / "m.json")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("sparsefuse: error:") and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_cli_libsvm_errors_blame_the_right_line(tmp_path, capsys):
    """Found by a review: the scanner that names a libsvm file's bad line read
    compressed files as they are stored (and blamed their first line) and
    refused non-ASCII comments, which the parser accepts, hiding its own
    message."""
    import gzip

    def error(path):
        code = main(["fit", str(path), "--format", "libsvm", "--alpha", "0.1",
                     "--out", str(tmp_path / "m.json")])
        assert code == 2
        return capsys.readouterr().err

    commented = tmp_path / "commented.svm"
    commented.write_bytes("# données, café\n1 1:2\n-1 2:1 # über\n1 1:x\n".encode())
    assert "(line 4: '1:x' is not index:value" in error(commented)
    packed = tmp_path / "unsorted.svm.gz"
    with gzip.open(packed, "wb") as f:
        f.write(b"1 1:2\n-1 2:1\n1 3:1 2:4\n1 1:x\n")
    assert "(line 3: the indices are not increasing ('2:4' after index 3))" in error(packed)
    with gzip.open(packed, "wb") as f:
        f.write(b"1 1:2\n-1 2:1 5\n")
    assert "(line 2: '5' is not index:value" in error(packed)
    # what the parser refuses and the scanner once let through (a later review)
    plain = tmp_path / "plain.svm"
    plain.write_bytes(b"1 qid:abc 1:2\n1 2:1 qid:3\n1 -1:2\n")
    assert "(line 2: 'qid:3' is not index:value" in error(plain)
    plain.write_bytes(b"1 1:2\n1 -1:2\n")
    assert "(line 2: the index of '-1:2' is negative)" in error(plain)
    # damaged archives: one line of error, no traceback
    lines = b"".join(b"%d %d:%d\n" % (i % 2, i % 7 + 1, i) for i in range(5000))
    packed.write_bytes(gzip.compress(lines)[:4000])  # (cut short)
    assert "not a valid libsvm file" in error(packed)
    fake = tmp_path / "fake.svm.gz"
    fake.write_bytes(b"1 1:2\n")
    assert "not a valid libsvm file" in error(fake)


def test_cli_missing_file_and_bad_options(tmp_path, capsys, csv_file):
    assert main(["fit", str(tmp_path / "nope.csv"), "--format", "csv", "--alpha", "1",
                 "--out", "m.json"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["fit", str(csv_file), "--format", "csv", "--target", "target",
                 "--alpha", "-1", "--out", str(tmp_path / "m.json")]) == 2
    assert "alpha" in capsys.readouterr().err
    assert main(["fit", str(csv_file), "--format", "csv", "--target", "target",
                 "--penalty", "group", "--alpha", "1", "--out", str(tmp_path / "m.json")]) == 2
    assert "--groups is required" in capsys.readouterr().err
    # an unknown option: the command's usage line, not the top level's
    with pytest.raises(SystemExit) as exit_:
        main(["fit", str(csv_file), "--format", "csv", "--alpha", "1", "--out", "m.json",
              "--bogus"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert err.startswith("usage: sparsefuse fit ")
    assert err.strip().endswith("sparsefuse fit: error: unrecognized arguments: --bogus")


# --- fuzzing the file parsers ----------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(content=st.binary(max_size=300), fmt=st.sampled_from(["libsvm", "csv", "npz"]))
def test_cli_fuzzed_files_never_traceback(tmp_path, capsys, content, fmt):
    path = tmp_path / f"fuzz.{fmt}"
    path.write_bytes(content)
    code = main(["fit", str(path), "--format", fmt, "--target", "t", "--alpha", "0.1",
                 "--out", str(tmp_path / "m.json"), "--quiet"])
    err = capsys.readouterr().err
    assert code in (0, 2)
    if code == 2:
        assert err.startswith("sparsefuse: error:") and len(err.strip().splitlines()) == 1


@FUZZ
@given(rows=st.lists(st.lists(st.sampled_from(["1", "-2.5", "", "x", "1e400", "nan", " 3"]),
                              min_size=1, max_size=4), min_size=0, max_size=6),
       sep=st.sampled_from([",", ";", "\t"]))
def test_cli_fuzzed_csv_never_traceback(tmp_path, capsys, rows, sep):
    path = tmp_path / "fuzz.csv"
    header = sep.join(["a", "b", "t"][: max(1, len(rows[0]) if rows else 1)])
    path.write_text("\n".join([header] + [sep.join(r) for r in rows]) + "\n")
    code = main(["fit", str(path), "--format", "csv", "--target", "t", "--alpha", "0.1",
                 "--out", str(tmp_path / "m.json"), "--quiet"])
    err = capsys.readouterr().err
    assert code in (0, 2)
    if code == 2:
        assert err.startswith("sparsefuse: error:") and len(err.strip().splitlines()) == 1


def test_cli_cv_advances_a_progress_bar(csv_file, tmp_path, monkeypatch):
    from sparsefuse import cli

    ticks = []

    class Recorder:
        def __init__(self, total, desc, quiet):
            self.total = total

        def update(self, n=1):
            ticks.append(n)

        def close(self):
            pass

    monkeypatch.setattr(cli, "Progress", Recorder)
    assert main(["fit", str(csv_file), "--format", "csv", "--target", "target", "--cv", "3",
                 "--n-alphas", "5", "--out", str(tmp_path / "m.json"), "--quiet"]) == 0
    assert len(ticks) == 3  # one tick per fold


@pytest.mark.parametrize("group_size", [None, 4])
def test_unpenalized_modality_always_stays(group_size):
    data, y = modalities(seed=3)
    # an alpha so large that every penalised modality drops out
    model = FusionRegressor("group", alpha=1e3, group_size=group_size,
                            unpenalized=["noise"], tol=1e-10).fit(data, y)
    assert model.modality_importance_["dense"] == 0 == model.modality_importance_["text"]
    assert model.modality_importance_["noise"] > 0
    np.testing.assert_array_equal(model.model_.ungrouped_, np.arange(46, 56))
    # the noise block alone, by least squares on the scaled features
    Z = model.stacker_.transform(Blocks(data))
    Zn = np.asarray(Z[:, 46:].todense()) if sparse.issparse(Z) else Z[:, 46:]
    Zn = Zn - Zn.mean(axis=0)
    expected = np.linalg.lstsq(Zn, y - y.mean(), rcond=None)[0]
    np.testing.assert_allclose(model.coef_[46:], expected, rtol=1e-6, atol=1e-9)
    pd = pytest.importorskip("pandas")  # (any sequence of names; an Index had no truth value)
    for names in (pd.Index(["noise"]), {"noise"}, ("noise",)):
        same = FusionRegressor("group", alpha=1e3, group_size=group_size, unpenalized=names,
                               tol=1e-10).fit(data, y)
        np.testing.assert_array_equal(same.coef_, model.coef_)
    cv = FusionRegressor("sparse_group", unpenalized="noise", alphas=5, cv=3).fit(data, y)
    assert cv.modality_importance_["noise"] > 0
    with pytest.raises(ValueError, match="unknown modalities"):
        FusionRegressor(unpenalized=["audio"]).fit(data, y)
    with pytest.raises(ValueError, match="need penalty='group'"):
        FusionRegressor("l1", unpenalized=["noise"]).fit(data, y)


def test_predict_checks_column_names_as_scikit_learn():
    """Found by review: predict ignored DataFrame column names, so reordered
    or renamed columns gave silently wrong predictions."""
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.standard_normal((60, 3)), columns=["age", "bmi", "bp"])
    other = rng.standard_normal((60, 4))
    y = 2 * frame["age"].to_numpy() + 0.1 * rng.standard_normal(60)
    model = FusionRegressor(alpha=0.05).fit({"clin": frame, "other": other}, y)
    expected = model.predict({"clin": frame, "other": other})
    with pytest.raises(ValueError, match=r"block 'clin'.*same order; same names in another "
                                         r"order: fit saw \['age', 'bmi', 'bp'\]"):
        model.predict({"clin": frame[["bmi", "age", "bp"]], "other": other})
    with pytest.raises(ValueError, match=r"unseen at fit: \['zzz'\]; seen at fit but "
                                         r"missing: \['age'\]"):
        model.predict({"clin": frame.rename(columns={"age": "zzz"}), "other": other})
    stacker = BlockStacker().fit({"clin": frame})
    with pytest.raises(ValueError, match="block 'clin'.*another order"):
        stacker.transform({"clin": frame[["bp", "bmi", "age"]]})
    # the same names given as feature_names, and row subsets, pass silently
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        named = Blocks({"clin": frame.to_numpy(), "other": other},
                       feature_names={"clin": ["age", "bmi", "bp"]})
        np.testing.assert_allclose(model.predict(named), expected)
        np.testing.assert_allclose(
            model.predict(Blocks({"clin": frame, "other": other})[10:20]), expected[10:20])
        # integer column labels are not feature names (scikit-learn's rule)
        model.predict({"clin": frame, "other": pd.DataFrame(other)})
    # names on one side only: scikit-learn warns
    with pytest.warns(UserWarning, match="block 'clin' does not have valid feature names"):
        np.testing.assert_allclose(
            model.predict({"clin": frame.to_numpy(), "other": other}), expected)
    unnamed = FusionRegressor(alpha=0.05).fit({"clin": frame.to_numpy(), "other": other}, y)
    with pytest.warns(UserWarning, match="block 'clin' has feature names, but it was fitted "
                                         "without"):
        unnamed.predict({"clin": frame, "other": other})


def test_fusion_edge_cases_are_clear_errors():
    """Found by review: each of these failed far from the cause, or not at all."""
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((60, 4)), rng.standard_normal((60, 6))
    y = A[:, 0]
    with pytest.raises(ValueError, match=r"block 'empty' has 0 features \(shape \(60, 0\)\)"):
        FusionRegressor(alpha=0.05).fit({"a": A, "empty": np.zeros((60, 0)), "b": B}, y)
    with pytest.raises(ValueError, match="block names 1 and '1' are both named '1'"):
        Blocks({1: A, "1": B})
    with pytest.raises(ValueError, match=r"unpenalized lists every modality \(\['a', 'b'\]\)"):
        FusionRegressor("group", alpha=0.05, unpenalized=["a", "b"]).fit({"a": A, "b": B}, y)
    blocks = Blocks({"a": A, "b": B})
    with pytest.raises(IndexError, match="size of axis is 60 but size of the boolean index is 5"):
        blocks[np.ones(5, bool)]
    with pytest.raises(IndexError, match="1-D array of rows"):
        blocks[np.zeros((2, 2), int)]
    mask = np.arange(60) % 3 == 0
    np.testing.assert_array_equal(blocks[mask]["a"], A[mask])
    # names given with a Blocks were ignored
    with pytest.raises(ValueError, match="differ from the names of the given Blocks"):
        Blocks(blocks, names=["b", "c"])
    with pytest.raises(ValueError, match="are not the keys of the dict of blocks"):
        Blocks({"a": A, "b": B}, names=["a", "a"])
    assert Blocks(blocks, names=["b", "a"]).names == ["b", "a"]
    assert Blocks(blocks, names=["a", "b"]).names == ["a", "b"]
    # a block dense in fit (centred) and sparse in predict ended in
    # StandardScaler's "pass with_mean=False", an option the user never set
    model = FusionRegressor(alpha=0.05).fit({"a": A, "b": B}, y)
    with pytest.raises(ValueError, match="block 'b' was dense in fit and is sparse now"):
        model.predict({"a": A, "b": sparse.csr_matrix(B)})
    np.testing.assert_allclose(model.predict({"a": A, "b": B}), model.predict(blocks))
    # (a later review: a text column, an unknown block and modality names
    # given as the dict's int keys)
    pd = pytest.importorskip("pandas")
    meta = pd.DataFrame({"age": A[:, 1], "site": ["u", "v"] * 30})
    with pytest.raises(ValueError, match="block 'meta', column 'site': could not convert "
                                         "string to float: 'u'; every column must be numeric"):
        FusionRegressor(alpha=0.05).fit({"a": A, "meta": meta}, y)
    with_na = pd.DataFrame({"age": pd.array([1, None] * 30, dtype="Int64"), "site": meta.site})
    with pytest.raises(ValueError, match="block 'meta', column 'age' has missing values"):
        FusionRegressor(alpha=0.05).fit({"a": A, "meta": with_na}, y)
    with pytest.raises(KeyError, match=r"no block named 'c'; the blocks are \['a', 'b'\]"):
        blocks["c"]
    free = FusionRegressor("group", alpha=1e3, unpenalized=[2]).fit({1: A, 2: B}, y)
    assert free.modality_importance_["1"] == 0 < free.modality_importance_["2"]


def test_named_blocks_in_another_order_and_column_y():
    """Found by review: a dict with fit's modalities in another order was
    refused as not matching, and y of shape (n, 1) was refused where every
    single-target estimator of scikit-learn takes it (with a warning)."""
    data, y = modalities()
    model = FusionRegressor(alpha=0.05).fit(data, y)
    shuffled = {name: data[name] for name in ["noise", "dense", "text"]}
    np.testing.assert_array_equal(model.predict(shuffled), model.predict(data))
    np.testing.assert_array_equal(model.predict(Blocks(shuffled)), model.predict(data))
    stacker = BlockStacker().fit(data)
    reordered = stacker.transform(shuffled)
    np.testing.assert_array_equal(reordered.toarray(), stacker.transform(data).toarray())
    with pytest.raises(ValueError, match=r"missing \['noise'\], unexpected \['other'\]"):
        model.predict({"dense": data["dense"], "text": data["text"], "other": data["noise"]})
    with pytest.raises(ValueError, match="are not an order of"):
        Blocks(data).in_order(["dense", "text"])
    # (with modality_names too: the names of a dict or Blocks in any order)
    named = FusionRegressor(alpha=0.05, modality_names=["dense", "text", "noise"]).fit(
        [data["dense"], data["text"], data["noise"]], y)
    np.testing.assert_array_equal(named.predict(shuffled), model.predict(data))
    np.testing.assert_array_equal(named.predict(Blocks(shuffled)), model.predict(data))
    # (names compared as strings, as block names are)
    numbered = FusionRegressor(alpha=0.05, modality_names=[1, 2]).fit(
        [data["dense"], data["noise"]], y)
    np.testing.assert_array_equal(numbered.predict({2: data["noise"], 1: data["dense"]}),
                                  numbered.predict({"1": data["dense"], "2": data["noise"]}))
    from sklearn.exceptions import DataConversionWarning

    with pytest.warns(DataConversionWarning):
        column = FusionRegressor(alpha=0.05).fit(data, y[:, None])
    np.testing.assert_array_equal(column.coef_, model.coef_)


def test_report_cuts_long_feature_names():
    data, y = modalities()
    long_names = [f"Maintainer=Someone With A Very Long Team Name <team@example.org> ({j})"
                  for j in range(6)]
    model = FusionRegressor(alpha=0.05).fit(
        Blocks(data, feature_names={"dense": long_names}), y)
    lines = model.report(top=2).splitlines()
    dense = next(line for line in lines if line.startswith("dense"))
    # cut in the middle, to 40 characters
    listed = [name.rsplit(" (", 1)[0] for name in dense.split("  ")[-1].split(", ")]
    assert len(listed) == 2
    for name in listed:
        assert len(name) == 40 and name.startswith("Maintainer=Someone With A...")
        assert name[-3] == "(" and name[-2] in "012345"
    assert model.feature_names_["dense"][0] == long_names[0]  # (whole there)
    # Found by a review: the demo listed two maintainers' addresses (one team,
    # two mailing lists) cut to the same text. Names that differ only inside
    # the cut are shown whole.
    alike = [f"Maintainer=Someone With A Very Long Team Name <team{j}@example.org>"
             for j in range(3)] + [f"other{j}" for j in range(3)]
    model = FusionRegressor(alpha=0.05).fit(Blocks(data, feature_names={"dense": alike}), y)
    dense = next(line for line in model.report(top=3).splitlines() if line.startswith("dense"))
    listed = [name.rsplit(" (", 1)[0] for name in dense.split("  ")[-1].split(", ")]
    assert len(set(listed)) == len(listed) == 3
    assert sum(name in alike for name in listed) >= 2, dense
