"""
Regularization path on leukemia
===============================

``lasso_path`` computes the solutions for a decreasing grid of alphas, each
warm-started from the previous one, and returns the duality gap certifying
each point. The plot shows the coefficients entering the model.
"""

import matplotlib.pyplot as plt
import numpy as np

from sparsefuse import lasso_path
from sparsefuse.datasets import load_leukemia

X, y = load_leukemia()
alphas, coefs, gaps = lasso_path(X, y - y.mean(), alphas=50, eps=1e-2, tol=1e-6)
print(f"{np.count_nonzero(coefs[:, -1])} genes selected at the smallest alpha; "
      f"largest duality gap on the path {gaps.max():.1e}")

fig, ax = plt.subplots(figsize=(7, 4))
active = np.flatnonzero(np.any(coefs != 0, axis=1))
ax.plot(alphas, coefs[active].T, lw=0.8)
ax.set_xscale("log")
ax.invert_xaxis()
ax.set_xlabel("alpha")
ax.set_ylabel("coefficient")
ax.set_title("Lasso path on the leukemia data")
fig.tight_layout()
plt.show()
