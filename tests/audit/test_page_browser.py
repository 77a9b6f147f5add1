"""The audit page in Chromium: screenshots at 390 and 1280 px, and its DOM checked by script.

The screenshots (and a PDF print) stay in the test's tmp folder as its artefacts; their paths
are printed (``pytest -s``, or in the report of a failure).
"""

from __future__ import annotations

import json
import re
import subprocess
import zlib

import pytest

from tests.audit.pagestore import page_store
from tests.conftest import run_drift

CHROMIUM = (
    "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--hide-scrollbars",
)  # fmt: skip

# Runs after the page's own script, in the browser; writes what it found into the DOM.
PROBE = """
<script>
(function () {
  function texts(selector) {
    return Array.prototype.map.call(document.querySelectorAll(selector), function (e) {
      return e.textContent.trim();
    });
  }
  function broken(cell) {  // a word laid out on two lines, or a cell its text overflows
    var walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT), found = [];
    if (cell.scrollWidth > cell.clientWidth) found.push(cell.textContent.trim());
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      var re = /\\S+/g, m;
      while ((m = re.exec(node.data))) {
        var range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        var tops = {};
        Array.prototype.forEach.call(range.getClientRects(), function (r) { tops[r.top] = 1; });
        if (Object.keys(tops).length > 1) found.push(m[0]);
      }
    }
    return found;
  }
  var cells = document.querySelectorAll("td, th"), words = [];
  Array.prototype.forEach.call(cells, function (c) { words = words.concat(broken(c)); });
  var train = document.getElementById("train");
  var form = document.getElementById("filters");
  form.elements.verdict.value = "fail";
  form.dispatchEvent(new Event("input"));
  var shown = Array.prototype.filter.call(document.querySelectorAll("#summary tbody tr"),
    function (r) { return !r.hidden; }).map(function (r) { return r.dataset.name; });
  form.elements.verdict.value = "";
  form.dispatchEvent(new Event("input"));
  document.querySelector("#summary th:nth-child(5) button").click();
  document.querySelector("#summary th:nth-child(5) button").click();
  var sorted = texts("#summary tbody tr td:first-child");
  var out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({
    width: window.innerWidth,
    pageWidth: document.documentElement.scrollWidth,
    brokenWords: words,
    cells: cells.length,
    filteredFail: shown,
    sortedByScoreDown: sorted,
    times: texts("#train svg.chart text.time"),
    scale: texts("#train svg.chart text.scale"),
    points: texts("#train svg.chart circle title"),
    metric: texts("#train h4.metric .value"),
    run: texts("#train dd.run"),
    phase: texts("#train dd.phase"),
    nodes: Array.prototype.map.call(train.querySelectorAll("g.lineage-node"),
      function (g) { return g.dataset.digest; }),
    latestNode: texts("#train g.lineage-node text.node").pop()
  });
  document.body.appendChild(out);
})();
</script>
"""


def _pixels(png: bytes) -> set[int]:
    """Return the byte values of a PNG's decompressed image data (a blank page has few)."""
    data, at = b"", 8
    while at < len(png):
        size = int.from_bytes(png[at : at + 4], "big")
        if png[at + 4 : at + 8] == b"IDAT":
            data += png[at + 8 : at + 8 + size]
        at += 12 + size
    return set(zlib.decompress(data))


def _chromium(
    tmp_path, width: int, *args: str, height: int = 1000
) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{width}"
    return subprocess.run(
        [*CHROMIUM, f"--user-data-dir={profile}", f"--window-size={width},{height}", *args],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip


def _probe(tmp_path, html: str, width: int) -> dict:
    probed = tmp_path / f"probed-{width}.html"
    probed.write_text(html.replace("</body>", PROBE + "</body>"))
    dom = _chromium(tmp_path, width, "--dump-dom", probed.as_uri()).stdout
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.DOTALL)
    assert found, dom[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.mark.browser
def test_the_audit_page_in_chromium_at_390_and_1280_px(tmp_path):
    store = page_store(tmp_path / "store")
    page = tmp_path / "audit.html"
    done = run_drift("audit", "--store", str(store.root), "--html", str(page))
    assert done.returncode == 1, done.stderr  # train: six 1 -> 2, and its latest run failed
    html = page.read_text()
    assert "http" not in html.replace("http-equiv", "")  # nothing from the network
    for width in (390, 1280):
        shot = tmp_path / f"audit-{width}.png"
        _chromium(tmp_path, width, f"--screenshot={shot}", page.as_uri(), height=3200)
        print(f"screenshot at {width} px: {shot}")
        assert len(_pixels(shot.read_bytes())) > 20  # not a blank page
    pdf = tmp_path / "audit.pdf"
    _chromium(tmp_path, 1280, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri())
    print(f"printed: {pdf}")
    assert pdf.read_bytes().startswith(b"%PDF")

    wide, narrow = _probe(tmp_path, html, 1280), _probe(tmp_path, html, 390)
    assert wide["width"] == 1280
    assert narrow["pageWidth"] <= narrow["width"] <= 500, narrow  # tables scroll, not the page
    assert wide["cells"] > 10
    assert wide["brokenWords"] == []
    assert wide["filteredFail"] == ["train"]
    assert wide["sortedByScoreDown"] == ["train", "ci"]
    assert {"2026-11-01", "2026-11-04"} <= set(wide["times"])  # the time axis, dated
    assert wide["scale"][:5] == ["0", "25", "50", "75", "100"]  # the score scale
    assert "0.9561" in wide["scale"]  # the metric's scale
    assert any("accuracy = 0.9515" in p for p in wide["points"])
    assert any("score 40" in p for p in wide["points"])
    assert wide["metric"] == ["0.9113"]
    assert wide["run"] == ["failed (exit 3)"]
    assert wide["phase"] == ["training"]
    oldest_first = [e.digest[:12] for e in reversed(store.history("train"))]
    assert wide["nodes"] == oldest_first  # the lineage, from the first run to the latest
    assert "(latest)" in wide["latestNode"]
    assert "failed (exit 3)" in wide["latestNode"]
