"""Reports in a real browser: Debian's headless Chromium driven by Playwright, with axe-core (Deque's accessibility
engine, from npm) for WCAG 2.1 A and AA, and a check that nothing runs past the viewport.

Chromium comes from the machine (`apt-get install chromium`); axe-core from the cache that `make test` fills
(`npm pack axe-core`), or from TRENDBREUK_AXE (a path to axe.min.js). Without either, the tests that need them are
skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

AXE_VERSION = "4.14.1"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = {"desktop": 1280, "phone": 390}


def chromium() -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium): browser checks not run")
    return browser


def axe_script() -> Path:
    """axe.min.js: TRENDBREUK_AXE, or the copy `make test` keeps in ~/.cache/trendbreuk (never in the repository)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "trendbreuk"
    path = Path(os.environ.get("TRENDBREUK_AXE") or cache / f"axe-core-{AXE_VERSION}" / "axe.min.js")
    if not path.is_file():
        pytest.skip(f"axe-core not found at {path}: `make test` fetches it from npm (npm pack axe-core@{AXE_VERSION})")
    return path


@contextmanager
def browser():
    """One headless Chromium for a module's pages."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is a test dependency (pip install -e '.[test]')"
    )
    executable = chromium()
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@contextmanager
def opened(instance, path: Path | str, width: int, height: int = 900):
    """The page of `path` (a file, or an http URL) at a viewport `width` px wide, once its charts are drawn; console
    errors collected in page.errors."""
    context = instance.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    page = context.new_page()
    page.errors = []
    # script errors, and the address of what failed to load (the console only says that something did)
    page.on(
        "console",
        lambda message: (
            page.errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("requestfailed", lambda request: page.errors.append(f"{request.url}: {request.failure}"))
    page.on(
        "response",
        lambda response: (
            page.errors.append(f"{response.url}: HTTP {response.status}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )  # the browser's own
    try:
        url = path if str(path).startswith("http") else Path(path).resolve().as_uri()
        page.goto(url, wait_until="load")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.js-plotly-plot')].every(d => d._fullLayout)", timeout=30_000
        )
        yield page
    finally:
        context.close()


def axe_violations(page) -> list[dict]:
    """axe-core's violations of WCAG 2.0/2.1 A and AA on the page: rule, impact, number of elements and the first
    few of them."""
    page.add_script_tag(path=str(axe_script()))
    return page.evaluate(
        """async (tags) => {
        const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
        return result.violations.map(v => ({rule: v.id, impact: v.impact, count: v.nodes.length, help: v.help,
            elements: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""",
        WCAG_TAGS,
    )


# Elements and text that end right of the viewport or begin left of it, unless a box that the reader can scroll
# (overflow-x auto or scroll) and that itself lies inside the viewport holds them. Text cut off by a box that hides
# its overflow counts as running past. Boxes entirely left of or above the page are deliberately hidden (plotly's
# text measurer at left -10000 px) and are not counted.
OVERFLOW_SCRIPT = """() => {
    const width = document.documentElement.clientWidth;
    const held = (node) => {
        for (let p = node.parentElement; p && p !== document.body; p = p.parentElement) {
            const scrolls = ['auto', 'scroll'].includes(getComputedStyle(p).overflowX);
            const box = p.getBoundingClientRect();
            if (scrolls && box.left >= -1 && box.right <= width + 1) return true;
        }
        return false;
    };
    const outside = (box) => box.right > width + 1 || box.left < -1;
    const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    const found = [];
    for (const el of document.body.querySelectorAll('*')) {
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.height === 0 || box.right <= 0 || box.bottom <= 0) continue;
        const style = getComputedStyle(el);
        if (style.visibility === 'hidden' || style.position === 'fixed') continue;
        if (outside(box) && !held(el)) found.push(describe(el) + ' from ' + Math.round(box.left) + ' to ' + Math.round(box.right));
    }
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.textContent.trim() || !node.parentElement) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        const box = range.getBoundingClientRect();
        if (box.width === 0 || box.right <= 0 || box.bottom <= 0) continue;
        if (getComputedStyle(node.parentElement).visibility === 'hidden') continue;
        if (outside(box) && !held(node)) {
            found.push('text "' + node.textContent.trim().slice(0, 40) + '" in ' + describe(node.parentElement) +
                       ' from ' + Math.round(box.left) + ' to ' + Math.round(box.right));
        }
    }
    return {width: width, pageWidth: document.documentElement.scrollWidth, overflowing: found};
}"""


def overflow(page) -> dict:
    """What runs past the viewport: {width, pageWidth (the page's scroll width), overflowing: [descriptions]}."""
    return page.evaluate(OVERFLOW_SCRIPT)
