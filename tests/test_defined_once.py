"""The library exports only final versions: every function, class and method of cnn_scratch/*.py is defined once.

A teaching version that a later cell replaces stays in its notebook, as an unexported cell or a reference subclass
(`AdamFormulas` in chapter 04). Checked on the generated modules: a top-level name defined twice in a module, a method
defined twice in a class body, and a method of a class that a `@patch` (fastcore) defines again, or that two patches
define, are failures. Property setters and deleters (`@x.setter`) are the same property, not a redefinition."""
import ast, re
from collections import defaultdict
from pathlib import Path
import pytest
from conftest import ROOT

def _decorators(node):
    "Names of the decorators of `node`: `patch` for `@patch` and `@patch(as_prop=True)`, `x.setter` for `@x.setter`."
    out = []
    for d in node.decorator_list:
        d = d.func if isinstance(d, ast.Call) else d
        out.append(ast.unparse(d))
    return out

def _accessor(node):
    return any(d.endswith(('.setter', '.deleter', '.getter')) for d in _decorators(node))

def _patched_classes(fn):
    "The classes a `@patch`ed function is added to: the annotation of its first argument (a name or a tuple of names)."
    args = fn.args.posonlyargs + fn.args.args
    ann = args[0].annotation if args else None
    if ann is None: return []
    return [e.id if isinstance(e, ast.Name) else ast.unparse(e) for e in (ann.elts if isinstance(ann, ast.Tuple) else [ann])]

def definitions(sources:dict) -> list:
    "`(what, [places])` for every name defined more than once; `sources` maps a module's file name to its text."
    top, methods = defaultdict(list), defaultdict(list)
    for fname, text in sources.items():
        for n in ast.parse(text, fname).body:
            if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): continue
            where = f'{fname}:{n.lineno}'
            if isinstance(n, ast.ClassDef):
                top[(fname, n.name)].append(where)
                for m in n.body:
                    if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and not _accessor(m):
                        methods[(n.name, m.name)].append(f'{fname}:{m.lineno} (class body)')
            elif 'patch' in _decorators(n):
                for cls in _patched_classes(n): methods[(cls, n.name)].append(f'{where} (@patch)')
            elif not _accessor(n): top[(fname, n.name)].append(where)
    twice = [(f'{m}: {name}', places) for (m, name), places in top.items() if len(places) > 1]
    twice += [(f'{cls}.{name}', places) for (cls, name), places in methods.items() if len(places) > 1]
    return sorted(twice)

def check_defined_once(sources:dict):
    "Fail, naming each name and where it is defined, if `sources` define any name more than once."
    twice = definitions(sources)
    assert not twice, 'defined more than once in the generated library (export only the final version):\n' + '\n'.join(
        f'  {what}: {", ".join(places)}' for what, places in twice)

def test_the_library_defines_each_name_once():
    sources = {p.name: p.read_text(encoding='utf-8') for p in sorted((ROOT/'cnn_scratch').glob('*.py'))}
    assert len(sources) > 10
    check_defined_once(sources)

# The test of the test, on small made-up modules.
CLEAN = '''
from fastcore.basics import patch
class Layer:
    def forward(self, x): return x
    @property
    def size(self): return 1
    @size.setter
    def size(self, v): pass
class ReLU(Layer):
    def backward(self, g): return g
@patch
def forward(self:ReLU, x): return max(x, 0)
@patch(as_prop=True)
def width(self:ReLU): return 1
'''

def test_a_clean_library_passes():
    assert definitions({'a.py': CLEAN}) == []
    check_defined_once({'a.py': CLEAN})

@pytest.mark.parametrize('extra, what', [
    ('@patch\ndef forward(self:Layer, x): return 2 * x\n', 'Layer.forward'),        # replaces a method of the class body
    ('@patch\ndef backward(self:(ReLU, Layer), g): return g\n', 'ReLU.backward'),   # a tuple of classes
    ('@patch\ndef forward(self:ReLU, x): return x\n', 'ReLU.forward'),              # a second patch
    ('def relu(x): return x\ndef relu(x): return max(x, 0)\n', 'a.py: relu'),         # a function defined twice
])
def test_a_redefinition_fails(extra, what):
    found = definitions({'a.py': CLEAN + extra})
    assert [w for w, _ in found] == [what]
    with pytest.raises(AssertionError, match=rf'defined more than once in the generated library[^\n]*\n +{re.escape(what)}: a.py:'):
        check_defined_once({'a.py': CLEAN + extra})

def test_a_patch_in_another_module_counts():
    found = definitions({'a.py': CLEAN, 'b.py': 'from a import ReLU\n@patch\ndef backward(self:ReLU, g): return -g\n'})
    test = dict(found)
    assert list(test) == ['ReLU.backward'] and test['ReLU.backward'] == ['a.py:10 (class body)', 'b.py:3 (@patch)']
