// Verify one ezkl proof with @ezkljs/engine's node build, as the browser page does, and report.
//
//   node tests/wasm_pairing.mjs proof.json vk.key settings.json kzg.srs
//
// Prints one JSON line: the engine version, the verdict on the proof as given (with
// "transcript_type": "EVM" added, as the page does), and on a copy with one proof byte flipped.
// tests/test_wasm_pairing.py runs it; it pins that engine 21 checks ezkl 23 proofs.

import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(root, "package.json"));
const ezkl = require("@ezkljs/engine/nodejs/ezkl.js");
const engineVersion = require("@ezkljs/engine/package.json").version.replace(/^v/, "");

const [proofPath, vkPath, settingsPath, srsPath] = process.argv.slice(2);
const read = (p) => new Uint8ClampedArray(fs.readFileSync(p));
const vk = read(vkPath);
const settings = read(settingsPath);
const srs = read(srsPath);
const proof = JSON.parse(fs.readFileSync(proofPath, "utf8"));

function check(p) {
  const bytes = new Uint8ClampedArray(Buffer.from(JSON.stringify(p)));
  const t0 = performance.now();
  try {
    const ok = ezkl.verify(bytes, vk, settings, srs);
    return { valid: ok === true, ms: performance.now() - t0, error: null };
  } catch (e) {
    return { valid: false, ms: performance.now() - t0, error: String(e?.message ?? e) };
  }
}

const withTranscript = { ...proof, transcript_type: "EVM" };
const flipped = { ...withTranscript, proof: [...proof.proof] };
const at = Math.floor(flipped.proof.length / 2);
flipped.proof[at] ^= 0x01;

console.log(JSON.stringify({
  engine_version: engineVersion,
  proof_ezkl_version: proof.version ?? null,
  as_given: check(withTranscript),
  flipped_byte: { index: at, ...check(flipped) },
}));
