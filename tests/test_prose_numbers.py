"""Numbers in prose come from cells that compute them: a measurement-looking number in a chapter's markdown must appear in
that chapter's code (its sources or its stored outputs), or the prose has drifted from what the code shows.

A *measurement-looking* number is one with a decimal point (`0.42`), a percentage (`87%`), a ratio (`3.9x`, `3.9×`) or
thousands separators (`13,952`). Integers without these are left alone (layer sizes, epoch counts, chapter numbers).
LaTeX math (`$...$`, `$$...$$`), code spans and fenced code, link targets and HTML tags are skipped: they are formulas,
code and addresses, not claims about a run.

A prose number is *supported* when some number in the chapter's code cells (source or output text) equals it after
rounding: prose `98.3%` is supported by a printed `0.9834` or `98.34%`, prose `13,952` by `13952`, prose `3.9x` by
`3.87`. A printed number must carry at least as many decimals as the prose (`2` does not support `2.0`... but does
support `2`). A few chapters use a number that is true by definition and printed nowhere; they are listed in ALLOWED
with the reason, per chapter, so a reviewer sees each one. The front page (index.ipynb) describes the demo of chapter 99,
so that chapter's cells count for it too (ALSO_FROM).

The check is lenient on purpose (a one-decimal number is supported by any printed number that rounds to it), so it
catches drift and invented numbers, not every wrong one: a reviewer still reads the sentence around each number."""
import json, re
from pathlib import Path
import pytest
from conftest import ROOT

# chapter file name -> {prose number as written: why it needs no cell}
ALLOWED: dict = {
    'index.ipynb': {'3.9': 'the oldest Python the package supports (min_python in settings.ini), a requirement, not a measurement'},
}
# The front page describes the demo, which chapter 99 runs and prints: its numbers count as the front page's own.
ALSO_FROM: dict = {'index.ipynb': ['99_cli.ipynb']}

_MATH = re.compile(r'\$\$.*?\$\$|\$[^$\n]+\$', re.S)
_FENCE = re.compile(r'```.*?```|~~~.*?~~~', re.S)
_CODE = re.compile(r'`[^`\n]*`')
_LINK = re.compile(r'\]\([^)]*\)')          # the target of a markdown link or image: [text](target)
_TAG = re.compile(r'<[^>\n]*>')              # HTML tags and their attributes
_URL = re.compile(r'https?://\S+')
# A measurement-looking number: thousands (13,952), a decimal (0.42, .5 is not written in prose), then % or x/× if any.
_PROSE = re.compile(r'(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+\.\d+|\d+)(\s?%|x\b|×)?(?![\w.]*\d)')
# Any number in code or output, including 1e-3, 1_000 and 13,952.
_ANY = re.compile(r'(?<![\w.])\d[\d_]*(?:,\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?')

def _text(x): return x if isinstance(x, str) else ''.join(x)

def strip_markup(md: str) -> str:
    "Markdown with math, code, link targets, HTML tags and URLs removed (each replaced by a space)."
    for pat in (_FENCE, _MATH, _CODE, _LINK, _TAG, _URL): md = pat.sub(' ', md)
    return md

def prose_numbers(md: str) -> list:
    "The measurement-looking numbers of a markdown text, as written (`'98.3%'`, `'13,952'`, `'3.9x'`, `'0.42'`)."
    out = []
    for m in _PROSE.finditer(strip_markup(md)):
        num, suffix = m.group(1), (m.group(2) or '').strip()
        if suffix or '.' in num or ',' in num: out.append(num + suffix)
    return out

def _parse(tok: str):
    "`(value, decimals)` of a number token as printed."
    t = tok.replace('_', '').replace(',', '')
    if 'e' in t.lower():
        v = float(t); return v, 12
    return float(t), (len(t.split('.')[1]) if '.' in t else 0)

def code_numbers(cells) -> list:
    "`(value, decimals)` of every number in the sources and stored text outputs of a chapter's code cells."
    texts = []
    for c in cells:
        if c['cell_type'] != 'code': continue
        texts.append(_text(c['source']))
        for o in c.get('outputs', []):
            if 'text' in o: texts.append(_text(o['text']))
            for k in ('text/plain', 'text/markdown', 'text/html'):
                if k in o.get('data', {}): texts.append(_text(o['data'][k]))
    return [_parse(m.group(0)) for t in texts for m in _ANY.finditer(t)]

def supported(written: str, numbers) -> bool:
    "Whether some code number, rounded to the digits of `written`, equals it (a percentage may be printed as a fraction)."
    pct = written.endswith('%')
    core = written.rstrip('%x× ')
    v, d = _parse(core)
    candidates = [(v, d)] + ([(v / 100, d + 2)] if pct else [])
    for h, hd in numbers:
        for target, td in candidates:
            if hd < td: ok = h == target                      # fewer printed digits than the prose claims: exact only
            else: ok = abs(round(h, td) - target) < 0.5 * 10 ** -td + 1e-12 and abs(h - target) <= 0.5 * 10 ** -td + 1e-9
            if ok: return True
    return False

def unsupported(path) -> list:
    "The prose numbers of a notebook that no code cell of it shows, minus its ALLOWED ones."
    cells = json.loads(Path(path).read_text(encoding='utf-8'))['cells']
    numbers = code_numbers(cells)
    for other in ALSO_FROM.get(Path(path).name, []):
        numbers += code_numbers(json.loads((Path(path).parent/other).read_text(encoding='utf-8'))['cells'])
    allowed = ALLOWED.get(Path(path).name, {})
    bad = []
    for c in cells:
        if c['cell_type'] != 'markdown': continue
        for w in prose_numbers(_text(c['source'])):
            if w not in allowed and not supported(w, numbers): bad.append(w)
    return bad

CHAPTERS = sorted(p for p in (ROOT/'nbs').glob('*.ipynb') if re.match(r'\d', p.name)) + [ROOT/'nbs'/'index.ipynb']

@pytest.mark.parametrize('path', CHAPTERS, ids=lambda p: p.name)
def test_prose_numbers_come_from_cells(path):
    bad = unsupported(path)
    assert not bad, f'{path.name}: prose numbers that no cell of the chapter prints or computes: {bad}'

def test_allowed_numbers_are_still_in_the_prose():
    "An ALLOWED entry whose number has left the prose is stale: remove it, so the list stays short and true."
    stale = []
    for name, nums in ALLOWED.items():
        cells = json.loads((ROOT/'nbs'/name).read_text(encoding='utf-8'))['cells']
        found = {w for c in cells if c['cell_type'] == 'markdown' for w in prose_numbers(_text(c['source']))}
        stale += [f'{name}: {n}' for n in nums if n not in found]
    assert not stale, stale

def _notebook(tmp_path, markdown, source, output):
    nb = {'cells': [{'cell_type': 'markdown', 'metadata': {}, 'source': markdown},
                    {'cell_type': 'code', 'metadata': {}, 'execution_count': 1, 'source': source,
                     'outputs': [{'output_type': 'stream', 'name': 'stdout', 'text': output}]}],
          'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}
    p = tmp_path/'98_made_up.ipynb'
    p.write_text(json.dumps(nb), encoding='utf-8')
    return p

def test_the_check_finds_a_number_no_cell_shows(tmp_path):
    p = _notebook(tmp_path, 'The network reaches 98.3% held out and trains 4.2x faster; $\\eta = 0.37$, `lr=0.55`.',
                  'acc = evaluate(net)', 'held-out accuracy: 0.9834\n')
    assert unsupported(p) == ['4.2x']        # 98.3% is 0.9834 rounded; the math and the code span are not prose

def test_equivalent_forms():
    nums = code_numbers([{'cell_type': 'code', 'source': 'n = 13952', 'outputs': [
        {'output_type': 'stream', 'text': 'acc 0.980  ratio 3.87  loss 2.30258\n'}]}])
    for w in ['13,952', '98.0%', '98%', '3.9x', '3.87×', '2.30', '2.3026']: assert supported(w, nums), w
    for w in ['14,080', '98.1%', '3.8x', '2.31']: assert not supported(w, nums), w
    assert prose_numbers('about 0.5 s, 3 layers, 87 % and 1,000 images; version 2.0.1') == ['0.5', '87%', '1,000']
