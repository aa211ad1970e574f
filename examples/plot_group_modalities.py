"""
Group lasso on modality blocks
==============================

Five modalities describe each Debian package (description text, name
3-grams, dependencies, debtags, metadata). With one group per modality the
group lasso switches whole modalities on or off; the sparse-group lasso also
selects features inside the modalities that stay. ``FusionRegressor`` scales
and stacks the blocks, chooses alpha by cross-validation, and reports.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from sparsefuse.datasets import load_debian_packages
from sparsefuse.fusion import Blocks, FusionRegressor

data = load_debian_packages(n_samples=8000, random_state=0)
blocks = Blocks(data.blocks, feature_names=data.feature_names)
train, test = train_test_split(np.arange(len(data.target)), random_state=0)

model = FusionRegressor("sparse_group", l1_ratio=0.5, alphas=12, eps=1e-2, cv=3)
model.fit(blocks[train], data.target[train])
print(f"held-out R^2: {model.score(blocks[test], data.target[test]):.3f}")
print(model.report(top=3))

fig, ax = plt.subplots(figsize=(6, 3))
names = list(model.modality_importance_)
ax.barh(names, [model.modality_importance_[n] for n in names])
ax.set_xlabel("norm of the modality's coefficients")
ax.set_title("Modality importance")
fig.tight_layout()
plt.show()
