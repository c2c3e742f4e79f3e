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


def onnx_graph(cnn, input_name, output_name):
    """The fitted ``cnn``'s ``predict_proba`` as an ONNX model.

    Parameters
    ----------
    cnn : EmotionCNNClassifier
        Fitted. Its test-time augmentation and class prior are read now:
        the graph keeps them as they are.
    input_name, output_name : str
        The names the graph's one input and one output get (the exported
        file's contract names them).

    Returns
    -------
    graph : onnx.ModelProto
        One input, float32 of shape ``(n, height * width)``: the rows the
        classifier takes. One output, float32 of shape ``(n, n_classes)`` in
        ``cnn.classes_`` order.
    """
    import tensorflow as tf

    try:
        import tf2onnx
    except ImportError:
        raise ImportError(
            "Exporting to ONNX needs tf2onnx: pip install 'emotion-sklearn[onnx]'."
        ) from None
    reading = _reading_function(cnn, tf, input_name)
    graph, _ = tf2onnx.convert.from_function(
        reading, input_signature=reading.input_signature, opset=OPSET
    )
    _rename_output(graph, output_name)
    return graph


def _reading_function(cnn, tf, input_name):
    height, width = cnn.image_size_
    test_time = cnn._test_time()
    test_time._validate_params()
    crop = None if test_time.crop == 1 else test_time.crop_matrices(cnn.image_size_)
    factors = cnn._prior_factors()
    model = cnn.model_

    @tf.function(
        input_signature=[tf.TensorSpec([None, height * width], tf.float32, input_name)]
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


def _rename_output(graph, new):
    """Call the graph's one output ``new`` instead of tf2onnx's name for it."""
    (output,) = graph.graph.output
    old = output.name
    for node in graph.graph.node:
        node.output[:] = [new if name == old else name for name in node.output]
        node.input[:] = [new if name == old else name for name in node.input]
    output.name = new
