"""Time one full training step (forward, loss, backward, Adam update) of the course's CNNs, float32,
side by side with PyTorch on the CPU in the same run when torch is installed (`pip install torch`; optional).

PyTorch is timed in a child process: OpenBLAS's worker threads keep spinning for a while after a NumPy matrix
product and slow PyTorch's threads down when both live in one process, which would flatter NumPy.

    python benchmarks/train_step.py                 # every architecture at batch 32 and 128, table + benchmarks/train_step.json
    python benchmarks/train_step.py --repeats 50 --arch small --batch 32
    python benchmarks/train_step.py --arch batchnorm --arch deep --arch resnet --rounds 5
    python benchmarks/train_step.py --arch deep --batch 128 --layers   # where the time goes, layer by layer

Each round times PyTorch (all configurations, in a child process), then NumPy (all configurations); the reported time
of each framework is its median over the rounds, so a slow spell of the machine hits both.

Reported per configuration: median step time of each framework and their ratio, NumPy's peak memory for one
step (tracemalloc), a per-layer forward/backward breakdown of both frameworks (timed inside training steps;
`--layers` prints them side by side), and the share of the step that the matrix products of the same shapes take
when timed alone. benchmarks/conv_floor.py takes the convolutions apart further. A script, not a test: speed is never asserted.
"""
import argparse, json, os, platform, statistics, subprocess, sys, time, tracemalloc
from pathlib import Path
import numpy as np
from cnn_scratch import (Conv2D, MaxPool2D, Flatten, Linear, ReLULayer, Dropout, BatchNorm2D, GlobalAvgPool2D, Residual,
                         Adam, SoftmaxCrossEntropyLoss, build_model, set_seed)
from cnn_scratch.architectures import ARCHITECTURES
from cnn_scratch.bridge import _all_layers   # every layer inside a network, residual branches included (torch is not imported)

ARCHS = tuple(ARCHITECTURES)      # the default: every architecture of chapter 13's registry, from `build_model`, on 1x28x28
                                  # inputs; --arch chooses some (the seed's two CNNs are 'small' and 'quickstart')

def numpy_model(arch):
    return build_model(arch, (1, 28, 28), 10)

def torch_model(arch):
    "The same network in PyTorch, layer for layer, read from the NumPy network's layers and their configs (residual blocks too)."
    import torch.nn as nn
    class TorchResidual(nn.Module):
        "y = body(x) + shortcut(x), the shortcut the identity when the NumPy block has none."
        def __init__(self, body, shortcut):
            super().__init__()
            self.body, self.shortcut = body, shortcut
        def forward(self, x): return self.body(x) + (x if self.shortcut is None else self.shortcut(x))
    def torch_layer(l):
        if isinstance(l, Residual):
            return TorchResidual(nn.Sequential(*map(torch_layer, l.body)),
                                 None if l.shortcut is None else nn.Sequential(*map(torch_layer, l.shortcut)))
        c = l.config()
        if isinstance(l, Conv2D): return nn.Conv2d(c['in_channels'], c['out_channels'], c['kernel_size'], c['stride'], c['padding'], bias=c.get('bias', True))
        if isinstance(l, MaxPool2D): return nn.MaxPool2d(c['pool_size'], c['stride'])
        if isinstance(l, Linear): return nn.Linear(c['input_size'], c['output_size'], bias=c.get('bias', True))
        if isinstance(l, Dropout): return nn.Dropout(c['dropout_rate'])
        if isinstance(l, BatchNorm2D): return nn.BatchNorm2d(c['num_channels'], eps=c['eps'], momentum=c['momentum'])
        if isinstance(l, GlobalAvgPool2D): return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        return {ReLULayer: nn.ReLU, Flatten: nn.Flatten}[type(l)]()
    return nn.Sequential(*[torch_layer(l) for l in numpy_model(arch).layers])

def data(batch, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((batch, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, batch)

def numpy_step_fn(arch, batch):
    set_seed(0)
    model, opt, loss_fn = numpy_model(arch), Adam(learning_rate=1e-3), SoftmaxCrossEntropyLoss()
    model.needs_input_grad = False  # as in PyTorch, where the input tensor does not require a gradient
    x, y = data(batch)
    def step():
        loss_fn(model.forward(x), y)
        model.backward(loss_fn.backward())
        model.update_params(opt)
        model.zero_grad()
    return step, model, x, y

def torch_step_fn(arch, batch):
    import torch
    torch.manual_seed(0)
    model = torch_model(arch); model.train()
    opt, loss_fn = torch.optim.Adam(model.parameters(), lr=1e-3), torch.nn.CrossEntropyLoss()
    x, y = (torch.from_numpy(a) for a in data(batch))
    def step():
        opt.zero_grad(set_to_none=False)
        loss_fn(model(x), y).backward()
        opt.step()
    return step

def median_ms(fn, repeats, warmup=3):
    for _ in range(warmup): fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return 1e3 * statistics.median(times)

def peak_memory_mb(step, model):
    step()  # buffers that persist between steps (Adam's moments) are allocated once
    for layer in _all_layers(model): layer.__dict__.pop('_kept', None)   # what a layer keeps from the last step (Conv2D, chapter 07) counts
    tracemalloc.start(); tracemalloc.reset_peak()
    step()
    peak = tracemalloc.get_traced_memory()[1]; tracemalloc.stop()
    return peak / 2**20

def layer_breakdown(model, x, y, repeats):
    "Median forward and backward milliseconds of each layer, timed inside real training steps."
    loss_fn, opt = SoftmaxCrossEntropyLoss(), Adam(learning_rate=1e-3)
    names = [f'{i}:{type(l).__name__}' for i, l in enumerate(model.layers)]
    model.layers[0].needs_input_grad = False  # what model.backward does inside a training step
    fwd, bwd, upd = {n: [] for n in names}, {n: [] for n in names}, []
    for r in range(repeats + 2):
        a = x
        for n, l in zip(names, model.layers):
            t = time.perf_counter(); a = l.forward(a); fwd[n].append(time.perf_counter() - t)
        loss_fn(a, y); g = loss_fn.backward()
        for n, l in zip(reversed(names), reversed(model.layers)):
            t = time.perf_counter(); g = l.backward(g); bwd[n].append(time.perf_counter() - t)
        t = time.perf_counter(); model.update_params(opt); model.zero_grad(); upd.append(time.perf_counter() - t)
    med = lambda v: round(1e3 * statistics.median(v[2:]), 3)
    out = {n: {'forward_ms': med(fwd[n]), 'backward_ms': med(bwd[n])} for n in names}
    out['optimizer+zero_grad'] = {'forward_ms': 0.0, 'backward_ms': med(upd)}
    model.layers[0].needs_input_grad = True
    return out

def torch_layer_breakdown(arch, batch, repeats):
    """PyTorch's median forward and backward ms of each top-level layer, timed inside real training steps as `layer_breakdown` does.
    Each layer's backward is its own autograd call, so every layer carries PyTorch's cost of starting one (a fraction of
    a millisecond): the small layers look slower than they are inside one backward, and the layers add up to more than the step."""
    import torch
    torch.manual_seed(0)
    model = torch_model(arch); model.train()
    opt, loss_fn = torch.optim.Adam(model.parameters(), lr=1e-3), torch.nn.CrossEntropyLoss()
    x, y = (torch.from_numpy(a) for a in data(batch))
    names = [f'{i}:{type(l).__name__}' for i, l in enumerate(numpy_model(arch).layers)]   # the NumPy layers' names, to match
    fwd, bwd = {n: [] for n in names}, {n: [] for n in names}
    for r in range(repeats + 2):
        opt.zero_grad(set_to_none=False)
        ins, outs, a = [], [], x
        for n, l in zip(names, model):                       # each layer on a detached copy of the last output:
            a = a.detach().requires_grad_(bool(ins))         # its backward can be timed alone (the input needs no gradient)
            t = time.perf_counter(); o = l(a); fwd[n].append(time.perf_counter() - t)
            ins.append(a); outs.append(o); a = o
        loss = loss_fn(a, y)
        g = torch.autograd.grad(loss, a)[0]
        for n, i, o in zip(reversed(names), reversed(ins), reversed(outs)):
            t = time.perf_counter(); o.backward(g); bwd[n].append(time.perf_counter() - t)
            g = i.grad
        opt.step()
    med = lambda v: round(1e3 * statistics.median(v[2:]), 3)
    return {n: {'forward_ms': med(fwd[n]), 'backward_ms': med(bwd[n])} for n in names}

def torch_layers(archs, batches, repeats):
    "{(arch, batch): PyTorch's per-layer breakdown}, from a child process; None when torch is not installed."
    return _in_torch_child('torch_layer_breakdown', f'torch_layer_breakdown(a, b, {repeats})', archs, batches)

def print_layers(arch, batch, numpy_layers, torch_layers):
    "The two per-layer breakdowns side by side, with the ratio of each layer's forward + backward."
    print(f'{arch} at batch {batch}, per layer, forward + backward ms:')
    for name, n in numpy_layers.items():
        t = (torch_layers or {}).get(name)
        line = f'  {name:>24}  numpy {n["forward_ms"]:7.2f} + {n["backward_ms"]:7.2f}'
        if t: line += f'   torch {t["forward_ms"]:7.2f} + {t["backward_ms"]:7.2f}   {(n["forward_ms"] + n["backward_ms"]) / max(t["forward_ms"] + t["backward_ms"], 1e-9):5.2f}x'
        print(line)

def matmul_shapes(arch, batch):
    "The (M, K, N) of every matrix product in one step: im2col forward and the two backward products, likewise for Linear."
    model, shapes, first = numpy_model(arch), [], True
    def walk(layers, x):
        nonlocal first, shapes
        for l in layers:
            if isinstance(l, Residual):                          # both branches read x; their sum goes on
                walk(l.body, x)
                if l.shortcut is not None: walk(l.shortcut, x)
                x = l.forward(x)
                continue
            y = l.forward(x)
            if isinstance(l, Conv2D):
                cin, (kh, kw), (n, cout, oh, ow) = l.in_channels, l.kernel_size, y.shape
                m, k = n * oh * ow, cin * kh * kw
                shapes += [(m, k, cout), (cout, m, k)] + ([] if first else [(m, cout, k)])  # no dL/dx for the first layer
            elif isinstance(l, Linear):
                shapes += [(batch, l.input_size, l.output_size), (l.input_size, batch, l.output_size),
                           (batch, l.output_size, l.input_size)]
            if isinstance(l, (Conv2D, Linear)): first = False
            x = y
        return x
    with model.evaluating(): walk(model.layers, np.zeros((batch, 1, 28, 28), np.float32))
    return shapes

def matmul_ms(shapes, repeats):
    rng, total = np.random.default_rng(0), 0.0
    for m, k, n in shapes:
        a, b = rng.random((m, k), dtype=np.float32), rng.random((k, n), dtype=np.float32)
        total += median_ms(lambda: a @ b, repeats)
    return total

def run_in_torch_child(module, names, expr):
    "The JSON value of `expr`, evaluated by a child process with torch's threads set and `names` imported from `module` (a script here); None without torch."
    code = (f'import sys, json; sys.path.insert(0, {str(Path(__file__).parent)!r}); import torch; '
            f'torch.set_num_threads({os.cpu_count() or 1}); from {module} import {names}; print(json.dumps({expr}))')
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    if r.returncode != 0:
        if 'No module named' in r.stderr and 'torch' in r.stderr: return None
        raise RuntimeError(f'timing PyTorch failed:\n{r.stderr}')
    return json.loads(r.stdout.strip().splitlines()[-1])

def _in_torch_child(names, expr, archs, batches):
    "{(arch, batch): `expr`} for every configuration, evaluated in a child process (None without torch)."
    got = run_in_torch_child('train_step', names, f'[[a, b, {expr}] for a in {list(archs)!r} for b in {list(batches)!r}]')
    return None if got is None else {(a, b): t for a, b, t in got}

def torch_times(archs, batches, repeats):
    "{(arch, batch): median ms} measured by PyTorch in a child process, or None when torch is not installed."
    return _in_torch_child('torch_step_fn, median_ms', f'median_ms(torch_step_fn(a, b), {repeats})', archs, batches)

def main(archs=ARCHS, batches=(32, 128), repeats=30, out='benchmarks/train_step.json', rounds=3, layers=False):
    "Alternate `rounds` rounds of PyTorch (child process) and NumPy timings; report each one's median over the rounds."
    configs = [(a, b) for a in archs for b in batches]
    steps = {c: numpy_step_fn(*c) for c in configs}
    numpy_rounds, torch_rounds = {c: [] for c in configs}, {c: [] for c in configs}
    has_torch = True
    for r in range(rounds):
        if has_torch:
            t = torch_times(archs, batches, repeats)
            has_torch = t is not None
            if has_torch:
                for c in configs: torch_rounds[c].append(t[c])
        for c in configs: numpy_rounds[c].append(median_ms(steps[c][0], repeats))
        print(f'round {r + 1}/{rounds}: ' + ', '.join(
            f'{a} {b}: {numpy_rounds[a, b][-1]:.1f}' + (f'/{torch_rounds[a, b][-1]:.1f}' if has_torch else '') for a, b in configs)
            + (' ms (numpy/torch)' if has_torch else ' ms (numpy)'), flush=True)
    if not has_torch: print('torch is not installed: NumPy times only (pip install torch to compare).')
    t_layers = torch_layers(archs, batches, repeats) if has_torch else None   # inside real steps, as layer_breakdown
    results = []
    for arch, batch in configs:
        step, model, x, y = steps[arch, batch]
        r = {'arch': arch, 'batch': batch, 'numpy_ms': round(statistics.median(numpy_rounds[arch, batch]), 3),
             'numpy_rounds_ms': [round(v, 3) for v in numpy_rounds[arch, batch]]}
        if has_torch:
            r['torch_ms'] = round(statistics.median(torch_rounds[arch, batch]), 3)
            r['torch_rounds_ms'] = [round(v, 3) for v in torch_rounds[arch, batch]]
            r['ratio'] = round(r['numpy_ms'] / r['torch_ms'], 3)
        r['numpy_peak_mb'] = round(peak_memory_mb(step, model), 2)
        r['matmul_share'] = round(matmul_ms(matmul_shapes(arch, batch), repeats) / r['numpy_ms'], 3)
        r['layers'] = layer_breakdown(model, x, y, repeats)
        if t_layers: r['torch_layers'] = t_layers[arch, batch]
        results.append(r)
        print(f"{arch:>10} batch {batch:>3}: numpy {r['numpy_ms']:7.2f} ms" +
              (f"  torch {r['torch_ms']:7.2f} ms  ratio {r['ratio']:.2f}x" if has_torch else '') +
              f"  peak {r['numpy_peak_mb']:.1f} MB  matmul share {r['matmul_share']:.0%}", flush=True)
        if layers: print_layers(arch, batch, r['layers'], r.get('torch_layers'))
    meta = {'machine': platform.machine(), 'processor': platform.processor(), 'cpus': os.cpu_count(),
            'python': platform.python_version(), 'numpy': np.__version__,
            'torch': _torch_version() if has_torch else None, 'repeats': repeats, 'rounds': rounds}
    Path(out).write_text(json.dumps({'meta': meta, 'results': results}, indent=1))
    print(f'wrote {out}')
    return results

def _torch_version():
    return subprocess.run([sys.executable, '-c', 'import torch; print(torch.__version__)'], capture_output=True, text=True).stdout.strip()

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--arch', choices=list(ARCHITECTURES), action='append',
                    help=f'architecture, a key of chapter 13\'s ARCHITECTURES (repeatable; default all: {", ".join(ARCHS)})')
    ap.add_argument('--batch', type=int, action='append', help='batch size (repeatable; default 32 and 128)')
    ap.add_argument('--repeats', type=int, default=30, help='timed steps per configuration (median reported)')
    ap.add_argument('--rounds', type=int, default=3, help='alternating rounds of PyTorch and NumPy (medians over the rounds reported)')
    ap.add_argument('--out', default='benchmarks/train_step.json', help='where to write the JSON results')
    ap.add_argument('--layers', action='store_true', help="print the per-layer breakdown, NumPy's beside PyTorch's")
    a = ap.parse_args()
    if a.repeats < 1 or a.rounds < 1: ap.error('--repeats and --rounds must be at least 1')
    main(tuple(a.arch or ARCHS), tuple(a.batch or (32, 128)), a.repeats, a.out, a.rounds, a.layers)
