"""No code cell mixes imports with other code, because nbdev's docs build runs every cell that holds an import.

nbdev 2.4 (`nbdev.processors.exec_show_docs`, the rule in its `_do_eval`) executes, while it builds the docs
(`nbdev_docs`, and `make docs-check` the same way), every Python code cell of a notebook with docs that
- is exported (`#| export`, `exports`, `exporti`) or marked `#| exec_doc`, or
- contains an `import` or `from ... import` anywhere in it, unless it is marked `#| eval: false`, or
- calls `show_doc`.
It runs the whole cell, not only the import: a cell that imports and then trains a network trains it again in the
docs build, even when it is `#| slow`, and fails there when it needs variables from cells the build does not run.
nbdev warns about such cells ("Found cells containing imports and other code. See FAQ."); its FAQ says not to mix
imports and other code in cells that are not exported. This test fails on each one, naming the notebook and the cell:
put the imports in a cell of their own just before it. Exported cells are exempt (nbdev runs them anyway)."""
import ast
from pathlib import Path
from execnb.nbio import read_nb
from nbdev.process import extract_directives
from conftest import ROOT

RUN_ANYWAY = {'export', 'exports', 'exporti', 'exec_doc'}   # nbdev runs these cells in the docs build whatever they hold
IMPORTS = (ast.Import, ast.ImportFrom)

def mixed_cells(path):
    "[(cell number, cell id, first line)] of the cells in `path` that nbdev runs for their imports and that hold other code."
    res = []
    for i, cell in enumerate(read_nb(path).cells):
        if cell.cell_type != 'code' or not cell.source or cell.get('metadata', {}).get('language', 'python') != 'python': continue
        dirs = extract_directives(cell, remove=False)
        trees = cell.parsed_()   # None for shell and magic cells, which nbdev does not run either
        if not trees or dirs.keys() & RUN_ANYWAY or dirs.get('eval:', [''])[0].lower() == 'false': continue
        if not any(isinstance(n, IMPORTS) for t in trees for n in ast.walk(t)): continue
        other = [t for t in trees if not isinstance(t, IMPORTS)]
        if other:
            first = ast.get_source_segment(cell.source, other[0]).split('\n')[0]
            res.append((i, cell.get('id'), first))
    return res

def test_no_cell_mixes_imports_and_other_code():
    found = [f'nbs/{p.name}, cell {i} (id {cid}): imports and then runs `{first}`'
             for p in sorted((ROOT/'nbs').glob('*.ipynb')) for i, cid, first in mixed_cells(p)]
    assert not found, ("nbdev's docs build runs every cell that contains an import, all of it; move the imports of these cells "
                       'into a cell of their own just before each:\n' + '\n'.join(found))

def _nb(tmp_path, *sources):
    import nbformat
    p = tmp_path/'nb.ipynb'
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources]), p)
    return p

def test_the_check_can_fail(tmp_path):
    "Mixed cells are found wherever the import is; import-only, exported, `eval: false` and code-only cells pass."
    p = _nb(tmp_path, 'import numpy as np\nfrom math import pi',          # 0: imports only
            '#| slow\nimport numpy as np\nx = np.ones(3)',                # 1: mixed, and `slow` does not save it
            '#| export\nimport numpy as np\ndef f(): return np.ones(3)',  # 2: exported: nbdev runs it anyway
            '#| eval: false\nimport os\nos.remove("x")',                  # 3: nbdev does not run it
            'def g():\n    import json\n    return json.dumps(1)',       # 4: an import inside a function counts too
            'x = 1\nprint(x)',                                            # 5: no import
            '!pip install numpy')                                         # 6: shell
    assert [(i, first) for i, _, first in mixed_cells(p)] == [(1, 'x = np.ones(3)'), (4, 'def g():')]
