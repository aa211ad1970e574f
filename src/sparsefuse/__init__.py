"""sparsefuse: certified coordinate-descent Lasso, elastic net and group lasso.

``from sparsefuse import Lasso`` is a drop-in for
``from sklearn.linear_model import Lasso``: same parameters, attributes and
solutions, from a compiled coordinate-descent core that reports its duality
gap.
"""

from sparsefuse._path import enet_path, lasso_path
from sparsefuse.group import GroupLasso, GroupLassoCV, SparseGroupLasso, group_lasso_path
from sparsefuse.linear_model import ElasticNet, ElasticNetCV, Lasso, LassoCV

__all__ = [
    "ElasticNet",
    "ElasticNetCV",
    "GroupLasso",
    "GroupLassoCV",
    "Lasso",
    "LassoCV",
    "SparseGroupLasso",
    "enet_path",
    "group_lasso_path",
    "lasso_path",
]
__version__ = "0.1.0.dev0"
