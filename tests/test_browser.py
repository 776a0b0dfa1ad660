"""The browser verifier in a real headless Chromium (Debian's chromium, driven by Playwright).

Static-folder mode: the built page is served by a stdlib http.server and the person picks the
circuit files (card, vk, settings, SRS). Served mode: ``zkverify serve``'s app hosts the page and
the circuit, and the page fetches the circuit the bundle names. Either way the verdict is computed
in the page, its proof check in wasm. The conformance vectors (tests/conformance) run through the
real page too, so the page answers each of them as zkverify/verdict.py does.
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

from zkverify.files import read_json
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
PICKERS = {"card": "card.json", "vk": "vk.key", "settings": "settings.json", "srs": "kzg.srs"}
VECTORS = Path(__file__).parent / "conformance"

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

    def __init__(self, browser: Any, url: str, route: tuple[Any, Any] | None = None) -> None:
        self.page = browser.new_page()
        if route is not None:  # (url pattern, handler): stand in for the server on that URL
            self.page.route(*route)
        self.requests: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append((r.method, r.url)))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)
        self.page.wait_for_selector("#bundle:not([disabled])", timeout=30_000)

    def pick_circuit(self, circuit: Any) -> None:
        """Pick a circuit's four public files (a CircuitDir or a folder that holds them)."""
        folder = Path(getattr(circuit, "path", circuit))
        for picker, name in PICKERS.items():
            self.page.set_input_files(f"#{picker}", str(folder / name))

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


def test_static_valid_bundle_verifies(
    static_page: Page, tiny_bundle: Any, tiny_circuit: Any, tmp_path: Path
) -> None:
    from zkverify.card import Card

    card = Card.load(tiny_circuit.path / "card.json")
    b = bundle_dict(tiny_bundle)
    assert b["format"] == "zkverify.proof-bundle/2"
    (inp,), (out,) = b["inputs"], b["outputs"]
    text = static_page.verdict(write(tmp_path / "bundle.json", b))
    assert text == f'valid: the proof verifies for circuit "{card.name}": proves class {out["prediction"]}'
    d = static_page.details()
    assert d["circuit"] == card.name
    assert d["circuit id"] == card.circuit_id
    assert d["SRS"].startswith("local-dev (generated locally")
    assert d["weights bound"].startswith("yes")
    assert d["checked against"].startswith("files you picked")
    assert d["prediction (proven)"] == f"class {out['prediction']} (argmax of the proven outputs)"
    # The page decodes each named tensor from the proof's instances itself; they match Python's.
    assert d[f"input {inp['name']} (proven)"] == "[" + ", ".join(_js_num(x) for x in inp["values"]) + "]"
    assert d[f"output {out['name']} (proven)"] == "[" + ", ".join(_js_num(x) for x in out["values"]) + "]"
    assert re.fullmatch(r"\d+ ms to verify \(\d+ ms in all\)", d["time"])


def _js_num(x: float) -> str:
    return str(int(x)) if x == int(x) else repr(x)


def flip(b: dict[str, Any], at: int, bit: int) -> dict[str, Any]:
    """Flip one proof bit, keeping hex_proof consistent so only the proof check can catch it."""
    b["proof"]["proof"][at] ^= bit
    b["proof"]["hex_proof"] = "0x" + bytes(b["proof"]["proof"]).hex()
    return b


def test_static_flipped_proof_byte_is_invalid(static_page: Page, tiny_bundle: Any, tmp_path: Path) -> None:
    b = bundle_dict(tiny_bundle)
    text = static_page.verdict(write(tmp_path / "flipped.json", flip(b, len(b["proof"]["proof"]) // 2, 1)))
    assert text.startswith("invalid: the proof does not verify"), text
    assert static_page.details()["rejected field"] == "proof"


def test_static_flipped_byte_without_hex_proof_update_is_invalid(
    static_page: Page, tiny_bundle: Any, tmp_path: Path
) -> None:
    b = bundle_dict(tiny_bundle)
    b["proof"]["proof"][3] ^= 0x04
    text = static_page.verdict(write(tmp_path / "flipped.json", b))
    assert text.startswith("invalid: proof.hex_proof"), text


def test_static_edited_instance_with_matching_claims_is_caught_by_the_proof_check(
    static_page: Page, tiny_bundle: Any, tiny_circuit: Any, tmp_path: Path
) -> None:
    # The claims follow the edited instance, so only the WebAssembly proof check can reject it.
    from zkverify.verdict import FIELD_MODULUS

    b = bundle_dict(tiny_bundle)
    scale = tiny_circuit.settings_json()["model_output_scales"][0]
    inst = b["proof"]["instances"][0]
    out = b["outputs"][0]
    k = len(inst) - len(out["values"])  # the first output
    value = int.from_bytes(bytes.fromhex(inst[k]), "little") + 1
    inst[k] = value.to_bytes(32, "little").hex()
    signed = value - FIELD_MODULUS if value > (FIELD_MODULUS - 1) // 2 else value
    out["values"][0] = signed / 2**scale
    out["prediction"] = out["values"].index(max(out["values"]))
    text = static_page.verdict(write(tmp_path / "edited.json", b))
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
    b["outputs"][0]["values"][0] += 1.0
    text = static_page.verdict(write(tmp_path / "edited.json", b))
    assert text == "invalid: outputs[0].values: do not match the public outputs in the proof"
    assert static_page.details()["rejected field"] == "outputs[0].values"


def test_static_edited_prediction_is_invalid(static_page: Page, tiny_bundle: Any, tmp_path: Path) -> None:
    b = bundle_dict(tiny_bundle)
    out = b["outputs"][0]
    assert isinstance(out["prediction"], int)
    out["prediction"] = 1 - out["prediction"]
    text = static_page.verdict(write(tmp_path / "edited.json", b))
    assert text.startswith("invalid: outputs[0].prediction: does not follow from the proven outputs"), text
    # The verdict reports proven values only: nothing the bundle claims is shown.
    d = static_page.details()
    assert d["rejected field"] == "outputs[0].prediction"
    assert not any("proven" in label for label in d)


def test_static_page_shows_the_cards_name_not_the_bundles(
    static_page: Page, tiny_bundle: Any, tiny_circuit: Any, tmp_path: Path
) -> None:
    from zkverify.card import Card

    b = bundle_dict(tiny_bundle)
    b["circuit"]["name"] = "a famous audited model"
    text = static_page.verdict(write(tmp_path / "renamed.json", b))
    name = Card.load(tiny_circuit.path / "card.json").name
    assert text.startswith(f'valid: the proof verifies for circuit "{name}"'), text
    assert "famous" not in (static_page.page.text_content("body") or "")


def test_static_unbound_weights_are_said_in_the_verdict(
    browser: Any, static_site: str, tiny_circuit: Any, tmp_path: Path
) -> None:
    """A circuit built with private params (asked for explicitly): valid, and the page says
    that nothing binds the weights, in the verdict line and in the details."""
    from zkverify.circuit import build
    from zkverify.proving import prove

    from .conftest import tiny_config

    cfg = tiny_config(name="unbound", param_visibility="private", allow_unbound_weights=True)
    res = build(tiny_circuit.onnx, tmp_path / "unbound", cfg)
    b = prove(res.circuit.path, tiny_circuit.input).model_dump(mode="json")
    p = Page(browser, static_site + "index.html")
    p.pick_circuit(res.circuit)
    text = p.verdict(write(tmp_path / "bundle.json", b))
    assert text.startswith('valid: the proof verifies for circuit "unbound"'), text
    assert text.endswith("(the weights are not bound: any weights of this architecture would verify)")
    assert p.details()["weights bound"].startswith("no:")
    p.close()


def test_static_modified_srs_is_an_error(
    browser: Any, static_site: str, tiny_circuit: Any, tiny_bundle: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "circuit"
    folder.mkdir()
    for name in PICKERS.values():
        (folder / name).write_bytes((tiny_circuit.path / name).read_bytes())
    srs = bytearray((folder / "kzg.srs").read_bytes())
    srs[len(srs) // 2] ^= 1
    (folder / "kzg.srs").write_bytes(bytes(srs))
    p = Page(browser, static_site + "index.html")
    p.pick_circuit(folder)
    text = p.verdict(write(tmp_path / "bundle.json", bundle_dict(tiny_bundle)))
    assert text.startswith("error: the circuit files were modified: kzg.srs does not match srs_sha256"), text
    p.close()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "error: empty file"),
        (b"{not json", "error: not valid JSON"),
        (b"\xef\xbb\xbf{}", "error: not valid JSON"),
        (b"[1, 2]", "error: not a zkverify proof bundle"),
        (b'{"format": "something/else"}', "error: not a zkverify proof bundle"),
    ],
)
def test_static_malformed_file_is_an_error(
    static_page: Page, tmp_path: Path, content: bytes, message: str
) -> None:
    text = static_page.verdict(write(tmp_path / "bad.json", content))
    assert text.startswith(message), text


def test_static_bundle_without_proof_bytes_is_invalid(
    static_page: Page, tiny_bundle: Any, tmp_path: Path
) -> None:
    # It parses as a bundle, so it is a verdict (invalid, naming the field), not an error.
    b = bundle_dict(tiny_bundle)
    del b["proof"]["proof"]
    text = static_page.verdict(write(tmp_path / "noproof.json", b))
    assert text.startswith("invalid: proof.proof:"), text
    assert static_page.details()["rejected field"] == "proof.proof"


def test_static_vk_of_another_circuit_is_invalid(
    browser: Any, static_site: str, other_circuit: Any, tiny_bundle: Any, tmp_path: Path
) -> None:
    p = Page(browser, static_site + "index.html")
    p.pick_circuit(other_circuit)
    text = p.verdict(write(tmp_path / "bundle.json", bundle_dict(tiny_bundle)))
    assert text.startswith("invalid: the bundle belongs to another circuit (its model_sha256"), text
    assert p.details()["rejected field"] == "circuit.model_sha256"
    p.close()


def test_static_without_circuit_files_asks_for_them(
    browser: Any, static_site: str, tiny_bundle: Any, tmp_path: Path
) -> None:
    p = Page(browser, static_site + "index.html")
    assert p.page.text_content("#mode").startswith("Static mode")
    text = p.verdict(write(tmp_path / "bundle.json", bundle_dict(tiny_bundle)))
    assert text.startswith("error: pick the circuit's card.json, vk.key, settings.json and kzg.srs"), text
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
    assert d["checked against"] == "files of circuit tiny_mlp hosted by this server"
    assert d["circuit"] == "tiny_mlp"
    listed = {c["name"]: c for c in json.loads(urllib.request.urlopen(served + "v1/circuits").read())}
    assert d["circuit id"] == listed["tiny_mlp"]["circuit_id"]
    # Only GETs of public files: the page never asks the server for a verdict.
    methods = {m for m, _ in served_page.requests}
    assert methods == {"GET"}
    fetched = {u.rsplit("/", 1)[1] for _, u in served_page.requests if "/files/" in u}
    assert fetched == {"card.json", "vk.key", "settings.json", "kzg.srs"}
    assert not any("/v1/verify" in u for _, u in served_page.requests)


def test_served_card_must_hash_to_the_listed_circuit_id(
    browser: Any, served: str, tiny_bundle: Any, tmp_path: Path
) -> None:
    # A listing whose circuit id is not the hash of the card it serves: the page refuses the card.
    def listing(route: Any) -> None:
        body = route.fetch().json()
        for c in body:
            c["circuit_id"] = "ab" * 32
        route.fulfill(json=body)

    p = Page(browser, served, route=(re.compile(r".*/v1/circuits$"), listing))
    text = p.verdict(write(tmp_path / "bundle.json", bundle_dict(tiny_bundle)))
    assert text.startswith("error: the circuit card is not the one expected"), text
    p.close()


def test_served_flipped_proof_byte_is_invalid(served_page: Page, tiny_bundle: Any, tmp_path: Path) -> None:
    b = flip(bundle_dict(tiny_bundle), len(tiny_bundle.proof["proof"]) // 3, 0x80)
    text = served_page.verdict(write(tmp_path / "flipped.json", b))
    assert text.startswith("invalid: the proof does not verify"), text


def test_served_bundle_of_an_unhosted_circuit_is_an_error(
    served_page: Page, tiny_bundle: Any, tmp_path: Path
) -> None:
    b = bundle_dict(tiny_bundle)
    b["circuit"]["vk_sha256"] = "0" * 64
    b["circuit"]["name"] = "nowhere"
    text = served_page.verdict(write(tmp_path / "unhosted.json", b))
    assert text.startswith("error: no circuit hosted here matches the bundle"), text


def test_served_bundle_naming_a_hosted_circuit_with_another_model_is_invalid(
    served_page: Page, tiny_bundle: Any, tmp_path: Path
) -> None:
    # Found by its vk, held to its card: the model hash the bundle names is not the card's.
    b = bundle_dict(tiny_bundle)
    b["circuit"]["model_sha256"] = "0" * 64
    text = served_page.verdict(write(tmp_path / "othermodel.json", b))
    assert text.startswith("invalid: the bundle belongs to another circuit (its model_sha256"), text
    assert served_page.details()["rejected field"] == "circuit.model_sha256"


def test_served_malformed_file_is_an_error(served_page: Page, tmp_path: Path) -> None:
    # Not UTF-8: unreadable, as Python's read_text finds it, before any circuit is looked for.
    text = served_page.verdict(write(tmp_path / "bad.json", b"\x89PNG not a bundle"))
    assert text.startswith("error: cannot read proof bundle: not UTF-8"), text
    text = served_page.verdict(write(tmp_path / "bad2.json", b"PNG not a bundle"))
    assert text.startswith("error: not valid JSON"), text


def test_static_page_keeps_working_after_an_invalid_proof(
    static_page: Page, tiny_bundle: Any, tmp_path: Path
) -> None:
    # The engine throws on a bad proof; the wasm instance must stay usable for the next bundle.
    good = bundle_dict(tiny_bundle)
    bad = flip(bundle_dict(tiny_bundle), 7, 0x10)
    sequence: list[dict[str, Any] | bytes] = [good, bad, b"{", good, bad, good]
    verdicts = [static_page.verdict(write(tmp_path / f"{i}.json", b)) for i, b in enumerate(sequence)]
    assert [v.split(":")[0] for v in verdicts] == [
        "valid", "invalid", "error", "valid", "invalid", "valid",
    ]  # fmt: skip


# --- conformance: the vectors zkverify/verdict.py answers, through the real page --------------


def _vector_cases() -> dict[str, list[dict[str, Any]]]:
    by_circuit: dict[str, list[dict[str, Any]]] = {}
    for p in sorted((VECTORS / "cases").glob("*.json")):
        case = read_json(p)  # integers of any length, as zkverify reads bundles
        by_circuit.setdefault(case["circuit"], []).append(case)
    return by_circuit


CONFORMANCE = _vector_cases() if (VECTORS / "cases").is_dir() else {}


def test_the_vectors_are_there() -> None:
    verdicts = {c["expect"]["verdict"] for cases in CONFORMANCE.values() for c in cases}
    assert {"valid", "invalid", "error"} <= verdicts, sorted(verdicts)


def bundle_bytes(case: dict[str, Any]) -> bytes:
    """The case's bundle as a file holds it (json.dumps keeps 1.0 a float, 1 an int)."""
    if "bundle_text" in case:
        return str(case["bundle_text"]).encode()
    # A 5000-digit integer reads back as infinity (zkverify.files.read_json): write it as digits.
    return json.dumps(case["bundle"]).replace("Infinity", "9" * 5000).encode()


@pytest.mark.parametrize("circuit", sorted(CONFORMANCE))
def test_page_answers_every_conformance_vector(
    browser: Any, static_site: str, circuit: str, tmp_path: Path
) -> None:
    """Static mode, the circuit's four files picked once, then each of its cases as a bundle."""
    from zkverify.card import Card

    card = Card.load(VECTORS / "circuits" / circuit / "card.json")
    p = Page(browser, static_site + "index.html")
    p.pick_circuit(VECTORS / "circuits" / circuit)
    wrong = []
    for case in CONFORMANCE[circuit]:
        # expect_page: where the page must refuse what Python checks (a Freivalds circuit).
        want = case.get("expect_page", case["expect"])
        text = p.verdict(write(tmp_path / f"{case['name']}.json", bundle_bytes(case)))
        d = p.details()
        got = (text.split(":", 1)[0], d.get("rejected field"))
        if got != (want["verdict"], want["field"]) or want["reason"] not in text:
            wrong.append(f"{case['name']}: expected {want['verdict']} {want['field']} "
                         f"{want['reason']!r}, got {text!r}")
        elif want["verdict"] == "valid" and (d["circuit"], d["circuit id"]) != (card.name, card.circuit_id):
            wrong.append(f"{case['name']}: shows circuit {d['circuit']!r} {d['circuit id']}")
        elif d.get("proof hash", want.get("proof_hash")) != want.get("proof_hash", d.get("proof hash")):
            wrong.append(f"{case['name']}: proof hash {d.get('proof hash')}")
        elif want.get("shown_name", d.get("circuit")) != d.get("circuit"):
            wrong.append(f"{case['name']}: shows circuit {d.get('circuit')!r}")
        elif want["verdict"] == "valid" and (shown := _named_rows(d)) != _named_rows_of(card, case):
            wrong.append(f"{case['name']}: shows {shown}, expected {_named_rows_of(card, case)}")
    assert p.errors == []
    p.close()
    assert wrong == []


def _named_rows(d: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in d.items() if k.startswith(("input ", "output ", "prediction"))}


def _named_rows_of(card: Any, case: dict[str, Any]) -> dict[str, str]:
    """The rows the page shows for a valid bundle: each tensor by name, each class prediction."""
    b = case["bundle"]
    rows: dict[str, str] = {}
    show = lambda vals: "[" + ", ".join(_js_value(x) for x in vals) + "]"  # noqa: E731
    for d, tensors in (("input", card.input_tensors()), ("output", card.output_tensors())):
        for i, t in enumerate(tensors):
            if b["format"] == "zkverify.proof-bundle/1":  # hashes only in the instances
                vals = None if b[f"{d}s"] is None else b[f"{d}s"][i]
                flat = [f for col in b["proof"]["instances"] for f in col]
                n = len(tensors)
                h = None if card.visibility[d] != "hashed" else (flat[:n] if d == "input" else flat[-n:])[i]
            else:
                vals, h = b[f"{d}s"][i]["values"], b[f"{d}s"][i]["hash"]
            if vals is not None:
                rows[f"{d} {t.name} (proven)"] = show(vals)
            elif h is not None:
                rows[f"{d} {t.name} hash (proven)"] = h
            else:
                rows[f"{d} {t.name}"] = "private (not in the proof's public instances)"
    if card.batch_size:
        # One line per real input (the padding rows are never predictions), from the claims.
        from zkverify.manifest import ProofBundle

        rules = dict(zip([t.name for t in card.output_tensors()], card.output_rules(), strict=True))

        def text(p: Any, rule: str) -> str:
            if rule != "argmax":
                return show(p)
            return f"classes {show(p)}" if isinstance(p, list) else f"class {p}"

        for r, p in enumerate(ProofBundle.model_validate(b).predictions or []):
            rows[f"prediction, input {r + 1} (proven)"] = (
                text(p, next(iter(rules.values()))) if len(rules) == 1
                else "; ".join(f"{n} = {text(p[n], rule)}" for n, rule in rules.items()))
        return rows
    for i, (t, rule) in enumerate(zip(card.output_tensors(), card.output_rules(), strict=True)):
        # A valid bundle's claims are what was proven.
        p = b.get("prediction") if b["format"] == "zkverify.proof-bundle/1" else b["outputs"][i]["prediction"]
        if rule != "argmax" or p is None:
            continue
        label = "prediction (proven)" if len(card.outputs) == 1 else f"prediction {t.name} (proven)"
        rows[label] = (f"classes {show(p)} (argmax over the last axis, one per row)"
                       if isinstance(p, list) else f"class {p} (argmax of the proven outputs)")
    return rows


def _js_value(x: Any) -> str:
    """A proven value as the page prints it (String() of a double, a BigInt or a boolean)."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float) and x == int(x) and abs(x) < 1e21:
        return str(int(x))
    return str(x) if isinstance(x, int) else repr(x)


def test_page_names_each_output_of_a_two_output_circuit(
    browser: Any, static_site: str, tmp_path: Path
) -> None:
    """A card/2 circuit with two inputs (float, int64) and two outputs (class scores over two
    rows, values): the verdict line names each output's prediction, the details each tensor."""
    case = read_json(VECTORS / "cases" / "v2_valid_two_io.json")
    b = case["bundle"]
    scores, total = b["outputs"]
    p = Page(browser, static_site + "index.html")
    p.pick_circuit(VECTORS / "circuits" / "two_io")
    text = p.verdict(write(tmp_path / "bundle.json", bundle_bytes(case)))
    show = lambda vals: "[" + ", ".join(_js_value(x) for x in vals) + "]"  # noqa: E731
    assert text == (f'valid: the proof verifies for circuit "two_io": proves scores = classes '
                    f'{show(scores["prediction"])}; total = {show(total["values"])}')
    d = p.details()
    assert d["input ids (proven)"] == show(b["inputs"][1]["values"])  # integers stay integers
    assert d["prediction scores (proven)"].startswith("classes [")
    assert "prediction total (proven)" not in d
    assert p.errors == []
    p.close()


def test_page_shows_one_line_per_real_input_of_a_batched_proof(
    browser: Any, static_site: str, tmp_path: Path
) -> None:
    """A batched proof (B = 4) of 2 inputs: the verdict line counts the real inputs, the details
    show one prediction line per real input and never a padding row's."""
    case = read_json(VECTORS / "cases" / "batched_valid_real_2.json")
    preds = case["expect"]["predictions"]
    p = Page(browser, static_site + "index.html")
    p.pick_circuit(VECTORS / "circuits" / "batched")
    text = p.verdict(write(tmp_path / "bundle.json", bundle_bytes(case)))
    assert text == ('valid: the proof verifies for circuit "batched": proves 2 inputs in a batch '
                    'of 4 (one line per input below)')
    d = p.details()
    assert d["batch"] == ("2 real inputs in a batch of 4 (the last 2 rows: padding, checked to be "
                          "copies of input 1; never counted as predictions)")
    show = lambda vals: "[" + ", ".join(_js_value(x) for x in vals) + "]"  # noqa: E731
    lines = {k: v for k, v in d.items() if k.startswith("prediction")}
    assert lines == {f"prediction, input {r + 1} (proven)":
                     f"scores = class {q['scores']}; total = {show(q['total'])}"
                     for r, q in enumerate(preds)}
    # The padding is refused where the inputs are public.
    text = p.verdict(write(tmp_path / "real1.json", bundle_bytes(
        read_json(VECTORS / "cases" / "batched_real_lowered_to_1.json"))))
    assert text.startswith("invalid: batch.real: input 0's rows after the first 1 are not copies")
    assert p.errors == []
    p.close()
