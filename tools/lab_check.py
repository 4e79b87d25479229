"""Try the widgets of chapter 14 in a real JupyterLab, driven by a headless browser, and save screenshots.

Needs a JupyterLab started by `make lab` and the Python package `playwright` (in any environment, not the project's:
`pip install playwright`; no browser download: it drives the system's Chromium, e.g. Debian's `chromium`).

    make lab LAB_ARGS="--no-browser --port 8899 --IdentityProvider.token=check"   # add --allow-root as root
    python tools/lab_check.py --url http://127.0.0.1:8899 --token check --out _lab_check

It opens nbs/14_widgets.ipynb, runs all cells, and for each widget checks that JupyterLab drew controls (not the text
`VBox(...)` a missing widget extension shows), changes a control, and saves a screenshot after each step."""
import argparse, sys, time
from pathlib import Path
from playwright.sync_api import sync_playwright

FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync']

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--url', default='http://127.0.0.1:8899'); ap.add_argument('--token', default='check')
    ap.add_argument('--out', default='_lab_check'); ap.add_argument('--chromium', default='/usr/bin/chromium')
    a = ap.parse_args()
    out = Path(a.out); out.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=a.chromium, args=FLAGS)
        page = browser.new_page(viewport={'width': 1300, 'height': 1000})
        page.goto(f'{a.url}/lab/tree/14_widgets.ipynb?token={a.token}')
        page.wait_for_selector('.jp-Notebook', timeout=120_000)
        page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=120_000)
        page.click('.jp-Notebook')                                    # focus the notebook
        page.keyboard.press('Escape')
        page.locator('li[role="menuitem"] >> text=Run').first.click()
        page.get_by_text('Run All Cells', exact=True).click()
        t0 = time.time()
        time.sleep(5)
        while time.time() - t0 < 600:                                 # wait until no cell is queued or running
            time.sleep(2)
            busy = page.locator('.jp-InputPrompt:has-text("[*]")').count()
            idle = page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').count()
            if not busy and idle: break
        print(f'ran all cells in {time.time() - t0:.0f} s')
        widgets = page.locator('.jp-OutputArea-output .widget-vbox, .jp-OutputArea-output .jupyter-widgets.widget-vbox')
        n = page.locator('.jp-OutputArea-output > .jupyter-widgets, .jp-OutputArea-output .widget-vbox').count()
        raw = page.locator('.jp-OutputArea-output pre:has-text("VBox(children")').count()
        print(f'widget areas drawn: {n}; widget reprs shown as text (extension missing): {raw}')
        results = {}
        # 1. Convolution explorer: choose the sharpen preset.
        explorer = page.locator('.widget-dropdown:has(label:has-text("preset"))').first
        explorer.scroll_into_view_if_needed(); time.sleep(1)
        page.screenshot(path=str(out/'1_explorer_sobel.png'))
        explorer.locator('select').select_option('sharpen'); time.sleep(3)
        page.screenshot(path=str(out/'2_explorer_sharpen.png'))
        results['explorer cells'] = page.locator('.widget-gridbox input').count()
        # 2. Hyperparameter playground: train twice, the second time with batch norm.
        pg = page.locator('.widget-button:has-text("Clear runs")').first
        pg.scroll_into_view_if_needed()
        train = page.locator('.widget-button:has-text("Train")').first
        train.click(); time.sleep(12)
        page.locator('.widget-checkbox:has-text("batch norm") input').first.check(); train.click(); time.sleep(12)
        pg.scroll_into_view_if_needed(); time.sleep(1)
        page.screenshot(path=str(out/'3_playground_two_runs.png'))
        # 3. Decision-boundary playground: train on the spiral with the defaults.
        train2 = page.locator('.widget-button:has-text("Train")').nth(1)
        train2.scroll_into_view_if_needed(); train2.click(); time.sleep(25)
        train2.scroll_into_view_if_needed(); time.sleep(1)
        page.screenshot(path=str(out/'4_boundary.png'))
        print(results)
        browser.close()
    return 0 if n >= 3 and raw == 0 else 1

if __name__ == '__main__': sys.exit(main())
