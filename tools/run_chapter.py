"""Execute chapter notebooks in place and clean them: nbdev_test runs a notebook but never saves its outputs.

This is how the committed outputs are made.

Cells whose first line is `#| interactive` (live widgets) are not run: a widget needs a browser, and its saved state
would only bloat the notebook. Their outputs stay empty, and the widget state that Jupyter stores in the notebook's
metadata is dropped.

Every stored figure is then re-encoded as a 256-colour PNG (median-cut palette, the same reduction `widgets.figure_png`
applies to the widgets' pictures): at 100 dpi a chapter's figures are about two and a half times smaller so, and the
notebooks stay under the 300 KB that tests/test_sync.py allows, with no difference visible on plots or photographs.
`--compact` re-encodes the stored figures of the given notebooks without running them.
Usage: python tools/run_chapter.py [--compact] nbs/14_widgets.ipynb [more notebooks]"""
import base64, io, subprocess, sys
from pathlib import Path
import nbformat
from PIL import Image
from nbconvert.preprocessors import ExecutePreprocessor

class SkipInteractive(ExecutePreprocessor):
    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == 'code' and cell.source.lstrip().startswith('#| interactive'):
            cell.outputs, cell.execution_count = [], None
            return cell, resources
        return super().preprocess_cell(cell, resources, index)

def palette_png(data: str) -> str:
    "A base64 PNG as a 256-colour PNG (unchanged if it is one already, or if it has transparent pixels)."
    im = Image.open(io.BytesIO(base64.b64decode(data)))
    if im.mode == 'P': return data
    if im.mode == 'RGBA':
        if im.getchannel('A').getextrema()[0] < 255: return data
        im = im.convert('RGB')
    out = io.BytesIO()
    im.convert('RGB').quantize(256, method=Image.Quantize.MEDIANCUT).save(out, 'png', optimize=True)
    return base64.b64encode(out.getvalue()).decode('ascii')

def compact(nb):
    for cell in nb.cells:
        for o in cell.get('outputs', []):
            if 'image/png' in o.get('data', {}): o['data']['image/png'] = palette_png(o['data']['image/png'])

def run(path: Path, execute=True):
    nb = nbformat.read(path, as_version=4)
    if execute: SkipInteractive(timeout=1800, kernel_name='python3').preprocess(nb, {'metadata': {'path': str(path.parent)}})
    nb.metadata.pop('widgets', None)
    compact(nb)
    nbformat.write(nb, path)
    subprocess.run([str(Path(sys.executable).parent/'nbdev_clean'), '--fname', str(path)], check=True)
    print(f'{path}: {path.stat().st_size / 1024:.0f} KB')

if __name__ == '__main__':
    args = [a for a in sys.argv[1:] if a != '--compact']
    if not args: sys.exit(__doc__)
    for p in args: run(Path(p), execute='--compact' not in sys.argv)
