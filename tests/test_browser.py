"""The built site in a real browser: what a reader clicks, follows and reads.

Headless Chromium (Debian: ``chromium chromium-driver``) driven by Selenium against the
site that ``make site`` builds (``_build/site/_build/html``), served on 127.0.0.1. It checks:

- the framework switch: clicking "TensorFlow" switches every framework tab set of a page, the
  choice holds on the next page and after a reload; "Both" shows both tabs of every tab set
  (side by side on a wide window, stacked PyTorch first on a narrow one) and is remembered
  too; choosing PyTorch again leaves it; every framework tab set has both labels;
- every section page's launch (Colab) link and ``.ipynb`` download link point at that
  section's notebook;
- every internal link, image, stylesheet and script of every page resolves to a file;
- the search page finds a term that occurs in a section;
- math is rendered: MathJax turned every formula into ``mjx-container`` output and no raw
  ``\\(``, ``\\[`` or ``$$`` is left in the page's text.

The checks are functions of a driver and a base URL returning a list of problems, so the
last test runs the same functions on a deliberately broken copy of two pages (a broken link
and image, a tab set with a label removed, raw math, tabs that lost their sync group) and
expects each defect reported. ``make browser`` runs this file; ``make test`` calls it after
the site build (the main pytest run excludes the ``browser`` marker). Without Chromium the
tests skip loudly, and fail when ``CI`` is set.
"""

import json
import os
import shutil
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from tests.nbtools import ROOT

pytestmark = pytest.mark.browser

HTML_DIR = ROOT / "_build" / "site" / "_build" / "html"
BROWSER_PACKAGES = "chromium chromium-driver"
COLAB = "https://colab.research.google.com/"
FRAMEWORKS = ("pytorch", "tensorflow")
BOTH_KEY = "d2l-framework-both"
#: a term of the first preliminaries section, and the page the search must find it on
SEARCH_TERM, SEARCH_PAGE = "broadcasting", "notebooks/02-preliminaries/01-ndarray.html"
WIDE, NARROW = (1400, 1000), (900, 1000)


# --- the site, the server, the browser ----------------------------------------------------------


def site_pages(html_dir):
    """Every page of a built site, relative to ``html_dir`` (sources and static files left out)."""
    skip = {"_static", "_sources", "_images"}
    return sorted(
        str(p.relative_to(html_dir))
        for p in Path(html_dir).rglob("*.html")
        if not skip & set(p.relative_to(html_dir).parts)
    )


def section_notebook(page):
    """The repository notebook of a section page (``notebooks/<ch>/<sec>.ipynb``), or None."""
    notebook = Path(page).with_suffix(".ipynb")
    return notebook if page.startswith("notebooks/") and (ROOT / notebook).is_file() else None


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class SiteServer:
    """``html_dir`` served on 127.0.0.1 at a free port, in a thread."""

    def __init__(self, html_dir):
        handler = partial(_QuietHandler, directory=str(html_dir))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self.url

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def _no_browser(reason):
    message = (
        f"BROWSER TEST NOT RUN: {reason}. Install the Debian packages `{BROWSER_PACKAGES}` "
        "(apt-get install -y chromium chromium-driver) and selenium (requirements.txt)."
    )
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set: the browser test is required)", pytrace=False)
    pytest.skip(message)


def start_driver():
    """Headless Chromium with the system chromedriver (Selenium Manager never goes online)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _no_browser("selenium is not installed")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None
    )
    if not browser or not driver_path:
        _no_browser("chromium or chromedriver not found on PATH")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-extensions",
        "--disable-background-networking",
        "--no-first-run",
        f"--window-size={WIDE[0]},{WIDE[1]}",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(15)
    return driver


@pytest.fixture(scope="module")
def html_dir():
    if not (HTML_DIR / "search.html").is_file():
        pytest.skip(f"the site is not built ({HTML_DIR} missing): run `make site` first")
    return HTML_DIR


@pytest.fixture(scope="module")
def driver():
    driver = start_driver()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def base_url(html_dir):
    with SiteServer(html_dir) as url:
        yield url


@pytest.fixture(scope="module")
def reports(driver, base_url, html_dir):
    """One visit of every page of the site (links, launch links, math)."""
    return crawl(driver, base_url, site_pages(html_dir))


# --- what a page holds, read in the browser -----------------------------------------------------

_TAB_STATE_JS = """
const groups = ["pytorch", "tensorflow"];
function shown(el) {
  if (!el) return false;
  const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && cs.display !== "none" && cs.visibility !== "hidden";
}
function box(el) {
  const r = el.getBoundingClientRect();
  return {left: r.left, right: r.right, top: r.top + scrollY, bottom: r.bottom + scrollY};
}
const sets = [...document.querySelectorAll(".sd-tab-set")].filter(
  (s) => s.classList.contains("framework-tabs") ||
         s.querySelector(':scope > label[data-sync-group="framework"]'));
return sets.map((s) => {
  const state = {labels: [...s.querySelectorAll(":scope > label")].map((l) => l.textContent.trim()),
                 both_button: !!s.querySelector(":scope > .d2l-both-button")};
  for (const fw of groups) {
    const label = s.querySelector(`:scope > label[data-sync-id="${fw}"]`);
    const content = label && label.nextElementSibling;
    state[fw] = label ? {label: shown(label), content: shown(content), box: box(content)} : null;
  }
  return state;
});
"""

_PAGE_JS = """
const done = arguments[arguments.length - 1];
function report(mathjax) {
  const refs = [];
  const add = (kind, el, attr) => {
    const raw = el.getAttribute(attr);
    if (raw && !raw.startsWith("#")) refs.push([kind, raw, el[attr] || raw]);
  };
  document.querySelectorAll("a[href]").forEach((el) => add("link", el, "href"));
  document.querySelectorAll("img[src]").forEach((el) => add("image", el, "src"));
  document.querySelectorAll("script[src]").forEach((el) => add("script", el, "src"));
  document.querySelectorAll("link[href]").forEach((el) => {
    if (/stylesheet|icon|preload|prev|next|index|search/.test(el.rel)) add("link", el, "href");
  });
  const math = [...document.querySelectorAll(".math")];
  const raw = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const skip = "pre, code, script, style, textarea, mjx-container, .highlight";
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.nodeValue;
    if (/\\\\\\(|\\\\\\[|\\$\\$/.test(text) && !n.parentElement.closest(skip))
      raw.push(text.trim().slice(0, 80));
  }
  return {
    url: location.href,
    refs: refs,
    colab: [...document.querySelectorAll('a[href^="https://colab.research.google.com/"]')].map((a) => a.href),
    launch: [...document.querySelectorAll(".dropdown-launch-buttons a")].map((a) => a.href),
    download: [...document.querySelectorAll("a.btn-download-notebook-button")].map((a) => a.href),
    math: math.length,
    math_unrendered: math.filter((m) => !m.querySelector("mjx-container")).length,
    mjx: document.querySelectorAll("mjx-container").length,
    raw_math: raw,
    mathjax: mathjax,
  };
}
if (!document.querySelector(".math")) { done(report("no math")); return; }
const t0 = Date.now();
(function wait() {
  const mj = window.MathJax;
  if (mj && mj.startup && mj.startup.promise) {
    mj.startup.promise.then(() => done(report("typeset")), (e) => done(report("error: " + e)));
  } else if (Date.now() - t0 > 3000) {
    done(report("MathJax did not load"));
  } else {
    setTimeout(wait, 50);
  }
})();
"""


def tab_states(driver):
    """Per framework tab set: its labels, and for each framework label/content shown, content box."""
    return driver.execute_script(_TAB_STATE_JS)


def page_report(driver, url):
    load(driver, url)
    return {**driver.execute_async_script(_PAGE_JS), "tabs": tab_states(driver)}


def crawl(driver, base_url, pages):
    """``{page: report}`` for the given pages (paths relative to ``base_url``)."""
    return {page: page_report(driver, urljoin(base_url, page)) for page in pages}


def local_file(url, base_url, html_dir):
    """The file a same-site URL is served from (None for other sites, data: and the like)."""
    parts, base = urlsplit(url), urlsplit(base_url)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    path = unquote(parts.path).lstrip("/")
    if not path or path.endswith("/"):
        path += "index.html"
    return Path(html_dir) / path


# --- the checks: each returns a list of problems ----------------------------------------------


def check_tab_structure(states, page):
    """Every framework tab set (``tab_states`` of a page) has a PyTorch and a TensorFlow tab."""
    return [
        f"{page}: framework tab set {i + 1} lacks the {fw} tab (labels: {state['labels']})"
        for i, state in enumerate(states)
        for fw in FRAMEWORKS
        if state[fw] is None
    ]


def check_tabs_show(driver, page, choice):
    """Every framework tab set shows ``choice`` (pytorch, tensorflow or both), labels visible;
    in Both mode side by side on a wide window, PyTorch above TensorFlow on a narrow one."""
    states, problems = tab_states(driver), []
    if not states:
        return [f"{page}: no framework tab sets"]
    wide = driver.execute_script("return innerWidth") >= 1200
    for i, state in enumerate(states):
        where = f"{page}: tab set {i + 1} ({choice})"
        if not state["both_button"]:
            problems.append(f"{where}: no Both button")
        present = [fw for fw in FRAMEWORKS if state[fw]]
        shown = [fw for fw in present if state[fw]["content"]]
        expected = list(present) if choice == "both" else [fw for fw in present if fw == choice]
        if shown != expected:
            problems.append(f"{where}: shows {shown or 'nothing'}, expected {expected}")
        hidden_labels = [fw for fw in present if not state[fw]["label"]]
        if hidden_labels:
            problems.append(f"{where}: label of {hidden_labels} not visible")
        if choice == "both" and len(shown) == 2:
            pt, tf = state["pytorch"]["box"], state["tensorflow"]["box"]
            if wide and not (pt["right"] <= tf["left"] + 1 and abs(pt["top"] - tf["top"]) < 2):
                problems.append(f"{where}: not side by side on a wide window: {pt} {tf}")
            if not wide and not pt["bottom"] <= tf["top"] + 1:
                problems.append(f"{where}: not stacked PyTorch first on a narrow window: {pt} {tf}")
    return problems


def load(driver, url=None, timeout=15):
    """Open ``url`` (reload the page when None) and wait until the new page has loaded."""
    driver.execute_script("window.__d2l_old_page = true")
    if url is None:
        driver.refresh()
    else:
        driver.get(url)
    deadline = time.monotonic() + timeout
    while driver.execute_script("return !!window.__d2l_old_page || document.readyState !== 'complete'"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url or 'reload'} did not load in {timeout} s")
        time.sleep(0.05)


def _click(driver, element):
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _choose(driver, choice):
    """Click the tab label (pytorch, tensorflow) or the Both button of the page's first tab set."""
    from selenium.webdriver.common.by import By

    if choice == "both":
        found = driver.find_elements(By.CSS_SELECTOR, ".d2l-both-button")
    else:
        found = driver.find_elements(By.CSS_SELECTOR, f'.sd-tab-set > label[data-sync-id="{choice}"]')
    if not found:
        return [f"nothing to click for {choice}"]
    _click(driver, found[0])
    return []


def check_framework_switch(driver, base_url, page, next_page):
    """A reader's session: default PyTorch; TensorFlow clicked on ``page`` switches every tab
    set and holds on ``next_page`` and after a reload; Both likewise, wide and narrow;
    PyTorch clicked again leaves Both."""
    problems = []
    driver.set_window_size(*WIDE)
    load(driver, urljoin(base_url, page))
    driver.execute_script("localStorage.clear()")
    load(driver)
    problems += check_tab_structure(tab_states(driver), page)
    problems += check_tabs_show(driver, page, "pytorch")
    problems += _choose(driver, "tensorflow")
    problems += check_tabs_show(driver, page, "tensorflow")
    load(driver, urljoin(base_url, next_page))
    problems += check_tabs_show(driver, next_page + " (next page)", "tensorflow")
    load(driver)
    problems += check_tabs_show(driver, next_page + " (reloaded)", "tensorflow")
    problems += _choose(driver, "both")
    problems += check_tabs_show(driver, next_page, "both")
    load(driver, urljoin(base_url, page))
    problems += check_tabs_show(driver, page + " (next page)", "both")
    load(driver)
    problems += check_tabs_show(driver, page + " (reloaded)", "both")
    driver.set_window_size(*NARROW)
    problems += check_tabs_show(driver, page + " (narrow)", "both")
    driver.set_window_size(*WIDE)
    problems += _choose(driver, "pytorch")
    problems += check_tabs_show(driver, page + " (left Both)", "pytorch")
    if driver.execute_script(f"return localStorage.getItem('{BOTH_KEY}')"):
        problems.append(f"{page}: Both is still remembered after choosing PyTorch")
    load(driver, urljoin(base_url, next_page))
    problems += check_tabs_show(driver, next_page + " (after leaving Both)", "pytorch")
    return problems


def check_links(reports, base_url, html_dir):
    """Every same-site link, image, stylesheet and script of every page is a file of the site."""
    problems = []
    for page, report in reports.items():
        for kind, raw, url in report["refs"]:
            target = local_file(url, base_url, html_dir)
            if target is not None and not target.is_file():
                problems.append(f"{page}: broken {kind} {raw!r}")
    return problems


def _cell_sources(path):
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells]


def check_notebook_links(reports, base_url, html_dir):
    """Each section page's Colab launch link and .ipynb download point at its own notebook."""
    problems, sections = [], 0
    for page, report in reports.items():
        notebook = section_notebook(page)
        if notebook is None:
            continue
        sections += 1
        launch = [u for u in report["launch"] if u.startswith(COLAB)]
        if not any(u.endswith("/" + notebook.as_posix()) for u in launch):
            problems.append(f"{page}: no Colab launch link to {notebook} (found {launch})")
        for url in report["colab"]:
            path = url.split("/blob/", 1)[-1].split("/", 1)[-1]
            if not url.endswith(".ipynb") or not (ROOT / path).is_file():
                problems.append(f"{page}: Colab link to a notebook the repository lacks: {url}")
        downloads = [local_file(u, base_url, html_dir) for u in report["download"]]
        own = [d for d in downloads if d is not None and d.name == notebook.name]
        if not own:
            problems.append(f"{page}: no .ipynb download of {notebook.name} (found {report['download']})")
        for target in own:
            if not target.is_file():
                problems.append(f"{page}: the .ipynb download {target} is missing")
                continue
            if _cell_sources(target) != _cell_sources(ROOT / notebook):
                problems.append(f"{page}: the .ipynb download is not {notebook}")
    if not sections:
        problems.append("no section pages with a notebook found")
    return problems


def check_math(reports):
    """MathJax rendered every formula of every page with math; no raw TeX left in the text."""
    problems = []
    for page, report in reports.items():
        if report["raw_math"]:
            problems.append(f"{page}: raw TeX in the text: {report['raw_math'][:3]}")
        if report["math"] and (report["math_unrendered"] or not report["mjx"]):
            problems.append(
                f"{page}: {report['math_unrendered']} of {report['math']} formulas not rendered "
                f"by MathJax ({report['mathjax']}, {report['mjx']} mjx-container)"
            )
    return problems


def check_search(driver, base_url, term, page, timeout=15):
    """``search.html?q=term`` lists ``page`` among its results."""
    load(driver, urljoin(base_url, f"search.html?q={term}"))
    found, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = driver.execute_script(
            "const s = document.querySelector('#search-results .search-summary');"
            "return s ? s.textContent : ''"
        )
        found = driver.execute_script(
            "return [...document.querySelectorAll('#search-results ul.search li a')].map(a => a.href)"
        )
        if status.startswith(("Search finished", "Your search did not match")):
            break
        time.sleep(0.1)
    else:
        return [f"search for {term!r}: no results after {timeout} s"]
    if not any(urlsplit(u).path.endswith("/" + page) for u in found):
        return [f"search for {term!r}: {page} not among the results {found[:5]}"]
    return []


# --- the site as built --------------------------------------------------------------------------


def _tab_pages(html_dir):
    """Two section pages with framework tab sets (for the switch and its persistence)."""
    pages = [p for p in site_pages(html_dir) if section_notebook(p)]
    with_tabs = [p for p in pages if "framework-tabs" in (Path(html_dir) / p).read_text()]
    assert len(with_tabs) >= 2, "fewer than two section pages with framework tabs"
    return with_tabs[0], with_tabs[1]


def test_framework_switch(driver, base_url, html_dir):
    page, next_page = _tab_pages(html_dir)
    assert check_framework_switch(driver, base_url, page, next_page) == []


def test_every_tab_set_has_both_frameworks(reports):
    assert sum(len(r["tabs"]) for r in reports.values()) > 0, "no framework tab sets on the site"
    assert [p for page, r in reports.items() for p in check_tab_structure(r["tabs"], page)] == []


def test_links_and_images_resolve(reports, base_url, html_dir):
    assert len(reports) == len(site_pages(html_dir))
    assert check_links(reports, base_url, html_dir) == []


def test_notebook_links(reports, base_url, html_dir):
    assert check_notebook_links(reports, base_url, html_dir) == []


def test_math_rendered(reports):
    assert sum(r["mjx"] for r in reports.values()) > 0, "no page has MathJax output"
    assert check_math(reports) == []


def test_search_finds_a_section(driver, base_url, html_dir):
    assert SEARCH_TERM in (html_dir / SEARCH_PAGE).read_text().lower()
    assert check_search(driver, base_url, SEARCH_TERM, SEARCH_PAGE) == []


# --- the checks catch a broken page --------------------------------------------------------------


def broken_copy(html_dir, tmp_dir, page, next_page):
    """The site as symlinks in ``tmp_dir``, with ``page`` given a broken link, a broken image,
    a tab set that lost its TensorFlow label and raw math, and ``next_page``'s tabs without
    their sync group (so the framework choice is lost there)."""
    shutil.copytree(Path(html_dir).resolve(), tmp_dir, copy_function=os.symlink, dirs_exist_ok=True)
    html = (Path(html_dir) / page).read_text()
    label = html.rindex('data-sync-id="tensorflow"')
    start, end = html.rindex("<label", 0, label), html.index("</label>", label) + len("</label>")
    html = html[:start] + html[end:]
    defects = (
        '<p><a href="no-such-page.html">gone</a> <img src="../../_images/no-such-image.png" alt="">'
        " Raw: \\(a^2 + b^2\\)</p>"
    )
    html = html.replace('<section id="', defects + '<section id="', 1)
    for name, text in ((page, html), (next_page, (Path(html_dir) / next_page).read_text())):
        if name == next_page:
            text = text.replace('data-sync-group="framework"', "")
        (Path(tmp_dir) / name).unlink()
        (Path(tmp_dir) / name).write_text(text)


def test_checks_catch_a_broken_page(driver, html_dir, tmp_path):
    page, next_page = _tab_pages(html_dir)
    broken_copy(html_dir, tmp_path, page, next_page)
    with SiteServer(tmp_path) as url:
        switch = check_framework_switch(driver, url, page, next_page)
        reports = crawl(driver, url, [page])
        links = check_links(reports, url, tmp_path)
        math = check_math(reports)
    assert any("lacks the tensorflow tab" in p for p in switch), switch
    assert any("(next page)" in p and "expected ['tensorflow']" in p for p in switch), switch
    assert any("no Both button" in p for p in switch), switch
    assert any("'no-such-page.html'" in p for p in links), links
    assert any("no-such-image.png" in p for p in links), links
    assert len(links) == 2, links
    assert any("raw TeX" in p and "a^2 + b^2" in p for p in math), math
