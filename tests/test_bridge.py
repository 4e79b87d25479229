"""Chapter 15's bridge: every architecture of the registry in PyTorch and ONNX, checked against the NumPy code, and the
two-process DistributedDataParallel run. Needs the `bridge` extra (`pip install -e .[bridge]`); without it every test
that needs torch, onnx or onnxruntime is skipped, and the chapter itself is run with the three blocked, so that its skip
path is tested wherever the extra is installed."""
import copy, os, subprocess, sys
import numpy as np
import pytest
from cnn_scratch.core import Scale, set_seed
from cnn_scratch.linear import Linear
from cnn_scratch.network import NeuralNetwork, CNN, fit, evaluate
from cnn_scratch.losses import SoftmaxCrossEntropyLoss
from cnn_scratch.optimizers import Adam
from cnn_scratch.images import load_mnist_sample
from cnn_scratch.architectures import ARCHITECTURES, build_model
from cnn_scratch import bridge
from conftest import ROOT, venv_bin

SHAPE = (1, 16, 16)   # small images: every architecture accepts them, and the test stays fast

@pytest.fixture(scope='module')
def digits():
    "Real digits, cut to 16x16 (the centre of the 28x28 images)."
    X, _, y, _ = load_mnist_sample(120, 40, rng=0)
    return np.ascontiguousarray(X[:, :, 6:22, 6:22]), y

def _trained(arch, X, y, steps=2, batch_size=16):
    set_seed(0)
    model = build_model(arch, SHAPE)
    n = steps * batch_size
    fit(model, SoftmaxCrossEntropyLoss(), Adam(1e-3), X[:n], y[:n], epochs=1, batch_size=batch_size, rng=0, progress=False)
    return model

def test_missing_extra_is_named(monkeypatch):
    "Without the extra, each function says what is missing and how to install it (simulated: nothing is uninstalled)."
    monkeypatch.setattr(bridge, 'missing_dependencies', lambda packages=bridge.BRIDGE_PACKAGES: list(packages))
    for f in (lambda: bridge.to_torch(Linear(2, 2)), lambda: bridge.from_torch(None), lambda: bridge.train_ddp(Linear(2, 2), np.zeros((64, 2)), np.zeros(64)),
              lambda: bridge.to_onnx(Linear(2, 2), 'x.onnx', (2,)), lambda: bridge.run_onnx('x.onnx', np.zeros((1, 2)))):
        with pytest.raises(ImportError, match=r"pip install -e '\.\[bridge\]'"): f()

def test_bad_input_without_the_extra():
    with pytest.raises(TypeError, match='to_torch expects a Layer'): bridge.to_torch('mlp')
    with pytest.raises(TypeError, match='to_onnx expects a Layer'): bridge.to_onnx([Linear(2, 2)], 'x.onnx', (2,))
    with pytest.raises(ValueError, match='input_shape must be'): bridge.to_onnx(Linear(2, 2), 'x.onnx', ())
    with pytest.raises(ValueError, match='train_ddp: X has 64 rows but y has 63'): bridge.train_ddp(Linear(2, 2), np.zeros((64, 2)), np.zeros(63))
    with pytest.raises(ValueError, match='shapes'): bridge.max_rel_diff(np.zeros(2), np.zeros(3))

@pytest.mark.parametrize('arch', list(ARCHITECTURES))
def test_parity_of_every_architecture(arch, digits):
    pytest.importorskip('torch'); pytest.importorskip('onnx'); pytest.importorskip('onnxruntime')
    X, y = digits
    r = bridge.bridge_parity(_trained(arch, X, y), X[-8:], y[-8:])
    assert r['torch_eval'] < 1e-5 and r['onnx'] < 1e-5, r               # float32 outputs
    assert r['torch_grad'] < 1e-10 and r['running_stats'] < 1e-10, r    # float64: the same formulas
    assert r['round_trip'], r
    assert r['torch_grad_f32'] < 1e-4 and r['running_stats_f32'] < 1e-5, r   # float32 too: batch norm's sums are taken in blocks

def test_parity_of_every_layer(digits):
    "A network that uses every layer of the course, with non-square kernels, strides and pools, nested networks and an identity shortcut."
    for pkg in ('torch', 'onnx', 'onnxruntime'): pytest.importorskip(pkg)
    from cnn_scratch.activations import ReLULayer, SigmoidLayer, TanhLayer, LeakyReLULayer, SoftmaxLayer
    from cnn_scratch.linear import Flatten
    from cnn_scratch.conv import Conv2D
    from cnn_scratch.pooling import MaxPool2D, AvgPool2D
    from cnn_scratch.regularization import Dropout, BatchNorm1D, BatchNorm2D
    from cnn_scratch.residual import Residual
    X, y = digits
    set_seed(0)
    inner = NeuralNetwork([Conv2D(4, 6, (3, 2), stride=(2, 1), padding=(1, 0)), BatchNorm2D(6, momentum=0.3), LeakyReLULayer(0.2),
                           AvgPool2D(2, stride=1), TanhLayer()])                                     # (6, 7, 14)
    model = CNN([Conv2D(1, 4, 3, padding=1), SigmoidLayer(), inner, MaxPool2D((2, 3), stride=(2, 1)),  # (6, 3, 12)
                 Residual([Conv2D(6, 6, 3, padding=1, bias=False), ReLULayer()]), Flatten(), Dropout(0.3),
                 Linear(216, 12, bias=False), BatchNorm1D(12), ReLULayer(), Linear(12, 10), SoftmaxLayer()])
    fit(model, SoftmaxCrossEntropyLoss(), Adam(1e-3), X[:32], y[:32], epochs=1, batch_size=16, rng=0, progress=False)
    r = bridge.bridge_parity(model, X[-8:], y[-8:])
    assert r['torch_eval'] < 1e-5 and r['onnx'] < 1e-5, r
    assert r['torch_grad'] < 1e-10 and r['running_stats'] < 1e-10 and r['round_trip'], r

def test_modes_and_classes_survive(digits):
    "Train/eval flags per layer, the CNN class, and independence: a step on the torch copy leaves the course model alone."
    torch = pytest.importorskip('torch')
    X, y = digits
    model = _trained('resnet', X, y)
    model.train(); model.layers[1].eval()                          # one batch norm in eval mode, the rest in training
    net = bridge.to_torch(model)
    assert net.training and not net[1].training and net[4].body[1].training    # layer 4: the first residual block, after the pooled stem
    back = bridge.from_torch(net)
    assert isinstance(back, CNN) and back.training and not back.layers[1].training
    before = [p.copy() for p in model.parameters()]
    with torch.no_grad():
        for p in net.parameters(): p.add_(1.0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.parameters()))

def test_from_torch_of_a_hand_built_network():
    "A torch network that to_torch did not write, built from the supported modules, comes over with the same function."
    torch = pytest.importorskip('torch')
    nn = torch.nn
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 0)), nn.BatchNorm2d(4, momentum=0.3), nn.LeakyReLU(0.2),
                        nn.AvgPool2d(2), nn.Tanh(), nn.Flatten(), nn.Dropout(0.25), nn.Linear(4 * 2 * 3, 5, bias=False), nn.Sigmoid(),
                        nn.BatchNorm1d(5), nn.Softmax(dim=1))
    net.train()
    for _ in range(3): net(torch.randn(6, 3, 8, 8))                # move the running statistics
    net.eval()
    ours = bridge.from_torch(net)
    assert ours.layers[1].momentum == pytest.approx(0.3) and ours.layers[7].bias is None
    x = np.random.default_rng(0).standard_normal((4, 3, 8, 8)).astype(np.float32)
    with torch.no_grad(): expected = net(torch.from_numpy(x)).numpy()
    assert bridge.max_rel_diff(ours.predict(x), expected) < 1e-5

def test_unsupported_is_refused_by_name():
    torch = pytest.importorskip('torch')
    nn = torch.nn
    with pytest.raises(TypeError, match=r'model\[1\] is a Scale'): bridge.to_torch(NeuralNetwork([Linear(3, 3), Scale(3)]))
    with pytest.raises(TypeError, match=r'module\[0\]\[1\] is a torch.nn.modules.activation.GELU'):
        bridge.from_torch(nn.Sequential(nn.Sequential(nn.Linear(2, 2), nn.GELU())))
    for m, what in ((nn.Conv2d(1, 2, 3, groups=1, dilation=2), 'dilation'), (nn.Conv2d(2, 2, 3, groups=2), 'groups=2'),
                    (nn.Conv2d(1, 2, 3, padding='same'), "padding='same'"), (nn.MaxPool2d(2, ceil_mode=True), 'ceil_mode'),
                    (nn.AvgPool2d(2, padding=1), 'padding'), (nn.BatchNorm2d(3, affine=False), 'affine=False'),
                    (nn.BatchNorm1d(3, momentum=None), 'momentum=None'), (nn.Flatten(0), 'start_dim=0'), (nn.Softmax(dim=0), 'dim=0')):
        with pytest.raises(ValueError, match=what): bridge.from_torch(m)
    with pytest.raises(TypeError, match='from_torch expects a torch.nn.Module'): bridge.from_torch(np.zeros(2))
    pytest.importorskip('onnx')
    with pytest.raises(ValueError, match='does not fit the model'): bridge.to_onnx(build_model('small', SHAPE), 'x.onnx', (1, 12, 12))
    with pytest.raises(TypeError, match=r'model\[0\] is a Scale'): bridge.to_onnx(NeuralNetwork([Scale(3)]), 'x.onnx', (3,))

def test_onnx_file_is_checked_and_batch_free(tmp_path, digits):
    onnx = pytest.importorskip('onnx'); pytest.importorskip('onnxruntime')
    X, y = digits
    model = _trained('deep', X, y)
    path = bridge.to_onnx(model, tmp_path/'deep.onnx', SHAPE)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    assert {n.op_type for n in proto.graph.node} >= {'Conv', 'BatchNormalization', 'Relu', 'MaxPool', 'GlobalAveragePool', 'Gemm'}
    for n in (1, 5):   # any batch size
        assert bridge.max_rel_diff(bridge.run_onnx(path, X[:n]), model.predict(X[:n])) < 1e-5

def test_two_processes_with_ddp():
    "The DistributedDataParallel run of the chapter, small: two processes, one epoch on 256 digits, 4 steps."
    pytest.importorskip('torch')
    X, Xv, y, yv = load_mnist_sample(256, 100, rng=0)
    set_seed(0)
    model = build_model('batchnorm', (1, 28, 28))
    fit(model, SoftmaxCrossEntropyLoss(), Adam(1e-3), X, y, epochs=1, batch_size=32, rng=0, progress=False)
    kept = copy.deepcopy(model)
    trained, h = bridge.train_ddp(model, X, y, epochs=1, batch_size=32, seed=0)
    assert h['replicas_equal'] and h['examples'] == 128 and len(h['loss']) == 4 and all(np.isfinite(h['loss']))
    assert all(np.array_equal(a, b) for a, b in zip(model.parameters(), kept.parameters()))     # the input model is unchanged
    assert not all(np.array_equal(a, b) for a, b in zip(trained.parameters(), model.parameters()))
    assert type(trained) is type(model) and trained.training == model.training
    loss, acc = evaluate(trained, SoftmaxCrossEntropyLoss(), Xv, yv)
    assert np.isfinite(loss) and 0 <= acc <= 1

def test_chapter_runs_without_the_extra(tmp_path):
    "Chapter 15 with torch, onnx and onnxruntime blocked (None in sys.modules): every cell that needs them only says so."
    pytest.importorskip('torch')   # without the extra, `make test`'s nbdev_test already runs the chapter this way
    (tmp_path/'sitecustomize.py').write_text('import sys\nsys.modules.update(torch=None, onnx=None, onnxruntime=None)\n')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]), OPENBLAS_NUM_THREADS='1')
    r = subprocess.run([venv_bin('nbdev_test'), '--path', str(ROOT/'nbs'/'15_bridge.ipynb')], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
