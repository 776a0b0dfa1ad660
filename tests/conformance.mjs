// Run conformance vectors through the page's verdict rules (web/bundle.js), with the proof check
// done by @ezkljs/engine's node build, as the page does with its web build.
//
//   node tests/conformance.mjs CONFORMANCE_DIR [CASE_NAME ...]
//
// Prints one JSON object: {engine_version, results: {case name: verdict}}. Assertions live in
// tests/test_conformance_js.py, which compares each verdict with the case's "expect".

import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { decide } from "../web/bundle.js";
import { dumpsPy, parsePyJson } from "../web/json.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(root, "package.json"));
const ezkl = require("@ezkljs/engine/nodejs/ezkl.js");
const engineVersion = require("@ezkljs/engine/package.json").version.replace(/^v/, "");

const [dir, ...only] = process.argv.slice(2);
const caseDir = path.join(dir, "cases");
const names = fs.readdirSync(caseDir).filter((f) => f.endsWith(".json")).sort();
const circuits = new Map();
function circuitFiles(name) {
  if (!circuits.has(name)) {
    const at = (f) => new Uint8Array(fs.readFileSync(path.join(dir, "circuits", name, f)));
    circuits.set(name, { card: at("card.json"), settings: at("settings.json"), vk: at("vk.key"), srs: at("kzg.srs") });
  }
  return circuits.get(name);
}

const check = (proof, vk, settings, srs) =>
  ezkl.verify(proof, new Uint8ClampedArray(vk), new Uint8ClampedArray(settings), new Uint8ClampedArray(srs));

const results = {};
for (const f of names) {
  // Read as Python does, so a bundle's 1.0 stays a float and big integers keep their digits.
  const c = parsePyJson(fs.readFileSync(path.join(caseDir, f), "utf8"));
  if (only.length && !only.includes(c.name)) continue;
  // The bundle as a file would hold it: a case's bundle is a JSON value, or the file's raw text
  // when the case is about text that is not JSON ("bundle_text").
  const text = "bundle_text" in c ? c.bundle_text : dumpsPy(c.bundle);
  results[c.name] = await decide({ bundle: new TextEncoder().encode(text), ...circuitFiles(c.circuit) }, check);
}
// dumpsPy: integers (BigInt) keep every digit and stay ints for Python, 1.0 stays a float.
console.log(dumpsPy({ engine_version: engineVersion, results }));
