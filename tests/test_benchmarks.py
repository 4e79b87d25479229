"The benchmark scripts run end to end on tiny settings (their timings are not checked: speed is never asserted)."
import json, subprocess, sys
from pathlib import Path
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / 'benchmarks'))

def run(script, *args):
    r = subprocess.run([sys.executable, str(ROOT / 'benchmarks' / script), *args], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout

def test_train_step_layers(tmp_path):
    "Every configuration is reported; --layers prints a row per layer; with torch installed, PyTorch's layers carry the same names."
    out = tmp_path / 'ts.json'
    text = run('train_step.py', '--arch', 'small', '--arch', 'resnet', '--batch', '2', '--repeats', '1', '--rounds', '1', '--layers', '--out', str(out))
    res = json.loads(out.read_text())['results']
    assert [(r['arch'], r['batch']) for r in res] == [('small', 2), ('resnet', 2)]
    from train_step import numpy_model
    for r in res:
        names = [f'{i}:{type(l).__name__}' for i, l in enumerate(numpy_model(r['arch']).layers)]
        assert list(r['layers']) == names + ['optimizer+zero_grad']
        if 'torch_ms' in r: assert list(r['torch_layers']) == names
        assert f'{r["arch"]} at batch 2, per layer' in text
    assert '4:Residual' in text

def test_conv_floor_finds_every_convolution(tmp_path):
    "conv_floor.py times each Conv2D of a network once, residual branches included, in the order of the forward pass."
    from conv_floor import conv_inputs
    from cnn_scratch import Conv2D
    from cnn_scratch.bridge import _all_layers
    from train_step import numpy_model
    found = conv_inputs('resnet', 2)
    convs = [l for l in _all_layers(numpy_model('resnet')) if isinstance(l, Conv2D)]
    assert len(found) == len(convs) == 9
    assert [f[0] for f in found][:3] == ['0', '4.body.0', '4.body.3'] and found[5][0] == '6.shortcut.0'
    assert [f[3] for f in found] == [False] + [True] * 8                  # only the first layer needs no dL/dx
    assert found[1][2] == (2, 16, 14, 14) and found[5][2] == (2, 16, 14, 14)
    out = tmp_path / 'cf.json'
    run('conv_floor.py', '--arch', 'small', '--batch', '2', '--repeats', '1', '--out', str(out))
    res = json.loads(out.read_text())['results']
    assert [r['layer'] for r in res] == ['0', '3'] and all(r['products_ms'] > 0 for r in res)

def test_bad_arguments():
    r = subprocess.run([sys.executable, str(ROOT / 'benchmarks' / 'conv_floor.py'), '--batch', '0'], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and 'must be at least 1' in r.stderr
