"""The notebooks are the source: exporting and cleaning them must change nothing that is committed,
and README.md must be what nbs/index.ipynb says. Checked on a copy, so it works in a dirty working tree too."""
import filecmp, shutil, subprocess, sys
from pathlib import Path
import pytest
from conftest import ROOT, venv_bin

def _copy_project(dst):
    for name in ['settings.ini', 'setup.py', '_quarto.yml', 'README.md']:
        shutil.copy2(ROOT/name, dst/name)
    shutil.copytree(ROOT/'nbs', dst/'nbs', symlinks=True, ignore=shutil.ignore_patterns('.ipynb_checkpoints'))
    shutil.copytree(ROOT/'cnn_scratch', dst/'cnn_scratch', ignore=shutil.ignore_patterns('__pycache__'))
    shutil.copytree(ROOT/'tools', dst/'tools', ignore=shutil.ignore_patterns('__pycache__'))

def _differences(a, b, pattern):
    names = sorted({p.relative_to(a) for p in a.glob(pattern)} | {p.relative_to(b) for p in b.glob(pattern)})
    return [str(n) for n in names if not ((a/n).exists() and (b/n).exists() and filecmp.cmp(a/n, b/n, shallow=False))]

@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    d = tmp_path_factory.mktemp('sync')
    _copy_project(d)
    for tool in ['nbdev_export', 'nbdev_clean']:
        r = subprocess.run([venv_bin(tool)], cwd=d, capture_output=True, text=True)
        assert r.returncode == 0, f'{tool} failed:\n{r.stdout}\n{r.stderr}'
    return d

def test_library_is_what_the_notebooks_export(exported):
    diff = _differences(ROOT/'cnn_scratch', exported/'cnn_scratch', '*.py')
    assert not diff, f'nbdev_export changes {diff}: edit the notebook, run `make export`, commit both'

def test_notebooks_are_clean(exported):
    diff = _differences(ROOT/'nbs', exported/'nbs', '*.ipynb')
    assert not diff, f'nbdev_clean changes {diff}: run `make export` (or nbdev_clean) and commit'

def test_readme_matches_index():
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'readme.py'), '--check'], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr

def test_readme_check_can_fail(tmp_path):
    "The README check really compares: a README with one changed word is refused."
    _copy_project(tmp_path)
    readme = tmp_path/'README.md'
    readme.write_text(readme.read_text().replace('NumPy', 'numpy', 1))
    r = subprocess.run([sys.executable, str(tmp_path/'tools'/'readme.py'), '--check'], capture_output=True, text=True)
    assert r.returncode == 1 and 'does not match' in r.stdout

def test_every_chapter_is_listed_in_the_readme():
    readme = (ROOT/'README.md').read_text()
    for nb in sorted((ROOT/'nbs').glob('[0-9][0-9]*.ipynb')):
        assert f'({nb.name})' in readme or f'(nbs/{nb.name})' in readme, f'{nb.name} is missing from the chapter list in index.ipynb'

def test_notebooks_stay_small():
    big = [f'{p.name}: {p.stat().st_size // 1024} KB' for p in (ROOT/'nbs').glob('*.ipynb') if p.stat().st_size > 300_000]
    assert not big, f'notebooks over 300 KB (shrink figures): {big}'
