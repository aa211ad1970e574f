"""scikit-learn's own estimator checks, run on the sparsefuse estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sparsefuse import ElasticNet, ElasticNetCV, GroupLassoCV, Lasso, LassoCV


@parametrize_with_checks([Lasso(), ElasticNet()])
def test_sklearn_compatible(estimator, check):
    check(estimator)


# The CV estimators at a tight tol: check_sample_weight_equivalence compares
# fits with integer weights and with repeated rows to 1e-7, as scikit-learn
# does for its own LassoCV (it sets tol=1e-12 for that check). Its problem
# (45 rows, 30 uniform columns, intercept) is ill-conditioned: the refit at
# the chosen alpha needs 500 to 1,300 epochs to reach 1e-12 (2,500 without
# Anderson acceleration), varying with rounding, so the default 1,000 epochs
# would pass or fail by chance.
@parametrize_with_checks([LassoCV(cv=3, tol=1e-12, max_iter=10_000),
                          ElasticNetCV(cv=3, tol=1e-12, max_iter=10_000),
                          GroupLassoCV(1, cv=3, tol=1e-12, max_iter=100_000)])
def test_cv_estimators_sklearn_compatible(estimator, check):
    check(estimator)
