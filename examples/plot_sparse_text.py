"""
Sparse text with an intercept
=============================

TF-IDF features are sparse; centring them to fit an intercept would fill in
every zero. sparsefuse never densifies sparse X: the intercept is projected
out implicitly, at O(nnz) cost per coordinate update (only columns whose mean
dwarfs their spread, nearly full and rare in text, are stored centred, in a
copy of X). Here the Lasso picks the
description words that predict the installed size of Debian packages.
"""

import time

import matplotlib.pyplot as plt
import numpy as np

from sparsefuse import LassoCV
from sparsefuse.datasets import load_debian_packages

data = load_debian_packages(n_samples=20000, random_state=1)
X = data.blocks["description"]  # CSR, TF-IDF
words = data.feature_names["description"]
print(f"X: {X.shape[0]} x {X.shape[1]}, {X.nnz} nonzeros ({X.nnz / np.prod(X.shape):.4%})")

start = time.perf_counter()
model = LassoCV(cv=3, alphas=20, eps=1e-2).fit(X, data.target)
print(f"LassoCV with an intercept in {time.perf_counter() - start:.1f}s, alpha={model.alpha_:.2e}, "
      f"{np.count_nonzero(model.coef_)} words kept, gap {model.dual_gap_:.1e}")

order = np.argsort(model.coef_)
top = np.r_[order[:8], order[-8:]]
fig, ax = plt.subplots(figsize=(6, 4))
ax.barh(words[top], model.coef_[top])
ax.set_xlabel("coefficient (log1p installed size)")
ax.set_title("Words that predict a package's size")
fig.tight_layout()
plt.show()
