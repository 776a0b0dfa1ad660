"""Ray on a real two-node cluster on this machine (`ray start --head` + `ray start --address`):
batch proving with `prove --ray ADDR` and `--ray local`, and a node proving through
`serve --ray ADDR`. Every Ray driver is a subprocess (or connects and disconnects inside one
test), so no Ray stays initialised in the test process and nothing is left running."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.ray_fixtures import Cluster, two_node_cluster
from tests.service_fixtures import TOKEN, ProcessServer
from zkverify.manifest import CircuitDir, ProofBundle
from zkverify.verifying import verify_bundle

pytestmark = pytest.mark.ray
pytest.importorskip("ray")
ZKVERIFY = str(Path(sys.executable).parent / "zkverify")


def write_jsonl(path: Path, n: int, seed: int) -> Path:
    rows = np.random.default_rng(seed).uniform(-1, 1, (n, 4)).round(4).tolist() + [[1, 2, 3]]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with two_node_cluster(tmp_path_factory.mktemp("ray")) as c, pytest.MonkeyPatch.context() as mp:
        for k in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN"):  # for ProcessServer's `zkverify serve`
            mp.setenv(k, c.env[k])
        yield c


def prove_cli(circuit: CircuitDir, src: Path, out: Path, *extra: str,
              env: dict[str, str] | None = None) -> tuple[int, dict, str]:
    r = subprocess.run([ZKVERIFY, "prove", str(circuit.path), str(src), "-o", str(out), "--json",
                        *extra], capture_output=True, text=True, timeout=300,
                       env=env or dict(os.environ))
    return r.returncode, json.loads(r.stdout), r.stderr


def test_batch_on_the_cluster_matches_a_local_run(tiny_circuit: CircuitDir, tmp_path: Path,
                                                  cluster: Cluster) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", 4, seed=4)
    code, local, _ = prove_cli(tiny_circuit, src, tmp_path / "local")
    assert code == 1 and local["ok"] == 4
    code, on_ray, err = prove_cli(tiny_circuit, src, tmp_path / "ray", "--ray", cluster.address,
                                  env=cluster.env)
    assert code == 1, err
    # One actor per CPU of the cluster: one on each node.
    assert (on_ray["backend"], on_ray["workers"], on_ray["ok"], on_ray["failed"]) == ("ray", 2, 4, 1)
    for p in sorted((tmp_path / "local").glob("proof-*.json")):
        a, b = ProofBundle.load(p), ProofBundle.load(tmp_path / "ray" / p.name)
        assert (a.outputs, a.prediction, a.proof["instances"]) == (
            b.outputs, b.prediction, b.proof["instances"])
        assert verify_bundle(tiny_circuit, b).valid
    # Again: every valid bundle is skipped.
    code, again, _ = prove_cli(tiny_circuit, src, tmp_path / "ray", "--ray", cluster.address,
                               env=cluster.env)
    assert code == 1 and (again["skipped"], again["failed"]) == (4, 1)


def test_ray_local_as_in_the_readme(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    """`--ray local` starts a private Ray for the run and stops it."""
    src = write_jsonl(tmp_path / "in.jsonl", 2, seed=5)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
    code, summary, err = prove_cli(tiny_circuit, src, tmp_path / "out", "--ray", "local", env=env)
    assert code == 1, err
    assert (summary["backend"], summary["ok"], summary["failed"]) == ("ray", 2, 1)


# Run as a separate driver (a Ray driver in the test process would stay initialised): the
# cluster's CPUs are all held by serve's two actors (one CPU per node: one actor on each), and
# a task told the circuit is at a path no node has rebuilds it from the object store's bytes.
_DRIVER = r"""
import json, shutil, sys
from pathlib import Path
import ray
from zkverify.backends import _local_circuit
from zkverify.manifest import CircuitDir
from zkverify.proving import PROVE_FILES
address, path = sys.argv[1], sys.argv[2]
cd = CircuitDir(path)
ray.init(address=address, log_to_driver=False)
out = {"cpus": ray.cluster_resources().get("CPU"), "free": ray.available_resources().get("CPU", 0)}
files = {n: ray.put(cd.file(n).read_bytes()) for n in PROVE_FILES}
task = ray.remote(num_cpus=0)(_local_circuit)
local = Path(ray.get(task.remote("/nonexistent/circuit", files, cd.hashes())))
out["copied"] = local != cd.path and all(
    (local / n).read_bytes() == cd.file(n).read_bytes() for n in PROVE_FILES)
shutil.rmtree(local, ignore_errors=True)
out["in_place"] = ray.get(task.remote(str(cd.path), files, cd.hashes())) == str(cd.path)
ray.shutdown()
print(json.dumps(out))
"""


def test_serve_proves_on_the_cluster(tiny_circuit: CircuitDir, tmp_path: Path,
                                     cluster: Cluster) -> None:
    server = ProcessServer([tiny_circuit.path], tmp_path / "p.sqlite3", tmp_path / "serve.log",
                           "--ray", cluster.address, "--max-concurrency", "2")
    try:
        r = subprocess.run([sys.executable, "-c", _DRIVER, cluster.address, str(tiny_circuit.path)],
                           capture_output=True, text=True, timeout=180, env=cluster.env)
        assert r.returncode == 0, r.stderr[-2000:]
        assert json.loads(r.stdout) == {"cpus": 2, "free": 0, "copied": True, "in_place": True}
        x = json.loads(tiny_circuit.input.read_text())

        def infer(_: int) -> dict:
            r = httpx.post(f"{server.url}/v1/circuits/tiny_mlp/infer", json=x, timeout=120,
                           headers={"Authorization": f"Bearer {TOKEN}"})
            assert r.status_code == 200, r.text
            return dict(r.json())

        with ThreadPoolExecutor(2) as ex:
            answers = list(ex.map(infer, range(2)))
        for a in answers:
            assert verify_bundle(tiny_circuit, a["bundle"]).valid
            # The proof log is the node's, as without Ray.
            assert httpx.get(f"{server.url}/v1/proofs/{a['proof_hash']}").status_code == 200
    finally:
        server.stop()
