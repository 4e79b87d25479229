"""Property-based tests (hypothesis) across random shapes and values: every layer keeps float32, returns outputs and
gradients of the right shapes, and stays finite for finite inputs, including very large logits and very negative
sigmoid inputs."""
import warnings
import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays
from cnn_scratch import *

FAST = settings(max_examples=25, deadline=None)
finite32 = st.floats(-1e4, 1e4, allow_nan=False, width=32)

def check_layer(layer, x, out_shape):
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # no overflow or invalid-value warnings either
        y = layer.forward(x)
        assert y.shape == out_shape and y.dtype == np.float32 and np.isfinite(y).all()
        g = layer.backward(np.ones_like(y))
    assert g.shape == x.shape and g.dtype == np.float32 and np.isfinite(g).all()

@FAST
@given(st.data(), st.integers(1, 5), st.integers(1, 6))
def test_elementwise_layers(data, n, d):
    x = data.draw(arrays(np.float32, (n, d), elements=finite32))
    for layer in [ReLULayer(), SigmoidLayer(), TanhLayer(), LeakyReLULayer(0.1), SoftmaxLayer(), Dropout(0.3)]:
        check_layer(layer, x, (n, d))

@FAST
@given(st.data(), st.integers(1, 4), st.integers(1, 6), st.integers(1, 5))
def test_linear_and_flatten(data, n, d_in, d_out):
    x = data.draw(arrays(np.float32, (n, d_in), elements=st.floats(-100, 100, width=32)))
    check_layer(Linear(d_in, d_out), x, (n, d_out))
    check_layer(Flatten(), x.reshape(n, d_in, 1), (n, d_in))

@FAST
@given(st.data(), st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 2), st.integers(0, 2),
       st.integers(3, 9), st.integers(3, 9))
def test_conv2d(data, n, c, f, k, s, p, h, w):
    if k > h + 2 * p or k > w + 2 * p: return
    x = data.draw(arrays(np.float32, (n, c, h, w), elements=st.floats(-10, 10, width=32)))
    oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    check_layer(Conv2D(c, f, k, stride=s, padding=p), x, (n, f, oh, ow))

@FAST
@given(st.data(), st.integers(1, 3), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(3, 9), st.integers(3, 9))
def test_pooling(data, n, c, pool, stride, h, w):
    if pool > h or pool > w: return
    x = data.draw(arrays(np.float32, (n, c, h, w), elements=st.floats(-10, 10, width=32)))
    shape = (n, c, (h - pool) // stride + 1, (w - pool) // stride + 1)
    check_layer(MaxPool2D(pool, stride), x, shape)
    check_layer(AvgPool2D(pool, stride), x, shape)
    check_layer(GlobalAvgPool2D(), x, (n, c))

@FAST
@given(st.data(), st.integers(2, 6), st.integers(1, 4))
def test_batchnorm(data, n, c):
    x = data.draw(arrays(np.float32, (n, c, 3, 3), elements=st.floats(-100, 100, width=32)))
    check_layer(BatchNorm2D(c), x, x.shape)
    check_layer(BatchNorm1D(c), x[:, :, 0, 0].copy(), (n, c))

@FAST
@given(st.data(), st.integers(1, 6), st.integers(2, 6), st.floats(1, 1e4))
def test_softmax_cross_entropy_large_logits(data, n, c, scale):
    z = data.draw(arrays(np.float32, (n, c), elements=st.floats(-1, 1, width=32))) * np.float32(scale)
    y = data.draw(arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    loss_fn = SoftmaxCrossEntropyLoss()
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        loss = loss_fn(z, y); g = loss_fn.backward()
    assert np.isfinite(loss) and loss >= 0 and g.shape == z.shape and g.dtype == np.float32 and np.isfinite(g).all()

@FAST
@given(arrays(np.float32, st.integers(1, 20), elements=st.floats(allow_nan=False, allow_infinity=False, width=32)))
def test_sigmoid_never_overflows(x):
    with np.errstate(over='raise', invalid='raise'):
        s = sigmoid(x)
    assert s.dtype == np.float32 and ((s >= 0) & (s <= 1)).all()
