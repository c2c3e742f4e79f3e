"""
Grid-searching the CNN's architecture with person groups
========================================================

Every architecture parameter of :class:`~emotion_sklearn.EmotionCNNClassifier`
is a plain constructor argument, so :class:`~sklearn.model_selection.GridSearchCV`
can search it like any scikit-learn parameter. Folds are grouped by person, and
``memory=`` caches the decoded images so that each fold's photos are read once,
not once per candidate.
"""

# %%
from tempfile import mkdtemp

import pandas as pd
from _data import small_subset
from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold

from emotion_sklearn import make_emotion_pipeline

paths, labels, people = small_subset(n_per_class=50)

pipeline = make_emotion_pipeline(
    load__image_size=(32, 32),
    cnn__dense_units=16,
    cnn__epochs=5,
    memory=mkdtemp(),
    random_state=0,
)
search = GridSearchCV(
    pipeline,
    {"cnn__filters": [4, 8], "cnn__n_blocks": [1, 2]},
    cv=StratifiedGroupKFold(n_splits=3),
    scoring="balanced_accuracy",
)
search.fit(paths, labels, groups=people)

# %%
# The candidates, best first.
results = pd.DataFrame(search.cv_results_)
columns = [
    "param_cnn__filters",
    "param_cnn__n_blocks",
    "mean_test_score",
    "std_test_score",
    "rank_test_score",
]
print(results[columns].sort_values("rank_test_score").to_string(index=False))

# %%
# Mean balanced accuracy of each candidate over the held-out people, with the
# spread over the folds.
import matplotlib.pyplot as plt

names = [
    f"{row.param_cnn__n_blocks} blocks, {row.param_cnn__filters} filters"
    for row in results.itertuples()
]
figure, ax = plt.subplots(figsize=(6, 3), layout="constrained")
ax.barh(names, results["mean_test_score"], xerr=results["std_test_score"])
ax.axvline(0.25, color="grey", linestyle="--", label="chance (4 classes)")
ax.set_xlabel("balanced accuracy on held-out people")
ax.legend(loc="lower right")

# %%
# The refitted best pipeline takes image paths, and saves to a file that runs
# no code when it is loaded.
from emotion_sklearn import load_model, save_model

path = f"{mkdtemp()}/best.esk"
save_model(search.best_estimator_, path)
print(load_model(path).predict(paths[:5]))
