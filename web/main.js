// The zkverify browser verifier. Everything that decides "valid" happens here: the rules of
// docs/VERDICT.md in bundle.js, the proof check in WebAssembly. A server (when there is one) hands
// out only public files - the circuit's card, vk, settings, SRS, and these assets.

import init, { verify, init_panic_hook } from "@ezkljs/engine/web/ezkl.js";
import { VerdictError, decide, parseBundle, pickHosted } from "./bundle.js";

const $ = (id) => document.getElementById(id);
const state = { engine: false, hosted: null, run: 0 };
const CIRCUIT_FILES = [["card", "card.json"], ["vk", "vk.key"], ["settings", "settings.json"], ["srs", "kzg.srs"]];

// The build writes build-info.json beside this script: engine version and wasm file name.
const ASSETS = new URL(".", import.meta.url);

async function fetchBytes(url, what) {
  let r;
  try {
    r = await fetch(url);
  } catch (e) {
    throw new VerdictError(`cannot fetch ${what} from ${url} (${e.message})`);
  }
  if (!r.ok) throw new VerdictError(`cannot fetch ${what} from ${url} (HTTP ${r.status})`);
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
      "Static mode: pick the circuit's card, verifying key, settings and SRS, then the proof bundle.";
    $("own-files").open = true;
  }
}

async function circuitFiles(bundleBytes) {
  const picked = CIRCUIT_FILES.map(([id]) => $(id).files[0]);
  if (picked.every(Boolean)) {
    const bytes = await Promise.all(picked.map(async (f) => new Uint8Array(await f.arrayBuffer())));
    const files = Object.fromEntries(CIRCUIT_FILES.map(([id], i) => [id, bytes[i]]));
    return { source: `files you picked (${picked.map((f) => f.name).join(", ")})`, ...files };
  }
  if (!state.hosted) {
    throw new VerdictError("pick the circuit's card.json, vk.key, settings.json and kzg.srs to verify against");
  }
  // A file that is not a bundle is reported as such before any circuit is looked for.
  const c = pickHosted(state.hosted, parseBundle(bundleBytes).circuit);
  // The listing names each file's URL; without one, use the documented path for it.
  const at = (key, name) => new URL(c.files?.[key] ?? `circuits/${encodeURIComponent(c.id)}/files/${name}`, c.base);
  const bytes = await Promise.all(CIRCUIT_FILES.map(([key, name]) => fetchBytes(at(key, name), name)));
  const files = Object.fromEntries(CIRCUIT_FILES.map(([id], i) => [id, bytes[i]]));
  // The listing names the circuit id (sha256 of the card): the card fetched must hash to it.
  const pinned = typeof c.circuit_id === "string" && c.circuit_id ? { circuitId: c.circuit_id } : {};
  return { source: `files of circuit ${c.name || c.id} hosted by this server`, ...files, ...pinned };
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

function showDetails(rows) {
  $("details").replaceChildren(...rows.map(([l, v, c]) => row(l, v, c)));
  $("details-box").hidden = rows.length === 0;
}

// Proven values as the verdict holds them: BigInt for integers, booleans, doubles.
const fmtValues = (vals) => `[${vals.map(String).join(", ")}]`;

/** An output's prediction in words: a class (argmax), one class per row, or its values. */
function predictionText(p, rule) {
  if (rule !== "argmax") return `${fmtValues(p)}`;
  return Array.isArray(p) ? `classes ${fmtValues(p)}` : `class ${p}`;
}

/** One real input's prediction (a verdict's `predictions` entry): by output name when several. */
function inputText(v, p) {
  if (v.output_names.length === 1) return predictionText(p, v.output_rules[0]);
  return v.output_names.map((n, i) => `${n} = ${predictionText(p[n], v.output_rules[i])}`).join("; ");
}

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** What a valid verdict proves, for the verdict line: each public output's prediction. */
function provesText(v) {
  if (v.batch !== null) {
    // A batched proof: the real inputs only (the padding rows are never predictions).
    const n = Number(v.batch.real);
    const what = v.predictions === null ? "" : " (one line per input below)";
    return `: proves ${plural(n, "input")} in a batch of ${v.batch.size}${what}`;
  }
  if (v.by_output === null) return "";
  const names = Object.keys(v.by_output);
  const each = names.map((n) => predictionText(v.by_output[n], v.output_rules[v.output_names.indexOf(n)]));
  if (names.length === 1) {
    return v.output_rules[0] === "argmax" ? `: proves ${each[0]}` : `: proves outputs ${each[0]}`;
  }
  return `: proves ${names.map((n, i) => `${n} = ${each[i]}`).join("; ")}`;
}

const SRS_TEXT = {
  ceremony: "ceremony (the file is one of the KZG ceremony SRS files ezkl publishes)",
  "local-dev": "local-dev (generated locally: whoever made it could forge proofs; for development only)",
  "user-supplied": "user-supplied (not ezkl's ceremony file: trust it only if you trust who made it)",
};

/** The table under the verdict: the circuit's identity from its card, and only proven values. */
function detailRows(v, source) {
  const rows = [];
  if (v.circuit !== null) rows.push(["circuit", v.circuit]);
  if (v.circuit_id !== null) rows.push(["circuit id", v.circuit_id, "hash"]);
  if (source) rows.push(["checked against", source]);
  if (v.srs !== null) rows.push(["SRS", SRS_TEXT[v.srs]]);
  if (v.weights_bound !== null) {
    rows.push(["weights bound", v.weights_bound ? "yes: this circuit's proofs pin its weights (fixed in the vk, or checked by hash)"
      : "no: the circuit's weights are private and nothing binds them; any weights would verify"]);
  }
  if (v.verdict === "invalid") rows.push(["rejected field", v.field]);
  if (v.verdict === "valid" && v.batch !== null) {
    const { size, real } = v.batch;
    const pad = Number(size) - Number(real);
    // Padding is checked only where the inputs are public (copies of the first input).
    const how = v.inputs !== null ? "checked to be copies of input 1"
      : "on the bundle's word: the inputs are not public, so the rows cannot be compared";
    rows.push(["batch", `${plural(Number(real), "real input")} in a batch of ${size}` +
      (pad === 0 ? "" : ` (the last ${plural(pad, "row")}: padding, ${how}; never counted as predictions)`)]);
    // One line per real input, in input order.
    (v.predictions ?? []).forEach((p, r) => rows.push([`prediction, input ${r + 1} (proven)`, inputText(v, p)]));
  }
  if (v.verdict === "valid") {
    // Each graph tensor by name, in the model's order: its proven values, or its proven hash.
    for (const [dir, names, values, hashes] of [["input", v.input_names, v.inputs, v.input_hashes],
      ["output", v.output_names, v.outputs, v.output_hashes]]) {
      names.forEach((name, i) => {
        if (values !== null) rows.push([`${dir} ${name} (proven)`, fmtValues(values[i])]);
        else if (hashes !== null) rows.push([`${dir} ${name} hash (proven)`, hashes[i], "hash"]);
        else rows.push([`${dir} ${name}`, "private (not in the proof's public instances)"]);
      });
    }
    v.output_names.forEach((name, i) => {
      // A batched proof's per-input predictions are above (the whole tensor's include padding).
      if (v.by_output === null || v.output_rules[i] !== "argmax" || v.batch !== null) return;
      const p = v.by_output[name];
      const label = v.output_names.length === 1 ? "prediction (proven)" : `prediction ${name} (proven)`;
      const how = Array.isArray(p) ? "argmax over the last axis, one per row" : "argmax of the proven outputs";
      rows.push([label, `${predictionText(p, "argmax")} (${how})`]);
    });
  }
  if (v.proof_hash !== null) rows.push(["proof hash", v.proof_hash, "hash"]);
  if (v.verify_ms !== null) rows.push(["time", `${v.verify_ms} ms to verify (${v.ms} ms in all)`]);
  return rows;
}

// The WebAssembly check, after one frame so the browser can paint "verifying…" first.
async function wasmCheck(proof, vk, settings, srs) {
  await new Promise((r) => setTimeout(r, 0));
  return verify(proof, new Uint8ClampedArray(vk), new Uint8ClampedArray(settings), new Uint8ClampedArray(srs));
}

async function check() {
  const file = $("bundle").files[0];
  if (!file || !state.engine) return;
  const run = ++state.run;
  const stale = () => run !== state.run;
  setVerdict("busy", "verifying…");
  showDetails([]);
  let v;
  let files = null;
  try {
    const bundle = new Uint8Array(await file.arrayBuffer());
    files = await circuitFiles(bundle);
    if (stale()) return;
    v = await decide({ bundle, ...files }, wasmCheck);
  } catch (e) {
    const msg = e instanceof VerdictError ? e.message : `unexpected failure: ${e?.message ?? e}`;
    v = { verdict: "error", reason: msg, circuit: null, circuit_id: null, srs: null, weights_bound: null, proof_hash: null, verify_ms: null };
  }
  if (stale()) return;
  if (v.verdict === "valid") {
    const what = provesText(v);
    const unbound = v.weights_bound ? "" : " (the weights are not bound: any weights of this architecture would verify)";
    setVerdict("valid", `valid: the proof verifies for circuit "${v.circuit}"${what}${unbound}`);
  } else {
    setVerdict(v.verdict, `${v.verdict}: ${v.reason}`);
  }
  showDetails(detailRows(v, files?.source));
}

async function main() {
  for (const id of ["bundle", ...CIRCUIT_FILES.map(([id]) => id)]) $(id).addEventListener("change", check);
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
