"""Write README.md from nbs/index.ipynb without Quarto (nbdev_readme needs Quarto, which these machines cannot install).

Markdown cells are copied as they are, code cells become ```python blocks with their text output below,
cells marked `#| hide` (or `#| exec_doc`-style directives that hide) are left out, and links to `images/`
and to chapter notebooks are rewritten to `nbs/...` so they resolve from the repository root.

    python tools/readme.py           # write README.md
    python tools/readme.py --check   # exit 1 if README.md differs from what index.ipynb says
"""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = '<!-- Written by tools/readme.py from nbs/index.ipynb: edit the notebook, then run `make readme`. -->\n\n'
HIDING = {'hide', 'hide_input', 'include: false', 'echo: false'}

def write_or_check(path:Path, text:str, argv:list, stale:str)->int:
    """Write `text` to `path` (exit code 0), or with '--check' in `argv` compare only: print `stale` and return 1 if they differ.
    The rule of every file that tools/ generates (README.md, nbs/sidebar.yml, nbs/api.ipynb)."""
    if '--check' in argv:
        if not path.exists() or path.read_text(encoding='utf-8') != text:
            print(stale)
            return 1
        return 0
    path.write_text(text, encoding='utf-8')
    return 0

def _directives(src):
    "The `#| ...` lines at the top of a cell, and the rest of it."
    lines = src.split('\n')
    n = 0
    while n < len(lines) and lines[n].startswith('#|'): n += 1
    return [l[2:].strip() for l in lines[:n]], '\n'.join(lines[n:]).strip('\n')

def _text_outputs(cell):
    out = []
    for o in cell.get('outputs', []):
        if o.get('output_type') == 'stream': out.append(''.join(o['text']))
        elif 'text/plain' in o.get('data', {}) and not any(k.startswith('image/') for k in o['data']):
            out.append(''.join(o['data']['text/plain']))
    return ''.join(out).rstrip('\n')

def render(nb_path=ROOT/'nbs'/'index.ipynb'):
    "The README text that `nb_path` describes."
    nb = json.loads(Path(nb_path).read_text(encoding='utf-8'))
    parts = []
    for cell in nb['cells']:
        src = ''.join(cell['source'])
        if cell['cell_type'] == 'markdown':
            src = re.sub(r'\]\(images/', '](nbs/images/', src.strip('\n'))
            parts.append(re.sub(r'\]\(([^)/:]+\.ipynb)\)', r'](nbs/\1)', src))  # chapter links, from the root
        elif cell['cell_type'] == 'code':
            dirs, code = _directives(src)
            if HIDING & set(dirs) or any(d.startswith('default_exp') for d in dirs) and not code: continue
            if not code: continue
            parts.append(f'```python\n{code}\n```')
            out = _text_outputs(cell)
            if out: parts.append(f'```\n{out}\n```')
    return HEADER + '\n\n'.join(parts) + '\n'

def main(argv): return write_or_check(ROOT/'README.md', render(), argv, 'README.md does not match nbs/index.ipynb: run `make readme` (python tools/readme.py) and commit it.')

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
