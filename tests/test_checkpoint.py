"""Checkpoints from outside: a round trip keeps everything, hostile or broken files raise CheckpointError and run
nothing, and a failed save leaves the previous checkpoint intact. (Chapter 10a has the full table of cases.)"""
import io, json, os, pickle, zipfile
import numpy as np
import pytest
import cnn_scratch.checkpoint as ckpt
from cnn_scratch import *

def small_model():
    return CNN([Conv2D(1, 3, 3, padding=1), BatchNorm2D(3), ReLULayer(), MaxPool2D(2), Flatten(),
                Linear(3 * 4 * 4, 8), ReLULayer(), Dropout(0.2), Linear(8, 3)])

@pytest.fixture
def trained(tmp_path):
    set_seed(0)
    X = get_rng().random((24, 1, 8, 8), dtype=np.float32); y = get_rng().integers(0, 3, 24)
    model, opt = small_model(), Adam(learning_rate=0.01)
    hist = fit(model, SoftmaxCrossEntropyLoss(), opt, X, y, epochs=2, batch_size=8, progress=False)
    path = tmp_path/'ck.npz'
    save_checkpoint(model, opt, path, epoch=2, history=hist)
    return model, opt, hist, path

def test_round_trip_keeps_everything(trained):
    model, opt, hist, path = trained
    ck = load_checkpoint(path)
    m2, o2 = ck['model'], ck['optimizer']
    assert [type(l).__name__ for l in m2.layers] == [type(l).__name__ for l in model.layers]
    for (k, a, _), (k2, b, _) in zip(model.named_parameters(), m2.named_parameters()):
        assert k == k2 and a.dtype == b.dtype and np.array_equal(a, b)
    assert np.array_equal(model.layers[1].running_var, m2.layers[1].running_var)
    assert type(o2) is Adam and o2.t == opt.t and o2.config() == opt.config()
    assert all(np.array_equal(opt.state[k][n], o2.state[k][n]) for k in opt.state for n in opt.state[k])
    assert ck['epoch'] == 2 and ck['history'] == json.loads(json.dumps(hist))
    assert m2.training == model.training

def _expect_refusal(path, model):
    before = [p.copy() for p in model.parameters()]
    with pytest.raises(CheckpointError): load_checkpoint(path)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.parameters()))

def test_pickle_payload_is_never_run(trained, tmp_path):
    model, _, _, _ = trained
    marker = tmp_path/'pwned'
    class Payload:
        def __reduce__(self): return (os.mkdir, (str(marker),))
    bad = tmp_path/'evil.npz'; bad.write_bytes(pickle.dumps(Payload()))
    _expect_refusal(bad, model)
    assert not marker.exists()

def test_object_array_member_is_refused(trained, tmp_path):
    model, _, _, path = trained
    bad = tmp_path/'object.npz'
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bad, 'w') as dst:
        for name in src.namelist():
            data = src.read(name)
            if name.startswith('param/') and name.endswith('.npy') and 'weights' in name:
                buf = io.BytesIO(); np.save(buf, np.array([{'a': 1}], dtype=object), allow_pickle=True); data = buf.getvalue()
            dst.writestr(name, data)
    _expect_refusal(bad, model)

@pytest.mark.parametrize('damage', ['truncate', 'garbage', 'empty', 'unknown_layer', 'future_version'])
def test_broken_files_are_refused(trained, tmp_path, damage):
    model, _, _, path = trained
    raw, bad = path.read_bytes(), tmp_path/f'{damage}.npz'
    if damage == 'truncate': bad.write_bytes(raw[:len(raw) // 2])
    elif damage == 'garbage': bad.write_bytes(b'not a checkpoint at all')
    elif damage == 'empty': bad.write_bytes(b'')
    else:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(bad, 'w') as dst:
            for name in src.namelist():
                data = src.read(name)
                if name.startswith('manifest'):
                    arr = np.load(io.BytesIO(data), allow_pickle=False)
                    text = arr.tobytes().decode()
                    text = text.replace('"Linear"', '"os.system"', 1) if damage == 'unknown_layer' else \
                           text.replace(f'"version": {ckpt.FORMAT_VERSION}', f'"version": {ckpt.FORMAT_VERSION + 1}', 1)
                    assert text != arr.tobytes().decode()
                    buf = io.BytesIO(); np.save(buf, np.frombuffer(text.encode(), np.uint8)); data = buf.getvalue()
                dst.writestr(name, data)
    _expect_refusal(bad, model)

def test_failed_save_leaves_previous_checkpoint(trained, monkeypatch, tmp_path):
    model, opt, _, path = trained
    before = path.read_bytes()
    def broken_savez(file, *args, **kwargs):
        file.write(b'PK\x03\x04 half an archive'); raise OSError('No space left on device')
    monkeypatch.setattr(np, 'savez', broken_savez)
    with pytest.raises(OSError): save_checkpoint(model, opt, path, epoch=3)
    assert path.read_bytes() == before and sorted(os.listdir(tmp_path)) == ['ck.npz']
