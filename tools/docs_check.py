"""Check the documentation site without Quarto (nbdev_docs needs it; it cannot be installed here), and build an offline preview.

What `make docs-check` (and CI) runs:

1. Consistency, no browser needed: nbs/sidebar.yml lists every chapter (tools/sidebar.py), the API index
   nbs/api.ipynb lists every public exported name and is current (tools/api_page.py), and every public exported
   name has a docstring and every parameter a docment (a comment after it, as nbdev documents parameters; see
   `undocumented`).
2. The pages: every notebook goes through nbdev's own docs processors (`nbdev.processors.FilterDefaults`, the list
   `nbdev_proc_nbs` uses, via `nbdev.serve_drv.exec_nb`), without nbdev_proc_nbs's side effects (installing Quarto,
   running pip, writing nbdev.yml and sidebar.yml). The processed notebooks are rendered to HTML with nbconvert's
   HTML exporter from their stored outputs (nothing is re-executed except what nbdev itself executes: exported
   cells, imports and `show_doc`), with the Quarto cell options nbdev relies on (`echo: false`, `include: false`,
   `output: asis`) applied, and with the math typeset by KaTeX, as the Quarto site does (`html-math-method: katex`),
   from Debian's `libjs-katex` package (nbconvert's own template would load MathJax from a CDN: there is no internet).
   Folding is rendered as Quarto renders it: the input of a `#| code-fold: true` cell (every exercise solution, issue
   16) inside `<details><summary>Code</summary>`, and a callout with `collapse="true"` (the exercises' worked answers)
   as a closed `<details>` whose summary is its title.
3. A real browser: headless Chromium opens each page and reports, from inside the page, the figures that did not
   load, the formulas KaTeX could not typeset and any TeX left raw (`$$`, `$x$`), and keeps a screenshot of each
   page in `_docs_check/<page>.png`. Pages with an error output fail too. Every link of the API index must reach
   an entry that nbdev's processors really wrote on the chapter's page (a `show_doc` heading, by the identifier
   that Pandoc gives it, as on the Quarto site; see `anchor_problems`). Every solution cell (first line `#| solution`
   in the chapter) must show its code inside a closed `<details>` and every collapsible answer must be closed: a
   solution or an answer that a reader sees unfolded is a problem of its page. A page with exercises gets a second
   screenshot, `_docs_check/<page>-exercises.png`, that starts at its `## Exercises` heading.

Everything is written to `_docs_check/` (git-ignored); no tracked file is touched. `_docs_check/contents.html`
links the pages in course order, each page has the site's sidebar: it is the offline preview that `make docs`
offers when Quarto is missing (`python tools/docs_check.py --preview` builds it without the browser checks).

    python tools/docs_check.py                 # everything
    python tools/docs_check.py --preview       # pages only (no checks that need Chromium), then print where they are
    python tools/docs_check.py --lint          # only the consistency checks of step 1
    python tools/docs_check.py 00_core index   # only these pages (plus step 1)
"""
import html, importlib, inspect, json, os, re, shutil, subprocess, sys, tempfile, time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS, OUT = ROOT/'nbs', ROOT/'_docs_check'
sys.path[:0] = [str(ROOT/'tools')]
import sidebar, api_page

CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                  '--disable-background-networking', '--disable-component-update', '--disable-sync',
                  '--hide-scrollbars', '--allow-file-access-from-files']
PARAM_EXEMPT = {'self', 'cls'}

# ---------------------------------------------------------------- 1. consistency: sidebar, API page, docments

def _obj(mod, qual):
    o = importlib.import_module(mod)
    for p in qual.split('.'): o = getattr(o, p)
    return o

def _own_init(cls):
    "The class's `__init__` if Python code in this package defines it (not `object`'s or `Exception`'s)."
    init = getattr(cls, '__init__', None)
    return init if inspect.isfunction(init) else None

def _param_docs(f, owner=None, name=None):
    "{param: docment} for `f`; a method without a docment for a parameter inherits the one of the base-class method it overrides."
    from fastcore.docments import docments
    docs = {k: v for k, v in docments(f, returns=False, args_kwargs=True).items() if k not in PARAM_EXEMPT}
    for base in (owner.__mro__[1:] if owner else []):
        if not all(docs.values()) and name in vars(base) and inspect.isfunction(vars(base)[name]):
            inherited = docments(vars(base)[name], returns=False, args_kwargs=True)
            docs = {k: v or inherited.get(k) for k, v in docs.items()}
    return docs

def undocumented(names=None):
    """Public exported names without a docstring, and parameters without a docment, as ('nbs/file', 'name', what).

    A method inherits the docstring (as `inspect.getdoc` does) and the parameter docments of the base-class method it
    overrides with the same parameters, so a protocol (`Layer.forward(x)`) is documented once, on the base class.
    A class's parameters are those of its own `__init__`; `*args` and `**kwargs` need a docment like any parameter."""
    names = api_page.public_names() if names is None else names
    res = []
    for mod, nb, qual in names:
        obj = _obj(mod, qual)
        where = f'nbs/{nb}'
        if not inspect.getdoc(obj): res.append((where, qual, 'no docstring'))
        if inspect.isclass(obj):
            f, owner, name = _own_init(obj), None, None
            if f is None: continue
        else:
            f = obj
            owner = _obj(mod, qual.rsplit('.', 1)[0]) if '.' in qual else None
            name = qual.rsplit('.', 1)[-1]
        try: docs = _param_docs(f, owner, name)
        except Exception as e: res.append((where, qual, f'its docments cannot be read ({e})')); continue
        res += [(where, qual, f'parameter `{p}` has no docment') for p, d in docs.items() if not d]
    return res

def lint():
    "Step 1: every problem as a line of text."
    res = []
    if sidebar.main(['--check']): res.append('nbs/sidebar.yml is out of date (see above)')
    res += api_page.problems()
    bad = undocumented()
    if bad:
        res.append(f'{len(bad)} documentation gaps in exported code (add a docstring, or a comment after the parameter, '
                   'in the notebook\'s exported cell, then `make export`):')
        res += [f'  {w}: {q}: {what}' for w, q, what in bad]
    return res

# ---------------------------------------------------------------- 2. pages: nbdev's processors, then nbconvert

_re_heading = re.compile(r'^#{1,6}\s+(.+?)\s*$', re.M)

def pandoc_id(text):
    "The identifier Pandoc (so Quarto) gives a heading: formatting dropped, lower case, spaces to '-', only [\\w.-] kept."
    t = re.sub(r'[`*]', '', text).strip().lower()
    t = re.sub(r'[^\w\s.-]', '', t)
    t = re.sub(r'\s+', '-', t)
    return re.sub(r'^[^a-z]+', '', t)

def _doc_headings(md):
    "The headings of one markdown text that are show_doc entries (`---` then `### Name`), as the Name."
    return [m.group(1) for m in _re_heading.finditer(md)] if md.lstrip().startswith('---') else []

def page_ids(nb):
    "The identifiers of the headings on a processed page: its markdown cells and the show_doc outputs."
    res = set()
    for c in nb.cells:
        if c.cell_type == 'markdown': res |= {pandoc_id(h) for h in _re_heading.findall(c.source)}
        for o in c.get('outputs', []):
            res |= {pandoc_id(h) for h in _doc_headings(o.get('data', {}).get('text/markdown', ''))}
    return res

def anchor_problems(proc_dir, nb_names):
    "Links of the API index (when it is among `nb_names`) whose anchor is not a heading of the processed target page."
    import nbformat
    if 'api.ipynb' not in nb_names: return []
    ids, res = {}, []
    for name, nb, anchor in api_page.links(NBS/'api.ipynb'):  # the source: nbdev's processors add links of their own
        if nb not in ids:
            proc = Path(proc_dir)/nb
            ids[nb] = page_ids(nbformat.read(proc, as_version=4)) if proc.exists() else None
        if ids[nb] is not None and anchor not in ids[nb]: res.append(f'the link of {name} to {nb}#{anchor} reaches no entry on that page')
    return res

def _process(args):
    "Run nbdev's docs processors on one notebook (in a worker process, as nbdev_proc_nbs does)."
    src, dst = args
    os.chdir(ROOT)
    import warnings
    from nbdev.serve_drv import exec_nb
    from nbdev.processors import FilterDefaults
    t = time.time()
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter('always')
        try: exec_nb(Path(src), Path(dst), FilterDefaults)
        except Exception as e: return src, f'nbdev could not process it: {type(e).__name__}: {e}'.strip(), time.time() - t, 0
    mixed = sum('imports and other code' in str(w.message) for w in ws)
    return src, None, time.time() - t, mixed

def page_name(nb_name):
    from nbdev.doclinks import _nbpath2html
    return _nbpath2html(Path(nb_name)).name

def notebooks(only=()):
    "The notebooks nbdev would render, index first, then in sidebar order."
    order = ['index.ipynb'] + [p for _, pages in sidebar.parts() for p in pages]
    names = [p.name for p in sorted(NBS.glob('*.ipynb')) if not p.name.startswith(('_', '.'))]
    names = sorted(names, key=lambda n: order.index(n) if n in order else len(order))
    if only: names = [n for n in names if Path(n).stem in only or page_name(n)[:-5] in only]
    return names

_re_opt = re.compile(r'^#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')
_re_link = re.compile(r'\]\((?!https?:|#)([^)#\s]+)\.ipynb(#[^)\s]*)?\)')

def _fix_links(md, site):
    "Links to chapters as Quarto makes them (`01_activations.ipynb` -> `activations.html`), links into the site relative."
    md = _re_link.sub(lambda m: f']({page_name(m.group(1) + ".ipynb")}{m.group(2) or ""})', md)
    md = md.replace(site, '')
    return re.sub(r'(\]\([^)]*\))\{[^}]*\}', r'\1', md)  # Pandoc link attributes ({target="_blank" ...})

_re_callout = re.compile(r'^:::+ *\{(\.callout-[\w-]+)([^}]*)\}[ \t]*\n(.*?)^:::+[ \t]*$', re.M | re.S)

def _callouts(md):
    """A Quarto callout with `collapse="true"` (or `"false"`) as Quarto renders it: a `<details>` whose summary is its
    title, closed (or open); other callouts keep only their content. The markdown inside stays markdown."""
    def one(m):
        kind, attrs, body = m.group(1)[1:], m.group(2), m.group(3)
        collapse = re.search(r'collapse="(true|false)"', attrs)
        if not collapse: return body
        title = re.search(r'title="([^"]*)"', attrs)
        title = html.escape(title.group(1) if title else kind.split('-', 1)[1].capitalize())
        return (f'<details class="callout {kind}"{" open" if collapse.group(1) == "false" else ""}>'
                f'<summary>{title}</summary>\n\n{body.strip()}\n\n</details>')
    return _re_callout.sub(one, md)

def quarto_options(nb, site):
    """Apply what Quarto does with the cell options nbdev writes, in place: the frontmatter becomes the title,
    `include: false` drops a cell, `echo: false` hides its code, `code-fold: true` folds it under "Code" (tagged
    `code-fold` for the template, `code-fold-open` for `code-fold: show`); a callout with `collapse` becomes a
    `<details>` (see `_callouts`); option lines and other `:::` fences are not shown."""
    import nbformat, yaml
    cells = []
    for c in nb.cells:
        if c.cell_type == 'raw' and c.source.startswith('---'):
            fm = yaml.safe_load(c.source.strip().strip('-')) or {}
            md = f"# {fm.get('title', '')}\n\n" + (f"> {fm['description']}" if fm.get('description') else '')
            c = nbformat.v4.new_markdown_cell(md)
        if c.cell_type == 'markdown':
            c.source = _fix_links('\n'.join(l for l in _callouts(c.source).split('\n') if not l.startswith(':::')), site)
        if c.cell_type == 'code':
            lines = c.source.split('\n')
            opts = dict(m.groups() for m in map(_re_opt.match, lines) if m)
            if opts.get('include') == 'false': continue
            c.source = '\n'.join(l for l in lines if not _re_opt.match(l)).strip('\n')
            c.metadata.setdefault('tags', [])
            if opts.get('echo') == 'false' or not c.source: c.metadata['tags'].append('remove_input')
            elif opts.get('code-fold') in ('true', 'show'):
                c.metadata['tags'].append('code-fold' if opts['code-fold'] == 'true' else 'code-fold-open')
            for o in c.get('outputs', []):
                if 'text/markdown' in o.get('data', {}):
                    md = _fix_links(o['data']['text/markdown'], site)
                    # nbconvert's heading ids keep the case; the site's (Pandoc's) are what the API index links to
                    o['data']['text/markdown'] = ''.join(f'<span id="{pandoc_id(h)}"></span>\n\n' for h in _doc_headings(md)) + md
        cells.append(c)
    nb.cells = cells
    return nb

def page_problems(nb):
    "Error outputs and tracebacks in a processed notebook."
    res = []
    for i, c in enumerate(nb.cells):
        for o in c.get('outputs', []):
            if o.get('output_type') == 'error': res.append(f'cell {i} has an error output: {o.get("ename")}: {o.get("evalue")}')
            elif o.get('output_type') == 'stream' and 'Traceback (most recent call last)' in o.get('text', ''):
                res.append(f'cell {i} printed a traceback')
    return res

KATEX_DIRS = [Path('/usr/share/javascript/katex')]  # Debian's libjs-katex: the KaTeX that Quarto's `html-math-method: katex` uses

def katex_dir():
    "A local KaTeX (css, js, auto-render, fonts); None if there is none."
    return next((d for d in KATEX_DIRS if (d/'katex.min.js').exists() and (d/'contrib'/'auto-render.js').exists()), None)

# nbconvert's template loads MathJax from a CDN; offline, the pages load KaTeX from the copy in _docs_check/katex/.
KATEX_HEAD = """<link rel="stylesheet" href="katex/katex.min.css">
<script src="katex/katex.min.js"></script><script src="katex/contrib/auto-render.js"></script>
<script>document.addEventListener('DOMContentLoaded', function(){
  if (window.renderMathInElement) renderMathInElement(document.body, {throwOnError: false,
    delimiters: [{left: '$$', right: '$$', display: true}, {left: '$', right: '$', display: false},
                 {left: '\\\\(', right: '\\\\)', display: false}, {left: '\\\\[', right: '\\\\]', display: true}]}); });
</script>"""

# The lab template with the input of a `code-fold` cell inside <details><summary>Code</summary>, as Quarto folds it.
FOLD_TEMPLATE = """{%- extends 'index.html.j2' -%}
{% block input_group -%}
{%- set tags = cell.metadata.get('tags', []) -%}
{%- if 'code-fold' in tags or 'code-fold-open' in tags -%}
<details class="code-fold"{{ ' open' if 'code-fold-open' in tags }}><summary>Code</summary>
{{ super() }}
</details>
{%- else -%}{{ super() }}{%- endif -%}
{%- endblock input_group %}"""

_re_mathjax = re.compile(r'<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->', re.S)

def nav_html(current):
    "The sidebar of the site, from nbs/sidebar.yml's parts, as a list of links."
    items = [f'<li><a href="index.html"{" class=current" if current == "index.html" else ""}>Home</a></li>']
    for title, pages in sidebar.parts():
        items.append(f'<li class="part">{html.escape(title)}</li>')
        for nb in pages:
            p = page_name(nb)
            label = html.escape(api_page.chapter_title(nb))
            num = nb.split('_')[0] if sidebar.chapter_key(nb) else ''
            items.append(f'<li><a href="{p}"{" class=current" if p == current else ""}>{num} {label}</a></li>')
    return ('<nav id="docs-check-nav"><a class="title" href="contents.html">cnn_scratch</a><ul>' + ''.join(items) + '</ul></nav>')

NAV_CSS = """<style>
#docs-check-nav{position:fixed;top:0;left:0;bottom:0;width:250px;overflow:auto;padding:12px;background:#f7f7f9;
 border-right:1px solid #ddd;font:14px/1.4 sans-serif;z-index:10}
#docs-check-nav ul{list-style:none;padding:0;margin:0} #docs-check-nav li{margin:2px 0}
#docs-check-nav li.part{margin-top:12px;font-weight:bold;color:#555;text-transform:uppercase;font-size:11px}
#docs-check-nav a{text-decoration:none;color:#2a6fb0} #docs-check-nav a.current{font-weight:bold;color:#000}
#docs-check-nav a.title{font-size:18px;font-weight:bold;color:#000}
body{margin-left:270px !important}
</style>"""

# Runs in the page once it has loaded (KaTeX has run by then): reports what a reader would see as broken, in a hidden <pre>.
CHECK_JS = r"""<script>
(function(){
  function report(){
    var r = {images: 0, broken: [], math: 0, math_errors: [], raw_tex: [], solutions: 0, unfolded: [], answers: 0, open_answers: []};
    document.querySelectorAll('.celltag_solution').forEach(function(c){   // its code must be in a closed <details>
      r.solutions++; var code = c.querySelector('pre'), d = code && code.closest('details');
      if (!d || d.open || !c.contains(d)) r.unfolded.push(code ? code.textContent.trim().split('\n')[0].slice(0, 80) : '(no code shown)'); });
    document.querySelectorAll('details.callout').forEach(function(d){
      r.answers++; if (d.open) r.open_answers.push(d.textContent.trim().slice(0, 80)); });
    document.querySelectorAll('img').forEach(function(i){
      r.images++; if (!(i.complete && i.naturalWidth > 0)) r.broken.push((i.getAttribute('src') || '').slice(0, 80)); });
    r.math = document.querySelectorAll('.katex').length;
    document.querySelectorAll('.katex-error').forEach(function(e){ r.math_errors.push(e.textContent.slice(0, 80)); });
    var w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, null), n;
    while ((n = w.nextNode())) {
      if (n.parentElement.closest('pre, code, script, style, textarea, .katex, #docs-check-nav')) continue;
      var m = n.nodeValue.match(/\$\$|\\\(|\\\[|\$[^$\s][^$]*\$/);
      if (m) r.raw_tex.push(n.nodeValue.slice(Math.max(0, m.index - 30), m.index + 50));
    }
    var pre = document.createElement('pre'); pre.id = 'docs-check-result'; pre.style.display = 'none';
    pre.textContent = JSON.stringify(r); document.body.appendChild(pre);
    // ?from=ID: the cells before the one holding heading ID are hidden, for a screenshot that starts there
    // (headless Chromium's --screenshot captures the top of the page, whatever a #fragment scrolls to)
    var from = new URLSearchParams(location.search).get('from'), start = from && document.getElementById(from);
    if (start) { var cell = start.closest('.jp-Cell'), all = Array.from(document.querySelectorAll('.jp-Cell'));
      all.slice(0, all.indexOf(cell)).forEach(function(c){ c.style.display = 'none'; }); }
  }
  window.addEventListener('load', report);
})();
</script>"""

def solution_ids(path):
    "The ids of the solution cells (first line `#| solution`, issue 16) of a source notebook; nbdev's processors keep ids."
    import nbformat
    return {c.get('id') for c in nbformat.read(path, as_version=4).cells
            if c.cell_type == 'code' and c.source.lstrip('\n').split('\n', 1)[0].strip() == '#| solution'}

def render(nb_names, proc_dir, out=OUT, check_js=True):
    "HTML pages in `out` from the processed notebooks in `proc_dir`; returns {notebook: [problems]}."
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from nbdev.config import get_config
    cfg = get_config()
    site = f'{cfg.doc_host}{cfg.doc_baseurl}'.rstrip('/') + '/'
    import jinja2
    exp = HTMLExporter(template_name='lab', exclude_input_prompt=True, exclude_output_prompt=True,
                       extra_loaders=[jinja2.DictLoader({'docs_check.html.j2': FOLD_TEMPLATE})], template_file='docs_check.html.j2')
    exp.register_preprocessor(TagRemovePreprocessor(remove_input_tags={'remove_input'}), enabled=True)
    res = {}
    for nb_name in nb_names:
        proc = Path(proc_dir)/nb_name
        if not proc.exists(): continue
        nb = nbformat.read(proc, as_version=4)
        res[nb_name] = page_problems(nb)
        solutions = solution_ids(NBS/nb_name if (NBS/nb_name).exists() else proc)
        for c in nb.cells:   # nbdev drops the `#| solution` line; the tag (a class on the cell) lets the browser find them
            if c.get('id') in solutions: c.metadata.setdefault('tags', []).append('solution')
        body, _ = exp.from_notebook_node(quarto_options(nb, site))
        page = page_name(nb_name)
        body = _re_mathjax.sub(lambda m: KATEX_HEAD, body, count=1)
        body = body.replace('</head>', NAV_CSS + '</head>', 1)
        body = re.sub(r'(<body[^>]*>)', lambda m: m.group(1) + nav_html(page), body, count=1)
        if check_js: body = body.replace('</body>', CHECK_JS + '</body>', 1)
        (out/page).write_text(body, encoding='utf-8')
    return res

def contents_page(out=OUT):
    "contents.html: every page in course order, grouped into the sidebar's parts."
    rows = ['<li><a href="index.html">Home: the course and how to run it</a></li>']
    for title, pages in sidebar.parts():
        rows.append(f'<li><b>{html.escape(title)}</b><ul>' + ''.join(
            f'<li><a href="{page_name(nb)}">{nb.split("_")[0] if sidebar.chapter_key(nb) else ""} '
            f'{html.escape(api_page.chapter_title(nb))}</a></li>' for nb in pages) + '</ul></li>')
    (out/'contents.html').write_text(
        '<!doctype html><html><head><meta charset="utf-8"><title>cnn_scratch: contents</title></head>'
        '<body style="font:16px/1.5 sans-serif;max-width:50em;margin:2em auto"><h1>cnn_scratch</h1>'
        '<p>Offline preview of the documentation site (built by tools/docs_check.py; the real site is built by Quarto with '
        '<code>make docs</code>).</p><ul>' + ''.join(rows) + '</ul></body></html>', encoding='utf-8')

def build(nb_names, out=OUT, check_js=True, workers=2):
    "Steps 2: process and render `nb_names` into `out`; returns {notebook: [problems]} and the processing times."
    out.mkdir(exist_ok=True)
    proc_dir = out/'_proc'
    shutil.rmtree(proc_dir, ignore_errors=True); proc_dir.mkdir()
    for d in NBS.iterdir():  # pictures and other files the pages refer to (nbdev copies them the same way)
        if d.is_dir() and not d.name.startswith(('.', '_')): shutil.copytree(d, out/d.name, dirs_exist_ok=True)
    if katex_dir() and not (out/'katex').exists(): shutil.copytree(katex_dir(), out/'katex')
    jobs = [(str(NBS/n), str(proc_dir/n)) for n in nb_names]
    import multiprocessing as mp
    import docs_check  # the worker by its module name: IPython, which nbdev runs in the worker, replaces `__main__`
    with ProcessPoolExecutor(workers, mp_context=mp.get_context('fork')) as ex: done = list(ex.map(docs_check._process, jobs))
    res = render(nb_names, proc_dir, out, check_js)
    for src, err, _, mixed in done:
        if err: res.setdefault(Path(src).name, []).append(err)
        if mixed: res.setdefault(Path(src).name, []).append(
            f'(note: nbdev runs {mixed} cell(s) that mix imports and other code; tests/test_import_cells.py names them)')
    bad = anchor_problems(proc_dir, nb_names)
    if bad: res.setdefault('api.ipynb', []).extend(bad)
    contents_page(out)
    return res, {Path(s).name: t for s, _, t, _ in done}

# ---------------------------------------------------------------- 3. the browser

def chromium():
    for c in ['chromium', 'chromium-browser', 'google-chrome']:
        if shutil.which(c): return shutil.which(c)
    sys.exit('docs-check needs Chromium: `apt-get install -y chromium` (Debian), then run it again.')

def _browse(page, out=OUT, budget_ms=15000):
    "Open one page in a fresh browser profile: its DOM (with the in-page report) and a screenshot; returns its problems."
    url = (out/page).resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix='docs-check-') as prof:
        cmd = [chromium()] + CHROMIUM_FLAGS + [f'--user-data-dir={prof}', f'--virtual-time-budget={budget_ms}',
               '--window-size=1280,1400', f'--screenshot={out/page.replace(".html", ".png")}', '--dump-dom', url]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    m = re.search(r'<pre id="docs-check-result"[^>]*>(.*?)</pre>', r.stdout, re.S)
    if not m: return [f'the page did not finish loading in the browser (exit {r.returncode}): {r.stderr.strip()[-300:]}']
    rep = json.loads(html.unescape(m.group(1)))
    res = [f'figure does not load: {b}' for b in rep['broken']]
    res += [f'KaTeX cannot typeset: {e}' for e in rep['math_errors']]
    res += [f'math left unrendered: ...{t}...' for t in rep['raw_tex'][:5]]
    res += [f'solution renders unfolded: {t}' for t in rep['unfolded']]
    res += [f'answer callout renders open: {t}' for t in rep['open_answers']]
    note = f'({rep["images"]} figures, {rep["math"]} typeset formulas'
    if rep['solutions'] or rep['answers']:
        note += f', {rep["solutions"] - len(rep["unfolded"])}/{rep["solutions"]} solutions and {rep["answers"] - len(rep["open_answers"])}/{rep["answers"]} answers folded'
        # a second screenshot where the exercises start (nbconvert's id of the `## Exercises` heading)
        with tempfile.TemporaryDirectory(prefix='docs-check-') as prof:
            subprocess.run([chromium()] + CHROMIUM_FLAGS + [f'--user-data-dir={prof}', f'--virtual-time-budget={budget_ms}',
                            '--window-size=1280,1400', f'--screenshot={out/page.replace(".html", "-exercises.png")}',
                            url + '?from=Exercises'], capture_output=True, text=True, timeout=180)
    return res + [note + ')']

def browse(pages, out=OUT, workers=2):
    with ThreadPoolExecutor(workers) as ex: return dict(zip(pages, ex.map(lambda p: _browse(p, out), pages)))

# ---------------------------------------------------------------- main

def main(argv):
    t0 = time.time()
    only = [a for a in argv if not a.startswith('-')]
    problems = lint()
    if '--lint' in argv:
        print('\n'.join(problems) or 'docs-check --lint: sidebar, API page and docstrings are complete')
        return 1 if problems else 0
    names = notebooks(only)
    preview = '--preview' in argv
    res, times = build(names, check_js=not preview)
    print(f'processed and rendered {len(names)} pages in {time.time() - t0:.0f} s '
          f'(slowest: {", ".join(f"{k} {v:.1f} s" for k, v in sorted(times.items(), key=lambda kv: -kv[1])[:3])})')
    if preview:
        if not katex_dir(): print('(no local KaTeX: formulas show as TeX; on Debian `apt-get install libjs-katex` fixes that)')
        print(f'Offline preview: open {(OUT/"contents.html").resolve().as_uri()}')
        return 0
    if not katex_dir(): sys.exit('docs-check needs KaTeX: `apt-get install -y libjs-katex` (Debian), then run it again.')
    seen = browse([page_name(n) for n in names])
    failed = False
    for n in names:
        p = res.get(n, []) + seen.get(page_name(n), [])
        bad = [x for x in p if not x.startswith('(')]
        failed |= bool(bad)
        print(f'{"FAIL" if bad else "ok  "} {n:34} -> _docs_check/{page_name(n)[:-5]}.png {" ".join(x for x in p if x.startswith("("))}')
        for x in bad: print(f'       {x}')
    if problems:
        print('\n'.join(problems))
    print(f'docs-check: {len(names)} pages, {"FAILED" if failed or problems else "all good"} in {time.time() - t0:.0f} s')
    return 1 if failed or problems else 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
