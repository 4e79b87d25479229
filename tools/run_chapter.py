"""Execute chapter notebooks in place and clean them: nbdev_test runs a notebook but never saves its outputs.

This is how the committed outputs are made.

Cells whose first line is `#| interactive` (live widgets) are not run: a widget needs a browser, and its saved state
would only bloat the notebook. Their outputs stay empty, and the widget state that Jupyter stores in the notebook's
metadata is dropped. Usage: python tools/run_chapter.py nbs/14_widgets.ipynb [more notebooks]"""
import subprocess, sys
from pathlib import Path
import nbformat
from nbconvert.preprocessors import ExecutePreprocessor

class SkipInteractive(ExecutePreprocessor):
    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == 'code' and cell.source.lstrip().startswith('#| interactive'):
            cell.outputs, cell.execution_count = [], None
            return cell, resources
        return super().preprocess_cell(cell, resources, index)

def run(path: Path):
    nb = nbformat.read(path, as_version=4)
    SkipInteractive(timeout=1800, kernel_name='python3').preprocess(nb, {'metadata': {'path': str(path.parent)}})
    nb.metadata.pop('widgets', None)
    nbformat.write(nb, path)
    subprocess.run([str(Path(sys.executable).parent/'nbdev_clean'), '--fname', str(path)], check=True)
    print(f'{path}: {path.stat().st_size / 1024:.0f} KB')

if __name__ == '__main__':
    if len(sys.argv) < 2: sys.exit(__doc__)
    for p in sys.argv[1:]: run(Path(p))
