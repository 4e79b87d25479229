"""Bad input fails early, at the function that received it, with a message naming it and the shapes or values involved."""
import numpy as np
import pytest
from cnn_scratch import *

LAYERS_WITH_FEATURES = [  # (layer, good input, wrong-width input, message fragment)
    (lambda: Linear(3, 2), (4, 3), (4, 5), 'Linear expected input of shape (N, 3), got (4, 5)'),
    (lambda: Scale(3), (4, 3), (4, 2), 'Scale expected input of shape (N, 3), got (4, 2)'),
    (lambda: SoftmaxLayer(), (4, 3), (4, 3, 2), 'SoftmaxLayer expected input of shape (N, C), got (4, 3, 2)'),
]

@pytest.mark.parametrize('make,good,bad,msg', LAYERS_WITH_FEATURES)
def test_wrong_shape_names_layer_and_shapes(make, good, bad, msg):
    layer = make()
    layer(np.ones(good))  # the good shape works
    with pytest.raises(ValueError) as e: layer(np.ones(bad))
    assert msg in str(e.value)

@pytest.mark.parametrize('shape', [(3,), (2, 3, 1)])
def test_linear_rejects_wrong_rank(shape):
    with pytest.raises(ValueError, match=r'Linear expected input of shape \(N, 3\)'): Linear(3, 2)(np.ones(shape))

def test_flatten_needs_a_batch_axis():
    with pytest.raises(ValueError, match='Flatten expected'): Flatten()(np.ones(5))

ALL_LAYERS = [lambda: Linear(3, 2), Flatten, ReLULayer, SigmoidLayer, TanhLayer, LeakyReLULayer, SoftmaxLayer,
              lambda: Scale(3), lambda: NeuralNetwork([Linear(3, 2)])]

@pytest.mark.parametrize('make', ALL_LAYERS)
def test_backward_before_forward(make):
    with pytest.raises(RuntimeError, match='backward called before forward'): make().backward(np.ones((2, 3)))

@pytest.mark.parametrize('kwargs,msg', [(dict(input_size=0, output_size=2), 'input_size'),
                                        (dict(input_size=2, output_size=-1), 'output_size'),
                                        (dict(input_size=2, output_size=2, init='glorot'), "unknown init 'glorot'")])
def test_linear_bad_arguments(kwargs, msg):
    with pytest.raises(ValueError, match=msg): Linear(**kwargs)

def test_integer_input_is_converted_not_overflowed():
    x = np.array([[250, 10]], dtype=np.uint8)
    lin = Linear(2, 1); lin.weights[:] = 1; lin.bias[:] = 0
    assert lin(x)[0, 0] == 260.0 and lin(x).dtype == np.float32

@pytest.mark.parametrize('loss', [SoftmaxCrossEntropyLoss(), CrossEntropyLoss()])
def test_labels_out_of_range(loss):
    p = np.full((3, 4), 0.25, np.float32)
    with pytest.raises(ValueError) as e: loss(p, np.array([0, 4, 1]))
    assert type(loss).__name__ in str(e.value) and '4' in str(e.value)
    with pytest.raises(ValueError): loss(p, np.array([0, -1, 1]))

@pytest.mark.parametrize('loss', [SoftmaxCrossEntropyLoss(), CrossEntropyLoss(), MSELoss()])
def test_batch_sizes_must_agree(loss):
    with pytest.raises(ValueError) as e: loss(np.full((3, 2), 0.5, np.float32), np.array([0, 1]))
    assert type(loss).__name__ in str(e.value)

def test_one_hot_width_must_match():
    with pytest.raises(ValueError, match='SoftmaxCrossEntropyLoss'): SoftmaxCrossEntropyLoss()(np.zeros((2, 3)), np.eye(4)[:2])

@pytest.mark.parametrize('loss', [SoftmaxCrossEntropyLoss(), CrossEntropyLoss(), MSELoss()])
def test_loss_backward_before_call(loss):
    with pytest.raises(RuntimeError): loss.backward()

@pytest.mark.parametrize('make', [lambda: SGD(learning_rate=0), lambda: Adam(learning_rate=-1), lambda: Adam(beta1=1.0),
                                  lambda: Momentum(momentum=1.5), lambda: RMSProp(decay_rate=-0.1),
                                  lambda: Adagrad(epsilon=0)])
def test_optimizer_bad_hyperparameters(make):
    with pytest.raises(ValueError): make()

def test_optimizer_gradient_shape_mismatch_changes_nothing():
    p = np.ones(3, np.float32); opt = Adam()
    with pytest.raises(ValueError, match="'w'"): opt.step([('w', p, np.ones(4))])
    assert opt.t == 0 and (p == 1).all()

@pytest.mark.parametrize('call', [lambda: spiral_data(samples=0), lambda: spiral_data(classes=1),
                                  lambda: circle_data(factor=1.5), lambda: zone_data(zones=1),
                                  lambda: polynomial_data(coefficients=()), lambda: line_data(noise=-1)])
def test_data_generators_reject_bad_arguments(call):
    with pytest.raises(ValueError): call()

def test_batch_iterator_bad_input():
    with pytest.raises(ValueError): batch_iterator(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError): batch_iterator(np.zeros((5, 2)), np.zeros(5), batch_size=0)

def test_network_bad_input():
    net = NeuralNetwork([Linear(2, 3)])
    with pytest.raises(TypeError, match='expects a Layer'): net.add_layer(np.tanh)
    with pytest.raises(ValueError, match=r'\(N, 2\), got \(4, 3\)'): net(np.zeros((4, 3)))
    with pytest.raises(ValueError, match='5 rows but y has 4'):
        fit(net, SoftmaxCrossEntropyLoss(), SGD(), np.zeros((5, 2)), np.zeros(4, int), progress=False)
    with pytest.raises(ValueError): accuracy(np.zeros(3), np.zeros(3))

# Convolution and pooling (issue: a ValueError that names the layer and the shapes)
@pytest.mark.parametrize('shape,msg', [((1, 28, 28), 'Conv2D'), ((2, 3, 8, 8), 'Conv2D'), ((2, 1, 8, 8, 1), 'Conv2D')])
def test_conv_wrong_rank_or_channels(shape, msg):
    with pytest.raises(ValueError) as e: Conv2D(1, 4, 3)(np.ones(shape, np.float32))
    assert msg in str(e.value) and str(shape) in str(e.value)

def test_conv_kernel_larger_than_padded_input():
    with pytest.raises(ValueError) as e: Conv2D(1, 2, 5, padding=1)(np.ones((1, 1, 2, 2), np.float32))
    assert 'Conv2D' in str(e.value) and '(1, 1, 2, 2)' in str(e.value)

@pytest.mark.parametrize('kwargs', [dict(stride=0), dict(stride=-1), dict(padding=-1), dict(kernel_size=0), dict(stride=(1, 0))])
def test_conv_bad_arguments(kwargs):
    args = dict(in_channels=1, out_channels=2, kernel_size=3) | kwargs
    with pytest.raises(ValueError, match='Conv2D'): Conv2D(**args)

def test_conv_integer_images_are_converted_not_overflowed():
    conv = Conv2D(1, 1, 1, bias=False); conv.weights[:] = 2
    y = conv(np.full((1, 1, 2, 2), 200, np.uint8))
    assert y.dtype == np.float32 and (y == 400).all()

@pytest.mark.parametrize('make', [lambda: MaxPool2D(2), lambda: AvgPool2D(2)])
def test_pool_bad_input(make):
    with pytest.raises(ValueError) as e: make()(np.ones((2, 8, 8), np.float32))
    assert type(make()).__name__ in str(e.value) and '(2, 8, 8)' in str(e.value)
    with pytest.raises(ValueError): make()(np.ones((1, 1, 1, 1), np.float32))  # window larger than the input

@pytest.mark.parametrize('kwargs', [dict(pool_size=0), dict(pool_size=2, stride=0), dict(pool_size=-2)])
def test_pool_bad_arguments(kwargs):
    with pytest.raises(ValueError, match='MaxPool2D'): MaxPool2D(**kwargs)

@pytest.mark.parametrize('make', [lambda: Conv2D(1, 2, 3), lambda: MaxPool2D(2), lambda: AvgPool2D(2), GlobalAvgPool2D,
                                  lambda: Dropout(0.5)])
def test_backward_before_forward_new_layers(make):
    with pytest.raises(RuntimeError, match='before forward'): make().backward(np.ones((1, 2, 2, 2)))

@pytest.mark.parametrize('max_norm', [0, -1.0, float('nan')])
def test_clipping_rejects_non_positive_bounds(max_norm):
    with pytest.raises(ValueError, match='max_norm must be > 0'): clip_grad_norm(Linear(2, 2), max_norm)
    with pytest.raises(ValueError, match='max_norm must be > 0'): clip_gradients([np.ones(2)], max_norm)
