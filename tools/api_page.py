"""Write nbs/api.ipynb, the index of the package: nbdev documents each name on its chapter's page but lists them nowhere.

One line per public exported name (top-level functions and classes, then the public methods of each class): the name,
linked to the entry that nbdev's `show_doc` writes for it on its chapter's page, the chapter, and the first line of its
docstring. Everything comes from cnn_scratch/_modidx.py (nbdev_export writes it: every exported name with the page and
anchor of its documentation) and from the docstrings; it uses no nbdev function. A method that has no entry of its own
(nbdev documents the methods written inside a class body under the class) links to its class's entry.
The page has markdown cells only, so the docs build runs nothing on it; `make export` regenerates it.

    python tools/api_page.py           # write nbs/api.ipynb
    python tools/api_page.py --check   # exit 1 if nbs/api.ipynb is not what the library and the chapters say

`make docs-check` (tools/docs_check.py) then checks each link against the page that nbdev's processors really write.
"""
import ast, hashlib, importlib, inspect, json, re, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from readme import write_or_check

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT/'nbs'
PAGE = NBS/'api.ipynb'
REGEN = 'make api (python tools/api_page.py)'
PUBLIC_DUNDERS = {'__call__'}
SHOWN = {'export', 'exports', 'exec_doc'}   # the cells whose definitions nbdev documents on the page (its `add_show_docs`)

def modidx():
    "The `syms` table of cnn_scratch/_modidx.py, read without importing the package."
    ns = {}
    exec((ROOT/'cnn_scratch'/'_modidx.py').read_text(encoding='utf-8'), ns)
    return ns['d']['syms']

def is_public(qualname):
    "`qualname` is 'f' or 'Class.method': public when no part starts with '_' (besides `__call__`)."
    parts = qualname.split('.')
    return not parts[0].startswith('_') and all(not p.startswith('_') or p in PUBLIC_DUNDERS for p in parts[1:])

def page_name(nb_name):
    "The page nbdev renders a notebook to: the name without its number, in lower case (`06a_pictures.ipynb` -> `pictures.html`)."
    return re.sub(r'^\d+[a-zA-Z0-9]*_', '', Path(nb_name).name.lower()).rsplit('.', 1)[0] + '.html'

def page_to_notebook(nbs=NBS):
    "{'activations.html': '01_activations.ipynb', ...} for the notebooks in `nbs`."
    return {page_name(p.name): p.name for p in sorted(Path(nbs).glob('*.ipynb'))}

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
    syms = syms or modidx()
    pages = page_to_notebook(nbs)
    return [(mod, pages.get(link.split('#')[0], '?'), key[len(mod)+1:])
            for mod in sorted(syms) for key, (link, _) in syms[mod].items() if is_public(key[len(mod)+1:])]

def _directives(src):
    return {l[2:].strip().split(':')[0].split()[0] for l in src.split('\n') if l.startswith('#|') and l[2:].strip()}

def entries(nb_name, nbs=NBS):
    """The names that have an entry (a `show_doc` heading) on a notebook's page, in lower case, as nbdev decides:
    the public functions and classes of exported cells that are not hidden, and every explicit `show_doc(name)`."""
    nb = json.loads((Path(nbs)/nb_name).read_text(encoding='utf-8'))
    res = set()
    for c in nb['cells']:
        src = ''.join(c['source'])
        if c['cell_type'] != 'code' or src.lstrip()[:1] in ('%', '!'): continue
        try: tree = ast.parse(src)
        except SyntaxError: continue
        dirs = _directives(src)
        if dirs & SHOWN and 'hide' not in dirs and not re.search(r'^#\|\s*include:\s*false', src, re.M):
            for d in tree.body:
                if isinstance(d, (ast.FunctionDef, ast.ClassDef)) and (not d.name.startswith('_') or d.name.startswith('__')):
                    patched = next((a.annotation for a in d.args.args[:1] if a.annotation is not None), None) \
                        if isinstance(d, ast.FunctionDef) and any(getattr(x, 'id', None) == 'patch' for x in d.decorator_list) else None
                    res.add((f'{ast.unparse(patched)}.{d.name}' if patched is not None else d.name).lower())
        for t in tree.body:
            if isinstance(t, ast.Expr) and isinstance(t.value, ast.Call) and getattr(t.value.func, 'id', None) == 'show_doc' and t.value.args:
                res.add(ast.unparse(t.value.args[0]).lower())
    return res

def _obj(mod, qual):
    obj = importlib.import_module(mod)
    for p in qual.split('.'): obj = getattr(obj, p)
    return obj

def _summary(obj, owner=None, name=None):
    """The first line of the docstring of `obj`, ready for a table cell. A method that inherits its docstring (it
    keeps the contract of the method it overrides) says whose, instead of repeating it."""
    if owner is not None and not (obj.__doc__ or '').strip():
        base = next((b for b in owner.__mro__[1:] if (getattr(vars(b).get(name), '__doc__', None) or '').strip()), None)
        if base is not None: return f"Implements `{base.__name__}`'s `{name}`."
    return (inspect.getdoc(obj) or '').strip().split('\n')[0].replace('|', '\\|')

def rows(nbs=NBS):
    """[(module, name, link, notebook, summary)]: one per public exported name; the link is `notebook#anchor`.
    The anchor is the one Quarto gives the heading of the entry: the name `show_doc` prints (fastcore's `qual_name`,
    as show_doc uses it), in lower case."""
    from fastcore.docments import qual_name
    syms, res, known = modidx(), [], {}
    for mod, nb, qual in public_names(syms, nbs):
        if nb not in known: known[nb] = entries(nb, nbs) if nb != '?' else set()
        obj = _obj(mod, qual)
        own = qual.lower() in known[nb]
        target = obj if own else _obj(mod, qual.split('.')[0])
        # a decorated function (`@patch @contextmanager`) is headed, in the docs build, by the name of the one it wraps
        anchor = qual_name(getattr(target, '__wrapped__', target)).lower()
        owner = _obj(mod, qual.rsplit('.', 1)[0]) if '.' in qual else None
        res.append((mod, qual, f'{nb}#{anchor}', nb, _summary(obj, owner, qual.rsplit('.', 1)[-1])))
    return res

def _cell(src):
    return {'cell_type': 'markdown', 'id': hashlib.sha1(src.encode()).hexdigest()[:8], 'metadata': {}, 'source': src.splitlines(True)}

def _md_escape(name): return name.replace('_', '\\_')   # `__call__` would be bold

def render(nbs=NBS):
    "The text of nbs/api.ipynb, as nbdev_clean leaves a notebook."
    rs = rows(nbs)
    cells = [_cell('# API index\n\n> Every public name of the `cnn_scratch` package in one line: where its chapter documents it, '
                   'and what it is.\n\nA name links to its entry on its chapter\'s page (a method without an entry of its own '
                   'links to its class). This page is written by '
                   '`tools/api_page.py` from `cnn_scratch/_modidx.py`; `make export` regenerates it.')]
    titles = {}
    for mod in dict.fromkeys(r[0] for r in rs):
        mine = [r for r in rs if r[0] == mod]
        for nb in dict.fromkeys(r[3] for r in mine):
            if nb not in titles: titles[nb] = chapter_title(nb, nbs)
        chapters = ', '.join(f'[{nb.split("_")[0]} {titles[nb]}]({nb})' for nb in dict.fromkeys(r[3] for r in mine))
        lines = [f'## `{mod}`', '', f'From {chapters}.', '', '| Name | Chapter | What it is |', '|---|---|---|']
        # <code>, not backticks: nbdev's docs build links every `name` it knows, and a link inside a link breaks both
        lines += [f'| [<code>{_md_escape(qual)}</code>]({link}) | [{nb.split("_")[0]}]({nb}) | {summary} |' for _, qual, link, nb, summary in mine]
        cells.append(_cell('\n'.join(lines)))
    nb = {'cells': cells, 'metadata': {'kernelspec': {'display_name': 'python3', 'language': 'python', 'name': 'python3'}},
          'nbformat': 4, 'nbformat_minor': 5}
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + '\n'

_re_row = re.compile(r'^\| \[<code>([\w.\\]+)</code>\]\(([\w.]+)#([\w.]+)\)', re.M)

def links(page=PAGE):
    "[(name, notebook, anchor)] of the rows of the page."
    nb = json.loads(Path(page).read_text(encoding='utf-8'))
    return [(m.group(1).replace('\\', ''), m.group(2), m.group(3)) for c in nb['cells'] for m in _re_row.finditer(''.join(c['source']))]

def problems(page=PAGE, nbs=NBS):
    "Why `page` is out of date or wrong, as a list of sentences (empty when it is current)."
    if not Path(page).exists(): return [f'{Path(page).name} does not exist: run `{REGEN}`']
    want = {q for _, _, q in public_names(nbs=nbs)}
    rows_ = links(page)
    shown = {q for q, _, _ in rows_}
    res = [f'exported name missing from nbs/api.ipynb: {n}' for n in sorted(want - shown)]
    res += [f'nbs/api.ipynb lists a name that is no longer exported: {n}' for n in sorted(shown - want)]
    res += [f'nbs/api.ipynb links {q} to {nb}, which is not a notebook in nbs/' for q, nb, a in rows_ if not (Path(nbs)/nb).exists()]
    if not res and Path(page).read_text(encoding='utf-8') != render(nbs):
        res.append('nbs/api.ipynb is not what tools/api_page.py writes (a docstring, a chapter title or the order changed)')
    if res: res.append(f'regenerate the page with `{REGEN}` and commit nbs/api.ipynb')
    return res

def main(argv):
    if '--check' in argv:
        p = problems()
        if p: print('\n'.join(p))
        return 1 if p else 0
    return write_or_check(PAGE, render(), argv, '')

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
