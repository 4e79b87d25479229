"""The documentation site stays complete as chapters are added: every chapter is in the sidebar and the README,
every exported name is on the API page and documented (docstring, and a docment for every parameter).
The pages themselves are checked in a browser by `make docs-check` (tools/docs_check.py)."""
import json, subprocess, sys
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT/'tools'))
import sidebar, api_page, docs_check, split_imports

CHAPTERS = sorted(p.name for p in (ROOT/'nbs').glob('[0-9]*.ipynb'))

def test_there_are_chapters():
    assert len(CHAPTERS) >= 10 and '00_core.ipynb' in CHAPTERS

def test_every_chapter_is_in_the_sidebar():
    text = (ROOT/'nbs'/'sidebar.yml').read_text()
    missing = [nb for nb in CHAPTERS if f'- {nb}\n' not in text]
    assert not missing, f'not in nbs/sidebar.yml: {missing}; run `make sidebar` and commit nbs/sidebar.yml'

def test_sidebar_is_current():
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'sidebar.py'), '--check'], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr

def test_sidebar_is_what_quarto_reads():
    "The YAML that Quarto reads: the landing page, then the parts in order, every chapter once, the API page last."
    import yaml
    contents = yaml.safe_load((ROOT/'nbs'/'sidebar.yml').read_text())['website']['sidebar']['contents']
    assert contents[0] == 'index.ipynb'
    pages = [p for sec in contents[1:] for p in sec['contents']]
    assert pages[:-1] == sorted(CHAPTERS, key=sidebar.chapter_key) and pages[-1] == 'api.ipynb'
    assert [sec['section'] for sec in contents[1:]][:2] == ['Foundations', 'Pictures and real data']

def test_new_chapters_find_their_part():
    "Parts are keyed by where they start, so chapters that do not exist yet land somewhere sensible."
    assert sidebar.part_of('06_network.ipynb') == 'Foundations'
    assert sidebar.part_of('06b_images.ipynb') == 'Pictures and real data'
    assert sidebar.part_of('08_pooling.ipynb') == 'Convolutions'
    assert sidebar.part_of('10b_callbacks.ipynb') == 'Training deep networks'
    assert sidebar.part_of('13_anything.ipynb') == sidebar.part_of('11_image_classification.ipynb') == 'Applications'
    assert sidebar.part_of('99_cli.ipynb') == 'Command line'
    assert sidebar.chapter_key('api.ipynb') is None and sidebar.chapter_key('index.ipynb') is None

def test_every_chapter_is_in_the_readme():
    readme = (ROOT/'README.md').read_text()
    missing = [nb for nb in CHAPTERS if f'(nbs/{nb})' not in readme]
    assert not missing, f'add a row for {missing} to the chapter table in nbs/index.ipynb, then `make readme`'

def test_readme_says_how_to_install_quarto():
    readme = (ROOT/'README.md').read_text()
    assert 'make docs' in readme and 'nbdev_install_quarto' in readme and 'make docs-check' in readme

def test_api_page_has_every_exported_name():
    problems = api_page.problems()
    assert not problems, '\n'.join(problems)

def test_api_page_links_every_module_to_its_chapter():
    nb = json.loads((ROOT/'nbs'/'api.ipynb').read_text())
    md = '\n'.join(''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'markdown')
    for mod, chapter, _ in api_page.public_names():
        assert f'## `{mod}`' in md and f']({chapter})' in md, (mod, chapter)

def test_api_check_can_fail(tmp_path):
    "A page that lacks one name (or keeps a removed one) is refused, naming the name and the command to run."
    nb = json.loads((ROOT/'nbs'/'api.ipynb').read_text())
    drop = next(c for c in nb['cells'] if ''.join(c['source']).startswith('show_doc('))
    nb['cells'].remove(drop)
    nb['cells'].append({'cell_type': 'code', 'id': 'x', 'metadata': {}, 'outputs': [], 'execution_count': None,
                        'source': ['show_doc(cnn_scratch.core.gone)']})
    page = tmp_path/'api.ipynb'
    page.write_text(json.dumps(nb))
    text = '\n'.join(api_page.problems(page))
    name = ''.join(drop['source'])[len('show_doc('):].split(')')[0].split(',')[0]
    assert f'without a show_doc entry in nbs/api.ipynb: {name}' in text
    assert 'no longer exported: cnn_scratch.core.gone' in text and 'make api' in text

def test_every_exported_name_is_documented():
    "Docstrings and parameter docments (comments after each parameter) for every public exported name."
    bad = docs_check.undocumented()
    assert not bad, (f'{len(bad)} gaps; document them in the exported cells of the notebooks, then `make export`:\n'
                     + '\n'.join(f'{w}: {q}: {what}' for w, q, what in bad))

def f(a, # documented
      b): return a

class Base:
    "A base."
    def forward(self, x): # the input
        "Forward."

class Child(Base):
    "A child."
    def forward(self, x): return x

def test_documentation_check_can_fail():
    "The checker finds an undocumented parameter and a missing docstring, and accepts an inherited protocol."
    bad = docs_check.undocumented([(__name__, 'nb.ipynb', 'f'), (__name__, 'nb.ipynb', 'Child'), (__name__, 'nb.ipynb', 'Child.forward')])
    assert bad == [('nbs/nb.ipynb', 'f', 'no docstring'), ('nbs/nb.ipynb', 'f', 'parameter `b` has no docment')], bad

def test_no_cell_mixes_imports_and_code_in_the_chapters():
    "nbdev runs such cells when it builds the docs (slow cells too); tools/split_imports.py separates the imports."
    chapters = [str(ROOT/'nbs'/nb) for nb in CHAPTERS]
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'split_imports.py'), '--check', *chapters], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + '\nrun `python tools/split_imports.py <notebook>`, then nbdev_clean it'

def test_quarto_options_are_applied():
    "What nbdev leaves for Quarto: the frontmatter becomes the title, `echo: false` hides code, `include: false` drops a cell."
    import nbformat
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_raw_cell('---\ntitle: A chapter\ndescription: What it does\n---'),
        nbformat.v4.new_code_cell('#| echo: false\n#| output: asis\nshow_doc(f)'),
        nbformat.v4.new_code_cell('#| include: false\nsecret = 1'),
        nbformat.v4.new_markdown_cell('::: {.callout}\nSee [the core](00_core.ipynb#layer) and '
                                      '[Layer](https://cnn-scratch.github.io/cnn_scratch/core.html#layer).\n:::')])
    out = docs_check.quarto_options(nb, 'https://cnn-scratch.github.io/cnn_scratch/')
    assert [c.cell_type for c in out.cells] == ['markdown', 'code', 'markdown']
    assert out.cells[0].source.startswith('# A chapter') and 'What it does' in out.cells[0].source
    assert out.cells[1].source == 'show_doc(f)' and 'remove_input' in out.cells[1].metadata.tags
    assert out.cells[2].source == 'See [the core](core.html#layer) and [Layer](core.html#layer).'

def test_split_imports_keeps_the_code(tmp_path):
    nb = {'cells': [{'cell_type': 'code', 'id': 'abc', 'metadata': {}, 'outputs': [{'output_type': 'stream', 'name': 'stdout', 'text': ['2\n']}],
                     'execution_count': None, 'source': ['#| slow\n', 'import math\n', 'x = 4\n', 'import shutil; print(math.sqrt(x))']}],
          'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}
    f = tmp_path/'nb.ipynb'
    f.write_text(json.dumps(nb))
    assert split_imports.main([str(f)]) == 0
    a, b = json.loads(f.read_text())['cells']
    assert ''.join(a['source']) == 'import math\nimport shutil' and a['id'] != 'abc'
    assert ''.join(b['source']) == '#| slow\nx = 4\nprint(math.sqrt(x))' and b['id'] == 'abc' and b['outputs'] == nb['cells'][0]['outputs']
    assert split_imports.main(['--check', str(f)]) == 0

@pytest.mark.skipif(not any(__import__('shutil').which(c) for c in ('chromium', 'chromium-browser', 'google-chrome'))
                    or not docs_check.katex_dir(), reason='needs Chromium and KaTeX (apt-get install chromium libjs-katex)')
def test_browser_check_catches_broken_pages(tmp_path):
    "A missing figure, TeX that KaTeX cannot typeset, TeX left raw (no KaTeX), an error output: each is reported."
    import nbformat, shutil
    proc, out = tmp_path/'proc', tmp_path/'out'
    proc.mkdir(); out.mkdir()
    shutil.copytree(docs_check.katex_dir(), out/'katex')
    err = nbformat.v4.new_code_cell('1/0')
    err.outputs = [nbformat.v4.new_output('error', ename='ZeroDivisionError', evalue='division by zero', traceback=[])]
    good = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell('# Good\n\nFine: $y = xW + b$ and $$\\frac{\\partial L}{\\partial x}$$')])
    bad = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell('# Bad\n\n![a figure](images/missing.png)\n\nBroken: $\\frac{1}$'), err])
    nbformat.write(good, proc/'good.ipynb'); nbformat.write(bad, proc/'bad.ipynb')
    found = docs_check.render(['good.ipynb', 'bad.ipynb'], proc, out)
    assert found == {'good.ipynb': [], 'bad.ipynb': ['cell 1 has an error output: ZeroDivisionError: division by zero']}
    ok, broken = docs_check._browse('good.html', out), docs_check._browse('bad.html', out)
    assert ok == ['(0 figures, 2 typeset formulas)'], ok
    assert any(p.startswith('figure does not load: images/missing.png') for p in broken), broken
    assert any(p.startswith('KaTeX cannot typeset') for p in broken), broken
    assert (out/'good.png').stat().st_size > 10_000  # the screenshot
    shutil.rmtree(out/'katex')  # no KaTeX: the TeX stays raw, and that is caught too
    raw = docs_check._browse('good.html', out)
    assert any(p.startswith('math left unrendered') for p in raw), raw
