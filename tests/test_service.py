"""The HTTP service on a real uvicorn server (127.0.0.1, free port) with an httpx client."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.service_fixtures import TAMPERINGS, TOKEN, ThreadServer, tampered
from zkverify.card import Card
from zkverify.errors import CircuitError
from zkverify.manifest import SETTINGS, SRS, VK, CircuitDir, ProofBundle
from zkverify.proving import prove
from zkverify.service import create_app
from zkverify.verifying import verify_bundle

AUTH = {"Authorization": f"Bearer {TOKEN}"}
MAX_BODY = 100_000


@pytest.fixture(scope="module")
def server(tiny_circuit: CircuitDir, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    db = tmp_path_factory.mktemp("service") / "proofs.sqlite3"
    with ThreadServer([tiny_circuit.path], db, max_concurrency=1, max_queue=16, verify_workers=2,
                      max_body=MAX_BODY) as s:
        yield s


@pytest.fixture(scope="module")
def client(server: ThreadServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def bundle_json(tiny_bundle_path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(tiny_bundle_path.read_text())
    return data


@pytest.fixture(scope="module")
def other_bundle(other_circuit: CircuitDir, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("other-bundle") / "proof.json"
    return prove(other_circuit.path, other_circuit.input, out).model_dump(mode="json")


def one_line_detail(r: httpx.Response) -> str:
    detail = r.json()["detail"]
    assert isinstance(detail, str) and detail and "\n" not in detail and "Traceback" not in detail
    return detail


def test_lists_hosted_circuits_with_their_hashes(client: httpx.Client, tiny_circuit: CircuitDir) -> None:
    listing = client.get("/v1/circuits").json()
    hashes = tiny_circuit.hashes()
    card_id = Card.load(tiny_circuit.card).circuit_id
    assert [(c["id"], c["name"]) for c in listing] == [(card_id, "tiny_mlp")]
    c = listing[0]
    assert {k: c[k] for k in ("name", "model_sha256", "settings_sha256", "vk_sha256")} == hashes
    assert c["logrows"] == tiny_circuit.load_manifest().logrows
    assert c["files"]["vk"] == f"/v1/circuits/{card_id}/files/vk.key"
    assert c["files"]["card"] == f"/v1/circuits/{card_id}/files/card.json"
    # Routes accept the circuit id or the name.
    assert client.get("/v1/circuits/tiny_mlp").json() == c == client.get(f"/v1/circuits/{card_id}").json()
    assert client.get(c["files"]["card"]).content == tiny_circuit.card.read_bytes()
    assert client.get("/v1/circuits/" + "0" * 64).status_code == 404


@pytest.mark.parametrize("name", ["card.json", VK, SETTINGS, SRS])
def test_public_files_are_the_circuit_files(client: httpx.Client, tiny_circuit: CircuitDir,
                                            name: str) -> None:
    r = client.get(f"/v1/circuits/tiny_mlp/files/{name}")
    assert r.status_code == 200
    assert r.content == tiny_circuit.file(name).read_bytes()


def test_solidity_verifier_download_or_a_clear_404(client: httpx.Client) -> None:
    try:
        import zkverify.evm  # noqa: F401
    except ImportError:
        r = client.get("/v1/circuits/tiny_mlp/files/Verifier.sol")
        assert r.status_code == 404 and "EVM" in one_line_detail(r)
        return
    r = client.get("/v1/circuits/tiny_mlp/files/Verifier.sol")
    assert r.status_code == 200, r.text
    assert "contract Halo2Verifier" in r.text
    assert client.get("/v1/circuits/tiny_mlp/files/Verifier.sol").text == r.text  # cached


def test_proving_key_is_not_downloadable(client: httpx.Client) -> None:
    r = client.get("/v1/circuits/tiny_mlp/files/pk.key")
    assert r.status_code == 404 and "pk.key" in one_line_detail(r)


@pytest.mark.parametrize("headers,status", [
    ({}, 401),
    ({"Authorization": "Bearer wrong-token"}, 401),
    ({"Authorization": f"Basic {TOKEN}"}, 401),
    ({"Authorization": "Bearer"}, 401),
])
def test_infer_refused_without_the_token(client: httpx.Client, tiny_circuit: CircuitDir,
                                         headers: dict[str, str], status: int) -> None:
    before = client.get("/healthz").json()["proofs"]
    r = client.post("/v1/circuits/tiny_mlp/infer", content=tiny_circuit.input.read_bytes(),
                    headers=headers)
    assert r.status_code == status
    assert r.headers["www-authenticate"] == "Bearer"
    assert TOKEN not in r.text
    one_line_detail(r)
    assert client.get("/healthz").json()["proofs"] == before  # nothing was proved


def test_infer_is_disabled_on_a_node_without_a_token(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    with ThreadServer([tiny_circuit.path], tmp_path / "db", token=None, verify_workers=1) as s:
        r = httpx.post(s.url + "/v1/circuits/tiny_mlp/infer", json=[0, 0, 0, 0], headers=AUTH)
    assert r.status_code == 403 and "disabled" in one_line_detail(r)


def test_infer_returns_a_recorded_verifiable_proof(client: httpx.Client,
                                                   tiny_circuit: CircuitDir) -> None:
    r = client.post("/v1/circuits/tiny_mlp/infer", json=[[0.5, -0.25, 0.125, 1.0]], headers=AUTH)
    assert r.status_code == 200, r.text
    answer = r.json()
    bundle = ProofBundle.from_obj(answer["bundle"])
    assert answer["proof_hash"] == bundle.proof_hash()
    assert answer["prediction"] == bundle.prediction and answer["circuit"] == "tiny_mlp"
    assert bundle.input_values == [[0.5, -0.25, 0.125, 1.0]]
    assert verify_bundle(tiny_circuit, bundle).valid  # checked locally, not by the server
    stored = client.get(f"/v1/proofs/{answer['proof_hash']}")
    assert stored.status_code == 200 and stored.json() == answer["bundle"]
    assert stored.headers["x-zkverify-circuit"] == "tiny_mlp"
    verdict = client.post("/v1/verify", json=stored.json()).json()
    assert verdict["valid"] is True and verdict["produced_here"] is True


def test_infer_accepts_ezkl_input_json(client: httpx.Client, tiny_circuit: CircuitDir) -> None:
    r = client.post("/v1/circuits/tiny_mlp/infer", content=tiny_circuit.input.read_bytes(), headers=AUTH)
    assert r.status_code == 200, r.text
    local = json.loads(tiny_circuit.input.read_text())["input_data"][0]
    assert r.json()["bundle"]["inputs"][0]["values"] == pytest.approx(local, abs=1 / 128)


def test_verify_a_valid_bundle(client: httpx.Client, bundle_json: dict[str, Any]) -> None:
    r = client.post("/v1/verify", json=bundle_json)
    assert r.status_code == 200
    v = r.json()
    assert v["valid"] is True and v["reason"] == "" and v["circuit"] == "tiny_mlp"
    assert v["prediction"] == bundle_json["outputs"][0]["prediction"] and v["produced_here"] is False
    assert v["proof_hash"] == ProofBundle.from_obj(bundle_json).proof_hash()


@pytest.mark.parametrize("how", TAMPERINGS)
def test_tampered_bundles_are_rejected(client: httpx.Client, bundle_json: dict[str, Any],
                                       tiny_circuit: CircuitDir, how: str) -> None:
    r = client.post("/v1/verify", json=tampered(bundle_json, how, tiny_circuit))
    assert r.status_code == 200, r.text
    v = r.json()
    assert v["valid"] is False
    assert v["reason"] and "\n" not in v["reason"]


def test_bundle_of_another_circuit_is_rejected(client: httpx.Client,
                                               other_bundle: dict[str, Any]) -> None:
    v = client.post("/v1/verify", json=other_bundle).json()
    assert v["valid"] is False and "no circuit hosted here" in v["reason"]
    # Claiming the hosted circuit's name does not help: the hashes name the other circuit.
    renamed = {**other_bundle, "circuit": {**other_bundle["circuit"], "name": "tiny_mlp"}}
    v = client.post("/v1/verify", json=renamed).json()
    assert v["valid"] is False and "another circuit" in v["reason"]


def test_concurrent_verify_burst_all_answered_correctly(server: ThreadServer,
                                                        bundle_json: dict[str, Any],
                                                        tiny_circuit: CircuitDir) -> None:
    bad = tampered(bundle_json, "proof_bytes", tiny_circuit)
    jobs = [(bundle_json, True) if i % 3 else (bad, False) for i in range(60)]

    with httpx.Client(base_url=server.url, timeout=60,
                      limits=httpx.Limits(max_connections=20)) as c:
        def check(job: tuple[dict[str, Any], bool]) -> tuple[int, bool, bool]:
            r = c.post("/v1/verify", json=job[0])
            return r.status_code, r.json().get("valid"), job[1]

        with ThreadPoolExecutor(20) as pool:
            results = list(pool.map(check, jobs))
    assert [s for s, _, _ in results] == [200] * len(jobs)
    assert all(got is want for _, got, want in results)


MALFORMED = [
    ("post", "/v1/verify", b"{not json", 400, "not valid JSON"),
    ("post", "/v1/verify", b"", 400, "empty request body"),
    ("post", "/v1/verify", b"[" * 50_000 + b"]" * 50_000, 400, "not usable JSON"),
    ("post", "/v1/verify", b"\xff\xfe", 400, "JSON"),
    ("post", "/v1/circuits/tiny_mlp/infer", b"[" + b"9" * 5000 + b", 0, 0, 0]", 400, "not usable JSON"),
    ("post", "/v1/verify", b"[1, 2]", 422, "not a proof bundle"),
    ("post", "/v1/verify", b'{"format": "other/1"}', 422, "not a zkverify proof bundle"),
    ("post", "/v1/circuits/tiny_mlp/infer", b"[1, 2, 3]", 422, "expected 4 values"),
    ("post", "/v1/circuits/tiny_mlp/infer", b'[1, "a", 3, 4]', 422, "list of numbers"),
    ("post", "/v1/circuits/tiny_mlp/infer", b"[[1, 2], [3]]", 422, "not a rectangular list"),
    ("post", "/v1/circuits/tiny_mlp/infer", b"[NaN, 1, 2, 3]", 422, "finite"),
    ("post", "/v1/circuits/tiny_mlp/infer", b'{"input": [1, 2, 3, 4]}', 422, "input_data"),
    ("post", "/v1/circuits/tiny_mlp/infer", b"[1e9, 0, 0, 0]", 422, "cannot prove this input"),
    ("post", "/v1/circuits/tiny_mlp/infer", b"{", 400, "not valid JSON"),
    ("post", "/v1/circuits/nope/infer", b"[1, 2, 3, 4]", 404, "unknown circuit 'nope'"),
    ("get", "/v1/circuits/nope", None, 404, "unknown circuit"),
    ("get", "/v1/circuits/nope/files/vk.key", None, 404, "unknown circuit"),
    ("get", "/v1/circuits/tiny_mlp/files/..%2Fpk.key", None, 404, "Not Found"),
    ("get", "/v1/circuits/tiny_mlp/files/model.compiled", None, 404, "no public file"),
    ("get", "/v1/proofs/not-a-hash", None, 400, "not a proof hash"),
    ("get", "/v1/proofs/" + "0" * 64, None, 404, "no proof"),
]


@pytest.mark.parametrize("method,path,body,status,message", MALFORMED,
                         ids=[f"{m[1]}:{m[4]}" for m in MALFORMED])
def test_malformed_requests_get_a_4xx_with_a_message(client: httpx.Client, method: str, path: str,
                                                     body: bytes | None, status: int,
                                                     message: str) -> None:
    if method == "post":
        r = client.post(path, content=body, headers={**AUTH, "Content-Type": "application/json"})
    else:
        r = client.get(path)
    assert r.status_code == status, r.text
    assert message in one_line_detail(r)


def test_request_body_size_is_limited(client: httpx.Client, bundle_json: dict[str, Any]) -> None:
    padded = json.dumps({**bundle_json, "pad": " " * MAX_BODY}).encode()
    r = client.post("/v1/verify", content=padded)
    assert r.status_code == 413 and "limit" in one_line_detail(r)
    # Without a Content-Length (chunked), the limit holds while reading.
    r = client.post("/v1/verify", content=iter([padded[:60_000], padded[60_000:]]))
    assert r.status_code == 413 and "limit" in one_line_detail(r)
    r = client.post("/v1/circuits/tiny_mlp/infer", content=b"[" + b"0," * MAX_BODY + b"0]",
                    headers=AUTH)
    assert r.status_code == 413
    assert client.post("/v1/verify", json=bundle_json).json()["valid"] is True  # still serving


def test_healthz_and_metrics(client: httpx.Client, bundle_json: dict[str, Any]) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["circuits"] == ["tiny_mlp"]
    assert health["queues"]["prove"]["workers"] == 1 and health["queues"]["prove"]["max_queue"] == 16
    client.post("/v1/verify", json=bundle_json)
    assert client.post("/v1/circuits/tiny_mlp/infer", json=[0, 0, 0, 0], headers=AUTH).is_success
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert 'zkverify_http_requests_total{method="POST",route="/v1/verify",status="200"}' in text
    assert 'zkverify_verifications_total{result="valid"}' in text
    assert 'zkverify_queue_waiting{pool="prove"} 0.0' in text
    assert _metric(text, 'zkverify_proofs_total{circuit="tiny_mlp"}') >= 1
    assert _metric(text, 'zkverify_proving_seconds_count{circuit="tiny_mlp"}') >= 1
    assert _metric(text, 'zkverify_proving_seconds_sum{circuit="tiny_mlp"}') > 0


def _metric(text: str, name: str) -> float:
    values = [float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " ")]
    assert len(values) == 1, name
    return values[0]


def test_openapi_schema_lists_the_endpoints(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    assert "$defs" not in json.dumps(schema)  # every $ref resolves inside the document
    paths = schema["paths"]
    for p in ("/v1/circuits", "/v1/circuits/{cid}", "/v1/circuits/{cid}/files/{name}",
              "/v1/circuits/{cid}/infer", "/v1/verify", "/v1/proofs/{proof_hash}", "/healthz",
              "/metrics"):
        assert p in paths


def test_browser_page_is_served_at_root(client: httpx.Client) -> None:
    from zkverify.web import static_dir

    r = client.get("/")
    assert r.status_code == 200 and r.text == (static_dir() / "index.html").read_text()


def test_circuit_ids_must_be_unique(tiny_circuit: CircuitDir, circuit_copy: CircuitDir,
                                    tmp_path: Path) -> None:
    with pytest.raises(CircuitError, match="already hosted"):
        create_app([tiny_circuit.path, circuit_copy.path], tmp_path / "db", TOKEN)


def test_a_modified_circuit_directory_is_refused(circuit_copy: CircuitDir, tmp_path: Path) -> None:
    vk = bytearray(circuit_copy.vk.read_bytes())
    vk[len(vk) // 2] ^= 0xFF
    circuit_copy.vk.write_bytes(bytes(vk))
    with pytest.raises(CircuitError, match="vk.key: does not match"):
        create_app([circuit_copy.path], tmp_path / "db", TOKEN)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)  # JSON has neither
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children,
                                                                      max_size=4),
    max_leaves=12)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value (dict keys and list indexes; long lists only at both ends)."""
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i in sorted({0, len(node) - 1} if len(node) > 8 else range(len(node))):
            if node:
                out += _paths(node[i], (*prefix, i))
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_mutation_of_a_bundle_gets_a_5xx(client: httpx.Client, bundle_json: dict[str, Any],
                                            data: st.DataObject) -> None:
    places = _paths(bundle_json)[1:]
    where = data.draw(st.sampled_from(places))
    value = data.draw(JSON_VALUES)
    mutated = copy.deepcopy(bundle_json)
    node = mutated
    for key in where[:-1]:
        node = node[key]
    if data.draw(st.booleans()) and isinstance(node, dict):
        del node[where[-1]]
    else:
        node[where[-1]] = value
    r = client.post("/v1/verify", json=mutated)
    assert r.status_code in (200, 422), r.text
    if r.status_code == 200:
        assert isinstance(r.json()["valid"], bool) and "\n" not in r.json()["reason"]
    else:
        one_line_detail(r)


def test_client_picks_the_only_hosted_circuit(server: ThreadServer, tiny_circuit: CircuitDir) -> None:
    from zkverify.client import infer_remote, verify_remote

    answer = infer_remote(server.url, None, [0.5, 0.5, -0.5, 0.0], TOKEN)
    assert answer["circuit"] == "tiny_mlp"
    bundle = ProofBundle.from_obj(answer["bundle"])
    assert verify_bundle(tiny_circuit, bundle).valid
    verdict = verify_remote(server.url, bundle)
    assert verdict["valid"] is True and verdict["prediction"] == answer["prediction"]
