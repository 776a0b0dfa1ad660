"""The browser verifier in a real headless Chromium (Debian's chromium, driven by Playwright).

Static-folder mode: the built page is served by a stdlib http.server and the person picks the
circuit files. Served mode: ``zkverify serve``'s app hosts the page and the circuit, and the page
fetches the circuit the bundle names. Either way the verdict is computed in the page's wasm.
"""

from __future__ import annotations

import copy
import functools
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from zkverify.web import static_dir

from .netutil import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VERDICT_DONE = "/^(valid|invalid|error)/.test(document.getElementById('verdict').textContent)"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib's name)
        pass


@pytest.fixture(scope="module")
def static_site() -> Iterator[str]:
    """The committed page folder on a plain static web server, as anyone could host it."""
    handler = functools.partial(_Quiet, directory=str(static_dir()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def bundle_dict(bundle: Any) -> dict[str, Any]:
    data: dict[str, Any] = bundle.model_dump(mode="json")
    return copy.deepcopy(data)


def write(path: Path, data: dict[str, Any] | bytes) -> Path:
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode())
    return path


class Page:
    """One page load; records every request so tests can see what the page asked for."""

    def __init__(self, browser: Any, url: str) -> None:
        self.page = browser.new_page()
        self.requests: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append((r.method, r.url)))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)
        self.page.wait_for_selector("#bundle:not([disabled])", timeout=30_000)

    def pick_circuit(self, circuit: Any) -> None:
        self.page.set_input_files("#vk", str(circuit.vk))
        self.page.set_input_files("#settings", str(circuit.settings))
        self.page.set_input_files("#srs", str(circuit.srs))

    def verdict(self, bundle_file: Path) -> str:
        # Clear first so a verdict left from an earlier bundle is never mistaken for this one's.
        self.page.evaluate("document.getElementById('verdict').textContent = ''")
        self.page.set_input_files("#bundle", str(bundle_file))
        self.page.wait_for_function(VERDICT_DONE, timeout=30_000)
        text: str = self.page.text_content("#verdict") or ""
        return text

    def details(self) -> dict[str, str]:
        rows = self.page.eval_on_selector_all(
            "#details tr", "rs => rs.map(r => [r.cells[0].textContent, r.cells[1].textContent])"
        )
        return dict(rows)

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def static_page(browser: Any, static_site: str, tiny_circuit: Any) -> Iterator[Page]:
    p = Page(browser, static_site + "index.html")
    p.pick_circuit(tiny_circuit)
    yield p
    assert p.errors == []
    p.close()


def test_bundle_input_waits_for_the_verifier(browser: Any, static_site: str) -> None:
    page = browser.new_page()
    held: list[Any] = []

    # Hold the wasm download: until it arrives, no bundle can be chosen.
    page.route(re.compile(r".*\.wasm(\.gz)?$"), lambda route: held.append(route))
    page.goto(static_site + "index.html")
    for _ in range(200):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the page did not request the wasm"
    page.wait_for_timeout(200)
    assert page.is_disabled("#bundle")
    held[0].continue_()
    page.wait_for_selector("#bundle:not([disabled])", timeout=30_000)
    assert page.text_content("#engine").startswith("Verifier ready: ezkl WebAssembly engine 21.0.0")
    page.close()


def test_static_valid_bundle_verifies(static_page: Page, tiny_bundle: Any, tmp_path: Path) -> None:
    b = bundle_dict(tiny_bundle)
    text = static_page.verdict(write(tmp_path / "bundle.json", b))
    assert text.startswith("valid"), text
    d = static_page.details()
    assert d["model sha256"] == b["circuit"]["model_sha256"]
    assert d["vk sha256"] == b["circuit"]["vk_sha256"]
    assert d["checked against"].startswith("files you picked")
    # The page decodes the outputs from the proof's instances itself; they match Python's floats.
    assert d["public outputs (proven)"] == " ".join(
        "[" + ", ".join(_js_num(x) for x in row) + "]" for row in b["outputs"]
    )
    assert re.fullmatch(r"\d+ ms to verify \(\d+ ms in all\)", d["time"])


def _js_num(x: float) -> str:
    return str(int(x)) if x == int(x) else repr(x)


def test_static_flipped_proof_byte_is_invalid(static_page: Page, tiny_bundle: Any, tmp_path: Path) -> None:
    b = bundle_dict(tiny_bundle)
    mid = len(b["proof"]["proof"]) // 2
    b["proof"]["proof"][mid] ^= 0x01
    text = static_page.verdict(write(tmp_path / "flipped.json", b))
    assert text.startswith("invalid: the proof does not verify"), text


def test_static_tampered_public_output_is_invalid(
    static_page: Page, tiny_bundle: Any, tmp_path: Path
) -> None:
    b = bundle_dict(tiny_bundle)
    inst = b["proof"]["instances"][0]
    # Claim a different proven output: swap in another field element the circuit never produced.
    inst[-1] = "01" + "00" * 31 if inst[-1] != "01" + "00" * 31 else "02" + "00" * 31
    text = static_page.verdict(write(tmp_path / "instances.json", b))
    assert text.startswith("invalid"), text


def test_static_edited_outputs_under_a_genuine_proof_are_invalid(
    static_page: Page, tiny_bundle: Any, tmp_path: Path
) -> None:
    b = bundle_dict(tiny_bundle)
    b["outputs"][0][0] += 1.0
    text = static_page.verdict(write(tmp_path / "edited.json", b))
    assert text == (
        "invalid: the proof verifies, but the bundle misstates it: "
        "the bundle's outputs do not match the public outputs in the proof"
    )


def test_static_edited_prediction_is_invalid(static_page: Page, tiny_bundle: Any, tmp_path: Path) -> None:
    b = bundle_dict(tiny_bundle)
    assert isinstance(b["prediction"], int)
    b["prediction"] = 1 - b["prediction"]
    text = static_page.verdict(write(tmp_path / "edited.json", b))
    assert text.endswith("the bundle's prediction does not follow from the proven outputs"), text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "error: empty file"),
        (b"{not json", "error: not valid JSON"),
        (b"[1, 2]", "error: not a proof bundle"),
        (b'{"format": "something/else"}', "error: not a zkverify proof bundle"),
    ],
)
def test_static_malformed_file_is_an_error(
    static_page: Page, tmp_path: Path, content: bytes, message: str
) -> None:
    text = static_page.verdict(write(tmp_path / "bad.json", content))
    assert text.startswith(message), text


def test_static_bundle_without_proof_bytes_is_an_error(
    static_page: Page, tiny_bundle: Any, tmp_path: Path
) -> None:
    b = bundle_dict(tiny_bundle)
    del b["proof"]["proof"]
    text = static_page.verdict(write(tmp_path / "noproof.json", b))
    assert text.startswith("error: proof.proof:"), text


def test_static_vk_of_another_circuit_is_invalid(
    browser: Any, static_site: str, other_circuit: Any, tiny_bundle: Any, tmp_path: Path
) -> None:
    p = Page(browser, static_site + "index.html")
    p.pick_circuit(other_circuit)
    text = p.verdict(write(tmp_path / "bundle.json", bundle_dict(tiny_bundle)))
    assert text.startswith("invalid: the bundle belongs to another circuit (its vk sha256"), text
    p.close()


def test_static_without_circuit_files_asks_for_them(
    browser: Any, static_site: str, tiny_bundle: Any, tmp_path: Path
) -> None:
    p = Page(browser, static_site + "index.html")
    assert p.page.text_content("#mode").startswith("Static mode")
    text = p.verdict(write(tmp_path / "bundle.json", bundle_dict(tiny_bundle)))
    assert text.startswith("error: pick the circuit's vk.key"), text
    p.close()


def test_static_page_only_fetches_public_files(static_page: Page, tiny_bundle: Any, tmp_path: Path) -> None:
    assert static_page.verdict(write(tmp_path / "b.json", bundle_dict(tiny_bundle))).startswith("valid")
    paths = {(m, u.split("/", 3)[3]) for m, u in static_page.requests}
    assert paths == {
        ("GET", "index.html"),
        ("GET", "main.js"),
        ("GET", "style.css"),
        ("GET", "build-info.json"),
        ("GET", "ezkl_bg.wasm.gz"),
        ("GET", "v1/circuits"),
    }


# --- served mode: `zkverify serve` hosts the page and the circuits --------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, tiny_circuit: Any, other_circuit: Any) -> Iterator[str]:
    """A real `zkverify serve` process on 127.0.0.1 hosting two circuits (tiny one second)."""
    tmp = tmp_path_factory.mktemp("served")
    port = free_port()
    env = {**os.environ, "ZKVERIFY_TOKEN": "browser-test-token"}
    cmd = [
        sys.executable, "-c", "from zkverify.cli import main; main()", "serve",
        str(other_circuit.path), str(tiny_circuit.path), "--host", "127.0.0.1",
        "--port", str(port), "--db", str(tmp / "proofs.sqlite"),
    ]  # fmt: skip
    log = open(tmp / "serve.log", "wb")  # noqa: SIM115 (closed below, after the process)
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"zkverify serve exited: {(tmp / 'serve.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(base + "healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"zkverify serve did not come up: {(tmp / 'serve.log').read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def served_page(browser: Any, served: str) -> Iterator[Page]:
    p = Page(browser, served)
    yield p
    assert p.errors == []
    p.close()


def test_served_page_picks_the_hosted_circuit_and_verifies(
    served_page: Page, served: str, tiny_bundle: Any, tmp_path: Path
) -> None:
    assert served_page.page.text_content("#mode").startswith("This server hosts 2 circuits")
    b = bundle_dict(tiny_bundle)
    text = served_page.verdict(write(tmp_path / "bundle.json", b))
    assert text.startswith("valid"), text
    d = served_page.details()
    assert d["checked against"] == f'circuit "{b["circuit"]["name"]}" hosted by this server'
    # Only GETs of public files: the page never asks the server for a verdict.
    methods = {m for m, _ in served_page.requests}
    assert methods == {"GET"}
    fetched = {u.rsplit("/", 1)[1] for _, u in served_page.requests if "/files/" in u}
    assert fetched == {"vk.key", "settings.json", "kzg.srs"}
    assert not any("/v1/verify" in u for _, u in served_page.requests)


def test_served_flipped_proof_byte_is_invalid(served_page: Page, tiny_bundle: Any, tmp_path: Path) -> None:
    b = bundle_dict(tiny_bundle)
    b["proof"]["proof"][len(b["proof"]["proof"]) // 3] ^= 0x80
    text = served_page.verdict(write(tmp_path / "flipped.json", b))
    assert text.startswith("invalid: the proof does not verify"), text


def test_served_bundle_of_an_unhosted_circuit_is_an_error(
    served_page: Page, tiny_bundle: Any, tmp_path: Path
) -> None:
    b = bundle_dict(tiny_bundle)
    b["circuit"]["model_sha256"] = "0" * 64
    text = served_page.verdict(write(tmp_path / "unhosted.json", b))
    assert text.startswith("error: no circuit hosted here matches the bundle"), text


def test_served_malformed_file_is_an_error(served_page: Page, tmp_path: Path) -> None:
    text = served_page.verdict(write(tmp_path / "bad.json", b"\x89PNG not a bundle"))
    assert text.startswith("error: not valid JSON"), text


def test_static_page_keeps_working_after_an_invalid_proof(
    static_page: Page, tiny_bundle: Any, tmp_path: Path
) -> None:
    # The engine throws on a bad proof; the wasm instance must stay usable for the next bundle.
    good = bundle_dict(tiny_bundle)
    bad = bundle_dict(tiny_bundle)
    bad["proof"]["proof"][7] ^= 0x10
    sequence: list[dict[str, Any] | bytes] = [good, bad, b"{", good, bad, good]
    verdicts = [static_page.verdict(write(tmp_path / f"{i}.json", b)) for i, b in enumerate(sequence)]
    assert [v.split(":")[0] for v in verdicts] == [
        "valid", "invalid", "error", "valid", "invalid", "valid",
    ]  # fmt: skip
