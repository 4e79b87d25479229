"""Write nbs/sidebar.yml, the sidebar in parts of the course: nbdev writes one flat list for the notebooks of one folder.

settings.ini has `custom_sidebar = True`, so nbdev_docs uses this committed file instead of writing a flat list
(nbdev makes sections only from subfolders of nbs/, and the chapters stay in one folder so that their links and
numbers read in course order).
The chapters are found in nbs/ (`NN_name.ipynb`, `NNa_name.ipynb`); the only hand-written part is PARTS below,
which says where each part of the course starts. A chapter belongs to the last part that starts at or before it,
so new chapters (12, 13, ...) land in a part without editing this file.

    python tools/sidebar.py           # write nbs/sidebar.yml
    python tools/sidebar.py --check   # exit 1 if nbs/sidebar.yml is not what the notebooks say
"""
import re, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from readme import write_or_check

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT/'nbs'
SIDEBAR = NBS/'sidebar.yml'
HEADER = '# Written by tools/sidebar.py from the notebook names in nbs/: run `make sidebar` (or `make export`), do not edit.\n'

# (first chapter of the part, title). Chapter keys compare as (number, letters): '06a' comes after '06' and before '07'.
PARTS = [('00', 'Foundations'),
         ('06a', 'Pictures and real data'),
         ('07', 'Convolutions'),
         ('09', 'Training deep networks'),
         ('11', 'Applications'),
         ('15', 'Beyond NumPy'),
         ('99', 'Command line')]
REFERENCE = ('Reference', ['api.ipynb'])  # pages that are not chapters, listed last

_re_chapter = re.compile(r'^(\d+)([a-z]*)_.*\.ipynb$')

def chapter_key(name):
    "Sort key of a chapter file or number: '06b_images.ipynb' -> (6, 'b'); None if `name` is not a chapter."
    m = _re_chapter.match(name) or re.match(r'^(\d+)([a-z]*)$', name)
    return (int(m.group(1)), m.group(2)) if m else None

def chapters(nbs=NBS):
    "The chapter notebooks in `nbs`, in course order."
    return sorted((p.name for p in Path(nbs).glob('*.ipynb') if chapter_key(p.name)), key=chapter_key)

def part_of(name):
    "Title of the part that chapter `name` belongs to."
    k = chapter_key(name)
    return [title for start, title in PARTS if chapter_key(start) <= k][-1]

def parts(nbs=NBS):
    "[(part title, [notebook names])] in course order, leaving out parts with no chapter yet."
    res = {}
    for name in chapters(nbs): res.setdefault(part_of(name), []).append(name)
    title, pages = REFERENCE
    pages = [p for p in pages if (Path(nbs)/p).exists()]
    if pages: res[title] = pages
    return list(res.items())

def render(nbs=NBS):
    "The text of sidebar.yml (written by hand so that it needs no YAML library and stays stable)."
    lines = [HEADER.rstrip('\n'), 'website:', '  sidebar:', '    contents:', '      - index.ipynb']
    for title, pages in parts(nbs):
        lines += [f'      - section: "{title}"', '        contents:'] + [f'          - {p}' for p in pages]
    return '\n'.join(lines) + '\n'

def main(argv): return write_or_check(SIDEBAR, render(), argv, 'nbs/sidebar.yml does not list the notebooks in nbs/: run `make sidebar` (python tools/sidebar.py) and commit it.')

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
