"""The rule every generated file of the repository follows (README.md, nbs/sidebar.yml): write it, or, with `--check`,
change nothing and fail with a message saying how to regenerate it when the committed file is stale."""
from pathlib import Path

def write_or_check(path:Path, text:str, argv:list, stale:str)->int:
    "Write `text` to `path` (exit code 0), or with '--check' in `argv` compare only: print `stale` and return 1 if they differ."
    if '--check' in argv:
        if not path.exists() or path.read_text(encoding='utf-8') != text:
            print(stale)
            return 1
        return 0
    path.write_text(text, encoding='utf-8')
    return 0
