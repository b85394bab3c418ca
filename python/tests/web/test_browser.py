"""The web UI in a real browser: headless Chromium, driven by Selenium, against
`rocust -f web/locustfiles/browser_locustfile.py --web-host 127.0.0.1 -P <free port>` loading the
harness's LoopbackServer (python/tests/rocust_cli/harness.py). Loopback traffic only; short runs.

- test_load_test_flow: the start form, a run of 4 users whose Statistics rows and Charts lines
  grow, Edit (4 -> 2 users), Stop, the Download Data links (the CSVs fetched with the browser's
  cookies, the report opened from its link), Reset, New.
- test_theme_switch: the dark theme, saved in localStorage.theme, kept over a reload, in the
  report link and the report.
- test_web_login: `--web-login` with ROCUST_WEB_LOGIN=user:pass: the login page, a wrong
  password's error, the right one, and the API answering the session cookie only.
- test_phone_width: a 390x844 phone: no horizontal overflow of the page; the Statistics table
  scrolls inside its own box.
- test_master_and_worker: `--master` (workers on a free port of 127.0.0.1): a Workers count of 0
  in the header and a locked start form with Locust's message; one `--worker` unlocks it; a run
  of 2 users from the form; the Workers tab (the worker running 2 users, its CPU and memory);
  the worker's lines on the Logs tab; Stop: stopped, the master without its worker until it is
  ready again (4 s later here), a New form opened meanwhile locked until then; the worker counted
  and listed as ready again.

Every test also requires a browser console without JavaScript errors (the `goog:loggingPrefs`
browser log). Screenshots of each step go to $ROCUST_ARTIFACTS/web/ if set, else to
<repo>/target/test-artifacts/web/, named <test>-<nn>-<step>.png; a failed test adds
<test>-FAILED.png. Chromium, ChromeDriver and selenium are required test dependencies
(testdeps.why_no_browser): missing, these tests skip by hand and fail in CI and scripts/test.sh.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, TypeVar, cast

import pytest

import testdeps
from rocust_cli.harness import LoopbackServer, rocust_command
from web.conftest import failed

SELENIUM_ERROR: Optional[str] = None
try:
    from selenium import webdriver
    from selenium.common.exceptions import (
        NoSuchElementException,
        StaleElementReferenceException,
        TimeoutException,
    )
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.chrome.webdriver import WebDriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webelement import WebElement
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError as error:  # browser_deps reports it (a failure in strict mode)
    SELENIUM_ERROR = f"selenium does not import: {error}"

T = TypeVar("T")

LOCUSTFILE = Path(__file__).resolve().parent / "locustfiles" / "browser_locustfile.py"
# The request names the locustfile makes (and Locust's total row).
NAMES = ("/", "/slow", "/fail")
# Locust 2.47's CSV headers (locust-2.47-web.md §1).
REQUESTS_CSV_HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
    "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,"
    "99.99%,100%"
)
FAILURES_CSV_HEADER = "Method,Name,Error,Occurrences,First Seen,Last Seen"
WAIT = 20.0  # seconds any one UI change may take (a busy 2-core machine)
DESKTOP = (1280, 1000)
PHONE = (390, 844)


def artifacts_dir() -> Path:
    """$ROCUST_ARTIFACTS/web, else <repo>/target/test-artifacts/web."""
    root = os.environ.get("ROCUST_ARTIFACTS")
    base = Path(root) if root else testdeps.REPO_ROOT / "target" / "test-artifacts"
    folder = base / "web"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- rocust, serving the web UI ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class WebUI:
    """A running `rocust -f browser_locustfile.py` with its web UI on 127.0.0.1."""

    url: str  # ends with "/"
    proc: "subprocess.Popen[bytes]"
    stderr: Path

    def log(self) -> str:
        return self.stderr.read_bytes().decode("utf-8", "replace")[-4000:]


def _get(url: str, cookies: Sequence[Dict[str, Any]] = (), timeout: float = 10.0) -> Tuple[int, Dict[str, str], str]:
    """GET `url` with these browser cookies: (status, headers, body text); no redirect followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    request = urllib.request.Request(url)
    if cookies:
        request.add_header("Cookie", "; ".join(f"{c['name']}={c['value']}" for c in cookies))
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as reply:
            return reply.status, {k.lower(): v for k, v in reply.headers.items()}, reply.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode("utf-8", "replace")


def _stop(proc: "subprocess.Popen[bytes]") -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


StartUI = Callable[..., WebUI]
StartWorker = Callable[..., "subprocess.Popen[bytes]"]


def _spawn(
    command: List[str], args: Sequence[str], work: Path, env: Optional[Dict[str, str]] = None
) -> Tuple["subprocess.Popen[bytes]", Path]:
    """Starts `command -f browser_locustfile.py *args` in `work` (its HOME, with its stdout.txt and
    stderr.txt), without the caller's LOCUST_* and ROCUST_WEB_LOGIN* variables: (process, stderr)."""
    work.mkdir()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCUST_", "ROCUST_WEB_LOGIN"))}
    full_env.update(HOME=str(work), PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1", **(env or {}))
    stderr = work / "stderr.txt"
    with open(stderr, "wb") as err, open(work / "stdout.txt", "wb") as out:
        proc = subprocess.Popen(
            [*command, "-f", str(LOCUSTFILE), *args],
            cwd=str(work),
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
    return proc, stderr


@pytest.fixture(scope="module")
def browser_deps() -> None:
    why = testdeps.why_no_browser() or SELENIUM_ERROR
    if why is not None:
        testdeps.missing(why)


@pytest.fixture(scope="module")
def target() -> Iterator[LoopbackServer]:
    server = LoopbackServer()
    yield server
    server.close()


@pytest.fixture
def start_ui(request: pytest.FixtureRequest, tmp_path: Path, browser_deps: None) -> Iterator[StartUI]:
    """start_ui(*args, env={...}) starts rocust with its web UI and waits until it serves."""
    command, why_not = rocust_command()
    if command is None:
        testdeps.missing(why_not)
    started: List["subprocess.Popen[bytes]"] = []

    def start(*args: str, env: Optional[Dict[str, str]] = None) -> WebUI:
        port = free_port()
        proc, stderr = _spawn(
            command, ["--web-host", "127.0.0.1", "-P", str(port), *args], tmp_path / f"rocust-{len(started)}", env
        )
        started.append(proc)
        ui = WebUI(f"http://127.0.0.1:{port}/", proc, stderr)
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"rocust exited with code {proc.returncode} before serving:\n{ui.log()}")
            try:
                if _get(ui.url + "assets/favicon.svg", timeout=2)[0] == 200:
                    return ui
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"rocust serves nothing on {ui.url} after 30 s:\n{ui.log()}")
            time.sleep(0.1)

    yield start
    for proc in started:
        _stop(proc)
    if failed(request.node):  # shown under "Captured stdout teardown"
        for log in sorted(tmp_path.glob("rocust-*/stderr.txt")):
            print(f"--- {log} (last 4000 chars):\n{log.read_text(errors='replace')[-4000:]}")


@pytest.fixture
def start_worker(tmp_path: Path, start_ui: StartUI) -> Iterator[StartWorker]:
    """start_worker(master_port, env={...}) starts `rocust -f browser_locustfile.py --worker` for the
    master on 127.0.0.1:master_port. Its workers stop before the master (this fixture needs
    start_ui), whose teardown prints their logs (rocust-worker-<n>/stderr.txt) when the test fails."""
    command, why_not = rocust_command()
    if command is None:
        testdeps.missing(why_not)
    started: List["subprocess.Popen[bytes]"] = []

    def start(master_port: int, env: Optional[Dict[str, str]] = None) -> "subprocess.Popen[bytes]":
        args = ["--worker", "--master-host", "127.0.0.1", "--master-port", str(master_port)]
        proc, _ = _spawn(command, args, tmp_path / f"rocust-worker-{len(started)}", env)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        _stop(proc)


# --- the browser ------------------------------------------------------------------------------


@dataclass
class Browser:
    """A headless Chromium session with the helpers the tests share."""

    driver: "WebDriver"
    name: str  # the test's, for screenshot names
    shots: int = 0
    console: List[Dict[str, Any]] = field(default_factory=list)

    def shot(self, step: str) -> Path:
        """Saves a screenshot of the page as <test>-<nn>-<step>.png."""
        self.shots += 1
        path = artifacts_dir() / f"{self.name}-{self.shots:02d}-{step}.png"
        self.driver.save_screenshot(str(path))
        return path

    def wait(self, what: str, condition: Callable[[], Optional[T]], timeout: float = WAIT) -> T:
        """Waits until `condition()` gives something truthy and returns it."""
        waiter = WebDriverWait(
            self.driver,
            timeout,
            poll_frequency=0.2,
            ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
        )
        try:
            return cast(T, waiter.until(lambda _driver: condition()))
        except TimeoutException:
            raise AssertionError(f"after {timeout:.0f} s still waiting for {what} (page: {self.driver.current_url})")

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def css(self, selector: str) -> "WebElement":
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def visible(self, selector: str) -> Optional["WebElement"]:
        """The element when it is displayed, else None (for wait)."""
        found = self.driver.find_elements(By.CSS_SELECTOR, selector)
        return found[0] if found and found[0].is_displayed() else None

    def button(self, text: str, within: str = "#state-buttons") -> "WebElement":
        for b in self.driver.find_elements(By.CSS_SELECTOR, f"{within} button"):
            if b.text.strip() == text:
                return b
        raise NoSuchElementException(f"no button {text!r} in {within}")

    def buttons(self, within: str = "#state-buttons") -> List[str]:
        return [str(b.text).strip() for b in self.driver.find_elements(By.CSS_SELECTOR, f"{within} button")]

    def fill(self, selector: str, value: str) -> None:
        element = self.css(selector)
        element.clear()
        element.send_keys(value)

    def header(self) -> Dict[str, str]:
        """The header's monitor: {"Host": ..., "Status": ..., "Users": ..., "RPS": ..., "Failures": ...}."""
        return dict(self.js(HEADER_JS))

    def stats_rows(self) -> List[Dict[str, str]]:
        """The Statistics table's rows as {column title: cell text}, in page order."""
        return self.table_rows("#panel-stats")

    def table_rows(self, panel: str) -> List[Dict[str, str]]:
        """The rows of the table in `panel` (a tab's panel) as {column title: cell text}, in page
        order; none while it shows its "No ..." line."""
        table = self.js(TABLE_JS, panel)
        if not table:
            return []
        heads: List[str] = table["heads"]
        return [dict(zip(heads, row)) for row in table["rows"]]

    def read_console(self) -> None:
        """Moves the browser log gathered so far into self.console."""
        self.console.extend(self.driver.get_log("browser"))  # type: ignore[no-untyped-call]

    def console_errors(self, allowed: Sequence[str] = ()) -> List[str]:
        """SEVERE browser log entries (uncaught errors, console.error, failed loads), less the
        messages matching an `allowed` pattern and the browser's own /favicon.ico request (the
        HTML report links no icon, so Chromium asks the server's root for one: a 404)."""
        self.read_console()
        allowed = (*allowed, r"/favicon\.ico - Failed to load resource: the server responded with a status of 404")
        return [
            f"{e.get('source', '?')}: {e.get('message', '')}"
            for e in self.console
            if e.get("level") == "SEVERE" and not any(re.search(p, str(e.get("message", ""))) for p in allowed)
        ]


HEADER_JS = """
const out = {};
for (const m of document.querySelectorAll('#monitor .mon')) {
  out[m.querySelector('dt').textContent.trim()] = m.querySelector('dd').textContent.trim();
}
return out;
"""

TABLE_JS = """
const t = document.querySelector(arguments[0] + ' table');
if (!t || !t.tHead || !t.tBodies.length) return null;
const heads = [...t.tHead.rows[0].cells].map((c) => c.textContent.replace(/ [\\u25b2\\u25bc]$/, '').trim());
const rows = [...t.tBodies[0].rows].filter((r) => !r.querySelector('td.empty'))
  .map((r) => [...r.cells].map((c) => c.textContent.trim()));
return { heads, rows };
"""

# Points drawn per line of each chart on the Charts tab: [[chart title, [points per line]]].
CHART_POINTS_JS = """
return [...document.querySelectorAll('#panel-charts .chart-card')].map((card) => [
  card.querySelector('h3').textContent,
  [...card.querySelectorAll('.chart-box svg path.line')]
    .map((p) => ((p.getAttribute('d') || '').match(/[ML]/g) || []).length),
]);
"""


def _chromium(size: Tuple[int, int]) -> "WebDriver":
    options = webdriver.ChromeOptions()
    chromium = testdeps.chromium_binary()
    driver = testdeps.chromedriver_binary()
    assert chromium is not None and driver is not None  # browser_deps checked them
    options.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-extensions",
        "--no-first-run",
        "--lang=en-US",
        f"--window-size={size[0]},{size[1]}",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    chrome.set_page_load_timeout(30)
    # The first theme follows prefers-color-scheme: light, whatever the machine says.
    light = {"features": [{"name": "prefers-color-scheme", "value": "light"}]}
    chrome.execute_cdp_cmd("Emulation.setEmulatedMedia", light)
    return chrome


@pytest.fixture
def browser(request: pytest.FixtureRequest, browser_deps: None) -> Iterator[Browser]:
    name = re.sub(r"^test_", "", request.node.name)
    for old in artifacts_dir().glob(f"{name}-*.png"):  # a previous run's
        old.unlink()
    b = Browser(_chromium(DESKTOP), name)
    try:
        yield b
    finally:
        if failed(request.node):
            try:
                b.driver.save_screenshot(str(artifacts_dir() / f"{name}-FAILED.png"))
            except Exception:  # the browser may be what failed
                pass
        b.driver.quit()


def _numbers(row: Dict[str, str], *columns: str) -> List[float]:
    return [float(row[c]) for c in columns]


def _aggregated(rows: List[Dict[str, str]]) -> Dict[str, str]:
    assert rows and rows[-1]["Name"] == "Aggregated", f"no Aggregated row last: {rows}"
    return rows[-1]


def _start_from_form(b: Browser, users: int, rate: int, host: str) -> None:
    """Fills the start form (shown while the state is ready) and presses Start."""
    b.fill("#start-view input[name=user_count]", str(users))
    b.fill("#start-view input[name=spawn_rate]", str(rate))
    b.fill("#start-view input[name=host]", host)
    b.css("#start-view button[type=submit]").click()


def _lines_drawn(b: Browser, points: int) -> Optional[List[Tuple[str, List[int]]]]:
    """The Charts tab's [(title, [points per line])] once the three charts' every line has
    `points` points, else None."""
    charts = b.js(CHART_POINTS_JS)
    ready = len(charts) >= 3 and all(lines and min(lines) >= points for _, lines in charts[:3])
    return [(title, lines) for title, lines in charts] if ready else None


def _rows_for_every_name(b: Browser) -> Optional[List[Dict[str, str]]]:
    rows = b.stats_rows()
    names = {r["Name"] for r in rows}
    return rows if all(n in names for n in NAMES) and "Aggregated" in names else None


# --- the tests --------------------------------------------------------------------------------


def test_load_test_flow(browser: Browser, start_ui: StartUI, target: LoopbackServer) -> None:
    b = browser
    ui = start_ui()
    b.driver.get(ui.url)

    # The start form: no host in the locustfile, so the host field is empty and a note asks for one.
    b.wait("the start form", lambda: b.visible("#start-view form.swarm-form"))
    assert b.css("#start-view h2").text == "Start new load test"
    assert b.css("#dash").get_attribute("hidden") is not None, "the tabs show before a test started"
    assert b.header()["Status"] == "ready", b.header()
    assert b.css("#start-view input[name=host]").get_attribute("value") == ""
    b.wait("the missing host note", lambda: b.visible("#start-view .alert-info"))
    b.shot("start-form")

    # Start 4 users (4/s) against the loopback target.
    _start_from_form(b, 4, 4, target.url)
    b.wait("the tabs", lambda: b.visible("#dash"))
    rows = b.wait("a Statistics row for each request", lambda: _rows_for_every_name(b))
    first = float(_aggregated(rows)["# Requests"])
    b.wait(
        "the header to say running with 4 users",
        lambda: b.header().get("Users") == "4" and b.header()["Status"] == "running",
    )
    rows = b.wait(
        "the request count to grow",
        lambda: (lambda r: r if float(_aggregated(r)["# Requests"]) > first + 5 else None)(b.stats_rows()),
    )
    head = b.header()
    assert head["Host"] == target.url, head
    by_name = {r["Name"]: r for r in rows}
    assert float(by_name["/fail"]["# Fails"]) == float(by_name["/fail"]["# Requests"]) > 0, by_name["/fail"]
    assert float(by_name["/"]["# Fails"]) == 0, by_name["/"]
    assert _numbers(by_name["/slow"], "Median (ms)")[0] >= 5, by_name["/slow"]  # /slow sleeps 5 ms
    assert sum(float(r["# Requests"]) for r in rows[:-1]) == float(rows[-1]["# Requests"]), rows
    b.shot("statistics-running")

    # Charts: three SVG charts whose lines gain points between two looks.
    b.css("#tab-charts").click()
    assert "tab=charts" in b.driver.current_url
    before = b.wait("lines on the three charts", lambda: _lines_drawn(b, 2))
    titles = [t for t, _ in before[:3]]
    assert titles == ["Total Requests per Second", "Response Times (ms)", "Number of Users"], titles
    b.wait(
        "the chart lines to gain points",
        lambda: all(new[1][0] > old[1][0] for old, new in zip(before[:3], b.js(CHART_POINTS_JS)[:3])),
    )
    b.shot("charts")

    # Edit: 4 -> 2 users; the header follows.
    b.button("Edit").click()
    b.wait("the edit dialog", lambda: b.visible("#swarm-dialog[open] form.swarm-form"))
    assert b.css("#swarm-dialog h2").text == "Edit running load test"
    b.fill("#swarm-dialog input[name=user_count]", "2")
    b.shot("edit-dialog")
    b.css("#swarm-dialog button[type=submit]").click()
    b.wait("the edit dialog to close", lambda: not b.css("#swarm-dialog").get_attribute("open"))
    b.wait("the header to say 2 users", lambda: b.header().get("Users") == "2")
    b.shot("edited-2-users")

    # Stop: state stopped, a New button instead of Edit and Stop.
    b.button("Stop").click()
    b.wait("the stopped state", lambda: b.header()["Status"] == "stopped")
    b.wait("the New button", lambda: b.buttons() == ["New", "Reset"])
    assert "Users" not in b.header(), b.header()
    b.css("#tab-stats").click()
    stopped_rows = b.wait("the Statistics rows", lambda: _rows_for_every_name(b))
    b.shot("stopped")

    # Download Data: the links, the CSVs as a download gets them, the report from its link.
    b.css("#tab-reports").click()
    links = b.wait("the download links", lambda: b.driver.find_elements(By.CSS_SELECTOR, "#panel-reports a") or None)
    by_text = {str(a.text): str(a.get_attribute("href")) for a in links}
    for title in ("Download requests CSV", "Download failures CSV", "Download exceptions CSV", "Download Report"):
        assert title in by_text, by_text
    b.shot("download-data")
    cookies = b.driver.get_cookies()
    status, headers, body = _get(by_text["Download requests CSV"], cookies)
    assert status == 200 and headers.get("content-type", "").startswith("text/csv"), (status, headers)
    assert "attachment" in headers.get("content-disposition", ""), headers
    table = list(csv.reader(io.StringIO(body)))
    assert ",".join(table[0]) == REQUESTS_CSV_HEADER, table[0]
    assert {r[1] for r in table[1:]} == {*NAMES, "Aggregated"} and table[-1][1] == "Aggregated", table
    # The page stops polling once stopped; a request still in flight then may count in the CSV only.
    shown_total = int(float(_aggregated(stopped_rows)["# Requests"]))
    assert int(table[-1][2]) >= shown_total > 0, (table[-1], stopped_rows[-1])
    status, _, body = _get(by_text["Download failures CSV"], cookies)
    failures = list(csv.reader(io.StringIO(body)))
    assert status == 200 and ",".join(failures[0]) == FAILURES_CSV_HEADER, failures[:2]
    assert [r[:2] for r in failures[1:]] == [["GET", "/fail"]], failures

    report_link = b.driver.find_element(By.LINK_TEXT, "Download Report")
    report_href = str(report_link.get_attribute("href"))
    assert report_href.endswith("stats/report?theme=light"), report_href
    assert report_link.get_attribute("target") == "_blank"
    b.read_console()
    main_window = b.driver.current_window_handle
    report_link.click()
    b.wait("the report's tab", lambda: len(b.driver.window_handles) == 2)
    b.driver.switch_to.window([w for w in b.driver.window_handles if w != main_window][0])
    b.wait("the report", lambda: b.driver.find_elements(By.TAG_NAME, "h1") and "/stats/report" in b.driver.current_url)
    assert b.css("h1").text == "Locust Test Report"
    sections = [str(h.text) for h in b.driver.find_elements(By.TAG_NAME, "h2")]
    for title in ("Request Statistics", "Charts"):
        assert title in sections, sections
    assert b.driver.find_elements(By.CSS_SELECTOR, "svg"), "the report draws no <svg> chart"
    assert "theme-dark" not in (b.css("html").get_attribute("class") or "")
    for name in NAMES:
        assert b.driver.find_elements(By.XPATH, f"//td[normalize-space()='{name}']"), f"no {name} row in the report"
    b.shot("report")
    b.js("arguments[0].scrollIntoView()", b.driver.find_element(By.XPATH, "//h2[normalize-space()='Charts']"))
    b.shot("report-charts")
    b.read_console()
    b.driver.close()
    b.driver.switch_to.window(main_window)

    # Reset after the stop: every count back to 0.
    b.css("#tab-stats").click()
    b.button("Reset").click()

    def all_zero() -> Optional[List[Dict[str, str]]]:
        rows = b.stats_rows()
        return rows if rows and all(float(r["# Requests"]) == 0 and float(r["# Fails"]) == 0 for r in rows) else None

    rows = b.wait("the Statistics counts back to 0", all_zero)
    assert b.header()["Status"] == "stopped"
    b.shot("reset")

    # New opens the start form in a dialog, with the last values.
    b.button("New").click()
    b.wait("the new-test dialog", lambda: b.visible("#swarm-dialog[open] form.swarm-form"))
    assert b.css("#swarm-dialog h2").text == "Start new load test"
    assert b.css("#swarm-dialog input[name=host]").get_attribute("value") == target.url
    b.shot("new-dialog")
    b.css("#swarm-dialog [data-close]").click()
    b.wait("the dialog to close", lambda: not b.css("#swarm-dialog").get_attribute("open"))

    errors = b.console_errors()
    assert not errors, "JavaScript errors in the browser console:\n" + "\n".join(errors)


def test_theme_switch(browser: Browser, start_ui: StartUI, target: LoopbackServer) -> None:
    b = browser
    ui = start_ui("--autostart", "-u", "3", "-r", "3", "-H", target.url)
    b.driver.get(ui.url)
    b.wait("a running test's Statistics", lambda: _rows_for_every_name(b))

    def theme() -> List[Optional[str]]:
        """[the document's data-theme, localStorage.theme]"""
        return list(b.js("return [document.documentElement.dataset.theme, localStorage.getItem('theme')]"))

    def background() -> str:
        return str(b.js("return getComputedStyle(document.body).backgroundColor"))

    assert theme() == ["light", None], theme()
    light_bg = background()
    b.shot("light")

    b.css("#theme-toggle").click()
    b.wait("the dark theme", lambda: theme() == ["dark", "dark"])
    assert background() != light_bg, f"the page background stayed {light_bg} in the dark theme"
    b.css("#tab-charts").click()
    b.wait("lines on the charts", lambda: _lines_drawn(b, 3))
    b.shot("dark-charts")

    b.driver.refresh()
    b.wait("the page after a reload", lambda: b.visible("#dash"))
    assert theme() == ["dark", "dark"], f"the theme after a reload: {theme()}"
    assert b.css("#theme-toggle").get_attribute("title") == "Switch to light theme"
    b.css("#tab-stats").click()
    b.wait("the Statistics", lambda: _rows_for_every_name(b))
    b.shot("dark-after-reload")

    b.css("#tab-reports").click()
    href = b.wait(
        "the report link", lambda: b.driver.find_element(By.LINK_TEXT, "Download Report").get_attribute("href")
    )
    assert href.endswith("stats/report?theme=dark"), href
    b.read_console()
    b.driver.get(href)
    b.wait("the report", lambda: b.driver.find_elements(By.TAG_NAME, "h1"))
    assert "theme-dark" in (b.css("html").get_attribute("class") or "").split(), b.css("html").get_attribute("class")
    b.shot("report-dark")

    b.driver.get(ui.url)
    b.wait("the page", lambda: b.visible("#dash"))
    b.css("#theme-toggle").click()
    b.wait("the light theme again", lambda: theme() == ["light", "light"])
    assert background() == light_bg

    errors = b.console_errors()
    assert not errors, "JavaScript errors in the browser console:\n" + "\n".join(errors)


def test_web_login(browser: Browser, start_ui: StartUI, target: LoopbackServer) -> None:
    b = browser
    ui = start_ui("--web-login", "-H", target.url, env={"ROCUST_WEB_LOGIN": "user:pass"})
    b.driver.get(ui.url)
    b.wait("the login page", lambda: "/login" in b.driver.current_url and b.visible("form input[name=username]"))
    assert not b.driver.find_elements(By.CSS_SELECTOR, "#start-view"), "the UI shows before a login"
    b.shot("login-form")

    b.fill("input[name=username]", "user")
    b.fill("input[name=password]", "wrong")
    b.css("form button[type=submit]").click()
    error = b.wait("the login error", lambda: b.visible(".error"))
    assert error.text == "Wrong user name or password"
    assert b.css("input[name=password]").get_attribute("value") == ""
    b.shot("login-wrong-password")

    # The API refuses a client without the session (a script gets 401, not the login page).
    status, _, _ = _get(ui.url + "stats/requests/csv")
    assert status == 401, status

    b.fill("input[name=username]", "user")
    b.fill("input[name=password]", "pass")
    b.css("form button[type=submit]").click()
    b.wait("the start form after the login", lambda: b.visible("#start-view form.swarm-form"))
    assert b.driver.current_url == ui.url, b.driver.current_url
    assert b.header()["Status"] == "ready"
    b.shot("logged-in")

    # The browser's session cookie opens the API.
    status, headers, body = _get(ui.url + "stats/requests/csv", b.driver.get_cookies())
    assert status == 200 and body.splitlines()[0] == REQUESTS_CSV_HEADER, (status, headers, body[:300])

    # The wrong password's page is a 401: Chromium logs that load as failed, nothing else may fail.
    errors = b.console_errors(allowed=(r"/login - Failed to load resource: the server responded with a status of 401",))
    assert not errors, "JavaScript errors in the browser console:\n" + "\n".join(errors)


def _overflow(b: Browser) -> Dict[str, int]:
    return dict(
        b.js(
            "return {scroll: document.documentElement.scrollWidth, body: document.body.scrollWidth,"
            " inner: window.innerWidth}"
        )
    )


def test_phone_width(browser: Browser, start_ui: StartUI, target: LoopbackServer) -> None:
    b = browser
    b.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 2, "mobile": True},
    )
    ui = start_ui()
    b.driver.get(ui.url)
    b.wait("the start form", lambda: b.visible("#start-view form.swarm-form"))
    size = _overflow(b)
    assert size["inner"] == PHONE[0], size
    assert size["scroll"] <= size["inner"] and size["body"] <= size["inner"], f"the start form overflows: {size}"
    b.shot("start-form")

    _start_from_form(b, 2, 2, target.url)
    b.wait("a Statistics row for each request", lambda: _rows_for_every_name(b))
    size = _overflow(b)
    assert size["scroll"] <= size["inner"] and size["body"] <= size["inner"], f"the page overflows: {size}"
    wrap = "#panel-stats .table-wrap"
    box = b.js(
        "const w = document.querySelector(arguments[0]);"
        "return {scroll: w.scrollWidth, client: w.clientWidth, overflowX: getComputedStyle(w).overflowX,"
        " right: w.getBoundingClientRect().right}",
        wrap,
    )
    assert box["scroll"] > box["client"], f"the table fits a phone? {box}"
    assert box["overflowX"] in ("auto", "scroll"), box
    assert box["right"] <= PHONE[0], box
    b.shot("statistics")
    scrolled = b.js(
        "const w = document.querySelector(arguments[0]); w.scrollLeft = 400; return w.scrollLeft;", wrap
    )
    assert scrolled > 0, "the table does not scroll sideways in its box"
    size = _overflow(b)
    assert size["scroll"] <= size["inner"], f"scrolling the table moved the page: {size}"
    b.shot("statistics-scrolled")

    b.css("#tab-charts").click()
    b.wait("lines on the charts", lambda: _lines_drawn(b, 3))
    size = _overflow(b)
    assert size["scroll"] <= size["inner"] and size["body"] <= size["inner"], f"the charts overflow: {size}"
    svg_right = b.js(
        "return Math.max(...[...document.querySelectorAll('#panel-charts .chart-box svg')]"
        ".map((s) => s.getBoundingClientRect().right))"
    )
    assert svg_right <= PHONE[0], f"a chart reaches x={svg_right}, past the {PHONE[0]} px screen"
    b.shot("charts")

    errors = b.console_errors()
    assert not errors, "JavaScript errors in the browser console:\n" + "\n".join(errors)


# The start form's lock while a master has no worker: {"fieldset": disabled, "submit": the Start
# button matches :disabled, "users": the users field does, "message": the shown error alert's text}.
FORM_LOCK_JS = """
const f = document.querySelector(arguments[0] + ' form.swarm-form');
if (!f) return null;
const alert = [...f.querySelectorAll('.alert-error')].find((a) => !a.hidden);
return {
  fieldset: f.querySelector('fieldset').disabled,
  submit: f.querySelector('button[type=submit]').matches(':disabled'),
  users: f.querySelector('input[name=user_count]').matches(':disabled'),
  message: alert ? alert.textContent.trim() : null,
};
"""
# The Logs tab's first worker section once open with lines: {"summary": its title, "lines": n}.
WORKER_LOGS_JS = """
const d = document.querySelector('#panel-logViewer .worker-logs details[open]');
const n = d ? d.querySelectorAll('.log-line').length : 0;
return n ? { summary: d.querySelector('summary').textContent.trim(), lines: n } : null;
"""
NO_WORKERS = "You can't start a distributed test before at least one worker processes has connected"
NUMBER_RE = r"-?\d+(\.\d+)?"


def _form_lock(b: Browser, within: str = "#start-view") -> Dict[str, Any]:
    lock = b.js(FORM_LOCK_JS, within)
    assert lock is not None, f"no start form in {within}"
    return dict(lock)


def _api(ui: WebUI, path: str) -> Any:
    status, _, body = _get(ui.url + path)
    assert status == 200, (path, status, body[:300])
    return json.loads(body)


def test_master_and_worker(
    browser: Browser, start_ui: StartUI, start_worker: StartWorker, target: LoopbackServer
) -> None:
    b = browser
    master_port = free_port()
    ui = start_ui("--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(master_port))
    b.driver.get(ui.url)

    # No worker yet: the header counts 0 workers and the start form is locked with Locust's message.
    b.wait("the start form", lambda: b.visible("#start-view form.swarm-form"))
    head = b.header()
    assert head.get("Workers") == "0" and head["Status"] == "ready", head
    lock = _form_lock(b)
    assert lock == {"fieldset": True, "submit": True, "users": True, "message": NO_WORKERS}, lock
    assert b.visible("#start-view .alert-error:not([hidden])") is not None, "the no-worker message is hidden"
    b.css("#start-view button[type=submit]").click()  # a disabled button: nothing happens
    time.sleep(0.5)
    assert _api(ui, "stats/requests")["state"] == "ready"
    assert b.visible("#start-view form.swarm-form") is not None and b.header()["Status"] == "ready"
    b.shot("no-worker")

    # One worker: the page's poll (every 2 s) counts it and unlocks the form. After a stop it says
    # it is ready again 4 s late (Locust's variable, as with --stop-timeout 4), so the master is
    # stopped a while without it, longer than the page trusts its own "running" after a start (4 s).
    worker = start_worker(master_port, env={"LOCUST_WORKER_ADDITIONAL_WAIT_BEFORE_READY_AFTER_STOP": "4"})
    b.wait("the header to count 1 worker", lambda: b.header().get("Workers") == "1")
    b.wait("the start form to unlock", lambda: not any(_form_lock(b).values()))
    assert b.visible("#start-view .alert-error:not([hidden])") is None
    b.shot("one-worker")

    # 2 users from the form; the worker's statistics (sent every 3 s) reach the table.
    _start_from_form(b, 2, 2, target.url)
    b.wait("the tabs", lambda: b.visible("#dash"))
    assert [t.text for t in b.driver.find_elements(By.CSS_SELECTOR, "#tabs [role=tab]")][-1] == "Workers"
    b.wait(
        "requests in the Statistics table",
        lambda: (lambda r: r if r and float(_aggregated(r)["# Requests"]) > 0 else None)(b.stats_rows()),
    )
    b.wait(
        "the header to say running with 2 users and 1 worker",
        lambda: (lambda h: h.get("Users") == "2" and h["Status"] == "running" and h.get("Workers") == "1")(b.header()),
    )
    rows = b.wait("a Statistics row for each request", lambda: _rows_for_every_name(b))
    assert float(_aggregated(rows)["# Fails"]) > 0, rows[-1]  # /fail
    b.shot("statistics-running")

    # The Workers tab: the worker, running its 2 users, with its CPU and memory.
    worker_ids = [w["id"] for w in _api(ui, "stats/requests")["workers"]]
    assert len(worker_ids) == 1, worker_ids
    b.css("#tab-workers").click()
    assert "tab=workers" in b.driver.current_url

    def running_worker() -> Optional[List[Dict[str, str]]]:
        rows = b.table_rows("#panel-workers")
        return rows if len(rows) == 1 and rows[0]["State"] == "running" and rows[0]["# users"] == "2" else None

    (row,) = b.wait("the worker's row, running 2 users", running_worker)
    assert list(row) == ["Worker", "State", "# users", "CPU usage", "Memory usage"], row
    assert row["Worker"] == worker_ids[0], row
    # Measured 10 s after the worker started (as Locust's), "—" until then (both reported as 0).
    usage = (row["CPU usage"], row["Memory usage"])
    measured = re.fullmatch(NUMBER_RE + "%", usage[0]) and re.fullmatch(NUMBER_RE + " (KB|MB|GB)", usage[1])
    assert measured or usage == ("—", "—"), row
    b.shot("workers-tab")

    # The Logs tab: the master's lines and the worker's (sent on connection, then every 10 s when
    # new lines came; the page reads /logs every 5 s while the test runs).
    b.css("#tab-logViewer").click()
    b.wait(
        "the master's log lines",
        lambda: b.driver.find_elements(By.CSS_SELECTOR, "#panel-logViewer .log.master .log-line"),
    )
    b.wait("the worker's logs", lambda: b.visible("#panel-logViewer .worker-logs details summary"))

    def open_worker_logs() -> bool:  # the page redraws the logs every 5 s: retried when stale
        details = b.css("#panel-logViewer .worker-logs details")
        if details.get_attribute("open") is None:
            details.find_element(By.TAG_NAME, "summary").click()
        return details.get_attribute("open") is not None

    b.wait("the worker's logs to open", open_worker_logs)
    logs = b.wait("the worker's log lines", lambda: b.js(WORKER_LOGS_JS) or None)
    assert logs["summary"] == f"{worker_ids[0]} ({logs['lines']} lines)", logs
    b.shot("logs-tab")

    # Stop: the master drops the worker when it reports it stopped, and is then stopped (Locust's
    # check_stopped: no worker left running); 4 s later the worker is ready again, and the stopped
    # page (which polls the worker count for its New form) counts it.
    b.button("Stop").click()
    b.wait("the stopped state", lambda: b.header()["Status"] == "stopped")
    b.wait("the New button", lambda: b.buttons() == ["New", "Reset"])
    if b.header().get("Workers") == "0":  # the worker is not ready again yet (the usual case)
        # New now opens a locked form, which unlocks by itself once the worker is back.
        b.button("New").click()
        b.wait("the new-test dialog", lambda: b.visible("#swarm-dialog[open] form.swarm-form"))
        lock = _form_lock(b, "#swarm-dialog")
        assert lock == {"fieldset": True, "submit": True, "users": True, "message": NO_WORKERS}, lock
        b.shot("stopped-no-worker-yet")
        b.wait("the new-test form to unlock", lambda: not any(_form_lock(b, "#swarm-dialog").values()))
        b.css("#swarm-dialog [data-close]").click()
        b.wait("the dialog to close", lambda: not b.css("#swarm-dialog").get_attribute("open"))
    else:
        print("the page saw the stopped master only after the worker was ready again")
    assert worker.poll() is None, f"the worker exited with code {worker.returncode}"
    b.wait("/worker-count to count the worker again", lambda: _api(ui, "worker-count") == {"worker_count": 1})
    b.wait("the header to count 1 worker after the stop", lambda: b.header().get("Workers") == "1")
    assert "Users" not in b.header(), b.header()
    b.css("#tab-workers").click()

    def ready_worker() -> Optional[Dict[str, str]]:
        rows = b.table_rows("#panel-workers")
        return rows[0] if len(rows) == 1 and rows[0]["State"] == "ready" and rows[0]["# users"] == "0" else None

    row = b.wait("the worker's row, ready with 0 users", ready_worker)
    assert row["Worker"] == worker_ids[0], row
    # More than 10 s after the worker started: measured.
    row = b.wait(
        "the worker's CPU and memory",
        lambda: (lambda r: r if r and r["Memory usage"] != "—" else None)(ready_worker()),
    )
    assert re.fullmatch(NUMBER_RE + "%", row["CPU usage"]), row
    assert re.fullmatch(NUMBER_RE + " (MB|GB)", row["Memory usage"]), row
    b.shot("stopped-workers-tab")

    # New: the worker is there, so the form is not locked.
    b.button("New").click()
    b.wait("the new-test dialog", lambda: b.visible("#swarm-dialog[open] form.swarm-form"))
    lock = _form_lock(b, "#swarm-dialog")
    assert not any(lock.values()), lock
    b.shot("new-dialog")
    b.css("#swarm-dialog [data-close]").click()

    for text in (b.css("#monitor").text, b.css("#panels").text):
        assert "NaN" not in text and "undefined" not in text, text
    errors = b.console_errors()
    assert not errors, "JavaScript errors in the browser console:\n" + "\n".join(errors)
