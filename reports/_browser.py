"""Open a report in headless Chromium and report what rendered (for tests and CI)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import NamedTuple

_PROBE = """<script>
window.__marssegErrors = [];
window.addEventListener('error', function (e) { window.__marssegErrors.push('error: ' + e.message); });
(function () {
  var orig = console.error;
  console.error = function () {
    window.__marssegErrors.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
    return orig.apply(console, arguments);
  };
})();
window.addEventListener('load', function () {
  setTimeout(function () {
    var divs = document.querySelectorAll('.plotly-graph-div');
    var drawn = 0, overflowing = 0;
    divs.forEach(function (d) {
      var svg = d.querySelector('.main-svg');
      if (d.classList.contains('js-plotly-plot') && svg) drawn++;
      if (svg && svg.getBoundingClientRect().width > d.parentElement.getBoundingClientRect().width + 1) overflowing++;
    });
    var out = document.createElement('pre');
    out.id = 'marsseg-probe';
    out.textContent = JSON.stringify({figures: divs.length, rendered: drawn, overflowing: overflowing,
                                     errors: window.__marssegErrors});
    document.body.appendChild(out);
  }, 1000);
});
</script>"""


class BrowserCheck(NamedTuple):
    """What the page did in Chromium: figure divs, how many plotly drew, JS errors, and how many
    figures are drawn wider than the box that holds them (cut off on screen)."""

    figures: int
    rendered: int
    errors: list[str]
    overflowing: int = 0


def find_chromium() -> str | None:
    """Path of a Chromium binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def check_in_browser(report: Path, chromium: str | None = None, timeout: float = 120.0) -> BrowserCheck:
    """Load a copy of `report` with an error/render probe injected, dump the DOM, read the probe."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("chromium not found")
    text = Path(report).read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.html"
        probe.write_text(text.replace("<head>", "<head>" + _PROBE, 1), encoding="utf-8")
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", f"--user-data-dir={tmp}/profile", "--virtual-time-budget=15000",
               "--window-size=1600,1200",  # a desktop width: figures share rows
               "--dump-dom", probe.as_uri()]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    found = re.search(r'<pre id="marsseg-probe">(.*?)</pre>', done.stdout, re.S)
    if not found:
        raise RuntimeError(f"probe missing from Chromium's DOM (exit {done.returncode}): {done.stderr[-2000:]}")
    data = json.loads(found.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
                      .replace("&amp;", "&"))
    return BrowserCheck(data["figures"], data["rendered"], data["errors"], data["overflowing"])
