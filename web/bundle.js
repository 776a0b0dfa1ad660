// Pure logic of the browser verifier: the verdict rules of docs/VERDICT.md, in the same order as
// zkverify/verdict.py, with the proof check itself passed in (the WebAssembly engine in the page,
// its node build in the tests). No DOM. tests/conformance/ holds the cases both sides must agree on.

import { canonicalJson, dumpsPy, JsonError, parsePyJson } from "./json.js";
import { sha256Hex } from "./sha256.js";

export { canonicalJson, parsePyJson };

export const BUNDLE_FORMAT = "zkverify.proof-bundle/2";
export const BUNDLE_FORMAT_V1 = "zkverify.proof-bundle/1"; // one prediction; still verifies
const BUNDLE_FORMATS = [BUNDLE_FORMAT_V1, BUNDLE_FORMAT];
const BUNDLE_KINDS = ["single", "batched"]; // "batched" iff the card has batch_size
export const CARD_FORMAT = "zkverify.card/2";
const CARD_FORMATS = ["zkverify.card/1", "zkverify.card/2"];

// The KZG ceremony SRS files ezkl downloads, by logrows: the sha256 values ezkl ships in
// src/srs_sha.rs, mirrored from zkverify/card.py (tests/test_conformance_js.py checks they agree).
export const CEREMONY_SRS_SHA256 = {
  1: "cafb2aa72c200ddc4e28aacabb8066e829207e2484b8d17059a566232f8a297b",
  2: "8194ec51da5d332d2e17283ade34920644774452c2fadf33742e8c739e275d8e",
  3: "0729e815bce2ac4dfad7819982c6479c3b22c32b71f64dca05e8fdd90e8535ef",
  4: "2c0785da20217fcafd3b12cc363a95eb2529037cc8a9bddf8fb15025cbc8cdc9",
  5: "5b950e3b76e7a9923d69f6d6585ce6b5f9458e5ec57a71c9de5005d32d544692",
  6: "85030b2924111fc60acaf4fb8a7bad89531fbe0271aeab0c21e545f71eee273d",
  7: "e65f95150519fe01c2bedf8f832f5249822ef84c9c017307419e10374ff9eeb1",
  8: "446092fd1d6030e5bb2f2a8368267d5ed0fbdb6a766f6c5e4a4841827ad3106f",
  9: "493d088951882ad81af11e08c791a38a37c0ffff14578cf2c7fb9b7bca654d8b",
  10: "9705d450e5dfd06adb673705f7bc34418ec86339203198beceb2ae7f1ffefedb",
  11: "257fa566ed9bc0767d3e63e92b5e966829fa3347d320a32055dc31ee7d33f8a4",
  12: "28b151069f41abc121baa6d2eaa8f9e4c4d8326ddbefee2bd9c0776b80ac6fad",
  13: "d5d94bb25bdc024f649213593027d861042ee807cafd94b49b54f1663f8f267d",
  14: "c09129f064c08ecb07ea3689a2247dcc177de6837e7d2f5f946e30453abbccef",
  15: "90807800a1c3b248a452e1732c45ee5099f38b737356f5542c0584ec9c3ebb45",
  16: "2a1a494630e71bc026dd5c0eab4c1b9a5dbc656228c1f0d48f5dbd3909b161d3",
  17: "41509f380362a8d14401c5ae92073154922fe23e45459ce6f696f58607655db7",
  18: "d0148475717a2ba269784a178cb0ab617bc77f16c58d4a3cbdfe785b591c7034",
  19: "d1a1655b4366a766d1578beb257849a92bf91cb1358c1a2c37ab180c5d3a204d",
  20: "54ef75911da76d7a6b7ea341998aaf66cb06c679c53e0a88a4fe070dd3add963",
  21: "486e044cf98704e07f41137d2b89698dc03d1fbf34d13b60902fea19a6013b4b",
  22: "1ee9b4396db3e4e2516ac5016626ab6ba967f091d5d23afbdb7df122a0bb9d0c",
  23: "748e48b9b6d06f9c82d26bf551d0af43ee2e801e4be56d7ccb20312e267fd1d6",
  24: "f94fa4afa2f5147680f907d4dd96a8826206c26bd3328cd379feaed614b234de",
  25: "dec49a69893fbcd66cd06296b2d936a6aceb431c130b2e52675fe4274b504f57",
  26: "b198a51d48b88181508d8e4ea9dea39db285e4585663b29b7e4ded0c22a94875",
};

const BUNDLE_KEYS_V1 = ["format", "zkverify_version", "ezkl_version", "circuit", "inputs", "outputs",
  "prediction", "visibility", "created_at", "proof"];
const BUNDLE_KEYS = ["format", "kind", "zkverify_version", "ezkl_version", "circuit", "inputs",
  "outputs", "visibility", "created_at", "proof", "batch"];
const CIRCUIT_KEYS_V1 = ["name", "model_sha256", "settings_sha256", "vk_sha256"];
const CIRCUIT_KEYS = [...CIRCUIT_KEYS_V1, "id"];
const TENSOR_KEYS = ["name", "dtype", "shape", "values", "hash"];
const OUTPUT_KEYS = [...TENSOR_KEYS, "prediction"];
const PROOF_KEYS = ["protocol", "instances", "proof", "hex_proof", "split", "pretty_public_inputs",
  "timestamp", "version"];
const PAGE_REFUSED_KINDS = [["evaluation", "this is an evaluation circuit (zkverify evaluate)"]];
const CARD_KEYS = ["format", "name", "ezkl_version", "model_sha256", "settings_sha256", "vk_sha256",
  "srs_sha256", "srs", "visibility", "param_hashes", "inputs", "outputs", "prediction", "batch_size"];
const CARD_TENSOR_KEYS = ["name", "dtype", "shape", "prediction"];
const RULES = ["argmax", "values"];
// zkverify/tensors.py: every other dtype is integral (ezkl gives it scale 0).
const FLOAT_DTYPES = ["float16", "bfloat16", "float32", "float64"];
const VISIBILITIES = ["public", "private", "hashed", "fixed"];
const HEX64 = /^[0-9a-f]{64}$/;

// BN254 scalar field modulus: ezkl's field elements live below it; the upper half are negatives.
export const P = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001n;

/** The circuit files are wrong or the file is not a bundle: `error: …`, never a verdict. */
export class VerdictError extends Error {}

/** A bundle whose claims, hashes, weights or proof do not hold: `invalid`, naming the field. */
class Invalid extends Error {
  constructor(field, reason) {
    super(reason);
    this.field = field;
  }
}

const isObj = (x) => x !== null && typeof x === "object" && !Array.isArray(x);
const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
const isInt = (x) => typeof x === "bigint"; // parsePyJson: integer literals are BigInt
// A JSON number as Python sees one: int or float, never a bool or a string (NaN/inf excluded).
const isNum = (x) => typeof x === "bigint" || (typeof x === "number" && Number.isFinite(x));
const product = (shape) => shape.reduce((a, x) => a * x, 1);
const short = (h) => `${String(h).slice(0, 12)}…`;
// A key as Python's repr shows it in a reason ('key'), so both sides word a rejection alike.
const pyStr = (k) => (k.includes("'") && !k.includes('"') ? JSON.stringify(k) : `'${k.replaceAll("'", "\\'")}'`);
const NO_PREDICTION = "the bundle's prediction does not follow from the proven outputs";
// Python's repr of a JSON value, as zkverify/claims.py words a rejection (approximately, for
// reasons only: a verdict never turns on it).
function pyRepr(x) {
  if (x === null || x === undefined) return "None";
  if (typeof x === "boolean") return x ? "True" : "False";
  if (typeof x === "string") return pyStr(x);
  if (typeof x === "bigint" || typeof x === "number") return dumpsPy(x);
  if (Array.isArray(x)) return `[${x.map(pyRepr).join(", ")}]`;
  return `{${Object.keys(x).map((k) => `${pyStr(k)}: ${pyRepr(x[k])}`).join(", ")}}`;
}
// type(x).__name__ in Python, for the JSON values parsePyJson makes.
const pyType = (x) => (x === null ? "NoneType" : typeof x === "bigint" ? "int" : typeof x === "number" ? "float"
  : typeof x === "string" ? "str" : typeof x === "boolean" ? "bool" : Array.isArray(x) ? "list" : "dict");
// dict.get: an absent key and a null are both None.
const get = (o, k) => (has(o, k) ? o[k] : null);

function decodeText(bytes, what) {
  if (typeof bytes === "string") return bytes;
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new VerdictError(`cannot read ${what}: not UTF-8`);
  }
}

function readJson(bytes, what) {
  const text = decodeText(bytes, what);
  if (!text.trim()) throw new VerdictError(`empty file, expected a ${what}`);
  try {
    return parsePyJson(text);
  } catch (e) {
    if (e instanceof JsonError) throw new VerdictError(`not valid JSON (${e.message}), expected a ${what}`);
    throw e;
  }
}

// --- the card -------------------------------------------------------------------------------

/**
 * E1: a card as zkverify.card.Card validates it (strict types, unknown keys rejected), returned
 * as Python dumps it for the circuit id: defaults filled in, null fields left out (so a card/1's
 * id is what it always was).
 */
export function parseCard(bytes) {
  const c = readJson(bytes, "circuit card");
  const bad = (why) => new VerdictError(`not a zkverify circuit card (${why})`);
  if (!isObj(c)) throw bad("expected a JSON object");
  if (c.format === "zkverify.sliced-card/1") {
    throw new VerdictError("this is a sliced circuit (build --slices): verify its bundles with " +
      "`zkverify verify`; this page does not check them");
  }
  if (!CARD_FORMATS.includes(c.format)) {
    throw bad(`format ${JSON.stringify(typeof c.format === "bigint" ? Number(c.format) : c.format ?? null)}, expected "${CARD_FORMAT}"`);
  }
  // Circuit kinds whose bundles only `zkverify verify` checks: refused in one line.
  for (const [key, what] of PAGE_REFUSED_KINDS) {
    if (has(c, key) && c[key] !== null) {
      throw new VerdictError(`${what}: verify its bundles with \`zkverify verify\`; this page ` +
        "does not check them");
    }
  }
  const extra = Object.keys(c).find((k) => !CARD_KEYS.includes(k));
  if (extra !== undefined) throw bad(`unknown field ${extra}`);
  const card = { ...c, param_hashes: has(c, "param_hashes") ? c.param_hashes : [] };
  for (const k of ["name", "ezkl_version", "model_sha256", "settings_sha256", "vk_sha256", "srs_sha256"]) {
    if (typeof card[k] !== "string") throw bad(`${k}: expected a string`);
  }
  const srs = card.srs;
  if (!isObj(srs) || Object.keys(srs).some((k) => !["source", "logrows"].includes(k)) ||
      !["local-dev", "ceremony", "user"].includes(srs.source) || !isInt(srs.logrows)) {
    throw bad('srs: expected {"source": "local-dev"|"ceremony"|"user", "logrows": int}');
  }
  if (!isObj(card.visibility) || !Object.values(card.visibility).every((v) => typeof v === "string")) {
    throw bad("visibility: expected an object of strings");
  }
  if (!Array.isArray(card.param_hashes) || !card.param_hashes.every((h) => typeof h === "string")) {
    throw bad("param_hashes: expected a list of strings");
  }
  const strOrNull = (x) => x === null || x === undefined || typeof x === "string";
  for (const k of ["inputs", "outputs"]) {
    const ok = Array.isArray(card[k]) && card[k].every((t) => isObj(t) &&
      Object.keys(t).every((key) => CARD_TENSOR_KEYS.includes(key)) &&
      Array.isArray(t.shape) && t.shape.every(isInt) && strOrNull(t.name) && strOrNull(t.dtype) &&
      (get(t, "prediction") === null || RULES.includes(t.prediction)));
    if (!ok) throw bad(`${k}: expected a list of {"name", "dtype", "shape": [ints], "prediction"}`);
    // exclude_none: a null name, dtype or rule is left out, as Python dumps the card.
    card[k] = card[k].map((t) => Object.fromEntries(Object.entries(t).filter(([, v]) => v !== null)));
  }
  if (get(card, "prediction") === null) delete card.prediction;
  else if (!RULES.includes(card.prediction)) throw bad('prediction: expected "argmax" or "values"');
  if (get(card, "batch_size") === null) delete card.batch_size;
  else if (!isInt(card.batch_size)) throw bad("batch_size: expected an int");
  return card;
}

/** A card's tensors as zkverify.card.Card names them (a card/1 input is input_0, float32). */
function cardTensors(card, key) {
  const prefix = key === "inputs" ? "input" : "output";
  return card[key].map((t, i) => {
    const dtype = t.dtype || "float32";
    return {
      name: t.name || `${prefix}_${i}`, dtype, shape: t.shape,
      size: product(t.shape.map(Number)), integral: !FLOAT_DTYPES.includes(dtype),
    };
  });
}

/** Each output's prediction rule: "argmax" only where declared as class scores. */
const outputRules = (card) => card.outputs.map((t) => t.prediction || card.prediction || "values");
const isLegacyCard = (card) => card.format === "zkverify.card/1";
/** B of a batched circuit (a BigInt), else null: Python's `card.batch_size` when truthy. */
const batchSize = (card) => (card.batch_size === undefined || card.batch_size === 0n ? null : card.batch_size);

/** The circuit id: sha256 of the card's canonical JSON (zkverify.card.Card.circuit_id). */
export async function circuitId(card) {
  return sha256Hex(new TextEncoder().encode(canonicalJson(card)));
}

/** `ceremony` only when the SRS file hashes to ezkl's published value, never on the card's word. */
export function srsProvenance(card, srsSha256) {
  if (Object.values(CEREMONY_SRS_SHA256).includes(srsSha256)) return "ceremony";
  return card.srs.source === "local-dev" ? "local-dev" : "user-supplied";
}

/** Visibility as ezkl's settings.json records it: "Public", {"Hashed": {...}}, … lowercased. */
export function settingsVisibility(settings) {
  const ra = isObj(settings) && isObj(settings.run_args) ? settings.run_args : {};
  const out = {};
  for (const k of ["input", "output", "param"]) {
    const v = ra[`${k}_visibility`];
    let name = isObj(v) ? Object.keys(v)[0] ?? "" : String(v);
    // {"Hashed": {"hash_is_public": false}} keeps the hash private: not a visibility we can check.
    if (isObj(v) && isObj(v[name]) && v[name].hash_is_public === false) name = "hashed-private";
    out[k] = name.toLowerCase();
  }
  return out;
}

// --- field elements -------------------------------------------------------------------------

/** A field element as ezkl writes it (32 bytes little-endian, hex) to a BigInt. */
export function leToBig(hexLE) {
  let be = "";
  for (let i = hexLE.length - 2; i >= 0; i -= 2) be += hexLE.slice(i, i + 2);
  return BigInt(`0x${be}`);
}

/** The signed integer a field element stands for: the upper half of the field are negatives. */
export const signed = (f) => (f > (P - 1n) / 2n ? f - P : f);

/** A field element at `scale` as a float, as zkverify.engine.felt_to_float does. */
export function feltToFloat(hexLE, scale) {
  return Number(signed(leToBig(hexLE))) / 2 ** scale;
}

// A double as an exact rational m·2^e (m, e integers), to compare with field elements exactly.
function exactDouble(x) {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const sign = hi >>> 31 ? -1n : 1n;
  const exp = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (exp) m |= 1n << 52n;
  return { m: sign * m, e: (exp || 1) - 1075 };
}

/** Rule 7: claimed number `c` matches signed integer `v` at scale `s` only when c·2^s = v. */
export function claimMatches(c, v, s) {
  if (typeof c === "bigint") return s >= 0 ? c << BigInt(s) === v : c === v << BigInt(-s);
  const { m, e } = exactDouble(c);
  const k = e + s; // c·2^s = m·2^k
  return k >= 0 ? m << BigInt(k) === v : m === v << BigInt(-k);
}

// --- the proof ------------------------------------------------------------------------------

/** The canonical proof hash: sha256(proof bytes || every instance as 32 bytes big-endian). */
export async function proofHash(proofBytes, flatInstances) {
  const buf = new Uint8Array(proofBytes.length + 32 * flatInstances.length);
  buf.set(proofBytes);
  flatInstances.forEach((hexLE, n) => {
    const at = proofBytes.length + 32 * n;
    for (let i = 0; i < 32; i++) buf[at + 31 - i] = parseInt(hexLE.slice(2 * i, 2 * i + 2), 16);
  });
  return sha256Hex(buf);
}

/**
 * The proof as @ezkljs/engine 21 reads it: rebuilt from the checked fields only (bytes,
 * instances), with `transcript_type`, which engine 21 requires and ezkl 23 no longer writes
 * (ezkl 23 proofs use the EVM transcript).
 */
export function proofForEngine(proofBytes, instances) {
  const p = {
    protocol: null, instances, proof: Array.from(proofBytes), hex_proof: null,
    transcript_type: "EVM", split: null, pretty_public_inputs: null, timestamp: null,
  };
  return new Uint8ClampedArray(new TextEncoder().encode(JSON.stringify(p)));
}

// --- rules 1-8 ------------------------------------------------------------------------------

/** E4: the file is a JSON object with a bundle format (1 or 2), or a VerdictError. */
export function parseBundle(bytes) {
  const b = readJson(bytes, "proof bundle");
  if (!isObj(b)) throw new VerdictError("not a zkverify proof bundle (expected a JSON object)");
  if (!BUNDLE_FORMATS.includes(b.format)) {
    throw new VerdictError(`not a zkverify proof bundle (format ${JSON.stringify(typeof b.format === "bigint" ? Number(b.format) : b.format ?? null)}, expected "${BUNDLE_FORMAT}")`);
  }
  return b;
}

function checkShape(b, v1) {
  const keys = v1 ? BUNDLE_KEYS_V1 : BUNDLE_KEYS;
  const extra = Object.keys(b).find((k) => !keys.includes(k));
  if (extra !== undefined) throw new Invalid(extra, `unknown field ${pyStr(extra)} in the bundle`);
  const required = v1 ? ["ezkl_version", "circuit", "proof"]
    : ["kind", "ezkl_version", "circuit", "inputs", "outputs", "proof"];
  for (const k of required) {
    if (!has(b, k)) throw new Invalid(k, `the bundle has no ${k}`);
  }
  if (!v1 && !BUNDLE_KINDS.includes(b.kind)) {
    throw new Invalid("kind", `kind: ${pyRepr(b.kind)} is not a kind this verifier knows (${BUNDLE_KINDS.join(", ")})`);
  }
  for (const k of ["zkverify_version", "ezkl_version", "created_at"]) {
    if (has(b, k) && typeof b[k] !== "string") throw new Invalid(k, `${k}: expected a string`);
  }
  const c = b.circuit;
  if (!isObj(c)) throw new Invalid("circuit", "circuit: expected an object");
  const extraC = Object.keys(c).find((k) => !(v1 ? CIRCUIT_KEYS_V1 : CIRCUIT_KEYS).includes(k));
  if (extraC !== undefined) throw new Invalid(`circuit.${extraC}`, `unknown field circuit.${pyStr(extraC)}`);
  if (has(c, "name") && typeof c.name !== "string") throw new Invalid("circuit.name", "circuit.name: expected a string");
  for (const k of ["model_sha256", "settings_sha256", "vk_sha256", ...(v1 ? [] : ["id"])]) {
    if (typeof c[k] !== "string" || !HEX64.test(c[k])) {
      throw new Invalid(`circuit.${k}`, `circuit.${k}: expected 64 lowercase hex digits`);
    }
  }
  if (v1) {
    for (const k of ["inputs", "outputs"]) {
      const v = get(b, k);
      if (v !== null && !(Array.isArray(v) && v.every((row) => Array.isArray(row) && row.every(isNum)))) {
        throw new Invalid(k, `${k}: expected null or a list of lists of numbers`);
      }
    }
  }
  if (has(b, "visibility") && !(isObj(b.visibility) &&
      Object.values(b.visibility).every((v) => typeof v === "string"))) {
    throw new Invalid("visibility", "visibility: expected an object of strings");
  }
  if (!isObj(b.proof)) throw new Invalid("proof", "proof: expected ezkl's proof object");
}

function checkCircuit(b, card, id) {
  for (const k of ["model_sha256", "settings_sha256", "vk_sha256"]) {
    if (b.circuit[k] !== card[k]) {
      throw new Invalid(`circuit.${k}`, `the bundle belongs to another circuit (its ${k} ` +
        `${short(b.circuit[k])} is not ${short(card[k])})`);
    }
  }
  if (has(b.circuit, "id") && b.circuit.id !== id) {
    throw new Invalid("circuit.id", `the bundle belongs to another circuit (its id ` +
      `${short(b.circuit.id)} is not ${short(id)})`);
  }
}

/** Rule 3: returns the proof bytes and the flattened instances. */
function checkProofObject(p) {
  const extra = Object.keys(p).find((k) => !PROOF_KEYS.includes(k));
  if (extra !== undefined) throw new Invalid(`proof.${extra}`, `unknown field proof.${pyStr(extra)} (not in ezkl's proof.json)`);
  const bytesOk = Array.isArray(p.proof) && p.proof.length > 0 &&
    p.proof.every((x) => isInt(x) && x >= 0n && x <= 255n);
  if (!bytesOk) throw new Invalid("proof.proof", "proof.proof: expected the proof bytes (integers 0-255)");
  const bytes = Uint8Array.from(p.proof, Number);
  if (has(p, "hex_proof") && p.hex_proof !== null) {
    const want = `0x${Array.from(bytes, (x) => x.toString(16).padStart(2, "0")).join("")}`;
    if (p.hex_proof !== want) throw new Invalid("proof.hex_proof", "proof.hex_proof is not the hex of proof.proof");
  }
  for (const k of ["protocol", "split"]) {
    if (has(p, k) && p[k] !== null) throw new Invalid(`proof.${k}`, `proof.${k}: only null is supported`);
  }
  const inst = p.instances;
  if (!(Array.isArray(inst) && inst.every(Array.isArray))) {
    throw new Invalid("proof.instances", "proof.instances: expected lists of field elements");
  }
  if (!inst.flat().every((f) => typeof f === "string" && HEX64.test(f) && leToBig(f) < P)) {
    throw new Invalid("proof.instances", "the proof's instances are not field elements " +
      "(64 lowercase hex digits, below the field modulus)");
  }
  return { bytes, instances: inst, flat: inst.flat() };
}

/**
 * Rule 5: split the instances by ezkl 23's layout (zkverify.verdict.decode): [one hash per input
 * tensor if hashed] [params hashes] [public inputs, tensors in order] [public outputs] [one hash
 * per output tensor]. Public tensors come back as {felts: [signed BigInt], scale, typed: [...]}.
 */
function decode(card, settings, vis, flat) {
  const ins = cardTensors(card, "inputs");
  const outs = cardTensors(card, "outputs");
  const sum = (xs) => xs.reduce((a, x) => a + x, 0);
  const sec = [
    ["input_hashes", vis.input === "hashed" ? ins.length : 0],
    ["param_hashes", vis.param === "hashed" ? card.param_hashes.length : 0],
    ["inputs", vis.input === "public" ? sum(ins.map((t) => t.size)) : 0],
    ["outputs", vis.output === "public" ? sum(outs.map((t) => t.size)) : 0],
    ["output_hashes", vis.output === "hashed" ? outs.length : 0],
  ];
  const want = sum(sec.map(([, n]) => n));
  if (flat.length !== want) {
    throw new Invalid("proof.instances", `the proof has ${flat.length} public instances, this circuit has ${want}`);
  }
  const out = {};
  let at = 0;
  for (const [name, n] of sec) out[name] = flat.slice(at, (at += n));
  for (const [key, tensors, scales] of [["inputs", ins, settings.model_input_scales],
    ["outputs", outs, settings.model_output_scales]]) {
    const sc = (Array.isArray(scales) ? scales : []).map(Number);
    if (sc.length !== tensors.length) {
      throw new VerdictError(`settings.json: ${sc.length} ${key} scales for the card's ${tensors.length} ${key}`);
    }
    const felts = out[key];
    let k = 0;
    // A direction is decoded when it is public, even with no tensor at all (a model with no input).
    out[key] = vis[key.slice(0, -1)] !== "public" ? null : tensors.map((t, i) => {
      const vals = felts.slice(k, (k += t.size)).map((f) => signed(leToBig(f)));
      return { felts: vals, scale: sc[i], typed: vals.map((v) => typedValue(v, sc[i], t)) };
    });
  }
  out.tensors = { inputs: ins, outputs: outs };
  for (const key of ["input_hashes", "output_hashes"]) if (out[key].length === 0) out[key] = null;
  return out;
}

/**
 * A proven value as the tensor's type (zkverify.claims.typed_value): a boolean for a bool tensor
 * at scale 0 holding 0/1, a BigInt for an integer tensor at scale 0, else the double v / 2^s.
 */
function typedValue(v, scale, t) {
  if (t.dtype === "bool" && scale === 0 && (v === 0n || v === 1n)) return v === 1n;
  if (t.integral && scale === 0) return v;
  return Number(v) / 2 ** scale; // Number(v) rounds to nearest, as Python's int / int does
}

/** Rule 7 for one value of a bundle/2: exact in the field, and a boolean for a boolean. */
function sameValue(c, v, scale, t) {
  if (t.dtype === "bool" && scale === 0 && (v === 0n || v === 1n)) return typeof c === "boolean" && (c ? 1n : 0n) === v;
  return isNum(c) && claimMatches(c, v, scale);
}

// Python's ordering of typed values: ints and booleans exactly, floats as doubles (one tensor
// never mixes the two kinds).
const asKey = (x) => (typeof x === "boolean" ? (x ? 1n : 0n) : x);

/** First index of the maximum (ties: the lowest index), comparing as Python's max does. */
function argmaxOf(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (asKey(values[i]) > asKey(values[best])) best = i;
  return best;
}

/** argmax over the last axis: one BigInt for one row, else a list (zkverify.claims.argmax_rows). */
function argmaxRows(values, shape) {
  const last = (shape.length ? Number(shape[shape.length - 1]) : values.length) || 1;
  const picks = [];
  for (let i = 0; i < values.length; i += last) picks.push(BigInt(argmaxOf(values.slice(i, i + last))));
  return picks.length === 1 ? picks[0] : picks;
}

/** An output's prediction under its rule (null unless public and "argmax"); card/1: all values. */
function outputPrediction(rule, t, typed, legacy) {
  if (typed === null || rule !== "argmax") return null;
  return legacy ? BigInt(argmaxOf(typed)) : argmaxRows(typed, t.shape);
}

/** zkverify.claims.same_prediction: an int is an int (`false` is not class 0), lists alike. */
function samePrediction(claimed, proven) {
  if (proven === null) return claimed === null;
  if (typeof proven === "bigint") return isInt(claimed) && claimed === proven;
  return Array.isArray(claimed) && claimed.length === proven.length &&
    claimed.every((c, i) => isInt(c) && c === proven[i]);
}

/** Each public output's prediction by name: the argmax for class scores, else its values. */
function provenPredictions(card, proven) {
  if (proven.outputs === null) return null;
  const legacy = isLegacyCard(card);
  const rules = outputRules(card);
  const out = {};
  proven.tensors.outputs.forEach((t, i) => {
    const typed = proven.outputs[i].typed;
    const p = outputPrediction(rules[i], t, typed, legacy);
    out[t.name] = p === null ? typed : p;
  });
  return out;
}

/** The one output's prediction, or all of them by name for a model with several outputs. */
function summaryPrediction(predictions) {
  if (predictions === null) return null;
  const vals = Object.values(predictions);
  return vals.length === 1 ? vals[0] : predictions;
}

/** A bundle/2's `inputs` or `outputs` entries against the circuit and the proof (claims.py). */
function checkEntries(raw, key, proven, rules, legacy) {
  const tensors = proven.tensors[key];
  if (!Array.isArray(raw) || raw.length !== tensors.length) {
    throw new Invalid(key, `${key}: expected a list of the circuit's ${tensors.length} ${key} ` +
      `(got ${Array.isArray(raw) ? raw.length : pyType(raw)})`);
  }
  const allowed = rules !== null ? OUTPUT_KEYS : TENSOR_KEYS;
  const decoded = proven[key];
  const hashes = proven[`${key.slice(0, -1)}_hashes`];
  raw.forEach((e, i) => {
    const t = tensors[i];
    const at = `${key}[${i}]`;
    if (!isObj(e)) throw new Invalid(at, `${at}: expected an object`);
    const extra = Object.keys(e).find((k) => !allowed.includes(k));
    if (extra !== undefined) throw new Invalid(`${at}.${extra}`, `unknown field ${at}.${extra}`);
    if (get(e, "name") !== t.name || get(e, "dtype") !== t.dtype) {
      throw new Invalid(at, `${at}: is ${pyRepr(get(e, "name"))} ${pyRepr(get(e, "dtype"))}, the circuit's is ` +
        `${pyRepr(t.name)} ${pyRepr(t.dtype)}`);
    }
    const shape = get(e, "shape");
    if (!(Array.isArray(shape) && shape.every(isInt) && shape.length === t.shape.length &&
        shape.every((d, j) => d === t.shape[j]))) {
      throw new Invalid(`${at}.shape`, `${at}.shape: expected [${t.shape.join(", ")}]`);
    }
    const values = get(e, "values");
    if (decoded === null) {
      if (values !== null) {
        throw new Invalid(`${at}.values`, `${at}.values: the ${key} are not public in this circuit; expected null`);
      }
    } else {
      const { felts, scale } = decoded[i];
      if (!(Array.isArray(values) && values.length === felts.length &&
          values.every((c, j) => sameValue(c, felts[j], scale, t)))) {
        throw new Invalid(`${at}.values`, `${at}.values: do not match the public ${key} in the proof`);
      }
    }
    const wantHash = hashes !== null ? hashes[i] : null;
    if (get(e, "hash") !== wantHash) {
      throw new Invalid(`${at}.hash`, `${at}.hash: expected ${wantHash === null ? "null" : "the proof instance"}`);
    }
    if (rules !== null) {
      const want = outputPrediction(rules[i], t, decoded === null ? null : decoded[i].typed, legacy);
      if (!samePrediction(get(e, "prediction"), want)) {
        throw new Invalid(`${at}.prediction`, `${at}.prediction: does not follow from the proven outputs`);
      }
    }
  });
}

/**
 * zkverify.verdict.check_batch: how many rows of the proof are real inputs (1 for an unbatched
 * circuit), after checking `kind` and `batch` and, where the inputs are public, that every row
 * after the first `real` of every input tensor is a copy of row 0 (the padding), in the field.
 */
function checkBatch(b, card, proven) {
  const size = batchSize(card);
  const kind = size !== null ? "batched" : "single";
  if (get(b, "kind") !== kind) {
    throw new Invalid("kind", `kind: this circuit's bundles are ${pyRepr(kind)}, not ${pyRepr(get(b, "kind"))}`);
  }
  const batch = get(b, "batch");
  if (size === null) {
    if (batch !== null) throw new Invalid("batch", "batch: this circuit is not batched; expected no batch");
    return 1;
  }
  const keys = isObj(batch) ? Object.keys(batch) : [];
  if (!(isObj(batch) && keys.length === 2 && has(batch, "size") && has(batch, "real") &&
      isInt(batch.size) && isInt(batch.real))) {
    throw new Invalid("batch", 'batch: expected {"size": B, "real": N}');
  }
  if (batch.size !== size || !(batch.real >= 1n && batch.real <= size)) {
    throw new Invalid("batch", `batch: size must be the circuit's ${size} and real in 1..${size}`);
  }
  const real = Number(batch.real);
  const B = Number(size);
  (proven.inputs ?? []).forEach(({ felts }, i) => {
    const row = (k) => felts.slice(Math.floor((k * felts.length) / B), Math.floor(((k + 1) * felts.length) / B));
    const first = row(0);
    for (let k = real; k < B; k++) {
      const r = row(k);
      if (r.length !== first.length || r.some((f, j) => f !== first[j])) {
        throw new Invalid("batch.real", `batch.real: input ${i}'s rows after the first ${real} ` +
          "are not copies of the first input (padding)");
      }
    }
  });
  return real;
}

/**
 * zkverify.verdict.row_predictions: one entry per real input row (the whole output for an
 * unbatched circuit): the one output's prediction (argmax over the row's last axis for class
 * scores, else the row's values), or all outputs' by name.
 */
function rowPredictions(card, proven, real) {
  if (proven.outputs === null) return null;
  const B = Number(batchSize(card) ?? 1n);
  const legacy = isLegacyCard(card);
  const rules = outputRules(card);
  const out = [];
  for (let r = 0; r < real; r++) {
    const per = {};
    proven.tensors.outputs.forEach((t, i) => {
      const typed = proven.outputs[i].typed;
      const n = Math.floor(typed.length / B);
      const row = typed.slice(r * n, (r + 1) * n);
      const shape = B > 1 ? [1n, ...t.shape.slice(1)] : t.shape;
      const p = outputPrediction(rules[i], { ...t, shape }, row, legacy);
      per[t.name] = p === null ? row : p;
    });
    const vals = Object.values(per);
    out.push(vals.length === 1 ? vals[0] : per);
  }
  return out;
}

/** Rule 7 for a bundle/1: value lists per tensor equal the decoded ones exactly. */
function claimsHold(claimed, decoded) {
  if (claimed === null || decoded === null) return claimed === null && decoded === null;
  return Array.isArray(claimed) && claimed.length === decoded.length &&
    claimed.every((row, i) => Array.isArray(row) && row.length === decoded[i].felts.length &&
      row.every((c, j) => isNum(c) && claimMatches(c, decoded[i].felts[j], decoded[i].scale)));
}

/** A bundle of the first format: value lists per tensor and one prediction (one output only). */
function checkClaimsV1(b, card, proven, predicted) {
  if (card.outputs.length !== 1 || batchSize(card) !== null) {
    const what = card.outputs.length !== 1 ? `the ${card.outputs.length} outputs` : `the ${card.batch_size} rows`;
    throw new Invalid("format", `a ${BUNDLE_FORMAT_V1} bundle cannot state ${what} of this circuit`);
  }
  for (const k of ["inputs", "outputs"]) {
    if (!claimsHold(get(b, k), proven[k])) {
      throw new Invalid(k, `the bundle's ${k} do not match the public ${k} in the proof`);
    }
  }
  const claimed = get(b, "prediction");
  // A list (the values, or one class per row): numbers equal to the proven ones, as Python's ==.
  // eslint-disable-next-line eqeqeq
  const ok = Array.isArray(predicted) ? Array.isArray(claimed) && claimed.length === predicted.length &&
    claimed.every((c, i) => isNum(c) && c == predicted[i]) : samePrediction(claimed, predicted);
  if (!ok) throw new Invalid("prediction", NO_PREDICTION);
}

/** Rules 6-8 after the instance count: the params hashes, then the claims of either format. */
function checkInstances(b, card, settings, vis, flat) {
  const proven = decode(card, settings, vis, flat);
  // The whole list, as Python compares it: a card recording hashes the proof lacks fails too.
  if (proven.param_hashes.length !== card.param_hashes.length ||
      proven.param_hashes.some((h, i) => h !== card.param_hashes[i])) {
    throw new Invalid("proof.instances", "the weights are not the circuit's (the params-hash " +
      "instance differs from the one recorded at build)");
  }
  const predictions = provenPredictions(card, proven);
  const prediction = summaryPrediction(predictions);
  const real = b.format === BUNDLE_FORMAT_V1 ? 1 : checkBatch(b, card, proven);
  const perInput = rowPredictions(card, proven, real);
  if (b.format === BUNDLE_FORMAT_V1) {
    checkClaimsV1(b, card, proven, prediction);
  } else {
    const legacy = isLegacyCard(card);
    checkEntries(b.inputs, "inputs", proven, null, legacy);
    checkEntries(b.outputs, "outputs", proven, outputRules(card), legacy);
  }
  const typed = (ts) => (ts === null ? null : ts.map((t) => t.typed));
  return {
    // by_output: each output's prediction by name; predictions: one entry per real input; a
    // batched circuit's prediction is that list and it has no by_output (padding never counts).
    inputs: typed(proven.inputs), outputs: typed(proven.outputs),
    prediction: batchSize(card) === null ? prediction : perInput,
    by_output: batchSize(card) === null ? predictions : null,
    predictions: perInput,
    batch: batchSize(card) === null ? null : { size: batchSize(card), real },
    input_hashes: proven.input_hashes, output_hashes: proven.output_hashes,
  };
}

/**
 * The verdict on one bundle against one circuit's public files, by docs/VERDICT.md's rules.
 *
 * files: {bundle, card, settings, vk, srs} as bytes (Uint8Array) or text (bundle, card), and
 * optionally circuitId: the id the card must hash to (a pinned id, or the one a server lists).
 * proofCheck(proofJsonBytes, vk, settings, srs): true when the proof verifies; a throw or false
 * is invalid (its message becomes the reason).
 */
export const FREIVALDS_REFUSAL =
  "this circuit checks matrix products with Freivalds' algorithm (ezkl 23), which the browser " +
  "verifier (engine 21) cannot check: verify it with `zkverify verify`, or rebuild it with " +
  "--run-arg disable_freivalds=true";

export async function decide(files, proofCheck) {
  const t0 = Date.now();
  const v = {
    verdict: "error", valid: false, field: null, reason: "", circuit: null, circuit_id: null,
    proof_hash: null, inputs: null, outputs: null, prediction: null, predictions: null, by_output: null,
    batch: null,
    input_hashes: null, output_hashes: null, input_names: null, output_names: null,
    output_rules: null, format: null,
    weights_bound: null, srs: null, verify_ms: null,
  };
  try {
    // E1-E3: the circuit's own files.
    const card = parseCard(files.card);
    v.circuit = card.name;
    v.circuit_id = await circuitId(card);
    if (files.circuitId !== undefined && files.circuitId !== v.circuit_id) {
      throw new VerdictError(`the circuit card is not the one expected: it hashes to circuit id ` +
        `${short(v.circuit_id)}, expected ${short(files.circuitId)}`);
    }
    v.weights_bound = ["fixed", "hashed"].includes(card.visibility.param);
    v.input_names = cardTensors(card, "inputs").map((t) => t.name);
    v.output_names = cardTensors(card, "outputs").map((t) => t.name);
    v.output_rules = outputRules(card); // for the page's wording: "argmax" or "values"
    const [settingsSha, vkSha, srsSha] = await Promise.all(
      [files.settings, files.vk, files.srs].map((f) => sha256Hex(f)));
    for (const [k, file, got] of [["settings", "settings.json", settingsSha], ["vk", "vk.key", vkSha],
      ["srs", "kzg.srs", srsSha]]) {
      const want = card[`${k}_sha256`];
      if (got !== want) {
        throw new VerdictError(`the circuit files were modified: ${file} does not match ${k}_sha256 ` +
          `in the circuit card (its sha256 is ${short(got)}, the card records ${short(want)})`);
      }
    }
    v.srs = srsProvenance(card, srsSha);
    let settings;
    try {
      settings = JSON.parse(decodeText(files.settings, "settings.json"));
    } catch (e) {
      throw e instanceof VerdictError ? e : new VerdictError("settings.json is not JSON");
    }
    const vis = settingsVisibility(settings);
    const unknown = Object.values(vis).find((x) => !VISIBILITIES.includes(x));
    if (unknown !== undefined) {
      throw new VerdictError(`the circuit's visibility "${unknown}" cannot be checked ` +
        "(only public, private, hashed and fixed are supported)");
    }
    if (["input", "output", "param"].some((k) => card.visibility[k] !== vis[k])) {
      throw new VerdictError("the card's visibility is not the one settings.json records");
    }
    if (vis.param === "hashed" && card.param_hashes.length === 0) {
      throw new VerdictError("the card records no params hash for a circuit with hashed params");
    }
    // Engine 21 cannot check ezkl 23's Freivalds products (a valid proof throws exactly as a
    // forged one does: tests/test_wasm_freivalds.py), so its answer would mean nothing.
    if ((settings.einsum_params?.total_einsum_col_size ?? 0) > 0) {
      throw new VerdictError(FREIVALDS_REFUSAL);
    }

    // E4, then rules 1-8.
    const b = parseBundle(files.bundle);
    v.format = b.format;
    checkShape(b, b.format === BUNDLE_FORMAT_V1);
    checkCircuit(b, card, v.circuit_id);
    const proof = checkProofObject(b.proof);
    v.proof_hash = await proofHash(proof.bytes, proof.flat);
    const claimedVis = has(b, "visibility") ? b.visibility : {};
    const sameVis = Object.keys(claimedVis).length === 3 &&
      ["input", "output", "param"].every((k) => claimedVis[k] === vis[k]);
    if (!sameVis) {
      throw new Invalid("visibility", "the bundle's visibility is not the circuit's " +
        `(${dumpsPy(claimedVis)} != ${dumpsPy(vis)})`);
    }
    const proven = checkInstances(b, card, settings, vis, proof.flat);

    // Rule 9: the proof itself.
    const tv = Date.now();
    let ok = false;
    let why = "the verifier returned false";
    try {
      ok = (await proofCheck(proofForEngine(proof.bytes, proof.instances), files.vk, files.settings, files.srs)) === true;
    } catch (e) {
      // The engine throws on a proof that does not verify ("constraint system is not satisfied").
      why = String(e?.message ?? e).replace(/^Error: /, "");
    }
    v.verify_ms = Date.now() - tv;
    if (!ok) throw new Invalid("proof", `the proof does not verify: ${why}`);
    Object.assign(v, proven, { verdict: "valid", valid: true });
  } catch (e) {
    if (e instanceof Invalid) {
      Object.assign(v, { verdict: "invalid", field: e.field, reason: e.message });
    } else if (e instanceof VerdictError) {
      v.reason = e.message;
    } else {
      v.reason = `unexpected failure: ${e?.message ?? e}`;
    }
  }
  v.ms = Date.now() - t0;
  return v;
}

/**
 * The hosted circuit (from GET /v1/circuits) to check the bundle against, chosen as the service
 * chooses it (zkverify.service._match): by vk hash, else by name. The choice only says which card
 * to hold the bundle to: a bundle that names a hosted circuit with other hashes is then invalid.
 */
export function pickHosted(circuits, ref) {
  if (!isObj(ref)) throw new VerdictError("the bundle names no circuit (no circuit object)");
  const byVk = circuits.find((c) => typeof ref.vk_sha256 === "string" && c.vk_sha256 === ref.vk_sha256);
  const byName = circuits.find((c) => typeof ref.name === "string" && c.id === ref.name);
  if (byVk ?? byName) return byVk ?? byName;
  throw new VerdictError(
    `no circuit hosted here matches the bundle (name ${JSON.stringify(String(ref.name ?? ""))}, ` +
    `vk ${short(ref.vk_sha256)}); pick the circuit's card, vk, settings and SRS files below`,
  );
}
