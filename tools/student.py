"""Write the student copies of the chapters (issue 16): `student/NN_name.ipynb`, the chapters without their solutions.

Every chapter notebook of nbs/ (the ones whose name starts with a digit; not index or api) is copied to student/ with
- each **solution cell** (a code cell whose first line is `#| solution`) replaced by a stub: the line
  `# your answer here`, then each top-level `def` and `class` of the solution with its decorators, signature and
  docstring and a body that raises `NotImplementedError` (a class keeps its methods, stubbed the same way), and each
  top-level assignment `name = ...` as `name = None`; everything else in the cell (statements, comments, the
  `#| code-fold` and `#| slow` options) is dropped. The first line stays `#| solution`, so the student sees which cell
  is theirs;
- each folded **answer callout** (`::: {.callout-tip collapse="true" title="Answer"}` ... `:::`) replaced by
  `*Write your answer here.*`;
- the outputs of those cells cleared, and the outputs of each **check cell** (the code cell right after a solution)
  cleared too, because a check prints the values it compares, the answer among them. The checks themselves are kept:
  run against a stub they fail (a stubbed function raises `NotImplementedError`, a check of a `None` value asserts
  it was set), and they pass once the student's answer is right;
- every other cell as it is, outputs included.
The chapters read no files relative to their folder except the pictures of nbs/images/, which are copied to
student/images/; data sets come from the package's cache (`cnn_scratch.images.data_dir`), wherever the notebook is.
A copy that already exists and differs from what would be written (the student's answers, or a chapter that has
changed since) is kept and named, so that running it again never loses work: `--force` (`make student FORCE=1`)
rewrites it. Running it twice writes the same files (idempotent); student/ is git-ignored, so no tracked file changes.

    python tools/student.py                      # every chapter, into student/
    python tools/student.py --out DIR 03_losses  # only these chapters, into DIR
    python tools/student.py --force              # rewrite copies that differ (answers in them are lost)
    python tools/student.py --verify 03_losses   # check the chapter's checks against its stubs (writes nothing)

`--verify` runs a chapter top to bottom in one in-process kernel (execnb, as nbdev_test does; `#| slow` cells are
skipped as there), then, for each exercise, runs the stub in place of the solution and then the check, which must
fail, then the solution and the check again, which must pass. It prints each check's failure message and the time of
each solution and check cell: a check that passes against its stub would let a student's empty answer through.
"""
import argparse, ast, re, shutil, sys
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT/'nbs'
SOLUTION = '#| solution'
STUB_HEADER = '# your answer here'
ANSWER_STUB = '*Write your answer here.*'
CALLOUT = re.compile(r'^::: *\{\.callout-tip collapse="true" title="Answer"\}\s*\n.*?^:::[ \t]*$', re.M | re.S)

def is_solution(cell) -> bool:
    "A code cell whose first line is `#| solution`."
    return cell.cell_type == 'code' and cell.source.lstrip('\n').split('\n', 1)[0].strip() == SOLUTION

def has_answer(cell) -> bool:
    "A markdown cell holding a folded answer callout."
    return cell.cell_type == 'markdown' and bool(CALLOUT.search(cell.source))

def _stub_def(node, lines, owner=None) -> list:
    "Source lines of a stubbed `def` or `class`: decorators, signature and docstring as written, then a body that raises."
    first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
    body0 = node.body[0]
    doc = (body0 if isinstance(body0, ast.Expr) and isinstance(body0.value, ast.Constant)
           and isinstance(body0.value.value, str) else None)
    if body0.lineno == node.lineno:        # a one-line def (`def f(x): return x`): rebuild the header with ast
        indent = ' ' * node.col_offset
        bare = type(node)(**{**{f: getattr(node, f) for f in node._fields}, 'body': [ast.Pass()]})
        header = [indent + l for l in ast.unparse(ast.fix_missing_locations(bare)).split('\n')[:-1]]
        inner = indent + '    '
    else:
        header = lines[first - 1:body0.lineno - 1]
        inner = ' ' * body0.col_offset
    out = list(header)
    if doc is not None:
        out += lines[doc.lineno - 1:doc.end_lineno] if doc.lineno != node.lineno else [inner + repr(doc.value.value)]
    if isinstance(node, ast.ClassDef):
        methods = [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for m in methods: out += _stub_def(m, lines, node.name)
        if not methods and doc is None: out.append(inner + 'pass')
    else:
        qual = f'{owner}.{node.name}' if owner else node.name
        out.append(f'{inner}raise NotImplementedError({qual + ": write your answer here"!r})')
    return out

def _assigned_names(node) -> list:
    "Names bound by a top-level assignment (`a = ...`, `a, b = ...`, `a: int = ...`), in order."
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    names = []
    def walk(t):
        if isinstance(t, ast.Name): names.append(t.id)
        elif isinstance(t, (ast.Tuple, ast.List)):
            for e in t.elts: walk(e)
        elif isinstance(t, ast.Starred): walk(t.value)
    for t in targets: walk(t)
    return names

def stub_source(src: str) -> str:
    "The stub that replaces a solution cell's source (see the module docstring)."
    lines = src.split('\n')
    tree = ast.parse(src)
    out, seen = [SOLUTION, STUB_HEADER], set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out += _stub_def(node, lines)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for name in _assigned_names(node):
                if name not in seen: out.append(f'{name} = None'); seen.add(name)
    return '\n'.join(out)

def student_notebook(nb):
    "A copy of notebook `nb` for students: solutions stubbed, answers removed, the outputs that show them cleared."
    nb = nbformat.from_dict(nb)   # a deep copy
    after_solution = False
    for cell in nb.cells:
        if is_solution(cell):
            cell.source = stub_source(cell.source)
            cell.outputs, cell.execution_count = [], None
            after_solution = True
            continue
        if has_answer(cell): cell.source = CALLOUT.sub(ANSWER_STUB, cell.source)
        elif after_solution and cell.cell_type == 'code':           # the check of the solution above it
            cell.outputs, cell.execution_count = [], None
        after_solution = False
    return nb

def verify(path) -> list:
    """Run chapter `path`, then each exercise's check against its stub (it must fail) and against its solution (it must
    pass). Returns one dict per exercise: cell, stub_error (the check's error against the stub, or None), passes, seconds."""
    import os, time
    os.environ.setdefault('MPLBACKEND', 'Agg')
    from execnb.shell import CaptureShell
    nb = nbformat.read(path, as_version=4)
    cwd = os.getcwd(); os.chdir(Path(path).parent)
    try:
        sh, times = CaptureShell(), {}
        def run(src):
            t = time.perf_counter(); out = sh.run(src)
            err = next((o for o in out if o.get('output_type') == 'error'), None)
            return (None if err is None else f"{err['ename']}: {err['evalue']}"), time.perf_counter() - t
        for i, c in enumerate(nb.cells):
            if c.cell_type != 'code' or re.match(r'#\|\s*(slow|eval:\s*false|interactive)', c.source.split('\n', 2)[-1] if is_solution(c) else c.source):
                continue
            err, times[i] = run(c.source)
            if err: raise RuntimeError(f'{Path(path).name}: cell {i} fails in the chapter itself: {err}')
        res = []
        for i, c in enumerate(nb.cells):
            if not is_solution(c): continue
            check = nb.cells[i + 1].source
            run(stub_source(c.source)); stub_err, _ = run(check)
            run(c.source); ok_err, _ = run(check)
            res.append({'cell': i, 'stub_error': stub_err, 'passes': ok_err is None,
                        'seconds': times.get(i, 0) + times.get(i + 1, 0)})
        return res
    finally: os.chdir(cwd)

def chapters(names=None) -> list:
    "The chapter notebooks of nbs/ (name starting with a digit), or those whose stem is in `names`."
    paths = sorted(p for p in NBS.glob('*.ipynb') if re.match(r'\d', p.name))
    if names:
        missing = set(names) - {p.stem for p in paths}
        if missing: sys.exit(f'no chapter named {sorted(missing)} in {NBS}')
        paths = [p for p in paths if p.stem in names]
    return paths

def write(out=ROOT/'student', names=None, force=False) -> list:
    """Write the student copies into `out` (and the pictures the chapters read); returns the paths of the copies.
    A copy that exists and differs is kept (and reported) unless `force`."""
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    written = []
    for p in chapters(names):
        dst = out/p.name
        text = nbformat.writes(student_notebook(nbformat.read(p, as_version=4))) + '\n'
        if dst.exists() and dst.read_text(encoding='utf-8') != text and not force:
            print(f'kept {dst}: it differs from a fresh copy of {p.name} (your answers, or a newer chapter); '
                  'python tools/student.py --force (make student FORCE=1) rewrites it')
        else: dst.write_text(text, encoding='utf-8')
        written.append(dst)
    if (NBS/'images').is_dir(): shutil.copytree(NBS/'images', out/'images', dirs_exist_ok=True)
    return written

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('chapters', nargs='*', help='chapter names (e.g. 03_losses); default: all')
    ap.add_argument('--out', default=str(ROOT/'student'), help='folder to write to (default: student/)')
    ap.add_argument('--force', action='store_true', help='rewrite copies that differ from a fresh copy')
    ap.add_argument('--verify', action='store_true', help="run each chapter's checks against its stubs and solutions; write nothing")
    a = ap.parse_args()
    if a.verify:
        bad = 0
        for p in chapters(a.chapters):
            for r in verify(p):
                ok = r['stub_error'] is not None and r['passes']
                bad += not ok
                print(f"{'ok  ' if ok else 'FAIL'} {p.stem} cell {r['cell']:3d} ({r['seconds']:.2f} s): "
                      f"against the stub: {(r['stub_error'] or 'PASSES (it should fail)')[:110]}"
                      + ('' if r['passes'] else '; FAILS against the solution'))
        sys.exit(1 if bad else 0)
    paths = write(a.out, a.chapters, a.force)
    n_stubs = sum(is_solution(c) for p in paths for c in nbformat.read(p, as_version=4).cells)
    print(f'{len(paths)} student notebooks with {n_stubs} solution stubs in {a.out}/: open them with `make lab LAB_DIR=student`')
