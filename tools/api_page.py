"""Write nbs/api.ipynb, the API reference page: one `show_doc` per exported name, grouped by module and chapter.

The list comes from cnn_scratch/_modidx.py (nbdev_export writes it: every name an exported cell defines, and the
page of the chapter that defines it), so a new chapter's names appear after `make export`, which runs this tool.
Public names only: top-level names without a leading underscore, their public methods and `__call__`.
Its stored outputs hold the documentation that `show_doc` renders (computed here, in the same process, exactly as
executing the page would), and it is cleaned like every notebook, so `--check` also catches a changed docstring.
It is not a chapter (no number in its name), so chapter lists leave it out; the sidebar shows it under "Reference".

    python tools/api_page.py           # write nbs/api.ipynb
    python tools/api_page.py --check   # exit 1 if a name is missing or extra, or the stored documentation is stale
"""
import hashlib, importlib, json, re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT/'nbs'
PAGE = NBS/'api.ipynb'
REGEN = 'make api (python tools/api_page.py)'
PUBLIC_DUNDERS = {'__call__'}

def _modidx():
    "The `syms` table of cnn_scratch/_modidx.py, read without importing the package."
    ns = {}
    exec((ROOT/'cnn_scratch'/'_modidx.py').read_text(encoding='utf-8'), ns)
    return ns['d']['syms']

def is_public(qualname):
    "`qualname` is 'f' or 'Class.method': public when no part starts with '_' (besides `__call__`)."
    parts = qualname.split('.')
    return not parts[0].startswith('_') and all(not p.startswith('_') or p in PUBLIC_DUNDERS for p in parts[1:])

def page_to_notebook(nbs=NBS):
    "{'activations.html': '01_activations.ipynb', ...}: the page nbdev makes of each notebook."
    from nbdev.doclinks import _nbpath2html
    return {_nbpath2html(p).name: p.name for p in sorted(Path(nbs).glob('*.ipynb'))}

def chapter_title(nb_name, nbs=NBS):
    "The `# Title` of a notebook's first markdown cell."
    nb = json.loads((Path(nbs)/nb_name).read_text(encoding='utf-8'))
    for c in nb['cells']:
        if c['cell_type'] == 'markdown':
            m = re.match(r'#\s+(.+)', ''.join(c['source']).strip())
            if m: return m.group(1).strip()
    return nb_name

def public_names(syms=None, nbs=NBS):
    "[(module, notebook, qualname)] for every public exported name, in module order, then source order."
    syms = syms or _modidx()
    pages = page_to_notebook(nbs)
    res = []
    for mod in sorted(syms):
        for key, (link, _) in syms[mod].items():
            qual = key[len(mod)+1:]
            if is_public(qual): res.append((mod, pages.get(link.split('#')[0], '?'), qual))
    return res

def _cell(kind, src, n=0):
    cid = hashlib.sha1(f'{kind}:{n}:{src}'.encode()).hexdigest()[:8]  # stable ids: regenerating changes nothing
    c = {'cell_type': kind, 'id': cid, 'metadata': {}, 'source': src.splitlines(True)}
    if kind == 'code': c.update(execution_count=None, outputs=[])
    return c

def cells(names=None, nbs=NBS):
    "The cells of the API page."
    names = public_names(nbs=nbs) if names is None else names
    mods = sorted({m for m, _, _ in names})
    res = [_cell('markdown', '# API reference\n\n> Every public name of the `cnn_scratch` package, with its signature and documentation, '
                 'grouped by module. Each group links to the chapter that derives it.\n\n'
                 f'This page is written by `tools/api_page.py` from `cnn_scratch/_modidx.py`; `make export` regenerates it.'),
           _cell('code', '#| hide\nfrom nbdev.showdoc import show_doc\n' + '\n'.join(f'import {m}' for m in mods))]
    for mod in mods:
        res.append(_cell('markdown', f'## `{mod}`'))
        group = None
        for m, nb, qual in names:
            if m != mod: continue
            if nb != group:
                group = nb
                num = nb.split('_')[0]
                res.append(_cell('markdown', f'Derived in chapter {num}, [{chapter_title(nb, nbs)}]({nb}):'))
            level = '' if '.' not in qual else ', title_level=4'
            res.append(_cell('code', f'show_doc({mod}.{qual}{level})'))
    seen = {}
    for c in res:  # the same text twice (two groups from one chapter) must still get two ids
        src = ''.join(c['source'])
        seen[src] = seen.get(src, -1) + 1
        if seen[src]: c['id'] = _cell(c['cell_type'], src, seen[src])['id']
    return res

def _show_doc_md(src):
    "The markdown that `show_doc` renders for the cell `src`, computed here as the executed page would store it."
    from nbdev.showdoc import show_doc
    m = re.match(r'show_doc\(([\w.]+)(?:, title_level=(\d))?\)', src)
    mod, qual = m.group(1).rsplit('.', 1)[0], m.group(1)
    while mod not in sys.modules:  # 'cnn_scratch.core.Layer.forward' -> import cnn_scratch.core
        try: importlib.import_module(mod)
        except ImportError: mod = mod.rsplit('.', 1)[0]
    obj = importlib.import_module(mod)
    for part in qual[len(mod)+1:].split('.'): obj = getattr(obj, part)
    return show_doc(obj, title_level=int(m.group(2) or 3))._repr_markdown_()

def expected(nbs=NBS):
    "The whole page, outputs included: each show_doc cell holds the markdown that show_doc renders."
    cs = cells(nbs=nbs)
    for c in cs:
        src = ''.join(c['source'])
        if c['cell_type'] == 'code' and src.startswith('show_doc('):
            c['outputs'] = [{'data': {'text/markdown': _show_doc_md(src).splitlines(True)}, 'execution_count': None,
                             'metadata': {}, 'output_type': 'execute_result'}]
    return {'cells': cs, 'metadata': {'kernelspec': {'display_name': 'python3', 'language': 'python', 'name': 'python3'}},
            'nbformat': 4, 'nbformat_minor': 5}

def _outputs(c): return [''.join(o.get('data', {}).get('text/markdown', [])) for o in c.get('outputs', [])]

def problems(page=PAGE, nbs=NBS):
    "Why `page` is out of date, as a list of sentences (empty when it is current)."
    if not Path(page).exists(): return [f'{Path(page).name} does not exist: run `{REGEN}`']
    want = {f'{m}.{q}' for m, _, q in public_names(nbs=nbs)}
    nb = json.loads(Path(page).read_text(encoding='utf-8'))
    shown = {m.group(1) for c in nb['cells'] if c['cell_type'] == 'code' for m in [re.match(r'show_doc\(([\w.]+)', ''.join(c['source']))] if m}
    res = [f'exported name without a show_doc entry in nbs/api.ipynb: {n}' for n in sorted(want - shown)]
    res += [f'nbs/api.ipynb documents a name that is no longer exported: {n}' for n in sorted(shown - want)]
    if not res:
        new = {''.join(c['source']): _outputs(c) for c in expected(nbs)['cells']}
        old = {''.join(c['source']): _outputs(c) for c in nb['cells']}
        if list(new) != list(old): res.append('nbs/api.ipynb is not in the order, or with the headings, that tools/api_page.py writes')
        res += [f'stale documentation in nbs/api.ipynb (a docstring or docment changed): {src}' for src in new
                if src.startswith('show_doc(') and new[src] != old.get(src)][:10]
    if res: res.append(f'regenerate the page with `{REGEN}` and commit nbs/api.ipynb')
    return res

def write(page=PAGE):
    "Write `page`, with its outputs, and clean it as nbdev_clean does. Returns True if it changed."
    before = Path(page).read_text(encoding='utf-8') if Path(page).exists() else None
    Path(page).write_text(json.dumps(expected(), indent=1, ensure_ascii=False) + '\n', encoding='utf-8')
    subprocess.run([str(Path(sys.executable).parent/'nbdev_clean'), '--fname', str(page)], check=True, cwd=ROOT)
    return Path(page).read_text(encoding='utf-8') != before

def main(argv):
    if '--check' in argv:
        p = problems()
        if p: print('\n'.join(p))
        return 1 if p else 0
    print('nbs/api.ipynb ' + ('updated' if write() else 'is current'))
    return 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
