"""The course reads front to back: no chapter may use a library name that only a later chapter defines.

The chapters are the notebooks of nbs/ whose name starts with a digit, in nbdev's order (by file name). A chapter
*defines* a name when one of its exported cells (`#| export`, `#| exporti`, `#| exports`, to any module) creates it at
the top level: a `def` or `class` (a `@patch` adds a method to a class defined elsewhere and defines no new name), or an
assignment. A chapter *uses* a name when it imports it from `cnn_scratch` (`from cnn_scratch.plots import x`), reaches
it as an attribute of an imported `cnn_scratch` module (`cnn_scratch.plots.x`), or reads it by bare name (after
`from cnn_scratch import *`) without binding that name itself anywhere in the chapter."""
import ast, json, re
from pathlib import Path
import pytest
from conftest import ROOT

EXPORT = re.compile(r'^#\|\s*export[is]?\b', re.M)

def chapters(folder) -> list:
    "The chapter notebooks of `folder`, in nbdev's order."
    return sorted(p for p in Path(folder).glob('*.ipynb') if re.match(r'\d', p.name))

def code_cells(path) -> list:
    "`(source, parsed tree)` of every code cell of a notebook; shell and magic lines are dropped before parsing."
    out = []
    for c in json.loads(Path(path).read_text(encoding='utf-8'))['cells']:
        if c['cell_type'] != 'code': continue
        src = c['source'] if isinstance(c['source'], str) else ''.join(c['source'])
        py = '\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!')))
        try: out.append((src, ast.parse(py)))
        except SyntaxError as e: raise AssertionError(f'{Path(path).name}: a code cell does not parse: {e}') from None
    return out

def _is_patch(node):
    return any(isinstance(d, ast.Name) and d.id == 'patch' or isinstance(d, ast.Attribute) and d.attr == 'patch'
               for d in node.decorator_list)

def defined_names(tree) -> set:
    "Names that the top level of an exported cell creates."
    names = set()
    for n in tree.body:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if not _is_patch(n): names.add(n.name)
        elif isinstance(n, (ast.Assign, ast.AnnAssign)):
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target]):
                names.update(e.id for e in ast.walk(t) if isinstance(e, ast.Name))
    return names

def _from_library(node):
    return isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or '').split('.')[0] == 'cnn_scratch')

def used_names(trees) -> dict:
    "`{name: how}` for the library names a chapter uses, `how` being 'import', 'attribute' or 'name'."
    bound, modules, used, bare = set(), set(), {}, set()
    for t in trees:
        for n in ast.walk(t):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): bound.add(n.name)
            elif isinstance(n, ast.arg): bound.add(n.arg)
            elif isinstance(n, ast.Name):
                (bound.add if isinstance(n.ctx, (ast.Store, ast.Del)) else bare.add)(n.id)
            elif isinstance(n, ast.Import):
                for a in n.names:
                    if a.name.split('.')[0] == 'cnn_scratch': modules.add(a.asname or 'cnn_scratch')
                    else: bound.add((a.asname or a.name).split('.')[0])
            elif isinstance(n, ast.ImportFrom):
                for a in n.names:
                    if a.name == '*': continue
                    if _from_library(n):
                        used.setdefault(a.name, 'import')
                        modules.add(a.asname or a.name)   # `from cnn_scratch import plots`: plots.x is a use of x
                    else: bound.add(a.asname or a.name)
    for t in trees:
        for n in ast.walk(t):
            if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load):
                root = n.value
                while isinstance(root, ast.Attribute): root = root.value
                if isinstance(root, ast.Name) and root.id in modules: used.setdefault(n.attr, 'attribute')
    for name in bare - bound: used.setdefault(name, 'name')
    return used

def forward_references(folder) -> list:
    "`(chapter, name, how, defining chapter)` for every use of a name that only a later chapter defines."
    nbs = chapters(folder)
    cells = {p: code_cells(p) for p in nbs}
    first = {}
    for i, p in enumerate(nbs):
        for src, tree in cells[p]:
            if EXPORT.search(src):
                for name in defined_names(tree): first.setdefault(name, i)
    bad = []
    for i, p in enumerate(nbs):
        for name, how in sorted(used_names([t for _, t in cells[p]]).items()):
            j = first.get(name)
            if j is not None and j > i: bad.append((p.name, name, how, nbs[j].name))
    return bad

def check_chapter_order(folder):
    "Fail, naming each chapter and name, if any chapter of `folder` uses a name that a later chapter defines."
    bad = forward_references(folder)
    assert not bad, 'forward references (each chapter may use only what it or an earlier chapter defines):\n' + '\n'.join(
        f'  {c} uses {name} ({how}), which is first defined in {d}' for c, name, how, d in bad)

def test_no_chapter_uses_a_later_chapter():
    assert len(chapters(ROOT/'nbs')) >= 20
    check_chapter_order(ROOT/'nbs')

# The test of the test: small fake notebooks in a temporary folder.
def _notebook(path, *cells):
    path.write_text(json.dumps({'nbformat': 4, 'nbformat_minor': 5, 'metadata': {}, 'cells': [
        {'cell_type': 'code', 'source': src, 'metadata': {}, 'outputs': [], 'execution_count': None} for src in cells]}))

@pytest.fixture
def course(tmp_path):
    _notebook(tmp_path/'00_core.ipynb', '#| default_exp core', '#| export\ndef helper(x): return x\nLIMIT = 3',
              '#| export\nclass Layer: pass')
    _notebook(tmp_path/'01_net.ipynb', '#| export\nfrom cnn_scratch.core import helper\nfrom fastcore.basics import patch',
              '#| export\n@patch\ndef helper(self:Layer): pass', 'helper(LIMIT)')
    _notebook(tmp_path/'02_plots.ipynb', '#| export plots\ndef plot(x): return x', "#| export\nREGISTRY = {'a': 1}")
    _notebook(tmp_path/'index.ipynb', 'from cnn_scratch.plots import plot')   # not a chapter: no number
    return tmp_path

def test_a_course_in_order_passes(course):
    assert forward_references(course) == []
    check_chapter_order(course)

@pytest.mark.parametrize('cells, name, how', [
    (['from cnn_scratch.plots import plot'], 'plot', 'import'),
    (['from cnn_scratch import *', 'plot(1)'], 'plot', 'name'),
    (['import cnn_scratch.plots', 'cnn_scratch.plots.plot(1)'], 'plot', 'attribute'),
    (['from cnn_scratch import plots as P', 'P.plot(1)'], 'plot', 'attribute'),
    (['from cnn_scratch import *', "print(REGISTRY['a'])"], 'REGISTRY', 'name'),
    (['from .plots import plot'], 'plot', 'import'),
])
def test_a_planted_forward_reference_fails(course, cells, name, how):
    _notebook(course/'01a_early.ipynb', '#| hide\nfrom fastcore.test import *', *cells)
    assert forward_references(course) == [('01a_early.ipynb', name, how, '02_plots.ipynb')]
    with pytest.raises(AssertionError, match=rf'01a_early.ipynb uses {name} \({how}\), which is first defined in 02_plots.ipynb'):
        check_chapter_order(course)

def test_what_is_not_a_forward_reference(course):
    # a name the chapter binds itself, a patch of a later class, and a name of the same spelling from another library
    _notebook(course/'01a_early.ipynb', 'def plot(x): return 2 * x\nplot(1)',
              '#| export\nfrom fastcore.basics import patch\n@patch\ndef REGISTRY(self:Layer): pass',
              'from matplotlib.pyplot import plot as plt_plot\nplt_plot([1])', '%matplotlib inline\n!ls')
    assert forward_references(course) == []
