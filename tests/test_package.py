"""The package as a user meets it: the import is light, the seed's names are there, every module is reachable."""
import subprocess, sys
import numpy as np
import cnn_scratch
from conftest import ROOT

def test_import_is_light():
    "Numerical modules never pull in matplotlib, ipywidgets or scikit-learn; nor does the bridge (chapter 15) pull in its extra."
    code = ('import sys, cnn_scratch, cnn_scratch.bridge; from cnn_scratch import *; '
            'heavy = [m for m in ("matplotlib", "ipywidgets", "sklearn", "torch", "onnx", "onnxruntime") if sys.modules.get(m) is not None]; print(heavy)')
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == '[]', r.stdout

def test_seed_names_are_exported():
    names = set(cnn_scratch.__all__)
    seed = {'CNN', 'NeuralNetwork', 'Linear', 'Flatten', 'ReLULayer', 'SigmoidLayer', 'TanhLayer', 'LeakyReLULayer',
            'SoftmaxLayer', 'MSELoss', 'CrossEntropyLoss', 'SoftmaxCrossEntropyLoss', 'SGD', 'Momentum', 'RMSProp',
            'Adagrad', 'Adam', 'batch_iterator', 'spiral_data', 'set_seed', 'Conv2D', 'MaxPool2D', 'Dropout',
            'BatchNorm1D', 'BatchNorm2D', 'clip_gradients', 'clip_grad_norm'}
    assert seed <= names, sorted(seed - names)
    ns = {}
    exec('from cnn_scratch import *', ns)
    assert seed <= set(ns)

def test_every_numerical_module_is_in_the_top_level():
    "A new chapter's module must be added to the export list in nbs/index.ipynb (pictures, widgets, the bridge and the CLI stay out)."
    optional = {'plots', 'cli', 'widgets', 'bridge', '_modidx'}   # bridge: its functions need the optional extra
    modules = {p.stem for p in (ROOT/'cnn_scratch').glob('*.py')} - {'__init__'} - optional
    exported = {m for m in modules if getattr(cnn_scratch, m, None) is not None}
    assert modules == exported, f'not imported by cnn_scratch/__init__.py: {sorted(modules - exported)}'

def test_version():
    assert cnn_scratch.__version__.count('.') == 2
