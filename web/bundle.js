// Pure logic of the browser verifier: read a proof bundle, decode the public values the proof
// commits to, and check the bundle's human-readable claims against them. No DOM, no engine.

export const BUNDLE_FORMAT = "zkverify.proof-bundle/1";

// The keys zkverify.manifest.ProofBundle accepts (it rejects unknown ones; so does the page).
const BUNDLE_KEYS = new Set([
  "format", "zkverify_version", "ezkl_version", "circuit", "inputs", "outputs",
  "prediction", "visibility", "created_at", "proof",
]);
const CIRCUIT_KEYS = new Set(["name", "model_sha256", "settings_sha256", "vk_sha256"]);
const HEX64 = /^[0-9a-f]{64}$/;

// BN254 scalar field modulus: ezkl's field elements live below it; the upper half are negatives.
const P = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001n;

/** A bundle that is not one: reported as `error: ...`, never as `invalid`. */
export class BundleError extends Error {}

const isObj = (x) => x !== null && typeof x === "object" && !Array.isArray(x);

function checkFloats(name, value) {
  if (value === null || value === undefined) return;
  const ok = Array.isArray(value) && value.every(
    (row) => Array.isArray(row) && row.every((x) => typeof x === "number" && Number.isFinite(x)),
  );
  if (!ok) throw new BundleError(`${name}: expected a list of lists of numbers or null`);
}

/** Parse the text of a bundle file; throw BundleError with a one-line reason if malformed. */
export function parseBundle(text) {
  if (!text.trim()) throw new BundleError("empty file, expected a zkverify proof bundle");
  let b;
  try {
    b = JSON.parse(text);
  } catch (e) {
    throw new BundleError(`not valid JSON (${e.message})`);
  }
  if (!isObj(b)) throw new BundleError("not a proof bundle (expected a JSON object)");
  if (b.format !== BUNDLE_FORMAT) {
    throw new BundleError(
      `not a zkverify proof bundle (format ${JSON.stringify(b.format ?? null)}, expected "${BUNDLE_FORMAT}")`,
    );
  }
  const extra = Object.keys(b).filter((k) => !BUNDLE_KEYS.has(k));
  if (extra.length) throw new BundleError(`unknown field ${extra[0]}`);
  for (const k of ["ezkl_version", "circuit", "proof"]) {
    if (!(k in b)) throw new BundleError(`missing field ${k}`);
  }
  const c = b.circuit;
  if (!isObj(c)) throw new BundleError("circuit: expected an object");
  const extraC = Object.keys(c).filter((k) => !CIRCUIT_KEYS.has(k));
  if (extraC.length) throw new BundleError(`unknown field circuit.${extraC[0]}`);
  for (const k of ["model_sha256", "settings_sha256", "vk_sha256"]) {
    if (typeof c[k] !== "string" || !HEX64.test(c[k])) {
      throw new BundleError(`circuit.${k}: expected a sha256 in hex`);
    }
  }
  checkFloats("inputs", b.inputs);
  checkFloats("outputs", b.outputs);

  const p = b.proof;
  if (!isObj(p)) throw new BundleError("proof: expected ezkl's proof object");
  if (!Array.isArray(p.proof) || !p.proof.length ||
      !p.proof.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)) {
    throw new BundleError("proof.proof: expected the proof bytes as a list of integers 0-255");
  }
  if (!Array.isArray(p.instances) || !p.instances.every(
    (col) => Array.isArray(col) && col.every((f) => typeof f === "string" && HEX64.test(f)),
  )) {
    throw new BundleError("proof.instances: expected lists of field elements in hex");
  }
  return b;
}

/** A field element as ezkl writes it (32 bytes little-endian, hex) to a float at `scale`. */
export function feltToFloat(hexLE, scale) {
  let be = "";
  for (let i = hexLE.length - 2; i >= 0; i -= 2) be += hexLE.slice(i, i + 2);
  let v = BigInt("0x" + be);
  if (v > (P - 1n) / 2n) v -= P;
  return Number(v) / 2 ** scale;
}

const product = (shape) => shape.reduce((a, x) => a * x, 1);
const isPublic = (vis) => vis === "Public" || vis === "public";

const visName = (vis) => (isObj(vis) ? Object.keys(vis)[0] : String(vis)).toLowerCase();

/**
 * The public inputs and outputs the proof commits to, decoded with the circuit's scales, as
 * zkverify.prove.decode_instances does. ezkl's instance layout for one input and one output,
 * measured for every visibility: [input hash] [params hash] [public inputs] [public outputs]
 * [output hash]. `problem` says why the instances do not have exactly that layout.
 */
export function decodePublic(proof, settings) {
  const ra = settings.run_args ?? {};
  const shapes = settings.model_instance_shapes ?? [];
  const flat = proof.instances.flat();
  const vis = {
    input: visName(ra.input_visibility), output: visName(ra.output_visibility),
    param: visName(ra.param_visibility),
  };
  const lead = (vis.input === "hashed" ? 1 : 0) + (vis.param === "hashed" ? 1 : 0);
  const nIn = vis.input === "public" && shapes.length ? product(shapes[0]) : 0;
  const nOut = vis.output === "public" && shapes.length ? product(shapes[shapes.length - 1]) : 0;
  const want = lead + nIn + nOut + (vis.output === "hashed" ? 1 : 0);
  const known = ["public", "hashed", "private", "fixed"];
  let problem = null;
  if (!flat.every((f) => HEX64.test(f) && leToBig(f) < P)) {
    problem = "the proof's instances are not field elements";
  } else if (Object.values(vis).every((v) => known.includes(v)) && flat.length !== want) {
    problem = `the proof has ${flat.length} public instances, this circuit has ${want}`;
  }
  let inputs = null;
  let outputs = null;
  if (!problem && nIn) {
    const scale = (settings.model_input_scales ?? [0])[0];
    inputs = [flat.slice(lead, lead + nIn).map((f) => feltToFloat(f, scale))];
  }
  if (!problem && nOut) {
    const scale = (settings.model_output_scales ?? [0])[0];
    outputs = [flat.slice(lead + nIn, lead + nIn + nOut).map((f) => feltToFloat(f, scale))];
  }
  return { inputs, outputs, count: flat.length, problem };
}

function leToBig(hexLE) {
  let be = "";
  for (let i = hexLE.length - 2; i >= 0; i -= 2) be += hexLE.slice(i, i + 2);
  return BigInt("0x" + be);
}

// The tolerance zkverify.verify uses (math.isclose, rel and abs 1e-9): the bundle's floats are
// the proven field elements divided by 2^scale, so they agree to the last bit or not at all.
const close = (x, y) => Math.abs(x - y) <= Math.max(1e-9 * Math.max(Math.abs(x), Math.abs(y)), 1e-9);

function sameFloats(a, b) {
  if (a === null || a === undefined || b === null) return (a ?? null) === null && b === null;
  if (a.length !== b.length || a.some((row, i) => row.length !== b[i].length)) return false;
  const fa = a.flat();
  const fb = b.flat();
  return fa.length === fb.length && fa.every((x, i) => close(x, fb[i]));
}

function argmax(xs) {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

/**
 * Where the bundle's readable claims (inputs, outputs, prediction) disagree with what the
 * proof commits to, with the rules of zkverify.verify.verify_bundle. A bundle whose proof is
 * valid but whose floats were edited would otherwise pass off another result under a genuine
 * proof.
 */
export function claimProblems(bundle, decoded) {
  const problems = [];
  if (decoded.problem) return [decoded.problem];
  if (!sameFloats(bundle.outputs, decoded.outputs)) {
    problems.push("the bundle's outputs do not match the public outputs in the proof");
  }
  if (!sameFloats(bundle.inputs, decoded.inputs)) {
    problems.push("the bundle's inputs do not match the public inputs in the proof");
  }
  const p = bundle.prediction ?? null;
  const out = decoded.outputs === null ? null : decoded.outputs.flat();
  // A classifier's prediction is the argmax of its outputs, any other model's the outputs.
  const follows = out === null ? p === null
    : typeof p === "number" ? Number.isInteger(p) && p === argmax(out)
    : Array.isArray(p) ? sameFloats([p.flat()], [out]) : false;
  if (!follows) problems.push("the bundle's prediction does not follow from the proven outputs");
  return problems;
}

/**
 * The proof as bytes for @ezkljs/engine 21: it requires `transcript_type`, which ezkl 23 no
 * longer writes; ezkl 23 proofs use the EVM (keccak) transcript.
 */
export function proofForEngine(proof) {
  const p = { ...proof };
  if (!("transcript_type" in p)) p.transcript_type = "EVM";
  return new Uint8ClampedArray(new TextEncoder().encode(JSON.stringify(p)));
}

/** The hosted circuit (from GET /v1/circuits) whose hashes the bundle names, or an error. */
export function pickHosted(circuits, ref) {
  const exact = circuits.find((c) =>
    c.vk_sha256 === ref.vk_sha256 && c.settings_sha256 === ref.settings_sha256 &&
    c.model_sha256 === ref.model_sha256);
  if (exact) return exact;
  const sameModel = circuits.find((c) => c.model_sha256 === ref.model_sha256);
  if (sameModel) {
    throw new BundleError(
      `this server hosts model ${ref.model_sha256.slice(0, 12)}… as "${sameModel.name}", ` +
      "but with different settings or vk than the bundle names; pick the circuit files yourself",
    );
  }
  throw new BundleError(
    `no circuit hosted here matches the bundle (model ${ref.model_sha256.slice(0, 12)}…, ` +
    `vk ${ref.vk_sha256.slice(0, 12)}…); pick the circuit's vk, settings and SRS files below`,
  );
}
