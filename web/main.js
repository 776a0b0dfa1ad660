// The zkverify browser verifier. Everything that decides "valid" happens here, in WebAssembly:
// a server (when there is one) hands out only public files - vk, settings, SRS, these assets.

import init, { verify, init_panic_hook } from "@ezkljs/engine/web/ezkl.js";
import { BundleError, claimProblems, decodePublic, parseBundle, pickHosted, proofForEngine } from "./bundle.js";
import { sha256Hex } from "./sha256.js";

const $ = (id) => document.getElementById(id);
const state = { engine: false, hosted: null, run: 0 };

// The build writes build-info.json beside this script: engine version and wasm file name.
const ASSETS = new URL(".", import.meta.url);

async function fetchBytes(url, what) {
  let r;
  try {
    r = await fetch(url);
  } catch (e) {
    throw new BundleError(`cannot fetch ${what} from ${url} (${e.message})`);
  }
  if (!r.ok) throw new BundleError(`cannot fetch ${what} from ${url} (HTTP ${r.status})`);
  return new Uint8Array(await r.arrayBuffer());
}

// The wasm ships gzipped (2 MB instead of 10 MB). A server that adds Content-Encoding: gzip
// for .gz files makes the browser inflate it already, so look at the magic bytes, not the name.
async function wasmBytes(file) {
  const raw = await fetchBytes(new URL(file, ASSETS), "the verifier's WebAssembly");
  if (raw[0] !== 0x1f || raw[1] !== 0x8b) return raw;
  const stream = new Blob([raw]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function loadEngine() {
  const t0 = performance.now();
  const info = await (await fetch(new URL("build-info.json", ASSETS))).json();
  await init(await wasmBytes(info.wasm));
  try {
    init_panic_hook();
  } catch {
    // Only improves messages from Rust panics; verification works without it.
  }
  state.engine = true;
  $("engine").textContent =
    `Verifier ready: ezkl WebAssembly engine ${info.engine_version} ` +
    `(loaded in ${Math.round(performance.now() - t0)} ms), checks ezkl ${info.ezkl_version} proofs.`;
}

// Served by `zkverify serve`: the API lists the hosted circuits. As a plain static folder the
// same relative URL is a 404 (or some HTML page), and the person picks the files instead.
async function detectHosted() {
  try {
    const url = new URL("v1/circuits", document.baseURI);
    const r = await fetch(url, { headers: { Accept: "application/json" } });
    if (!r.ok) return null;
    const list = await r.json();
    if (!Array.isArray(list)) return null;
    return list.map((c) => ({ ...c, base: url }));
  } catch {
    return null;
  }
}

function showMode() {
  const hosted = state.hosted;
  if (hosted) {
    const names = hosted.map((c) => c.name || c.id).join(", ") || "none yet";
    $("mode").textContent =
      `This server hosts ${hosted.length} circuit${hosted.length === 1 ? "" : "s"} (${names}); ` +
      "the page fetches the one your bundle names. You may pick your own files instead.";
    $("own-files").open = false;
  } else {
    $("mode").textContent =
      "Static mode: pick the circuit's verifying key, settings and SRS, then the proof bundle.";
    $("own-files").open = true;
  }
}

const picked = () => ["vk", "settings", "srs"].map((id) => $(id).files[0]);

async function circuitFiles(bundle) {
  const [vk, settings, srs] = picked();
  if (vk && settings && srs) {
    const read = async (f) => new Uint8Array(await f.arrayBuffer());
    return {
      source: `files you picked (${vk.name}, ${settings.name}, ${srs.name})`,
      vk: await read(vk), settings: await read(settings), srs: await read(srs),
    };
  }
  if (!state.hosted) {
    throw new BundleError("pick the circuit's vk.key, settings.json and kzg.srs to verify against");
  }
  const c = pickHosted(state.hosted, bundle.circuit);
  // The listing names each file's URL; without one, use the documented path for it.
  const at = (key, name) => new URL(c.files?.[key] ?? `circuits/${encodeURIComponent(c.id)}/files/${name}`, c.base);
  const [vkB, settingsB, srsB] = await Promise.all([
    fetchBytes(at("vk", "vk.key"), "vk.key"), fetchBytes(at("settings", "settings.json"), "settings.json"),
    fetchBytes(at("srs", "kzg.srs"), "kzg.srs"),
  ]);
  return { source: `circuit "${c.name || c.id}" hosted by this server`, vk: vkB, settings: settingsB, srs: srsB };
}

function setVerdict(kind, text) {
  const v = $("verdict");
  v.className = `verdict ${kind}`;
  v.textContent = text;
}

function row(label, value, cls = "") {
  const tr = document.createElement("tr");
  const th = document.createElement("th");
  const td = document.createElement("td");
  th.textContent = label;
  td.textContent = value;
  if (cls) td.className = cls;
  tr.append(th, td);
  return tr;
}

const fmt = (tensors) =>
  tensors === null || tensors === undefined ? "not public" : tensors.map((t) => `[${t.join(", ")}]`).join(" ");

function showDetails(rows) {
  const body = $("details");
  body.replaceChildren(...rows.map(([l, v, c]) => row(l, v, c)));
  $("details-box").hidden = rows.length === 0;
}

async function check() {
  const file = $("bundle").files[0];
  if (!file || !state.engine) return;
  const run = ++state.run;
  const stale = () => run !== state.run;
  setVerdict("busy", "verifying…");
  showDetails([]);
  const t0 = performance.now();
  const rows = [];
  try {
    const bundle = parseBundle(await file.text());
    const c = bundle.circuit;
    rows.push(["circuit", c.name || "(unnamed)"], ["model sha256", c.model_sha256, "hash"],
      ["settings sha256", c.settings_sha256, "hash"], ["vk sha256", c.vk_sha256, "hash"]);
    const files = await circuitFiles(bundle);
    if (stale()) return;
    rows.push(["checked against", files.source]);
    // The bundle names its circuit by hash; files that hash differently are another circuit,
    // and zkverify's own verify calls such a bundle invalid for it.
    const [vkHash, settingsHash] = await Promise.all([sha256Hex(files.vk), sha256Hex(files.settings)]);
    if (stale()) return;
    const other = [["vk", c.vk_sha256, vkHash], ["settings", c.settings_sha256, settingsHash]]
      .find(([, want, got]) => want !== got);
    if (other) {
      const [what, want, got] = other;
      setVerdict("invalid", `invalid: the bundle belongs to another circuit (its ${what} sha256 is ` +
        `${want.slice(0, 12)}…, the ${what} it was checked against ${got.slice(0, 12)}…)`);
      showDetails(rows);
      return;
    }
    let settings;
    try {
      settings = JSON.parse(new TextDecoder().decode(files.settings));
    } catch {
      throw new BundleError("the settings file is not JSON");
    }
    const decoded = decodePublic(bundle.proof, settings);
    rows.push(["public inputs (proven)", fmt(decoded.inputs)], ["public outputs (proven)", fmt(decoded.outputs)]);
    if (bundle.prediction !== null && bundle.prediction !== undefined) {
      const p = bundle.prediction;
      rows.push(["prediction", Number.isInteger(p) ? `class ${p} (argmax of the outputs)` : JSON.stringify(p)]);
    }
    rows.push(["proved with", `ezkl ${bundle.ezkl_version}, ${bundle.created_at ?? "time unknown"}`]);

    // Give the browser a frame to paint "verifying…" before the synchronous wasm call.
    await new Promise((r) => setTimeout(r, 0));
    if (stale()) return;
    const tv = performance.now();
    let ok = false;
    let why = "";
    try {
      ok = verify(proofForEngine(bundle.proof), new Uint8ClampedArray(files.vk),
        new Uint8ClampedArray(files.settings), new Uint8ClampedArray(files.srs));
      if (!ok) why = "the verifier returned false";
    } catch (e) {
      // The engine throws on a proof that does not verify ("constraint system is not satisfied").
      why = String(e?.message ?? e).replace(/^Error: /, "");
    }
    const ms = performance.now() - tv;
    const problems = ok ? claimProblems(bundle, decoded) : [];
    rows.push(["time", `${ms.toFixed(0)} ms to verify (${(performance.now() - t0).toFixed(0)} ms in all)`]);
    if (!ok) {
      setVerdict("invalid", `invalid: the proof does not verify (${why})`);
    } else if (problems.length) {
      setVerdict("invalid", `invalid: the proof verifies, but the bundle misstates it: ${problems[0]}`);
    } else {
      setVerdict("valid", `valid: the proof verifies for circuit ${c.name || c.model_sha256.slice(0, 12)}`);
    }
  } catch (e) {
    if (stale()) return;
    const msg = e instanceof BundleError ? e.message : `unexpected failure: ${e?.message ?? e}`;
    setVerdict("error", `error: ${msg}`);
  }
  if (!stale()) showDetails(rows);
}

async function main() {
  for (const id of ["bundle", "vk", "settings", "srs"]) $(id).addEventListener("change", check);
  const [hosted] = await Promise.all([
    detectHosted(),
    loadEngine().catch((e) => {
      $("engine").textContent = `The verifier failed to load: ${e?.message ?? e}`;
      setVerdict("error", `error: the WebAssembly verifier failed to load (${e?.message ?? e})`);
    }),
  ]);
  state.hosted = hosted;
  showMode();
  if (state.engine) {
    $("bundle").disabled = false;
    document.body.dataset.ready = "true";
    check();
  }
}

main();
