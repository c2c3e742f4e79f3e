"""The network and its test-time reading as one ONNX graph.

:func:`onnx_graph` traces what :meth:`EmotionCNNClassifier.predict_proba`
does to a batch of pixel rows (the test-time crop, the mirror images, the
network or networks, the average and the class prior) as one TensorFlow
function, and converts it with ``tf2onnx``: whatever runs the graph gets the
classifier's probabilities from the loader's rows with no Python around it.
"""

import numpy as np

# The ONNX operator set: onnxruntime 1.14 and later run all of it.
OPSET = 17
INPUT_NAME = "pixels"
OUTPUT_NAME = "probabilities"


def onnx_graph(cnn):
    """The fitted ``cnn``'s ``predict_proba`` as an ONNX model.

    Parameters
    ----------
    cnn : EmotionCNNClassifier
        Fitted. Its test-time augmentation and class prior are read now:
        the graph keeps them as they are.

    Returns
    -------
    graph : onnx.ModelProto
        One input, ``pixels``, float32 of shape ``(n, height * width)``: the
        rows the classifier takes. One output, ``probabilities``, float32 of
        shape ``(n, n_classes)`` in ``cnn.classes_`` order.
    """
    import tensorflow as tf

    try:
        import tf2onnx
    except ImportError:
        raise ImportError(
            "Exporting to ONNX needs tf2onnx: pip install 'emotion-sklearn[onnx]'."
        ) from None
    reading = _reading_function(cnn, tf)
    graph, _ = tf2onnx.convert.from_function(
        reading, input_signature=reading.input_signature, opset=OPSET
    )
    _rename_output(graph, reading)
    return graph


def _reading_function(cnn, tf):
    height, width = cnn.image_size_
    test_time = cnn._test_time()
    test_time._validate_params()
    crop = None if test_time.crop == 1 else test_time.crop_matrices(cnn.image_size_)
    factors = cnn._prior_factors()
    model = cnn.model_

    @tf.function(
        input_signature=[tf.TensorSpec([None, height * width], tf.float32, INPUT_NAME)]
    )
    def reading(rows):
        views = tf.reshape(rows, [-1, height, width])
        if crop is not None:
            views = tf.einsum("ij,njk,lk->nil", crop[0], views, crop[1])
        if test_time.flip:
            views = tf.concat([views, tf.reverse(views, axis=[2])], axis=0)
        proba = model(tf.reshape(views, [-1, height * width]), training=False)
        if cnn.n_networks > 1:
            proba = tf.reduce_mean(proba, axis=1)
        if test_time.flip:
            n_rows = tf.shape(rows)[0]
            proba = (proba[:n_rows] + proba[n_rows:]) / 2
        if factors is not None:
            proba = proba * factors.astype(np.float32)
            proba = proba / tf.reduce_sum(proba, axis=1, keepdims=True)
        return proba

    return reading


def _rename_output(graph, reading):
    """Call the graph's one output ``probabilities`` instead of tf2onnx's name."""
    (output,) = graph.graph.output
    old = output.name
    for node in graph.graph.node:
        node.output[:] = [OUTPUT_NAME if name == old else name for name in node.output]
        node.input[:] = [OUTPUT_NAME if name == old else name for name in node.input]
    output.name = OUTPUT_NAME
