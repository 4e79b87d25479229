"""The widgets of chapter 14 in a real JupyterLab, driven by headless Chromium: what nbdev_test cannot check (`make lab-check`).

It starts JupyterLab from this environment on a copy of the chapter (so the tracked notebook is never touched), opens it in
Debian's Chromium through playwright (the pip package; it never downloads a browser), runs all cells, waits until every
code cell has run, opens JupyterLab's Log Console, and then uses each widget as a student would:

- the convolution explorer: three presets and a hand edit;
- the hyperparameter playground and the decision-boundary playground: at least five runs each with different settings,
  a run stopped with Stop, a double click on Train, and a deliberately bad setting.

A training run passes when its status line reaches `done: epoch N/N` (or `stopped:` after Stop), no error text appears in
the widget or in the Log Console, and its final image is not blank. Every wait is for a state of the page (the kernel
idle, a status line), never a fixed sleep. Screenshots go to _lab_check/ (git-ignored).

    python tools/lab_check.py [--out _lab_check] [--chromium /usr/bin/chromium] [--notebook nbs/14_widgets.ipynb]"""
import argparse, io, json, os, re, shutil, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path
import numpy as np
from matplotlib.image import imread
from playwright.sync_api import sync_playwright

FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync']
TIMEOUT = 180_000                                      # ms: the longest any single state may take to arrive
# Appended to the copy: a button whose callback raises. Clicking it proves that an error in a callback reaches the Log
# Console and that this script reads it there, so the final "nothing in the Log Console" cannot pass by reading nothing.
PROBE = ('import ipywidgets as W\nprobe = W.Button(description="lab-check probe")\n'
         'def _fail(_): raise RuntimeError("lab-check probe: an error in a callback")\nprobe.on_click(_fail)\nprobe')
LOG_PROBLEMS = re.compile(r'Traceback|Error|Exception|<Figure size', re.I)

class Check:
    "Collects failures and screenshots; `shot` saves the page (or one element) to the output folder."
    def __init__(self, page, out): self.page, self.out, self.failures, self.n = page, out, [], 0
    def fail(self, msg): print('FAIL', msg); self.failures.append(msg)
    def ok(self, cond, msg):
        if not cond: self.fail(msg)
        return cond
    def shot(self, name, element=None):
        self.n += 1
        path = self.out / f'{self.n:02d}_{name}.png'
        (element or self.page).screenshot(path=str(path))
        return path

def free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def start_lab(folder, port, token):
    "JupyterLab on 127.0.0.1 in `folder`, with settings of its own (no windowing: every cell stays in the page)."
    settings = folder / '_settings'
    (settings / '@jupyterlab' / 'notebook-extension').mkdir(parents=True)
    (settings / '@jupyterlab' / 'notebook-extension' / 'tracker.jupyterlab-settings').write_text(json.dumps({'windowingMode': 'none'}))
    (settings / '@jupyterlab' / 'apputils-extension').mkdir(parents=True)
    (settings / '@jupyterlab' / 'apputils-extension' / 'notification.jupyterlab-settings').write_text(
        json.dumps({'fetchNews': 'false', 'checkForUpdates': False}))
    cmd = [str(Path(sys.executable).parent / 'jupyter'), 'lab', '--no-browser', '--ip=127.0.0.1', f'--port={port}',
           f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={folder}', '--LabApp.expose_app_in_browser=True',
           f'--LabApp.user_settings_dir={settings}', f'--LabApp.workspaces_dir={folder / "_workspaces"}']
    if os.geteuid() == 0: cmd.append('--allow-root')
    log = open(folder / '_jupyter.log', 'w')
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, 'OPENBLAS_NUM_THREADS': '1'})
    for _ in range(240):                               # wait until the server answers (at most 60 s)
        try:
            urllib.request.urlopen(f'http://127.0.0.1:{port}/api/status?token={token}', timeout=1); return proc
        except OSError:
            if proc.poll() is not None: break
            time.sleep(0.25)
    proc.terminate(); raise SystemExit(f'JupyterLab did not start; see {folder / "_jupyter.log"}')

def blank(png: bytes) -> bool:
    "An image is blank when almost all of it is one colour (a figure that failed to draw, or empty white)."
    a = imread(io.BytesIO(png))[..., :3]
    flat = a.reshape(-1, 3)
    main = np.median(flat, 0)
    return (np.abs(flat - main).max(1) > 0.1).mean() < 0.03

class Widget:
    "One widget's output area in the notebook, found by a control only it has."
    def __init__(self, check, has_text):
        self.c, self.page = check, check.page
        self.root = check.page.locator('.jp-OutputArea-output').filter(has=check.page.get_by_text(has_text, exact=True)).first
        self.status = self.root.locator('.widget-html').first
        self.image = self.root.locator('.widget-image').first
        self.runs_seen = ''                                # the last final status line, which names the last run
    def scroll(self): self.root.scroll_into_view_if_needed()
    def status_text(self): return self.status.inner_text().strip()
    def button(self, name): return self.root.locator('button.jupyter-button', has_text=re.compile(f'^{name}$'))
    def set_readout(self, label, value):
        "Type `value` into the slider's readout next to `label`, as a student edits a slider's number."
        box = self.root.locator('.widget-slider', has=self.page.locator('label', has_text=label)).first
        readout = box.locator('.widget-readout')
        readout.click(); self.page.keyboard.press('Control+A'); self.page.keyboard.type(str(value)); self.page.keyboard.press('Enter')
    def select(self, label, value):
        self.root.locator('.widget-dropdown', has=self.page.locator('label', has_text=label)).first.locator('select').select_option(str(value))
    def check(self, label, on):
        box = self.root.locator('.widget-checkbox', has_text=label).first.locator('input')
        box.check() if on else box.uncheck()
    def wait_status(self, pattern):
        "Wait until the status line matches the regular expression `pattern`; returns its text."
        self.page.wait_for_function('([el, p]) => new RegExp(p).test(el.innerText)', arg=[self.status.element_handle(), pattern],
                                    timeout=TIMEOUT)
        return self.status_text()
    def wait_epoch(self, n, number):
        "Wait until the status line says run `number` is at epoch `n` or later, or has ended."
        self.page.wait_for_function('''([el, n, end]) => { const t = el.innerText, m = /^running: epoch (\\d+)\\//.exec(t);
                                       return (m && +m[1] >= n) || (/^(done|stopped|error):/.test(t) && t.endsWith(end)); }''',
                                    arg=[self.status.element_handle(), n, f'(run #{number})'], timeout=TIMEOUT)
    def image_png(self): return self.image.screenshot()

def run(w, settings, name, expect='done', stop_after=None, shot_at=None):
    "One training run: set the controls, press Train, wait for the final status, check it and the picture."
    w.scroll()
    m = re.search(r'run #(\d+)', w.runs_seen); number = int(m.group(1)) + 1 if m else 1
    for label, value in settings.items():
        if isinstance(value, bool): w.check(label, value)
        elif isinstance(value, str): w.select(label, value)
        else: w.set_readout(label, value)
    w.button('Train').click()
    if shot_at is not None:                             # a screenshot while the run trains
        w.wait_epoch(shot_at, number); w.c.shot(f'{name}_running', w.root)
        if w.status_text().startswith('running'):
            w.c.ok(w.button('Train').is_disabled(), f'{name}: Train is clickable while a run is going')
    if stop_after is not None:                          # wait for a running state past `stop_after` epochs, then Stop
        w.wait_epoch(stop_after, number)
        w.c.shot(f'{name}_running', w.root)
        if w.status_text().startswith('running'):
            w.c.ok(w.button('Train').is_disabled(), f'{name}: Train is clickable while a run is going')
        w.button('Stop').click()
    text = w.runs_seen = w.wait_status(rf'^(done|stopped|error):.*run #{number}\b')
    shot = w.c.shot(name, w.root)
    kind = text.split(':')[0]
    w.c.ok(kind == expect, f'{name}: expected {expect}, the status line says {text!r}')
    if kind == 'done':
        m = re.search(r'epoch (\d+)/(\d+)', text)
        w.c.ok(m and m.group(1) == m.group(2), f'{name}: finished early: {text!r}')
    w.c.ok(not blank(w.image_png()), f'{name}: the final image is blank ({shot.name})')
    w.c.ok(not w.button('Train').is_disabled(), f'{name}: Train stays disabled after the run')
    print(f'  {name}: {text}')
    return text

def try_explorer(c):
    "The convolution explorer: three presets, then a hand edit that makes the weights add up to 1."
    ex = Widget(c, 'preset')
    ex.scroll(); c.shot('explorer_first', ex.root)
    for preset in ['edges: all (Laplacian)', 'sharpen', 'blur (Gaussian)']:
        ex.select('preset', preset)
        ex.wait_status(f'^done: kernel: {re.escape(preset)},')
        c.ok(not blank(ex.image_png()), f'explorer {preset}: blank image')
    ex.select('preset', 'edges: all (Laplacian)'); ex.wait_status('^done: kernel: edges: all')
    cell = ex.root.locator('.widget-gridbox input').nth(4)
    cell.fill('9'); cell.press('Enter')
    ex.wait_status('^(done|error): kernel: custom')
    c.shot('explorer_laplacian_edited', ex.root)
    c.ok(ex.status_text() == 'done: kernel: custom, weights add up to 1', f'explorer: {ex.status_text()!r}')
    print('  explorer:', ex.status_text())

def try_playground(c):
    "The hyperparameter playground: five runs, a double click, Stop, and two bad learning rates."
    page, pg = c.page, Widget(c, 'Clear runs')
    pg.scroll(); c.shot('playground_before', pg.root)
    c.ok(not blank(pg.image_png()), 'playground: no preview before the first run')
    run(pg, {'epochs': 30}, 'playground_run1_defaults', shot_at=10)
    run(pg, {'epochs': 10, 'learning rate': 0.001}, 'playground_run2_lr0.001')
    run(pg, {'learning rate': 0.01, 'batch norm': True}, 'playground_run3_bn')
    run(pg, {'optimizer': 'SGD', 'learning rate': 0.1, 'batch norm': False}, 'playground_run4_sgd')
    run(pg, {'optimizer': 'Adam', 'learning rate': 0.01, 'dropout': 0.3, 'width': 16}, 'playground_run5_dropout')
    pg.scroll(); pg.button('Train').dblclick()               # the second click must not queue a second run
    pg.runs_seen = pg.wait_status(r'^(done|stopped|error):.*run #6\b')
    page.wait_for_timeout(2000)                              # a queued second run would have started by now
    c.ok(pg.status_text().endswith('(run #6)'), f'playground: a double click started a second run ({pg.status_text()!r})')
    run(pg, {'epochs': 40, 'dropout': 0.0, 'width': 8}, 'playground_run7_stopped', expect='stopped', stop_after=3)
    run(pg, {'epochs': 10, 'optimizer': 'Momentum', 'learning rate': 10, 'batch norm': True}, 'playground_run8_lr10_momentum_bn',
        expect='error')
    run(pg, {'optimizer': 'Adam', 'batch norm': False}, 'playground_run9_lr10_adam')

def try_boundary(c):
    "The decision-boundary playground: five data sets and networks, Stop, and a bad learning rate."
    bd = Widget(c, 'data set')
    bd.scroll(); c.shot('boundary_before', bd.root)
    c.ok(not blank(bd.image_png()), 'boundary: no preview of the data before the first run')
    run(bd, {'epochs': 200}, 'boundary_run1_spiral', shot_at=60)
    run(bd, {'data set': 'circle', 'epochs': 100}, 'boundary_run2_circle')
    run(bd, {'data set': 'zone', 'activation': 'tanh', 'width': 16}, 'boundary_run3_zone_tanh')
    run(bd, {'data set': 'line', 'depth': 1, 'noise': 0.3}, 'boundary_run4_line')
    run(bd, {'data set': 'spiral', 'activation': 'relu', 'width': 64, 'depth': 3, 'noise': 0.1, 'epochs': 150},
        'boundary_run5_spiral_deep')
    run(bd, {'epochs': 500}, 'boundary_run6_stopped', expect='stopped', stop_after=100)
    run(bd, {'epochs': 50, 'learning rate': 10}, 'boundary_run7_lr10')

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', default='_lab_check'); ap.add_argument('--chromium', default='/usr/bin/chromium')
    ap.add_argument('--notebook', default='nbs/14_widgets.ipynb')
    ap.add_argument('--parts', default='explorer,playground,boundary', help='which widgets to try (comma-separated)')
    a = ap.parse_args()
    out = Path(a.out); shutil.rmtree(out, ignore_errors=True); out.mkdir()
    work = Path(tempfile.mkdtemp(prefix='lab_check_'))
    nb = json.loads(Path(a.notebook).read_text())
    nb['cells'].append({'cell_type': 'code', 'metadata': {}, 'outputs': [], 'execution_count': None, 'source': PROBE})
    (work / 'chapter.ipynb').write_text(json.dumps(nb))
    port, token, t0 = free_port(), 'lab-check', time.time()
    lab = start_lab(work, port, token)
    c = page = None
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=a.chromium, args=FLAGS)
            page = browser.new_page(viewport={'width': 1400, 'height': 1000})
            c = Check(page, out)
            page.goto(f'http://127.0.0.1:{port}/lab/tree/chapter.ipynb?token={token}')
            page.wait_for_function('() => window.jupyterapp && document.querySelector(".jp-Notebook .jp-Cell")', timeout=TIMEOUT)
            page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=TIMEOUT)
            print('JupyterLab is up; running all cells', flush=True)
            page.locator('.jp-Notebook').first.click(position={'x': 5, 'y': 5}); page.keyboard.press('Escape')
            page.locator('li[role="menuitem"] >> text=Run').first.click()      # the menu, as a student does
            page.get_by_text('Run All Cells', exact=True).click()
            # Done when every code cell shows an execution number and the kernel is idle.
            page.wait_for_function('''() => {
                const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(e => e.innerText);
                return p.length && p.every(t => /\\[\\d+\\]/.test(t)) &&
                       document.querySelector('.jp-Notebook-ExecutionIndicator[data-status="idle"]'); }''', timeout=240_000)
            print(f'ran all cells in {time.time() - t0:.0f} s (server start included)')
            errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
            c.ok(errors.count() == 0, f'{errors.count()} cells wrote to stderr or raised: ' +
                 ' | '.join(errors.nth(i).inner_text()[:300] for i in range(errors.count())))
            raw = page.locator('.jp-OutputArea-output pre', has_text='VBox(children').count()
            c.ok(raw == 0, f'{raw} widgets printed as text: the widget extension is missing')
            page.evaluate('() => window.jupyterapp.commands.execute("logconsole:open")')
            page.wait_for_selector('.jp-LogConsolePanel', timeout=TIMEOUT)
            level = page.locator('select', has=page.locator('option[value="debug"]')).first   # the Log Console's level
            level.select_option('debug')                 # show everything, stray output too (the default shows warnings)
            probe = page.locator('button.jupyter-button', has_text='lab-check probe')
            probe.scroll_into_view_if_needed(); probe.click()
            page.wait_for_function('() => [...document.querySelectorAll(".jp-LogConsolePanel")].some(e => e.innerText.includes("lab-check probe: an error"))',
                                   timeout=60_000)
            print('the Log Console shows an error raised in a callback (the probe)', flush=True)
            c.ok(level.input_value() == 'debug', f'the Log Console level is {level.input_value()!r}, not debug')
            c.shot('log_console_probe')
            page.evaluate('() => window.jupyterapp.commands.execute("logconsole:clear")')
            page.locator('.jp-Notebook').first.click(position={'x': 5, 'y': 5})   # back to the notebook tab's area

            parts = a.parts.split(',')
            for name, f in (('explorer', try_explorer), ('playground', try_playground), ('boundary', try_boundary)):
                if name in parts: f(c)

            # 4. Nothing escaped into JupyterLab's Log Console (where errors raised in callbacks end up).
            page.evaluate('() => window.jupyterapp.commands.execute("logconsole:open")')
            log = page.locator('.jp-LogConsolePanel .jp-OutputArea').first
            text = log.inner_text() if log.count() else ''
            c.shot('log_console')
            c.ok(not LOG_PROBLEMS.search(text), f'the Log Console shows: {text[:1500]!r}')
            browser.close()
    except Exception as e:                             # a state that never came: show where the page was
        try:
            page.screenshot(path=str(out / 'failure.png'))
            prompts = page.evaluate('() => [...document.querySelectorAll(".jp-CodeCell .jp-InputPrompt")].map(e => e.innerText)')
            print('input prompts at the failure:', prompts)
        except Exception: pass
        if c is None: raise
        c.fail(f'{type(e).__name__}: {str(e)[:800]}')
    finally:
        lab.terminate()
        try: lab.wait(20)
        except subprocess.TimeoutExpired: lab.kill()
        shutil.copy(work / '_jupyter.log', out / 'jupyter.log'); shutil.rmtree(work, ignore_errors=True)
    print(f'{len(c.failures)} failures, {c.n} screenshots in {out}/, {time.time() - t0:.0f} s')
    return 1 if c.failures else 0

if __name__ == '__main__': sys.exit(main())
