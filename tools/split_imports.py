"""Move the imports of a code cell that also does other work into a new cell just before it.

Why: when nbdev builds the docs (nbdev_docs, and tools/docs_check.py the same way) it executes every cell that
contains an import, to make `show_doc` work, even a `#| slow` one and even when the rest of the cell needs variables
from cells it does not execute: such a cell makes the docs build slow or fail ("Found cells containing imports and
other code. See FAQ."). An import-only cell is executed instead, and the cell's own code is left alone.
Exported cells are not touched (nbdev executes those anyway); cells whose imports are not all top-level statements
are reported, not changed. The original cell keeps its id and outputs; the new cell gets a fresh id.

    python tools/split_imports.py nbs/07_conv.ipynb ...   # rewrite these notebooks
    python tools/split_imports.py --check nbs/*.ipynb     # list the mixed cells, change nothing
"""
import ast, json, sys, uuid
from pathlib import Path

NO_SPLIT = {'export', 'exports', 'exporti', 'default_exp'}

def _directives(src):
    lines = src.split('\n')
    n = 0
    while n < len(lines) and lines[n].startswith('#|'): n += 1
    return lines[:n], lines[n:]

def mixed(cell):
    "Does nbdev execute this cell for the docs only because it imports something? (its `_do_eval` rule)"
    if cell['cell_type'] != 'code': return False
    dirs, body = _directives(''.join(cell['source']))
    if {d[2:].split()[0].rstrip(':') for d in dirs if d[2:].split()} & NO_SPLIT: return False
    try: tree = ast.parse('\n'.join(body))
    except SyntaxError: return False
    nodes = list(ast.walk(tree))
    return any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in nodes) and any(isinstance(n, (ast.Expr, ast.Assign)) for n in nodes)

def split(cell):
    "(import cell, rest) for a mixed cell, or None when its imports are not all top-level statements."
    dirs, body = _directives(''.join(cell['source']))
    tree = ast.parse('\n'.join(body))
    top = [s for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))]
    if sum(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree)) != len(top): return None
    code = '\n'.join(body)
    lines = {}  # line index -> statements that start on it
    for s in tree.body: lines.setdefault(s.lineno - 1, []).append(s)
    imports, rest, skip = [], [], set()
    for i, l in enumerate(body):
        if i in skip: continue
        stmts = lines.get(i, [])
        imps = [s for s in stmts if isinstance(s, (ast.Import, ast.ImportFrom))]
        if not imps: rest.append(l); continue
        skip |= {j for s in imps for j in range(s.lineno - 1, s.end_lineno)}
        if len(imps) == len(stmts): imports += body[i:max(s.end_lineno for s in imps)]; continue
        imports += [ast.get_source_segment(code, s) for s in imps]  # `import shutil; shutil.rmtree(tmp)`: split the line
        rest.append('; '.join(ast.get_source_segment(code, s) for s in stmts if s not in imps))
    while rest and not rest[0].strip(): rest.pop(0)
    keep = [d for d in dirs if d[2:].strip() in ('hide',)]  # a hidden cell's imports stay hidden; `slow` does not apply to imports
    new = {'cell_type': 'code', 'execution_count': None, 'id': uuid.uuid4().hex[:8], 'metadata': {}, 'outputs': [],
           'source': '\n'.join(keep + imports).splitlines(True)}
    cell = dict(cell, source='\n'.join(dirs + rest).splitlines(True))
    return new, cell

def main(argv):
    check = '--check' in argv
    found = 0
    for f in [Path(a) for a in argv if not a.startswith('--')]:
        nb = json.loads(f.read_text(encoding='utf-8'))
        cells, changed = [], False
        for c in nb['cells']:
            if mixed(c):
                found += 1
                parts = None if check else split(c)
                if parts: cells += parts; changed = True; continue
                print(f'{f}: cell {c.get("id")} mixes imports and other code' + ('' if check else ' (imports not at the top level: split it by hand)'))
            cells.append(c)
        if changed:
            nb['cells'] = cells
            f.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')
    return 1 if check and found else 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
