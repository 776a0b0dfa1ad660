// Build the browser verifier into zkverify/web/static/ (committed, so users need no node).
//
//   node web/build.mjs             # after `npm ci`; rerun whenever web/ or @ezkljs/engine changes
//   node web/build.mjs --out DIR   # build elsewhere (the tests compare it with the committed one)
//
// esbuild bundles web/main.js with @ezkljs/engine's web build (which imports json-bigint by bare
// name, so a browser cannot load it unbundled). The 10 MB wasm ships gzipped (2 MB); the page
// inflates it with DecompressionStream. The output replaces the old folder in one rename.

import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const outAt = process.argv.indexOf("--out");
const dest = outAt > 0 ? path.resolve(process.argv[outAt + 1]) : path.join(root, "zkverify", "web", "static");
const engineDir = path.join(root, "node_modules", "@ezkljs", "engine");
const WASM = "ezkl_bg.wasm.gz";

function readJson(p) {
  return JSON.parse(fs.readFileSync(p, "utf8"));
}

// The Python ezkl the proofs come from, as pinned in pyproject.toml: recorded so the page (and
// the pairing test) can say which pair was checked.
function pinnedEzkl() {
  const m = fs.readFileSync(path.join(root, "pyproject.toml"), "utf8").match(/"ezkl==([^"]+)"/);
  if (!m) throw new Error("pyproject.toml: no ezkl==VERSION pin found");
  return m[1];
}

async function main() {
  const engineVersion = readJson(path.join(engineDir, "package.json")).version.replace(/^v/, "");
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(path.dirname(dest), ".static-build-"));
  try {
    await esbuild.build({
      // Paths in the bundle's comments are relative to this, so any cwd builds the same bytes.
      absWorkingDir: root,
      entryPoints: [path.join(here, "main.js")],
      bundle: true,
      format: "esm",
      target: "es2020",
      // Not minified: people who check proofs may want to read what checks them.
      minify: false,
      legalComments: "inline",
      outfile: path.join(tmp, "main.js"),
      logLevel: "warning",
    });
    for (const f of ["index.html", "style.css"]) fs.copyFileSync(path.join(here, f), path.join(tmp, f));

    const wasm = fs.readFileSync(path.join(engineDir, "web", "ezkl_bg.wasm"));
    const gz = zlib.gzipSync(wasm, { level: 9 });
    fs.writeFileSync(path.join(tmp, WASM), gz);

    const info = {
      engine: "@ezkljs/engine",
      engine_version: engineVersion,
      ezkl_version: pinnedEzkl(),
      esbuild_version: esbuild.version,
      wasm: WASM,
      wasm_sha256: createHash("sha256").update(wasm).digest("hex"),
      wasm_bytes: wasm.length,
    };
    fs.writeFileSync(path.join(tmp, "build-info.json"), JSON.stringify(info, null, 2) + "\n");

    // mkdtemp makes the folder private (0700); web servers running as another user must read it.
    fs.chmodSync(tmp, 0o755);
    // Swap the folders: readers see the old build or the new one, never half of each.
    const old = `${dest}.old-${process.pid}`;
    if (fs.existsSync(dest)) fs.renameSync(dest, old);
    fs.renameSync(tmp, dest);
    fs.rmSync(old, { recursive: true, force: true });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  for (const f of fs.readdirSync(dest).sort()) {
    const kb = (fs.statSync(path.join(dest, f)).size / 1024).toFixed(0);
    console.log(`${path.relative(root, path.join(dest, f))}  ${kb} KiB`);
  }
}

main().catch((e) => {
  console.error(`build failed: ${e.message}`);
  process.exit(1);
});
