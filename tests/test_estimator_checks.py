"""scikit-learn's own estimator checks, run on the sparsefuse estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sparsefuse import ElasticNet, Lasso


@parametrize_with_checks([Lasso(), ElasticNet()])
def test_sklearn_compatible(estimator, check):
    check(estimator)
