"""Write nbs/api.ipynb, the API reference page: one `show_doc` per exported name, grouped by module and chapter.

The list comes from cnn_scratch/_modidx.py (nbdev_export writes it: every name an exported cell defines, and the
page of the chapter that defines it), so a new chapter's names appear after `make export`, which runs this tool.
Public names only: top-level names without a leading underscore, their public methods and `__call__`.
The page is executed so its stored outputs hold the rendered documentation, then cleaned like every notebook.
It is not a chapter (no number in its name), so chapter lists leave it out; the sidebar shows it under "Reference".

    python tools/api_page.py           # regenerate (and execute) nbs/api.ipynb if the list of names changed
    python tools/api_page.py --force   # regenerate and execute even if it did not
    python tools/api_page.py --check   # exit 1 if a name is missing, extra, or has no stored output
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

def documented(page=PAGE):
    "The names that `page` has a `show_doc` cell for, and those whose cell has no stored output."
    nb = json.loads(Path(page).read_text(encoding='utf-8'))
    shown, empty = set(), set()
    for c in nb['cells']:
        m = re.match(r'show_doc\(([\w.]+)', ''.join(c['source']))
        if c['cell_type'] == 'code' and m:
            shown.add(m.group(1))
            if not c.get('outputs'): empty.add(m.group(1))
    return shown, empty

def problems(page=PAGE, nbs=NBS):
    "Why `page` is out of date, as a list of sentences (empty when it is current)."
    if not Path(page).exists(): return [f'{Path(page).name} does not exist: run `{REGEN}`']
    want = {f'{m}.{q}' for m, _, q in public_names(nbs=nbs)}
    shown, empty = documented(page)
    res = [f'exported name without a show_doc entry in nbs/api.ipynb: {n}' for n in sorted(want - shown)]
    res += [f'nbs/api.ipynb documents a name that is no longer exported: {n}' for n in sorted(shown - want)]
    res += [f'show_doc({n}) in nbs/api.ipynb has no stored output (execute the page)' for n in sorted(empty & want)]
    if res: res.append(f'regenerate the page with `{REGEN}` and commit nbs/api.ipynb')
    return res

def _sources(nb): return [(c['cell_type'], ''.join(c['source'])) for c in nb['cells']]

def write(force=False, page=PAGE):
    "Regenerate and execute `page` when its cells would change (or `force`). Returns True if it was written."
    new = {'cells': cells(), 'metadata': {'kernelspec': {'display_name': 'python3', 'language': 'python', 'name': 'python3'}},
           'nbformat': 4, 'nbformat_minor': 5}
    if not force and Path(page).exists() and not problems(page):
        old = json.loads(Path(page).read_text(encoding='utf-8'))
        if _sources(old) == _sources(new): return False
    Path(page).write_text(json.dumps(new, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')
    bin_ = Path(sys.executable).parent
    subprocess.run([str(bin_/'jupyter'), 'nbconvert', '--to', 'notebook', '--execute', '--inplace', str(page)], check=True, cwd=ROOT)
    nb = json.loads(Path(page).read_text(encoding='utf-8'))
    for c in nb['cells']:  # keep the markdown that show_doc renders, drop its plain-text twin: the page stays small
        for o in c.get('outputs', []):
            if 'text/markdown' in o.get('data', {}): o['data'].pop('text/plain', None)
    Path(page).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')
    subprocess.run([str(bin_/'nbdev_clean'), '--fname', str(page)], check=True, cwd=ROOT)
    return True

def main(argv):
    if '--check' in argv:
        p = problems()
        if p: print('\n'.join(p))
        return 1 if p else 0
    print('nbs/api.ipynb ' + ('written' if write(force='--force' in argv) else 'is current'))
    return 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
