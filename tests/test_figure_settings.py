"""Figure settings: one hidden setup cell per chapter, and figures at 100 dpi (the house rule: figures about 100 dpi).

Every chapter whose stored outputs hold a figure sets `plt.rcParams['figure.dpi'] = 100` exactly once, in a cell of its
own marked `#| hide` (so the setting is not in the rendered docs) that comes before the chapter's first figure. The
widgets of chapter 14 draw with matplotlib's object API at `cnn_scratch.widgets.DPI` instead, which must be 100 too."""
import ast, json
from pathlib import Path
from conftest import ROOT

def _cells(p):
    return [c for c in json.loads(Path(p).read_text(encoding='utf-8'))['cells'] if c['cell_type'] == 'code']

def _src(c): return c['source'] if isinstance(c['source'], str) else ''.join(c['source'])

def _has_figure(c): return any('image/png' in o.get('data', {}) for o in c.get('outputs', []))

def test_one_hidden_setup_cell_per_chapter():
    problems = []
    for p in sorted((ROOT/'nbs').glob('[0-9]*.ipynb')):
        cells = _cells(p)
        setting = [i for i, c in enumerate(cells) if 'figure.dpi' in _src(c)]
        figures = [i for i, c in enumerate(cells) if _has_figure(c)]
        for i in setting:
            lines = [l for l in _src(cells[i]).splitlines() if l.strip()]
            if lines[0].replace(' ', '') != '#|hide' or len(lines) != 2:
                problems.append(f'{p.name}: figure.dpi is set in a cell that is not one hidden setup cell')
            else:
                t = ast.parse(lines[1]).body[0]
                if not (isinstance(t, ast.Assign) and isinstance(t.value, ast.Constant) and t.value.value == 100):
                    problems.append(f'{p.name}: the setup cell must set figure.dpi to 100: {lines[1]!r}')
        if len(setting) > 1: problems.append(f'{p.name}: figure.dpi is set {len(setting)} times')
        if p.name.startswith('14_'): continue
        if figures and not setting: problems.append(f'{p.name}: has figures but no hidden setup cell for figure.dpi')
        if figures and setting and setting[0] > figures[0]: problems.append(f'{p.name}: figure.dpi is set after its first figure')
    assert not problems, '\n'.join(problems)

def test_widgets_draw_at_100_dpi():
    from cnn_scratch.widgets import DPI
    assert DPI == 100

def test_no_text_below_9_points():
    "The house rule: text at least 9 pt. An explicit `fontsize=` or `labelsize=` below 9 in a chapter's code or the library fails."
    import re
    small = re.compile(r'\b(?:fontsize|labelsize)=([0-8](?:\.\d+)?)\b')
    found = [f'{p.name}: {m.group(0)}' for p in sorted((ROOT/'nbs').glob('*.ipynb')) for c in _cells(p) for m in small.finditer(_src(c))]
    found += [f'{p.name}: {m.group(0)}' for p in sorted((ROOT/'cnn_scratch').glob('*.py')) for m in small.finditer(p.read_text(encoding='utf-8'))]
    assert not found, 'text smaller than 9 pt:\n' + '\n'.join(found)
