import matplotlib
import numpy as np
import pytest

from emotion_sklearn.plotting import (
    plot_confusion_matrix,
    plot_sample_images,
    plot_training_curves,
)

HISTORY = {
    "loss": [1.3, 1.0, 0.8],
    "accuracy": [0.3, 0.5, 0.6],
    "val_loss": [1.4, 1.2, 1.1],
    "val_accuracy": [0.3, 0.4, 0.5],
}


def test_confusion_matrix_rows_are_recall(tmp_path):
    display = plot_confusion_matrix(
        ["anger", "anger", "sadness"],
        ["anger", "neutral", "sadness"],
        labels=["anger", "neutral", "sadness"],
    )
    np.testing.assert_allclose(display.confusion_matrix[0], [0.5, 0.5, 0])
    display.figure_.savefig(tmp_path / "cm.png")
    assert (tmp_path / "cm.png").stat().st_size > 1000


def test_training_curves_from_a_history_or_a_model(tmp_path):
    figure = plot_training_curves(HISTORY)
    assert [ax.get_title() for ax in figure.axes] == ["loss", "accuracy"]
    assert len(figure.axes[0].lines) == 2

    class Fitted:
        history_ = {"loss": [1.0, 0.5], "accuracy": [0.5, 0.7]}

    assert len(plot_training_curves(Fitted()).axes[0].lines) == 1
    with pytest.raises(ValueError, match="No training history"):
        plot_training_curves(object())


def test_sample_grid_marks_wrong_predictions():
    figure = plot_sample_images(
        np.random.default_rng(0).random((7, 64)),
        ["anger"] * 7,
        ["anger"] * 6 + ["sadness"],
        n_columns=4,
    )
    titled = [ax for ax in figure.axes if ax.get_title()]
    assert len(titled) == 7
    assert titled[-1].title.get_color() == "tab:red"


def test_no_pyplot_state_is_touched():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plot_training_curves(HISTORY)
    assert plt.get_fignums() == before
    assert matplotlib.get_backend()  # any backend: nothing was shown


def test_plots_draw_on_a_figure_given_to_them():
    import matplotlib.pyplot as plt

    figure = plt.figure()
    try:
        assert plot_training_curves(HISTORY, figure=figure) is figure
        assert len(figure.axes) == 2
        with pytest.raises(ValueError, match="figure must be empty"):
            plot_sample_images(np.zeros((2, 16)), ["a", "b"], figure=figure)
    finally:
        plt.close(figure)


def test_annotate_draws_boxes_and_labels_on_a_copy():
    import pandas as pd

    from emotion_sklearn.plotting import annotate

    photo = np.full((120, 200, 3), 255, dtype=np.uint8)
    faces = pd.DataFrame(
        {
            "source": [0, 0],
            "face": [0, 1],
            "face_found": [True, True],
            "x": [10, 110],
            "y": [30, 30],
            "width": [60, 60],
            "height": [60, 60],
            "label": ["anger", "sadness"],
            "anger": [0.9, 0.1],
            "sadness": [0.1, 0.9],
        }
    )
    drawn = np.asarray(annotate(photo, faces, ["anger", "sadness"]))
    assert (photo == 255).all()  # the photo itself is unchanged
    # Each box's outline is drawn in its class's colour, the two differ.
    left, right = drawn[60, 10], drawn[60, 110]
    assert (left != 255).any() and (right != 255).any()
    assert (left != right).any()
    assert (drawn[60, 40] == 255).all()  # inside a box: untouched
