"""How fast could an im2col convolution be in NumPy? Each Conv2D of a network, beside PyTorch's layer of the same shape.

For every convolution of an architecture (chapter 13's registry, 1x28x28 inputs) at one batch size (its channels, its
input's height x width, /2 for stride 2), three times are printed, each the median of forward + backward of that one layer:

- numpy: the course's `Conv2D` (chapter 07), im2col and col2im included, as inside a training step;
- products: only its three matrix products (the output, dL/dW, and the columns' gradient when the layer needs dL/dx),
  each timed in the fastest of eight memory layouts (either operand contiguous or a transposed view, and the
  transposed product), on operands prepared beforehand. No im2col, no col2im, no reshaping: a floor for any
  im2col convolution built on NumPy's matrix product, not a design anyone could ship;
- torch: PyTorch's `nn.Conv2d` of the same shape (oneDNN on the CPU, not im2col), forward and backward, timed in a
  child process (see train_step.py for why).

When `products` is above `torch`, no rearrangement of im2col and col2im can bring that layer to PyTorch's time: the
matrix products alone take longer than PyTorch's whole layer.

    python benchmarks/conv_floor.py                         # deep and resnet at batch 128
    python benchmarks/conv_floor.py --arch quickstart --batch 32 --repeats 20

A script, not a test: speed is never asserted.
"""
import argparse, json, os, sys
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).parent))
from train_step import numpy_model, median_ms, run_in_torch_child
from cnn_scratch import Conv2D, Residual, set_seed
from cnn_scratch.architectures import ARCHITECTURES
from cnn_scratch.conv import conv_output_size

def conv_inputs(arch, batch):
    "[(name, Conv2D, input shape, needs dL/dx)] for every convolution of the network, residual branches included, in order."
    set_seed(0)
    model, found = numpy_model(arch), []
    def walk(layers, x, where):
        for i, l in enumerate(layers):
            name = f'{where}{i}'
            if isinstance(l, Residual):
                walk(l.body, x, f'{name}.body.')
                if l.shortcut is not None: walk(l.shortcut, x, f'{name}.shortcut.')
            elif isinstance(l, Conv2D): found.append((name, l, x.shape, bool(found)))   # the first layer needs no dL/dx
            x = l.forward(x)
        return x
    with model.evaluating(): walk(model.layers, np.zeros((batch, 1, 28, 28), np.float32), '')
    return found

def numpy_layer_ms(layer, shape, needs_dx, repeats):
    "Median ms of the course's Conv2D forward + backward on an input of `shape` (channels-last memory, as a layer hands over)."
    rng = np.random.default_rng(0)
    N, C, H, W = shape
    x = rng.standard_normal((N, H, W, C), dtype=np.float32).transpose(0, 3, 1, 2)
    layer.needs_input_grad = needs_dx
    g = None
    def step():
        nonlocal g
        y = layer.forward(x)
        if g is None:   # in the output's memory order (channels-last), as batch norm and ReLU hand it back in a step
            g = np.empty_like(y); g[...] = rng.standard_normal(y.shape, dtype=np.float32)
        layer.backward(g)
        layer.zero_grad()
    return median_ms(step, repeats)

def fastest_product_ms(m, k, n, repeats):
    "Median ms of an (m, k) @ (k, n) product in the fastest of eight layouts, and that layout's name."
    rng, best = np.random.default_rng(0), None
    A, B = rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32)
    At, Bt = np.ascontiguousarray(A.T), np.ascontiguousarray(B.T)
    for a_name, a in (('A', A), ('(A^T)^T', At.T)):           # the same values, row-major or column-major in memory
        for b_name, b in (('B', B), ('(B^T)^T', Bt.T)):
            for transposed in (False, True):                      # C = A B, or C^T = B^T A^T
                f = (lambda a=a, b=b: b.T @ a.T) if transposed else (lambda a=a, b=b: a @ b)
                ms = median_ms(f, repeats)
                if best is None or ms < best[0]: best = (ms, f'({b_name})^T ({a_name})^T' if transposed else f'{a_name} {b_name}')
    return best

def products_ms(layer, shape, needs_dx, repeats):
    "The floor: the layer's matrix products alone, each in its fastest layout; the layouts; the columns' M and K."
    N, C, H, W = shape
    (kh, kw), (sh, sw), (ph, pw), F = layer.kernel_size, layer.stride, layer.padding, layer.out_channels
    M, K = N * conv_output_size(H, kh, sh, ph) * conv_output_size(W, kw, sw, pw), C * kh * kw
    shapes = [(M, K, F), (F, M, K)] + ([(M, F, K)] if needs_dx else [])   # Y = cols W2, dW = G2^T cols, D = G2 W2^T
    fastest = [fastest_product_ms(*s, repeats) for s in shapes]
    return sum(ms for ms, _ in fastest), [layout for _, layout in fastest], M, K

def torch_convs_ms(specs, repeats):
    "PyTorch's nn.Conv2d forward + backward, median ms, for each (config, input shape, needs dL/dx); run in a child process."
    import torch
    torch.manual_seed(0)
    out = []
    for c, shape, needs_dx in specs:
        conv = torch.nn.Conv2d(c['in_channels'], c['out_channels'], c['kernel_size'], c['stride'], c['padding'], bias=c.get('bias', True))
        x = torch.randn(shape).requires_grad_(needs_dx)
        g = torch.randn(conv(x).shape)
        def step():
            conv.zero_grad(set_to_none=False)
            x.grad = None
            conv(x).backward(g)
        out.append(median_ms(step, repeats))
    return out

def torch_layer_ms(convs, repeats):
    "PyTorch's time for each convolution of `conv_inputs`, from a child process (see train_step.py); None without torch."
    specs = [(l.config(), list(shape), needs_dx) for _, l, shape, needs_dx in convs]
    return run_in_torch_child('conv_floor', 'torch_convs_ms', f'torch_convs_ms({specs!r}, {repeats})')

def main(archs=('deep', 'resnet'), batch=128, repeats=15, out='benchmarks/conv_floor.json'):
    results = []
    for arch in archs:
        convs = conv_inputs(arch, batch)
        torch_ms = torch_layer_ms(convs, repeats)
        print(f'{arch} at batch {batch}: forward + backward of each convolution, ms'
              + ('' if torch_ms else ' (torch is not installed: pip install torch to compare)'))
        print(f'{"layer":>22} {"channels, input":>18} {"M x K":>14} {"numpy":>7} {"products":>9}' + (f' {"torch":>7} {"numpy/torch":>12} {"products/torch":>15}' if torch_ms else ''))
        totals = [0.0, 0.0, 0.0]
        for i, (name, layer, shape, needs_dx) in enumerate(convs):
            n_ms = numpy_layer_ms(layer, shape, needs_dx, repeats)
            p_ms, layouts, M, K = products_ms(layer, shape, needs_dx, repeats)
            t_ms = torch_ms[i] if torch_ms else None
            what = f'{layer.in_channels} -> {layer.out_channels}, {shape[2]}x{shape[3]}' + (f'/{layer.stride[0]}' if layer.stride != (1, 1) else '')
            print(f'{name:>22} {what:>18} {f"{M} x {K}":>14} {n_ms:7.2f} {p_ms:9.2f}' + (f' {t_ms:7.2f} {n_ms / t_ms:11.2f}x {p_ms / t_ms:14.2f}x' if torch_ms else ''), flush=True)
            for j, ms in enumerate((n_ms, p_ms, t_ms or 0.0)): totals[j] += ms
            results.append(dict(arch=arch, batch=batch, layer=name, in_channels=layer.in_channels, out_channels=layer.out_channels,
                                input_shape=list(shape), kernel_size=list(layer.kernel_size), stride=list(layer.stride),
                                numpy_ms=round(n_ms, 3), products_ms=round(p_ms, 3), fastest_layouts=layouts, torch_ms=None if t_ms is None else round(t_ms, 3)))
        print(f'{"all convolutions":>22} {"":>18} {"":>14} {totals[0]:7.2f} {totals[1]:9.2f}'
              + (f' {totals[2]:7.2f} {totals[0] / totals[2]:11.2f}x {totals[1] / totals[2]:14.2f}x' if torch_ms else ''), flush=True)
    Path(out).write_text(json.dumps({'batch': batch, 'repeats': repeats, 'cpus': os.cpu_count(), 'numpy': np.__version__, 'results': results}, indent=1))
    print(f'wrote {out}')
    return results

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--arch', choices=list(ARCHITECTURES), action='append', help='architecture (repeatable; default deep and resnet)')
    ap.add_argument('--batch', type=int, default=128, help='batch size')
    ap.add_argument('--repeats', type=int, default=15, help='timed calls per measurement (median reported)')
    ap.add_argument('--out', default='benchmarks/conv_floor.json', help='where to write the JSON results')
    a = ap.parse_args()
    if a.repeats < 1 or a.batch < 1: ap.error('--repeats and --batch must be at least 1')
    main(tuple(a.arch or ('deep', 'resnet')), a.batch, a.repeats, a.out)
