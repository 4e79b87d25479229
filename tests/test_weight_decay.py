"""Weight decay and AdamW (chapter 04) against PyTorch's optimizers, step for step, and the hostile-input classes of
tests/test_hostile.py for the new argument and the new optimizer.

The PyTorch comparisons are skipped when torch is not installed: torch is optional and never imported by the library.
PyTorch's SGD with momentum keeps b = mu b + g and steps by -lr b; the course's Momentum keeps v = mu v - lr g, which is
v = -lr b for a constant learning rate, so the two agree to rounding, not bit for bit. Everything runs in float64 so that
rounding stays far below the tolerance."""
import numpy as np
import pytest
from cnn_scratch.optimizers import SGD, Momentum, Adagrad, RMSProp, Adam, AdamW

ALL = [SGD, Momentum, Adagrad, RMSProp, Adam, AdamW]

def _run_ours(opt, theta0, curv, noise):
    "Steps of `opt` on the gradient curv * theta + noise_t (so the decay and the loss both matter), in float64."
    p = theta0.copy()
    for n in noise: opt.step([('p', p, curv * p + n)])
    return p

def _run_torch(torch, make, theta0, curv, noise):
    p = torch.nn.Parameter(torch.tensor(theta0, dtype=torch.float64))
    opt = make([p])
    c = torch.tensor(curv, dtype=torch.float64)
    for n in noise:
        opt.zero_grad()
        with torch.no_grad(): p.grad = c * p.detach() + torch.tensor(n, dtype=torch.float64)
        opt.step()
    return p.detach().numpy()

def _problem(seed=0, steps=25, size=8):
    r = np.random.default_rng(seed)
    theta0 = r.standard_normal(size)
    curv = 10.0 ** r.uniform(-2, 1, size)                # gradients of very different scales, as in chapter 04
    noise = [r.standard_normal(size) * 10.0 ** r.uniform(-2, 0) for _ in range(steps)]
    return theta0, curv, noise

CASES = [  # (ours, torch's, name)
    (lambda: SGD(learning_rate=0.05, weight_decay=0.1), lambda t, ps: t.optim.SGD(ps, lr=0.05, weight_decay=0.1), 'SGD'),
    (lambda: Momentum(learning_rate=0.02, momentum=0.9, weight_decay=0.1),
     lambda t, ps: t.optim.SGD(ps, lr=0.02, momentum=0.9, weight_decay=0.1), 'Momentum'),
    (lambda: Adagrad(learning_rate=0.1, epsilon=1e-8, weight_decay=0.1),
     lambda t, ps: t.optim.Adagrad(ps, lr=0.1, eps=1e-8, weight_decay=0.1), 'Adagrad'),
    (lambda: RMSProp(learning_rate=0.01, decay_rate=0.9, epsilon=1e-8, weight_decay=0.1),
     lambda t, ps: t.optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-8, weight_decay=0.1), 'RMSProp'),
    (lambda: Adam(learning_rate=0.01, weight_decay=0.1),
     lambda t, ps: t.optim.Adam(ps, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1), 'Adam'),
    (lambda: AdamW(learning_rate=0.01, weight_decay=0.1),
     lambda t, ps: t.optim.AdamW(ps, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1), 'AdamW'),
    (lambda: AdamW(learning_rate=0.01), lambda t, ps: t.optim.AdamW(ps, lr=0.01), 'AdamW with both defaults'),
    (lambda: Adam(learning_rate=0.01), lambda t, ps: t.optim.Adam(ps, lr=0.01), 'Adam without decay'),
]

@pytest.mark.parametrize('ours,theirs,name', CASES, ids=[c[2] for c in CASES])
def test_matches_torch(ours, theirs, name):
    torch = pytest.importorskip('torch')
    for seed in range(3):
        theta0, curv, noise = _problem(seed)
        a = _run_ours(ours(), theta0, curv, noise)
        b = _run_torch(torch, lambda ps: theirs(torch, ps), theta0, curv, noise)
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f'{name}, seed {seed}')

def test_l2_and_decoupled_differ_for_adam_but_not_for_sgd():
    "SGD + L2 is SGD with decay (one formula); for Adam, weight_decay= and AdamW take different paths."
    theta0, curv, noise = _problem(1)
    sgd = _run_ours(SGD(learning_rate=0.05, weight_decay=0.1), theta0, curv, noise)
    p = theta0.copy()
    for n in noise:                                   # (1 - lr wd) theta, then the plain SGD step
        g = curv * p + n; p *= 1 - 0.05 * 0.1; p -= 0.05 * g
    np.testing.assert_allclose(sgd, p, rtol=1e-12)
    l2 = _run_ours(Adam(learning_rate=0.01, weight_decay=0.1), theta0, curv, noise)
    dec = _run_ours(AdamW(learning_rate=0.01, weight_decay=0.1), theta0, curv, noise)
    assert np.abs(l2 - dec).max() > 1e-3

@pytest.mark.parametrize('opt_cls', ALL)
@pytest.mark.parametrize('bad', [-1e-3, -1.0, float('inf'), float('-inf'), float('nan'), True])
def test_weight_decay_refused(opt_cls, bad):
    with pytest.raises(ValueError, match=f'{opt_cls.__name__}: weight_decay must be a number >= 0, got '):
        opt_cls(learning_rate=0.1, weight_decay=bad)
    opt = opt_cls(learning_rate=0.1, weight_decay=0.01)
    with pytest.raises((ValueError, TypeError)): opt.weight_decay = bad
    assert opt.weight_decay == 0.01

@pytest.mark.parametrize('opt_cls', ALL)
@pytest.mark.parametrize('bad', [np.nan, np.inf])
def test_non_finite_gradient_with_decay_changes_nothing(opt_cls, bad):
    p, q = np.array([1.0, -2.0], np.float32), np.ones(3, np.float32)
    opt = opt_cls(learning_rate=0.1, weight_decay=0.1)
    opt.step([('p', p, np.array([0.5, 2.0], np.float32)), ('q', q, np.ones(3, np.float32))])
    before = p.copy(), q.copy(), {k: {n: a.copy() for n, a in s.items()} for k, s in opt.state.items()}, opt.t
    with pytest.raises(FloatingPointError, match=f"{opt_cls.__name__}: gradient of 'q' holds NaN or infinity"):
        opt.step([('p', p, np.array([0.5, 2.0], np.float32)), ('q', q, np.array([1, bad, 1], np.float32))])
    assert np.array_equal(p, before[0]) and np.array_equal(q, before[1]) and opt.t == before[3]   # not even decayed
    assert all(np.array_equal(opt.state[k][n], before[2][k][n]) for k in before[2] for n in before[2][k])

@pytest.mark.parametrize('opt_cls', ALL)
def test_decay_keeps_dtype_and_leaves_the_gradient_alone(opt_cls):
    for dtype in (np.float32, np.float64):
        p, g = np.ones(4, dtype), np.full(4, 0.5)               # a float64 gradient for a float32 parameter
        g_before, opt = g.copy(), opt_cls(learning_rate=0.01, weight_decay=np.float64(0.1))
        for _ in range(3): opt.step([('p', p, g)])
        assert p.dtype == dtype and all(s.dtype == dtype for s in opt.state.get('p', {}).values())
        assert np.array_equal(g, g_before)
        assert np.all(p < 1)

def test_checkpoint_round_trip_keeps_weight_decay(tmp_path):
    from cnn_scratch.checkpoint import save_checkpoint, load_checkpoint, OPTIMIZERS
    from cnn_scratch.linear import Linear
    assert OPTIMIZERS['AdamW'] is AdamW
    for opt in (AdamW(learning_rate=0.01, weight_decay=0.2), RMSProp(learning_rate=0.01, weight_decay=0.01)):
        lin = Linear(3, 2)
        lin(np.ones((4, 3), np.float32)); lin.backward(np.ones((4, 2), np.float32)); lin.update_params(opt)
        path = tmp_path / f'{type(opt).__name__}.npz'
        save_checkpoint(lin, opt, path, rng_state=False)
        back = load_checkpoint(path)['optimizer']
        assert type(back) is type(opt) and back.config() == opt.config() and back.t == opt.t
        assert back.weight_decay == opt.weight_decay
