"""Hostile and broken input (issue 13): every attack gets one clear error of the right type that names the problem,
runs nothing, and loses nothing. Files are built here, in tmp_path; decompression and allocation bombs run in a child
process whose address space is limited, so a regression fails the test instead of exhausting the machine.

Classes (the issue's numbering): 1 wrong exception types out of load_checkpoint, 2 files that load but should not,
3 the file read is the file checked, 4 saving keeps what it should keep, 5 layers/losses/optimizers refuse what they
should, 6 a failed step changes nothing, 7 numerics at the edges, 8 readers and the command line."""
import gzip, io, json, os, re, stat, struct, subprocess, sys, tarfile, textwrap, threading, time, warnings, zipfile, zlib
from pathlib import Path
import numpy as np
import pytest
import cnn_scratch.checkpoint as ckmod
from cnn_scratch import *
from cnn_scratch.images import read_idx, read_cifar10_binary, read_cifar10_archive, CIFAR10_MEMBERS, CIFAR10_RECORD
from cnn_scratch.cli import train_model

# ---------------------------------------------------------------------------------------------------- helpers

def small_model():
    return NeuralNetwork([Linear(4, 6), BatchNorm1D(6), LeakyReLULayer(0.1), Dropout(0.2), Linear(6, 3)])

@pytest.fixture
def good(tmp_path):
    "A real checkpoint of a trained model with BatchNorm, LeakyReLU, Dropout and Adam, in its own folder."
    set_seed(0)
    X, y = get_rng().standard_normal((24, 4)).astype(np.float32), get_rng().integers(0, 3, 24)
    model, opt = small_model(), Adam(learning_rate=0.01)
    hist = fit(model, SoftmaxCrossEntropyLoss(), opt, X, y, epochs=2, batch_size=8, progress=False)
    folder = tmp_path/'ck'; folder.mkdir()
    save_checkpoint(model, opt, folder/'good.npz', epoch=2, history=hist)
    return folder/'good.npz'

def members(path):
    with np.load(path, allow_pickle=False) as z: return {k: z[k] for k in z.files}

def manifest(path): return json.loads(members(path)['manifest.json'].tobytes())

def npz_bytes(arrays):
    b = io.BytesIO(); np.savez(b, **arrays); return b.getvalue()

def with_text(path, text):
    "The checkpoint at `path` with its manifest replaced by `text`."
    return npz_bytes({**members(path), 'manifest.json': np.frombuffer(text.encode(), np.uint8)})

def edited(path, edit):
    m = manifest(path); edit(m)
    return with_text(path, json.dumps(m))

def snapshot(folder):
    "Every file under `folder`: its bytes and mode, to prove that an attack changed nothing."
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None, p.lstat().st_mode)
            for p in sorted(Path(folder).rglob('*'))}

def refuse(path, fragment, error=CheckpointError, **kw):
    "Load `path`: it must raise `error` with `fragment` in the message, change no file, move no generator."
    folder = Path(path).parent
    before, rng = snapshot(folder), get_rng().bit_generator.state
    with pytest.raises(error) as e: load_checkpoint(path, **kw)
    assert fragment in str(e.value), str(e.value)
    assert snapshot(folder) == before and get_rng().bit_generator.state == rng
    return e.value

def write(folder, name, data):
    p = Path(folder)/name; p.write_bytes(data); return p

def patched(path, name, flags=0, method=None):
    "The checkpoint with member `name`'s flag bits or'ed with `flags`, or its compression method replaced, in both zip headers."
    raw = Path(path).read_bytes(); b = bytearray(raw)
    with zipfile.ZipFile(path) as z: info = z.getinfo(name)
    central = raw.index(b'PK\x01\x02')
    while raw[central + 46:central + 46 + len(name)] != name.encode(): central = raw.index(b'PK\x01\x02', central + 4)
    for at, off in ((info.header_offset, 6), (central, 8)):
        flag, meth = struct.unpack_from('<HH', b, at + off)
        struct.pack_into('<HH', b, at + off, flag | flags, meth if method is None else method)
    return bytes(b)

def duplicated(path, name):
    b = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(b, 'w') as dst, warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for n in src.namelist(): dst.writestr(n, src.read(n))
        dst.writestr(name, src.read(name))             # the same bytes again: only a name check can tell
    return b.getvalue()

def run_limited(code, limit_mb=1500, timeout=120):
    "Run `code` in a fresh Python whose address space is capped at `limit_mb`; returns (returncode, stdout, stderr)."
    def cap():
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (limit_mb << 20, limit_mb << 20))
    env = {**os.environ, 'OPENBLAS_NUM_THREADS': '1', 'PYTHONPATH': os.pathsep.join(sys.path)}
    p = subprocess.run([sys.executable, '-c', textwrap.dedent(code)], capture_output=True, text=True, timeout=timeout,
                       preexec_fn=cap, env=env)
    return p.returncode, p.stdout, p.stderr

def gzip_bomb(head:bytes, zeros:int)->bytes:
    "A gzip stream of `head` followed by `zeros` zero bytes, built in a fraction of a second from one repeated deflate block."
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = [c.compress(head), c.flush(zlib.Z_FULL_FLUSH)]
    block = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)   # after a full flush, every 1 MiB of zeros compresses alike
    out += [block] * (zeros >> 20)
    out.append(c.flush())                      # the trailer's CRC is wrong for the repeats: a reader must stop long before it
    return b''.join(out)

# ------------------------------------------------------------ class 1: wrong exception types out of load_checkpoint

def _deep_list(m): return json.dumps(m)[:-1] + ', "deep": ' + '[' * 100_000 + ']' * 100_000 + '}'
def _deep_dict(m): return json.dumps(m)[:-1] + ', "deep": ' + '{"a": ' * 100_000 + '1' + '}' * 100_000 + '}'
def _deep_70(m): return json.dumps(m)[:-1] + ', "deep": ' + '[' * 70 + ']' * 70 + '}'
def _digits(n): return lambda m: json.dumps(m)[:-1] + f', "big": {"9" * n}' + '}'

CLASS1_TEXT = [  # (manifest text built from the good manifest, message fragment)
    (_deep_list, 'nested too deeply to parse'),
    (_deep_dict, 'nested too deeply to parse'),
    (_deep_70, 'nested more than 64 levels deep'),
    (_digits(401), 'an integer of 401 digits'),
    (_digits(5000), 'an integer of 5000 digits'),      # beyond Python's int-from-string limit (ValueError otherwise)
]

@pytest.mark.parametrize('make,fragment', CLASS1_TEXT)
def test_class1_manifest_text(good, make, fragment):
    refuse(write(good.parent, 'bad.npz', with_text(good, make(manifest(good)))), fragment)

def _set_cfg(i, **kw): return lambda m: m['model']['layers'][i]['config'].update(kw)
def _rng(**kw): return lambda m: m['rng_state']['state'].update(kw)

CLASS1_EDITS = [
    (_set_cfg(2, alpha=10**400), 'an integer of 401 digits'),
    (lambda m: m.update(epoch=10**400), 'an integer of 401 digits'),
    (lambda m: m['history'].update(loss=[2**200]), 'an integer of 61 digits'),
    (_rng(state=2**200), 'an integer of 61 digits'),
    (_rng(state=2**129), 'invalid generator state (OverflowError'),          # 39 digits: read, then refused by PCG64
    (_rng(inc=-1), 'invalid generator state (OverflowError'),
    (_rng(state=1.5), 'invalid generator state (not the integers a PCG64 state holds)'),     # NumPy would take it as 1
    (_set_cfg(4, input_size=2**40), 'out of range'),
    (lambda m: m['optimizer'].update(t=2**100), 'step counter t must be an integer in [0, 2**63)'),
]

@pytest.mark.parametrize('edit,fragment', CLASS1_EDITS)
def test_class1_manifest_values(good, edit, fragment):
    refuse(write(good.parent, 'bad.npz', edited(good, edit)), fragment)

@pytest.mark.parametrize('member,flags,method,fragment', [
    ('param/0.weights.npy', 0x1, None, "member 'param/0.weights.npy' is encrypted"),
    ('manifest.json.npy', 0x1, None, "member 'manifest.json.npy' is encrypted"),
    ('param/0.bias.npy', 0, 99, 'uses compression method 99'),
    ('param/0.bias.npy', 0, zipfile.ZIP_BZIP2, 'uses compression method 12'),
    ('buffer/1.running_var.npy', 0, zipfile.ZIP_LZMA, 'uses compression method 14'),
])
def test_class1_zip_members(good, member, flags, method, fragment):
    refuse(write(good.parent, 'bad.npz', patched(good, member, flags, method)), fragment)

# ------------------------------------------------------------------- class 2: files that load but should not

@pytest.mark.parametrize('name', ['param/0.weights.npy', 'manifest.json.npy', 'optim/0.weights/m.npy'])
def test_class2_duplicate_member(good, name):
    refuse(write(good.parent, 'bad.npz', duplicated(good, name)), f"two members are named '{name}'")

def _nan_text(token): return lambda m: json.dumps(m).replace('"alpha": 0.1', f'"alpha": {token}', 1)

@pytest.mark.parametrize('token,fragment', [('NaN', 'holds NaN'), ('Infinity', 'holds Infinity'), ('-Infinity', 'holds -Infinity'),
                                            ('1e999', 'the number 1e999, which is not finite'), ('-1e400', 'the number -1e400')])
def test_class2_non_finite_config(good, token, fragment):
    text = _nan_text(token)(manifest(good))
    assert token in text
    refuse(write(good.parent, 'bad.npz', with_text(good, text)), fragment)

@pytest.mark.parametrize('edit,fragment', [
    (lambda m: m['history'].update(loss=[float('nan')]), 'holds NaN'),
    (lambda m: m['optimizer']['config'].update(learning_rate=float('inf')), 'holds Infinity'),
    (lambda m: m['optimizer'].update(t=10**400), 'an integer of 401 digits'),
    (lambda m: m['optimizer'].update(t=2**63), 'step counter t must be an integer in [0, 2**63)'),
    (lambda m: m['optimizer'].update(t=-1), 'step counter t must be an integer in [0, 2**63)'),
    (_set_cfg(0, dtype='float64'), "config key 'dtype' is never saved"),
    (_set_cfg(3, rng=0), "config key 'rng' is never saved"),
    (lambda m: m['model']['config'].update(layers=[1, 2]), "config key 'layers' is never saved"),
])
def test_class2_values_that_should_not_load(good, edit, fragment):
    refuse(write(good.parent, 'bad.npz', edited(good, edit)), fragment)

def test_class2_string_dtype_bomb_stays_small(good):
    "dtype 'U1000000' in a Linear config: an 8 KB file that would allocate 4 GB. In a child with 1.5 GB of address space."
    bad = write(good.parent, 'bomb.npz', edited(good, _set_cfg(4, dtype='U1000000')))
    assert bad.stat().st_size < 20_000
    code, out, err = run_limited(f'''
        from cnn_scratch.checkpoint import load_checkpoint, CheckpointError
        try: load_checkpoint({str(bad)!r}, max_bytes=2**20)
        except CheckpointError as e: print('REFUSED', e)
    ''')
    assert code == 0 and 'REFUSED' in out and "config key 'dtype' is never saved" in out, (out, err[-500:])

# --------------------------------------------------------------------- class 3: the file read is the file checked

def test_class3_path_is_opened_once(good, monkeypatch):
    opened = []
    real_os_open, real_open = os.open, open
    monkeypatch.setattr(os, 'open', lambda p, *a, **k: (opened.append(os.fspath(p)), real_os_open(p, *a, **k))[1])
    monkeypatch.setattr('builtins.open', lambda p, *a, **k: (opened.append(os.fspath(p) if not isinstance(p, int) else p), real_open(p, *a, **k))[1])
    load_checkpoint(good)
    assert opened.count(str(good)) == 1, opened

def test_class3_loads_while_another_process_saves(good):
    """A second process replaces the checkpoint atomically, over and over, with two different runs; every load in the meantime
    must succeed and return one of them whole (checking one file and reading another would mix them)."""
    saver = subprocess.Popen([sys.executable, '-c', textwrap.dedent(f'''
        import time
        from cnn_scratch import Linear, SGD
        from cnn_scratch.checkpoint import load_checkpoint, save_checkpoint
        ck = load_checkpoint({str(good)!r}); other = Linear(3, 5); end = time.time() + 3
        while time.time() < end:
            save_checkpoint(ck['model'], ck['optimizer'], {str(good)!r}, epoch=2, history=ck['history'])
            save_checkpoint(other, SGD(0.5), {str(good)!r}, epoch=7)
    ''')], env={**os.environ, 'OPENBLAS_NUM_THREADS': '1', 'PYTHONPATH': os.pathsep.join(sys.path)})
    try:
        time.sleep(1.0); seen = set(); end = time.time() + 1.5
        while time.time() < end:
            ck = load_checkpoint(good)                                  # a CheckpointError here fails the test
            assert isinstance(ck['model'], Linear) == (ck['epoch'] == 7) == isinstance(ck['optimizer'], SGD)
            seen.add(ck['epoch'])
    finally: saver.wait(timeout=60)
    assert saver.returncode == 0 and seen == {2, 7}
    assert sorted(os.listdir(good.parent)) == ['good.npz']              # the saver left no temporary file

def test_class3_fifo_is_refused_without_blocking(good):
    fifo = good.parent/'fifo.npz'; os.mkfifo(fifo)
    code, out, err = run_limited(f'''
        from cnn_scratch.checkpoint import load_checkpoint, CheckpointError
        try: load_checkpoint({str(fifo)!r})
        except CheckpointError as e: print('REFUSED', e)
    ''', timeout=60)
    assert 'REFUSED' in out and 'not a regular file but a FIFO' in out, (out, err[-500:])

@pytest.mark.parametrize('make,fragment', [(lambda d: d, 'not a regular file but a directory'),
                                           (lambda d: d/'missing.npz', 'no such file')])
def test_class3_not_a_file(good, make, fragment):
    refuse(make(good.parent), fragment)

# ------------------------------------------------------------------------- class 4: saving keeps what it should

@pytest.fixture
def umask():
    old = os.umask(0o022)
    yield lambda m: os.umask(m)
    os.umask(old)

def _mode(p): return stat.S_IMODE(os.lstat(p).st_mode)

@pytest.mark.parametrize('mask,expected', [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664), (0o027, 0o640)])
def test_class4_new_file_respects_umask(tmp_path, umask, mask, expected):
    umask(mask)
    save_checkpoint(Linear(2, 2), None, tmp_path/'new.npz')
    assert _mode(tmp_path/'new.npz') == expected and os.listdir(tmp_path) == ['new.npz']

@pytest.mark.parametrize('mode', [0o644, 0o600, 0o640, 0o444])
def test_class4_replaced_file_keeps_its_mode(tmp_path, umask, mode):
    umask(0o077)
    p = tmp_path/'ck.npz'; save_checkpoint(Linear(2, 2), None, p); os.chmod(p, mode)
    save_checkpoint(Linear(2, 3), None, p)
    assert _mode(p) == mode and os.listdir(tmp_path) == ['ck.npz'] and load_checkpoint(p)['model'].output_size == 3

def test_class4_symlink_at_target_is_replaced_not_followed(tmp_path):
    victim = tmp_path/'victim.txt'; victim.write_text('precious'); os.chmod(victim, 0o600)
    link = tmp_path/'ck.npz'; link.symlink_to(victim)
    save_checkpoint(Linear(2, 2), None, link)
    assert victim.read_text() == 'precious' and _mode(victim) == 0o600
    assert not link.is_symlink() and load_checkpoint(link)['model'].input_size == 2
    assert sorted(os.listdir(tmp_path)) == ['ck.npz', 'victim.txt']

def test_class4_failed_save_leaves_target_and_no_temporary(tmp_path, monkeypatch):
    p = tmp_path/'ck.npz'; save_checkpoint(Linear(2, 2), None, p); before = snapshot(tmp_path)
    def broken(f, **kw): f.write(b'PK half'); raise OSError('No space left on device')
    monkeypatch.setattr(np, 'savez', broken)
    with pytest.raises(OSError, match='No space left'): save_checkpoint(Linear(2, 2), None, p)
    assert snapshot(tmp_path) == before

def test_class4_nan_history_is_refused_at_save(tmp_path):
    with pytest.raises(ValueError, match='would hold NaN or infinity'):
        save_checkpoint(Linear(2, 2), None, tmp_path/'ck.npz', history={'loss': [float('nan')]})
    assert os.listdir(tmp_path) == []

TRAIN_FILES = ['training_progress.png', 'classification_results.png', 'confusion_matrix.png', 'feature_maps.png',
               'metrics.json', 'checkpoint.npz']

@pytest.fixture(scope='module')
def planted(tmp_path_factory):
    "cnn_scratch_train's run into a folder where every output name is a symlink to a file outside it."
    root = tmp_path_factory.mktemp('planted'); out, victims = root/'out', root/'victims'
    out.mkdir(); victims.mkdir()
    for name in TRAIN_FILES:
        (victims/name).write_text(f'do not overwrite {name}'); (out/name).symlink_to(victims/name)
    before = snapshot(victims)
    train_model('digits', 'small', epochs=1, out=str(out), n_train=64, progress=False)
    return out, victims, before

@pytest.mark.parametrize('name', TRAIN_FILES)
def test_class4_train_outputs_do_not_follow_symlinks(planted, name):
    out, victims, before = planted
    assert snapshot(victims) == before                                  # no target changed
    assert (out/name).is_file() and not (out/name).is_symlink() and (out/name).stat().st_size > 100
    assert sorted(os.listdir(out)) == sorted(TRAIN_FILES)               # and no temporary file is left

# ------------------------------------------------- class 5: layers, losses and optimizers refuse what they should

LAYERS = {  # name -> (layer, a good input)
    'Linear': (lambda: Linear(3, 2), (4, 3)), 'Scale': (lambda: Scale(3), (4, 3)), 'Flatten': (Flatten, (4, 3, 2)),
    'ReLULayer': (ReLULayer, (4, 3)), 'SigmoidLayer': (SigmoidLayer, (4, 3)), 'TanhLayer': (TanhLayer, (4, 3)),
    'LeakyReLULayer': (LeakyReLULayer, (4, 3)), 'SoftmaxLayer': (SoftmaxLayer, (4, 3)), 'Dropout': (lambda: Dropout(0.5), (4, 3)),
    'BatchNorm1D': (lambda: BatchNorm1D(3), (4, 3)), 'Conv2D': (lambda: Conv2D(1, 2, 3), (2, 1, 5, 5)),
    'MaxPool2D': (lambda: MaxPool2D(2), (2, 1, 4, 4)), 'AvgPool2D': (lambda: AvgPool2D(2), (2, 1, 4, 4)),
    'GlobalAvgPool2D': (GlobalAvgPool2D, (2, 1, 4, 4)),
}

@pytest.mark.parametrize('name', list(LAYERS))
def test_class5_complex_input_is_refused(name):
    make, shape = LAYERS[name]
    with pytest.raises(TypeError, match='got dtype complex128'): make()(np.ones(shape) + 1j)

@pytest.mark.parametrize('name', ['Linear', 'ReLULayer', 'Conv2D', 'BatchNorm1D', 'Flatten'])
def test_class5_string_input_is_refused(name):
    make, shape = LAYERS[name]
    with pytest.raises(TypeError, match='got dtype <U'): make()(np.full(shape, '1.0'))

BACKWARD = ['Linear', 'Scale', 'Flatten', 'ReLULayer', 'SigmoidLayer', 'TanhLayer', 'LeakyReLULayer', 'SoftmaxLayer',
            'Dropout', 'BatchNorm1D']

@pytest.mark.parametrize('name', BACKWARD)
def test_class5_wrong_shape_gradient_is_refused_before_any_state_changes(name):
    make, shape = LAYERS[name]
    layer = make(); y = layer(np.random.default_rng(0).standard_normal(shape))
    grads = [g.copy() for _, _, g in layer.named_parameters()]
    bad = np.ones((1,) + y.shape[1:])                                   # broadcasts against y: NumPy would not complain
    with pytest.raises(ValueError, match=rf'{name}.backward expected a gradient of shape \({y.shape[0]}, '): layer.backward(bad)
    assert all(np.array_equal(a, g) for a, (_, _, g) in zip(grads, layer.named_parameters()))

def test_class5_flatten_gradient_with_the_right_size_but_wrong_shape():
    fl = Flatten(); fl(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=r'Flatten.backward expected a gradient of shape \(2, 12\)'): fl.backward(np.ones((4, 6)))

def test_class5_dropout_in_eval_mode_checks_too():
    d = Dropout(0.5).eval(); d(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r'Dropout.backward expected a gradient of shape \(4, 3\)'): d.backward(np.ones((1, 3)))

def test_class5_complex_gradient_to_a_layer():
    lin = Linear(3, 2); lin(np.ones((4, 3)))
    with pytest.raises(TypeError, match='Linear.backward expected a gradient of real numbers, got dtype complex128'):
        lin.backward(np.ones((4, 2)) * 1j)
    assert not lin.weights_grad.any()

@pytest.mark.parametrize('loss,pred,target', [
    (MSELoss(), np.ones((2, 2)) * 1j, np.ones((2, 2))), (MSELoss(), np.ones((2, 2)), np.full((2, 2), '1')),
    (CrossEntropyLoss(), np.full((2, 2), 0.5) + 0j, np.array([0, 1])),
    (SoftmaxCrossEntropyLoss(), np.zeros((2, 2)) + 1j, np.array([0, 1])),
    (SoftmaxCrossEntropyLoss(), np.zeros((2, 2)), np.eye(2) * 1j),
])
def test_class5_losses_refuse_complex_and_strings(loss, pred, target):
    with pytest.raises(TypeError, match='expected an array of real numbers'): loss(pred, target)

OPTIMIZERS = [SGD, Momentum, Adagrad, RMSProp, Adam]

@pytest.mark.parametrize('opt_cls', OPTIMIZERS)
@pytest.mark.parametrize('bad', [np.nan, np.inf, -np.inf])
def test_class5_non_finite_gradient_changes_nothing(opt_cls, bad):
    p, opt = np.array([1.0, -2.0], np.float32), opt_cls(learning_rate=0.1)
    q = np.ones(3, np.float32)
    opt.step([('p', p, np.array([0.5, 2.0], np.float32)), ('q', q, np.ones(3, np.float32))])
    before = p.copy(), q.copy(), {k: {n: a.copy() for n, a in s.items()} for k, s in opt.state.items()}, opt.t
    with pytest.raises(FloatingPointError, match=f"{opt_cls.__name__}: gradient of 'q' holds NaN or infinity; nothing was updated"):
        opt.step([('p', p, np.array([0.5, 2.0], np.float32)), ('q', q, np.array([1, bad, 1], np.float32))])
    assert np.array_equal(p, before[0]) and np.array_equal(q, before[1]) and opt.t == before[3]
    assert all(np.array_equal(opt.state[k][n], before[2][k][n]) for k in before[2] for n in before[2][k])

@pytest.mark.parametrize('opt_cls', OPTIMIZERS)
def test_class5_complex_gradient_to_an_optimizer(opt_cls):
    p = np.ones(2, np.float32)
    with pytest.raises(TypeError, match="gradient of 'p' must hold real numbers, got dtype complex128"):
        opt_cls(learning_rate=0.1).step([('p', p, np.ones(2) * (1 + 1j))])
    assert (p == 1).all()

@pytest.mark.parametrize('opt_cls', OPTIMIZERS)
@pytest.mark.parametrize('lr', [float('inf'), float('nan'), 0.0, -1.0])
def test_class5_learning_rate_cannot_be_set_non_finite(opt_cls, lr):
    opt = opt_cls(learning_rate=0.1)
    with pytest.raises(ValueError, match=f'{opt_cls.__name__}: learning_rate must be a positive number'): opt.learning_rate = lr
    assert opt.learning_rate == 0.1

@pytest.mark.parametrize('lr', [float('inf'), float('nan'), 0.0])
def test_class5_schedule_cannot_set_a_non_finite_rate(lr):
    opt = Adam(learning_rate=0.1)
    with pytest.raises(ValueError, match='LRSchedule: the schedule gave learning rate .* at epoch 3; it must be a finite number > 0'):
        LRSchedule(lambda epoch: lr).on_epoch_begin(3, None, opt)
    assert opt.learning_rate == 0.1

def test_class5_state_is_not_handed_to_an_inserted_layer():
    set_seed(0)
    X, y = get_rng().standard_normal((16, 4)).astype(np.float32), get_rng().integers(0, 3, 16)
    net, opt = NeuralNetwork([Linear(4, 4), ReLULayer(), Linear(4, 3)]), Adam(learning_rate=0.01)
    fit(net, SoftmaxCrossEntropyLoss(), opt, X, y, epochs=1, batch_size=8, progress=False)
    net.layers.insert(0, Linear(4, 4))                                 # same shape as the old first layer
    params = [p.copy() for p in net.parameters()]
    with pytest.raises(ValueError, match="the state of '0.weights' belongs to the parameter now called '1.weights'"):
        fit(net, SoftmaxCrossEntropyLoss(), opt, X, y, epochs=1, batch_size=8, progress=False)
    assert all(np.array_equal(a, b) for a, b in zip(params, net.parameters()))

def test_class5_state_of_another_shape_is_named():
    opt = Momentum(learning_rate=0.1); opt.step([('0.weights', np.ones((2, 2), np.float32), np.ones((2, 2), np.float32))])
    with pytest.raises(ValueError, match=r"state 'velocity' of parameter '0.weights' has shape \(2, 2\), but the parameter has shape \(3, 2\)"):
        opt.step([('0.weights', np.ones((3, 2), np.float32), np.ones((3, 2), np.float32))])

@pytest.mark.parametrize('shape', [(2, 3, 0, 0), (2, 3, 0, 5), (1, 1, 4, 0)])
def test_class5_global_average_of_no_pixels(shape):
    with pytest.raises(ValueError, match=f'feature maps of size {shape[2]}x{shape[3]} have no pixels to average'):
        GlobalAvgPool2D()(np.ones(shape))

@pytest.mark.parametrize('net', [NeuralNetwork(), CNN()])
def test_class5_empty_network_backward(net):
    with pytest.raises(RuntimeError, match=f'{type(net).__name__}.backward: the network has no layers'): net.backward(np.ones((1, 2)))

# ---------------------------------------------------------------------- class 6: a failed step changes nothing

def _state(net, opt):
    return ([p.copy() for p in net.parameters()], [b.copy() for _, b in net.named_buffers()],
            {k: {n: a.copy() for n, a in s.items()} for k, s in opt.state.items()}, opt.t)

def _same(a, b):
    pa, ba, sa, ta = a; pb, bb, sb, tb = b
    return (ta == tb and len(pa) == len(pb) and all(np.array_equal(x, y) for x, y in zip(pa + ba, pb + bb))
            and sa.keys() == sb.keys() and all(np.array_equal(sa[k][n], sb[k][n]) for k in sa for n in sa[k]))

@pytest.mark.parametrize('opt_cls', [Adam, Momentum, RMSProp])
@pytest.mark.parametrize('poison', [np.nan, np.inf])
def test_class6_failed_step_restores_parameters_buffers_and_state(opt_cls, poison):
    set_seed(0)
    X, y = get_rng().standard_normal((20, 4)).astype(np.float32), np.arange(20) % 3
    net, opt = NeuralNetwork([Linear(4, 6), BatchNorm1D(6), ReLULayer(), Linear(6, 3)]), opt_cls(learning_rate=0.01)
    fit(net, SoftmaxCrossEntropyLoss(), opt, X, y, epochs=2, batch_size=10, progress=False)
    before = _state(net, opt)
    X[12, 1] = poison                                                  # in the second batch: the first one is a good step
    with np.errstate(all='ignore'), pytest.raises(FloatingPointError, match='loss became nan, at epoch 1, step 1'):
        fit(net, SoftmaxCrossEntropyLoss(), opt, X, y, epochs=1, batch_size=10, shuffle=False, progress=False)
    X[12, 1] = 0
    after_first = _state(net, opt)
    assert not _same(after_first, before) and after_first[3] == before[3] + 1          # step 0 did happen
    assert all(np.isfinite(b).all() for b in after_first[1])                           # step 1 left no NaN behind
    assert np.isfinite(net.predict(X)).all()

def test_class6_batchnorm2d_cnn_keeps_running_statistics():
    set_seed(0)
    X, y = get_rng().random((8, 1, 6, 6), dtype=np.float32), np.arange(8) % 2
    net = CNN([Conv2D(1, 2, 3), BatchNorm2D(2), ReLULayer(), Flatten(), Linear(2 * 4 * 4, 2)]); opt = Adam(learning_rate=0.01)
    fit(net, SoftmaxCrossEntropyLoss(), opt, X, y, epochs=1, batch_size=8, progress=False)
    before = _state(net, opt); X[0, 0, 0, 0] = np.inf
    with np.errstate(all='ignore'), pytest.raises(FloatingPointError, match='parameters, buffers and optimizer state are as before'):
        fit(net, SoftmaxCrossEntropyLoss(), opt, X, y, epochs=1, batch_size=8, progress=False)
    assert _same(_state(net, opt), before)

# ------------------------------------------------------------------------------- class 7: numerics at the edges

@pytest.mark.parametrize('target', [np.array([0]), np.array([[1.0, 0.0]]), np.array([[0.5, 0.5]])])
def test_class7_float16_cross_entropy_with_a_zero(target):
    ce = CrossEntropyLoss()
    loss = ce(np.array([[0.0, 1.0]], np.float16), target)
    g = ce.backward()
    assert np.isfinite(loss) and 0 < loss < 10 and np.isfinite(g).all() and g.dtype == np.float16, (loss, g)

@pytest.mark.parametrize('logits,target,expected', [
    ([3e38, -3e38], 0, 0.0), ([3e38, -3e38], 1, 6.0000000109955115e+38), ([-3e38, 3e38], 1, 0.0),
    ([3.4e38, -3.4e38, 0.0], 0, 0.0),
])
def test_class7_softmax_cross_entropy_of_extreme_finite_logits(logits, target, expected):
    sce = SoftmaxCrossEntropyLoss()
    loss = sce(np.array([logits], np.float32), np.array([target]))
    assert np.isfinite(loss) and loss == pytest.approx(expected, rel=1e-6) and np.isfinite(sce.backward()).all()

def test_class7_float64_edge():
    assert SoftmaxCrossEntropyLoss()(np.array([[1.7e308, -1.7e308]]), np.array([0])) == 0.0

# --------------------------------------------------------------------------- class 8: readers and command line

def test_class8_idx_gzip_bomb_in_a_small_address_space(tmp_path):
    "2.5 GB of zeros behind a header that declares 3 bytes: refused after the header, in a child with 1.5 GB of address space."
    bomb = tmp_path/'bomb.gz'; bomb.write_bytes(gzip_bomb(bytes([0, 0, 8, 1, 0, 0, 0, 3]), 2_500 << 20))
    assert bomb.stat().st_size < 4 << 20
    code, out, err = run_limited(f'''
        from cnn_scratch.images import read_idx
        try: read_idx({str(bomb)!r})
        except ValueError as e: print('REFUSED', e)
    ''')
    assert 'REFUSED' in out and 'but there are more than 11 (trailing bytes)' in out, (out, err[-500:])

def test_class8_idx_bomb_with_honest_huge_header(tmp_path):
    "The header itself declares 2.5 GB: over max_bytes, refused before anything is decompressed."
    dims = struct.pack('>I', 2_500 << 20)
    code, out, err = run_limited(f'''
        from cnn_scratch.images import read_idx
        import gzip
        try: read_idx(gzip.compress(bytes([0, 0, 8, 1]) + {dims!r}))
        except ValueError as e: print('REFUSED', e)
    ''')
    assert 'REFUSED' in out and 'over the limit of 1,073,741,824' in out, (out, err[-500:])

def test_class8_cifar_batch_bomb(tmp_path):
    bomb = tmp_path/'batch.bin.gz'; bomb.write_bytes(gzip_bomb(b'', 2_500 << 20))
    code, out, err = run_limited(f'''
        from cnn_scratch.images import read_cifar10_binary
        try: read_cifar10_binary({str(bomb)!r})
        except ValueError as e: print('REFUSED', e)
    ''')
    assert 'REFUSED' in out and 'holds at most 10,000 records' in out, (out, err[-500:])

def _archive(path, entries):
    "A tar.gz with `entries`: (name, type or None for a file, bytes)."
    with tarfile.open(path, 'w:gz') as tar:
        for name, kind, data in entries:
            info = tarfile.TarInfo(name)
            if kind is None: info.size = len(data); tar.addfile(info, io.BytesIO(data))
            else:
                info.type = kind
                if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE): info.linkname = '/etc/passwd'
                tar.addfile(info)
    return path

RECORD = bytes([3]) + bytes(3072)

@pytest.mark.parametrize('kind,word', [(tarfile.DIRTYPE, 'directory'), (tarfile.FIFOTYPE, 'FIFO'), (tarfile.SYMTYPE, 'symbolic link'),
                                       (tarfile.LNKTYPE, 'hard link'), (tarfile.CHRTYPE, 'device or other special file')])
def test_class8_cifar_member_that_is_not_a_file(tmp_path, kind, word):
    p = _archive(tmp_path/'c.tar.gz', [(CIFAR10_MEMBERS[0], kind, b'')] + [(n, None, RECORD) for n in CIFAR10_MEMBERS[1:]])
    with pytest.raises(ValueError, match=f'member {CIFAR10_MEMBERS[0]} is a {word}, not a file'): read_cifar10_archive(p)

def test_class8_cifar_duplicate_and_crowded_archives(tmp_path):
    p = _archive(tmp_path/'dup.tar.gz', [(n, None, RECORD) for n in CIFAR10_MEMBERS[:2]] + [(CIFAR10_MEMBERS[1], None, RECORD)])
    with pytest.raises(ValueError, match=f'two members named {CIFAR10_MEMBERS[1]}'): read_cifar10_archive(p)
    p = _archive(tmp_path/'many.tar.gz', [(f'junk/{i}', None, b'x') for i in range(70)])
    with pytest.raises(ValueError, match='more than 64 members'): read_cifar10_archive(p)

def test_class8_cifar_member_declaring_a_bomb(tmp_path):
    "A member header declaring 2.5 GB (zeros, 2.5 MB gzipped): refused from its header, before a byte is inflated."
    header = tarfile.TarInfo('padding.bin'); header.size = 2_500 << 20
    head = header.tobuf(tarfile.GNU_FORMAT)
    bomb = tmp_path/'bomb.tar.gz'; bomb.write_bytes(gzip_bomb(head, 64 << 20))   # the data need not all be there
    t = time.time()
    with pytest.raises(ValueError, match='member padding.bin declares 2,621,440,000 bytes, more than a CIFAR-10 batch'):
        read_cifar10_archive(bomb)
    assert time.time() - t < 5

def test_class8_fit_on_zero_examples():
    with pytest.raises(ValueError, match=r'no training examples \(X has 0 rows\)'):
        fit(NeuralNetwork([Linear(2, 2)]), SoftmaxCrossEntropyLoss(), SGD(), np.zeros((0, 2)), np.zeros(0, int), progress=False)

@pytest.mark.parametrize('batch_size', [0, -5, 2.5, True, '8'])
def test_class8_predict_batch_size(batch_size):
    with pytest.raises(ValueError, match=re.escape(f'predict: batch_size must be an integer >= 1, got {batch_size!r}')):
        NeuralNetwork([Linear(2, 2)]).predict(np.zeros((3, 2)), batch_size=batch_size)

def test_class8_predict_nothing():
    with pytest.raises(ValueError, match='predict: X has no rows'): NeuralNetwork([Linear(2, 2)]).predict(np.zeros((0, 2)))

def _cli(tool, *args, timeout=300):
    "Run a console script as pip's launcher does: a file that imports it (call_parse ignores sys.argv under `python -c`)."
    folder = Path(__import__('tempfile').mkdtemp())
    launcher = folder/f'cnn_scratch_{tool}'; launcher.write_text(f'import sys\nfrom cnn_scratch.cli import {tool}\nsys.exit({tool}())\n')
    env = {**os.environ, 'OPENBLAS_NUM_THREADS': '1', 'PYTHONPATH': os.pathsep.join(sys.path)}
    try: return subprocess.run([sys.executable, str(launcher), *args], capture_output=True, text=True, timeout=timeout, env=env)
    finally: launcher.unlink(); folder.rmdir()

@pytest.mark.parametrize('tool,args,code,fragment', [
    ('train', ['--seed', '-1'], 2, '--seed must be a non-negative integer, got -1'),
    ('demo', ['--seed', '-1'], 1, '--seed must be a non-negative integer, got -1'),
    ('demo', ['--out', '{file}'], 1, "cannot write to --out '{file}'"),
    ('train', ['--out', '{file}'], 2, 'a file of that name exists'),
    ('demo', ['--data', 'spiral', '--out', '{file}/sub'], 1, 'cannot write to --out'),
])
def test_class8_command_line_names_the_flag(tmp_path, tool, args, code, fragment):
    f = tmp_path/'a_file'; f.write_text('not a folder')
    args = [a.format(file=f) for a in args]
    p = _cli(tool, *args)
    assert p.returncode == code and fragment.format(file=f) in p.stderr and 'Traceback' not in p.stderr, p.stderr
    assert f.read_text() == 'not a folder' and os.listdir(tmp_path) == ['a_file']

def test_class8_diverging_learning_rate_is_a_clean_error(tmp_path):
    p = _cli('train', '--dataset', 'digits', '--arch', 'small', '--epochs', '2', '--n_train', '64', '--lr', '1e9',
             '--quiet', '--out', str(tmp_path))
    assert p.returncode == 1 and 'training diverged' in p.stderr and 'try a smaller --lr' in p.stderr, p.stderr
    assert 'Traceback' not in p.stderr and 'Warning' not in p.stderr
    assert not list(tmp_path.glob('*.tmp')) and not list(tmp_path.glob('.*'))
