"""Hashes of exact pins from a PEP 691 index: a real page served on loopback."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from driftbom.probes._cache import StatCache
from driftbom.rebuilder import index

PAGES = Path(__file__).parents[2] / "fixtures" / "pypi"
SIX = json.loads((PAGES / "six.v1.json").read_text())
SIX_1_16 = tuple(
    sorted(
        "sha256:" + f["hashes"]["sha256"]
        for f in SIX["files"]
        if f["filename"] in ("six-1.16.0-py2.py3-none-any.whl", "six-1.16.0.tar.gz")
    )
)


class Index(BaseHTTPRequestHandler):
    """/json/<project>/ answers PEP 691, /html/ PEP 503, /moved/ redirects to plain http."""

    seen: list[tuple[str, str | None]]
    projects: dict[str, dict]

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Authorization")))
        kind, _, rest = self.path.strip("/").partition("/")
        project = rest.strip("/")
        if kind == "moved":
            self.send_response(302)
            self.send_header("Location", f"http://203.0.113.9/json/{project}/")
            self.end_headers()
            return
        if project not in self.projects.get(kind, {}):
            self.send_error(404)
            return
        if kind.startswith("html"):
            body, ctype = (PAGES / "six.html").read_bytes(), "text/html"
        else:
            body, ctype = json.dumps(self.projects[kind][project]).encode(), index.JSON_TYPE
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server():
    seen: list[tuple[str, str | None]] = []
    other = {**SIX, "files": [{**f, "hashes": {"sha256": "a" * 64}} for f in SIX["files"]]}
    handler = type(
        "Handler",
        (Index,),
        {
            "seen": seen,
            "projects": {
                "json": {"six": SIX},
                "json2": {"six": other, "only-here": {**SIX, "name": "only-here"}},
                "html": {"six": SIX},
            },
        },
    )
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", seen
    httpd.shutdown()
    httpd.server_close()


def _cache(tmp_path: Path, scope: str = "test") -> StatCache:
    return StatCache(tmp_path / "cache", "hashes", scope, keep_unused=True)


def test_the_version_files_of_a_real_page():
    assert index.version_hashes(SIX, "1.16.0") == SIX_1_16
    assert len(SIX_1_16) == 2
    assert index.version_hashes(SIX, "1.16") == SIX_1_16  # PEP 440: zeros pad
    assert index.version_hashes(SIX, "9.9.9") == ()


def test_lookup_takes_hashes_from_the_json_page_with_progress(server, tmp_path):
    url, seen = server
    calls: list[tuple[int, int]] = []
    found = index.lookup(
        [("six", "1.16.0"), ("Six", "1.15.0")],
        [f"{url}/json/"],
        _cache(tmp_path),
        lambda done, total: calls.append((done, total)),
    )
    assert found.hashes[("six", "1.16.0")] == SIX_1_16
    assert found.hashes[("Six", "1.15.0")] == index.version_hashes(SIX, "1.15.0")
    assert not found.not_found
    assert not found.no_json
    assert calls[0] == (0, 2)
    assert calls[-1] == (2, 2)
    assert len(seen) == 2  # one request per project and pin, none repeated


def test_a_second_lookup_comes_from_the_cache(server, tmp_path):
    url, seen = server
    index.lookup([("six", "1.16.0")], [f"{url}/json/"], _cache(tmp_path))
    asked = len(seen)
    again = index.lookup([("six", "1.16.0")], [f"{url}/json/"], _cache(tmp_path))
    assert again.hashes[("six", "1.16.0")] == SIX_1_16
    assert len(seen) == asked


def test_a_corrupt_cache_entry_is_asked_again(server, tmp_path):
    url, seen = server
    cache = _cache(tmp_path)
    cache.put("six==1.16.0", [], ["sha256:not-hex"])
    cache.save()
    found = index.lookup([("six", "1.16.0")], [f"{url}/json/"], _cache(tmp_path))
    assert found.hashes[("six", "1.16.0")] == SIX_1_16
    assert len(seen) == 1


def test_the_first_index_holding_the_project_decides(server, tmp_path):
    """A project on the first index is never looked for on a later one (dependency confusion)."""
    url, seen = server
    found = index.lookup(
        [("six", "1.16.0"), ("only-here", "1.16.0"), ("six", "0.0.1")],
        [f"{url}/json/", f"{url}/json2/"],
        _cache(tmp_path),
    )
    assert found.hashes[("six", "1.16.0")] == SIX_1_16  # not json2's forged "aaaa..."
    assert found.hashes[("only-here", "1.16.0")] == SIX_1_16
    assert found.not_found == {("six", "0.0.1"): (f"{url}/json/", f"{url}/json2/")}
    assert not any(path.startswith("/json2/six") for path, _ in seen)


def test_an_html_index_is_left_to_pip_tools(server, tmp_path):
    url, _ = server
    found = index.lookup([("six", "1.16.0")], [f"{url}/html/"], _cache(tmp_path))
    assert found.no_json == [("six", "1.16.0")]
    assert not found.hashes


def test_a_redirect_to_plain_http_is_refused(server, tmp_path):
    url, _ = server
    with pytest.raises(index.UnreadableIndexError, match="not an https:// URL"):
        index.lookup([("six", "1.16.0")], [f"{url}/moved/"], _cache(tmp_path))


def test_an_unreachable_index_is_named_without_credentials(tmp_path):
    with pytest.raises(index.UnreadableIndexError) as caught:
        index.project_page("http://user:hunter2@127.0.0.1:9/simple/", "six")
    assert "127.0.0.1:9/simple/six/" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_netrc_credentials_are_sent(server, tmp_path, monkeypatch):
    url, seen = server
    home = tmp_path / "home"
    home.mkdir()
    netrc = home / ".netrc"
    netrc.write_text("machine 127.0.0.1 login alice password s3cret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("HOME", str(home))
    index.project_page(f"{url}/json/", "six")
    assert seen[-1][1] == "Basic YWxpY2U6czNjcmV0"  # alice:s3cret


@pytest.mark.parametrize(
    "url", ["http://pypi.org/simple/", "file:///opt/pypi/simple", "ftp://h/simple", "https://"]
)
def test_only_https_or_loopback_indexes(url):
    with pytest.raises(ValueError, match="not an https:// URL"):
        index.check_index(url)


def test_loopback_http_and_https_are_indexes():
    assert index.check_index("http://127.0.0.1:8080/simple") == "http://127.0.0.1:8080/simple/"
    assert index.check_index("https://pypi.org/simple/") == "https://pypi.org/simple/"


def test_rebuild_hashes_unhashed_pins_from_the_index_with_progress(server, tmp_path):
    from tests.conftest import run_drift
    from tests.rebuild.helpers import reproducible_doc, write

    url, seen = server
    doc = reproducible_doc()
    doc["components"] = [
        c for c in doc["components"] if not c["bom-ref"].startswith("pypi:") or c["name"] == "six"
    ]
    (six,) = (c for c in doc["components"] if c["name"] == "six")
    six.pop("hashes", None)
    env = {**os.environ, "DRIFT_CACHE_DIR": str(tmp_path / "cache")}
    out = tmp_path / "out"
    done = run_drift(
        "rebuild", str(write(tmp_path, doc)), "-o", str(out), "--index-url", f"{url}/json/", env=env
    )
    assert done.returncode == 0, done.stderr
    assert "hashes: 1/1" in done.stderr
    lock = (out / "requirements.lock").read_text()
    assert f"--index-url {url}/json/\n" in lock
    for digest in index.version_hashes(SIX, six["version"]):
        assert f"--hash={digest}" in lock
    assert len(seen) == 1
    again = run_drift(
        "rebuild", str(write(tmp_path, doc)), "-o", str(tmp_path / "again"),
        "--index-url", f"{url}/json/", env=env,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert len(seen) == 1  # from the cache


def test_rebuild_refuses_an_index_url_with_credentials(tmp_path):
    from tests.conftest import run_drift
    from tests.rebuild.helpers import reproducible_doc, write

    done = run_drift(
        "rebuild", str(write(tmp_path, reproducible_doc())), "-o", str(tmp_path / "out"),
        "--index-url", "https://alice:s3cret@example.org/simple/",
    )  # fmt: skip
    assert done.returncode == 2
    assert "s3cret" not in done.stderr
    assert done.stderr.splitlines()[-1].startswith("drift: error: --index-url/--extra-index-url")


def test_credentials_from_an_index_variable_of_this_process(server, tmp_path, monkeypatch):
    url, seen = server
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.netrc
    monkeypatch.setenv(
        "PIP_EXTRA_INDEX_URL", f"https://x.example/simple {url.replace('//', '//bob:t%40k@')}/json/"
    )
    index.project_page(f"{url}/json/", "six")
    assert seen[-1][1] == "Basic Ym9iOnRAaw=="  # bob:t@k
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", f"{url.replace('//', '//bob:tk@')}/elsewhere/")
    index.project_page(f"{url}/json/", "six")
    assert seen[-1][1] is None  # another path on that host: not this index's credentials
    assert index.credentials("https://unrelated.example/simple/") is None
