"""scikit-learn's estimator checks on every estimator of the package."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from emotion_sklearn import ImageLoader

# Each entry: check name -> why it is expected to fail.
EXPECTED_FAILED_CHECKS = {
    "ImageLoader": {},
}


@parametrize_with_checks(
    [
        # Generic checks feed rows of any length: read them as one-pixel-high
        # strips (input_shape=(1, -1)) so every code path still runs.
        ImageLoader(image_size=(1, 4), input_shape=(1, -1)),
    ],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS[type(est).__name__],
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
