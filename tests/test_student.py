"""The exercises of issue 16 and the student copies that `make student` writes (tools/student.py).

- The stub transformation: a solution keeps its signatures and docstrings, its bodies raise `NotImplementedError`,
  its assignments become `None`, answer callouts become `*Write your answer here.*`, the outputs that show answers go.
- One small chapter (03_losses) run top to bottom as a student gets it: it fails at the first exercise's check, and
  passes every check once the chapter's own solutions are pasted in place of the stubs (two kernels, about 20 s); and
  each of its checks fails against its own stub, not only the first (`student.verify`, in-process).
- Every chapter has at least three exercises, each a `### Exercise` heading followed by a solution cell and its check,
  or by a folded answer (and, if a solution cell follows the answer, its check). Until every chapter has its exercises,
  this test fails and lists the chapters that lack them."""
import re, sys
from pathlib import Path
import nbformat
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT/'tools'))
import student

SOLUTION_CELL = '''#| solution
#| code-fold: true
import_free = 1
def area(w:float, # width
         h:float=2.0 # height
        )->float:
    "Area of a w x h rectangle."
    s = w * h
    return s
class Box:
    "A box."
    size = 3
    def volume(self, d): "Its volume."; return self.size * d
    def shrink(self):
        self.size -= 1
def one_liner(x): return x
a, (b, c) = 1, (2, 3)
n: int = 4
print('the answer is', a + b)
a += 1
'''

def test_stub_keeps_signatures_and_docstrings_and_blanks_the_rest():
    stub = student.stub_source(SOLUTION_CELL)
    lines = stub.split('\n')
    assert lines[:2] == ['#| solution', '# your answer here'], lines[:2]
    assert '#| code-fold' not in stub and 'print' not in stub and 's = w * h' not in stub and '-= 1' not in stub
    assert 'def area(w:float, # width\n         h:float=2.0 # height\n        )->float:\n    "Area of a w x h rectangle."' in stub
    ns = {}
    exec(stub, ns)                                 # the stub runs: a student copy executes up to the first check
    for name in ['import_free', 'a', 'b', 'c', 'n']: assert ns[name] is None, (name, ns[name])
    assert ns['area'].__doc__ == 'Area of a w x h rectangle.' and ns['Box'].__doc__ == 'A box.'
    for call in [lambda: ns['area'](1), lambda: ns['Box']().volume(2), lambda: ns['Box']().shrink(), lambda: ns['one_liner'](1)]:
        with pytest.raises(NotImplementedError): call()
    assert ns['Box'].volume.__doc__ == 'Its volume.'

def test_student_notebook_replaces_solutions_and_answers_only():
    nb = nbformat.v4.new_notebook()
    out = [nbformat.v4.new_output('stream', text='104\n')]
    nb.cells = [nbformat.v4.new_markdown_cell('### Exercise 1: a number'),
                nbformat.v4.new_code_cell('#| solution\n#| code-fold: true\nanswer = 104', outputs=out, execution_count=1),
                nbformat.v4.new_code_cell("assert answer is not None\nprint(answer)", outputs=out, execution_count=2),
                nbformat.v4.new_markdown_cell('Why?\n\n::: {.callout-tip collapse="true" title="Answer"}\nBecause.\n:::\n\nMore.'),
                nbformat.v4.new_code_cell('x = 1', outputs=out, execution_count=3)]
    s = student.student_notebook(nb)
    assert [c.source for c in s.cells] == ['### Exercise 1: a number', '#| solution\n# your answer here\nanswer = None',
                                           nb.cells[2].source, 'Why?\n\n*Write your answer here.*\n\nMore.', 'x = 1']
    assert [len(c.get('outputs', [])) for c in s.cells] == [0, 0, 0, 0, 1]     # solution and check cleared, others kept
    assert nb.cells[1].source.endswith('answer = 104'), 'the original notebook must not change'

def test_make_student_is_idempotent_and_copies_the_pictures(tmp_path):
    first = student.write(tmp_path, ['03_losses'])
    text = first[0].read_text()
    student.write(tmp_path, ['03_losses'])
    assert first[0].read_text() == text
    first[0].write_text(text.replace('# your answer here', '# my answer'))      # the student's work is kept...
    student.write(tmp_path, ['03_losses'])
    assert '# my answer' in first[0].read_text()
    student.write(tmp_path, ['03_losses'], force=True)                          # ...unless forced
    assert first[0].read_text() == text
    assert (tmp_path/'images').is_dir() and any((tmp_path/'images').iterdir())

def _run(nb, folder):
    "Execute `nb` in `folder` as Jupyter would; returns the index of the cell that failed (None if none) and its error."
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    try:
        NotebookClient(nb, timeout=600, kernel_name='python3', resources={'metadata': {'path': str(folder)}}).execute()
        return None, None
    except CellExecutionError as e:
        failed = [i for i, c in enumerate(nb.cells) if c.cell_type == 'code'
                  and any(o.output_type == 'error' for o in c.get('outputs', []))]
        return failed[0], e

CHAPTER = '03_losses'

@pytest.fixture(scope='module')
def copies(tmp_path_factory):
    folder = tmp_path_factory.mktemp('student')
    student.write(folder, [CHAPTER])
    return folder, nbformat.read(ROOT/'nbs'/f'{CHAPTER}.ipynb', as_version=4), nbformat.read(folder/f'{CHAPTER}.ipynb', as_version=4)

def test_student_copy_fails_at_the_first_check(copies):
    folder, _, nb = copies
    first_solution = next(i for i, c in enumerate(nb.cells) if student.is_solution(c))
    failed, err = _run(nb, folder)
    assert failed == first_solution + 1, f'the student copy of {CHAPTER} should fail at cell {first_solution + 1} (the first check), failed at {failed}: {err}'
    assert 'NotImplementedError' in str(err) or 'AssertionError' in str(err), err

def test_student_copy_passes_with_the_answers_pasted_in(copies):
    folder, real, nb = copies
    solutions = [c.source for c in real.cells if student.is_solution(c)]
    stubs = [c for c in nb.cells if student.is_solution(c)]
    assert len(solutions) == len(stubs) >= 3
    for stub, answer in zip(stubs, solutions): stub.source = answer
    failed, err = _run(nb, folder)
    assert failed is None, f'the student copy of {CHAPTER} with the answers pasted in fails at cell {failed}: {err}'

HEADING = re.compile(r'^### Exercise (\d+)\b', re.M)

def exercise_problems(path) -> list:
    "What is wrong with a chapter's exercises: too few, or an exercise without its solution and check or its answer."
    cells = nbformat.read(path, as_version=4).cells
    heads = [i for i, c in enumerate(cells) if c.cell_type == 'markdown' and HEADING.search(c.source)]
    problems = [] if len(heads) >= 3 else [f'{len(heads)} exercises (at least 3)']
    for k, i in enumerate(heads):
        end = heads[k + 1] if k + 1 < len(heads) else len(cells)
        block, name = cells[i + 1:end], HEADING.search(cells[i].source).group(0)
        answered = bool(block) and student.has_answer(block[0])
        rest = block[1:] if answered else block
        sols = [j for j, c in enumerate(rest) if student.is_solution(c)]
        if not answered and not sols: problems.append(f'{name}: no solution cell or answer callout after it')
        for j in sols:
            src = rest[j].source.split('\n')
            if src[:2] != ['#| solution', '#| code-fold: true']:
                problems.append(f'{name}: a solution must start with the lines `#| solution` and `#| code-fold: true`')
            if re.search(r'^\s*(import|from\s+\S+\s+import)\s', rest[j].source, re.M) or '#| export' in rest[j].source:
                problems.append(f'{name}: a solution cell holds an import or an export (put imports in an earlier cell)')
            nxt = rest[j + 1] if j + 1 < len(rest) else None
            if nxt is None or nxt.cell_type != 'code' or student.is_solution(nxt):
                problems.append(f'{name}: the solution is not followed by a check cell')
    return problems

def test_every_check_fails_against_its_stub_and_passes_with_its_solution():
    "Not only the first: each check of the chapter, run after its stub, fails; after its solution, passes (in-process, a few seconds)."
    res = student.verify(ROOT/'nbs'/f'{CHAPTER}.ipynb')
    assert len(res) >= 3
    assert all(r['stub_error'] and r['stub_error'].split(':')[0] in ('NotImplementedError', 'AssertionError') for r in res), res
    assert all(r['passes'] for r in res), res

def test_every_chapter_has_three_exercises_with_solutions_and_checks():
    """Fails, listing them, while some chapters still lack their exercises (issue 16). Issue 16 asks it of the lessons,
    chapters 00 to 15; 99_cli documents the command-line tools, whose checks are runs of the tools."""
    bad = {p.stem: pr for p in student.chapters() if p.stem != '99_cli' and (pr := exercise_problems(p))}
    assert not bad, 'chapters whose exercises are missing or incomplete:\n' + '\n'.join(f'  {k}: {"; ".join(v)}' for k, v in bad.items())
