"""The documentation site stays complete as chapters are added: every chapter is in the sidebar and the README,
every public exported name is in the API index and documented (docstring, and a docment for every parameter).
The pages themselves are checked in a browser by `make docs-check` (tools/docs_check.py)."""
import json, subprocess, sys
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT/'tools'))
import sidebar, api_page, docs_check

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
    assert sidebar.part_of('15_bridge.ipynb') == 'Beyond NumPy'
    assert sidebar.part_of('99_cli.ipynb') == 'Command line'
    assert sidebar.chapter_key('api.ipynb') is None and sidebar.chapter_key('index.ipynb') is None

def test_every_chapter_is_in_the_readme():
    readme = (ROOT/'README.md').read_text()
    missing = [nb for nb in CHAPTERS if f'(nbs/{nb})' not in readme]
    assert not missing, f'add a row for {missing} to the chapter table in nbs/index.ipynb, then `make readme`'

def test_readme_says_how_to_install_quarto():
    readme = (ROOT/'README.md').read_text()
    assert 'make docs' in readme and 'nbdev_install_quarto' in readme and 'make docs-check' in readme

def test_api_index_lists_every_public_name_and_is_current():
    problems = api_page.problems()
    assert not problems, '\n'.join(problems)

def test_api_index_has_one_line_per_name_linked_to_its_chapter():
    "One row per public exported name, in module order; each links into the chapter that defines it, which exists."
    rows = api_page.links()
    names = api_page.public_names()
    assert [q for q, _, _ in rows] == [q for _, _, q in names]
    assert [nb for _, nb, _ in rows] == [nb for _, nb, _ in names] and all((ROOT/'nbs'/nb).exists() for _, nb, _ in rows)
    assert len(rows) > 150 and (ROOT/'nbs'/'api.ipynb').stat().st_size < 100_000

def test_api_index_uses_no_nbdev_internals():
    "The page is written from _modidx.py and the docstrings; only public API (here: none of nbdev's at all)."
    src = (ROOT/'tools'/'api_page.py').read_text()
    assert 'nbdev' not in ''.join(l for l in src.splitlines(True) if l.lstrip().startswith(('import', 'from')))

def test_page_names_are_nbdevs():
    "api_page.page_name is nbdev's rule: every page that _modidx.py links to is the page of a notebook in nbs/."
    pages = {link.split('#')[0] for mod in api_page.modidx().values() for link, _ in mod.values()}
    assert pages <= set(api_page.page_to_notebook()), pages - set(api_page.page_to_notebook())
    assert api_page.page_name('06a_pictures.ipynb') == 'pictures.html' and docs_check.page_name('06a_pictures.ipynb') == 'pictures.html'

def test_api_check_can_fail(tmp_path):
    "A page that lacks one name, keeps a removed one, or links to a notebook that is gone is refused, saying what to run."
    nb_json = json.loads((ROOT/'nbs'/'api.ipynb').read_text())
    q, nb, _ = api_page.links()[0]
    cell = next(c for c in nb_json['cells'] if api_page._re_row.search(''.join(c['source'])))
    src = ''.join(cell['source'])
    row = api_page._re_row.search(src).group(0)
    cell['source'] = src.replace(row, row.replace(f'({nb}#', '(99_gone.ipynb#').replace('<code>', '<code>gone\\_', 1), 1)
    broken = json.dumps(nb_json)
    page = tmp_path/'api.ipynb'
    page.write_text(broken)
    text = '\n'.join(api_page.problems(page))
    assert f'missing from nbs/api.ipynb: {q}' in text and 'no longer exported: gone_' in text
    assert 'is not a notebook in nbs/' in text and 'make api' in text

def test_anchor_check_can_fail(tmp_path):
    "docs-check reads the headings nbdev wrote on the processed page: a link to an entry that is not there is reported."
    import nbformat
    q, nb, anchor = api_page.links()[0]
    md = nbformat.v4.new_markdown_cell('# A page\n\n## Some section')
    doc = nbformat.v4.new_code_cell('show_doc(x)')
    doc.outputs = [nbformat.v4.new_output('display_data', data={'text/markdown': '---\n\n### Something.else\n\n> sig'})]
    nbformat.write(nbformat.v4.new_notebook(cells=[md, doc]), tmp_path/nb)
    assert docs_check.page_ids(nbformat.read(tmp_path/nb, as_version=4)) == {'a-page', 'some-section', 'something.else'}
    bad = docs_check.anchor_problems(tmp_path, ['api.ipynb'])
    assert f'the link of {q} to {nb}#{anchor} reaches no entry on that page' in bad
    doc.outputs[0]['data']['text/markdown'] = f'---\n\n### {anchor}\n\n> sig'
    nbformat.write(nbformat.v4.new_notebook(cells=[md, doc]), tmp_path/nb)
    assert f'the link of {q} to {nb}#{anchor} reaches no entry on that page' not in docs_check.anchor_problems(tmp_path, ['api.ipynb'])

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

def test_solutions_and_answers_render_folded_and_unfolded_ones_are_reported(tmp_path):
    "Issue 16: `code-fold: true` puts a solution's code in a closed <details>, a collapsed callout is a closed <details>."
    import nbformat, shutil
    proc, out = tmp_path/'proc', tmp_path/'out'
    proc.mkdir(); out.mkdir()
    shutil.copytree(docs_check.katex_dir(), out/'katex')
    cells = [nbformat.v4.new_markdown_cell('## Exercises\n\n### Exercise 1: x'),
             nbformat.v4.new_code_cell('#| solution\n#| code-fold: true\nanswer = 42'),
             nbformat.v4.new_code_cell('assert answer == 42'),
             nbformat.v4.new_markdown_cell('::: {.callout-tip collapse="true" title="Answer"}\nBecause $x = 1$.\n:::')]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), proc/'folded.ipynb')
    cells[1] = nbformat.v4.new_code_cell('#| solution\nanswer = 42')                        # no code-fold: shown open
    nbformat.write(nbformat.v4.new_notebook(cells=cells), proc/'open.ipynb')
    docs_check.render(['folded.ipynb', 'open.ipynb'], proc, out)
    page = (out/'folded.html').read_text()
    assert '<details class="code-fold"><summary>Code</summary>' in page and '<summary>Answer</summary>' in page
    assert ':::' not in page and 'code-fold: true' not in page
    assert docs_check._browse('folded.html', out) == ['(0 figures, 1 typeset formulas, 1/1 solutions and 1/1 answers folded)']
    assert (out/'folded-exercises.png').stat().st_size > 5_000
    assert docs_check._browse('open.html', out)[0].startswith('solution renders unfolded: #| solution'), docs_check._browse('open.html', out)
