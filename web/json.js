// JSON as Python's json.loads reads it, so the page and zkverify's Python side see the same
// values in the same file (docs/VERDICT.md: the conformance vectors settle each edge case).
//
// Differences from JSON.parse that a verdict can turn on:
// * an integer literal (`1`, `-0`, `12345678901234567890`) becomes a BigInt, a number with a
//   fraction or an exponent (`1.0`, `1e0`) a Number: Python's int and float. `prediction: 1.0`
//   is not a class index, and integers above 2^53 keep every digit;
// * `NaN`, `Infinity` and `-Infinity` are accepted (Python accepts them; the rules then reject
//   them as claims, which makes such a bundle invalid, not unreadable);
// * duplicate keys: the last one wins, as in both.

export class JsonError extends Error {}

const WS = new Set([" ", "\t", "\n", "\r"]);
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
const ESCAPES = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

/** Parse `text` like Python's json.loads; throws JsonError with a position on bad input. */
export function parsePyJson(text) {
  let i = 0;
  const fail = (what) => {
    const line = text.slice(0, i).split("\n").length;
    const col = i - text.lastIndexOf("\n", i - 1);
    throw new JsonError(`${what} at line ${line}, column ${col}`);
  };
  const ws = () => {
    while (i < text.length && WS.has(text[i])) i++;
  };
  const literal = (word, value) => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return { ok: true, value };
    }
    return { ok: false };
  };

  function string() {
    i++; // opening quote
    let out = "";
    let start = i;
    for (;;) {
      if (i >= text.length) fail("Unterminated string starting");
      const ch = text[i];
      if (ch === '"') {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (ch < " ") fail("Invalid control character");
      if (ch === "\\") {
        out += text.slice(start, i);
        const e = text[i + 1];
        if (e === "u") {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("Invalid \\uXXXX escape");
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else if (e in ESCAPES) {
          out += ESCAPES[e];
          i += 2;
        } else {
          fail("Invalid \\escape");
        }
        start = i;
      } else {
        i++;
      }
    }
  }

  function value() {
    ws();
    const ch = text[i];
    if (ch === "{") {
      i++;
      const obj = {};
      ws();
      if (text[i] === "}") {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("Expecting property name enclosed in double quotes");
        const key = string();
        ws();
        if (text[i] !== ":") fail("Expecting ':' delimiter");
        i++;
        // defineProperty: a key named "__proto__" is data, as in Python, not the prototype.
        Object.defineProperty(obj, key, { value: value(), enumerable: true, writable: true, configurable: true });
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return obj;
        }
        fail("Expecting ',' delimiter");
      }
    }
    if (ch === "[") {
      i++;
      const arr = [];
      ws();
      if (text[i] === "]") {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return arr;
        }
        fail("Expecting ',' delimiter");
      }
    }
    if (ch === '"') return string();
    for (const [w, v] of [["null", null], ["true", true], ["false", false], ["NaN", NaN],
      ["Infinity", Infinity], ["-Infinity", -Infinity]]) {
      const r = literal(w, v);
      if (r.ok) return r.value;
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m) {
      i += m[0].length;
      // Number() rounds a decimal to the nearest double, as Python's float() does.
      return m[1] === undefined && m[2] === undefined ? BigInt(m[0]) : Number(m[0]);
    }
    fail("Expecting value");
  }

  const v = value();
  ws();
  if (i !== text.length) fail("Extra data");
  return v;
}

/**
 * Python's json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False) for the
 * values parsePyJson makes (BigInt for ints). Keys sort by code point, as Python sorts str.
 */
export const canonicalJson = (v) => dumpsPy(v, true);

/** Python's json.dumps with separators (",", ":") and ensure_ascii=False: 1.0 stays 1.0. */
export function dumpsPy(v, sortKeys = false) {
  if (v === null) return "null";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
    return pyFloatRepr(v);
  }
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => dumpsPy(x, sortKeys)).join(",")}]`;
  const keys = Object.keys(v);
  if (sortKeys) keys.sort(byCodePoint);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${dumpsPy(v[k], sortKeys)}`).join(",")}}`;
}

function byCodePoint(a, b) {
  const x = [...a].map((c) => c.codePointAt(0));
  const y = [...b].map((c) => c.codePointAt(0));
  for (let k = 0; k < Math.min(x.length, y.length); k++) if (x[k] !== y[k]) return x[k] - y[k];
  return x.length - y.length;
}

// Python's repr of a float: shortest round-trip digits, like JS, but always with a "." or an
// exponent ("1.0", "1e+16", "1e-05"), and exponent from 1e16 up and below 1e-4.
function pyFloatRepr(x) {
  if (Object.is(x, -0)) return "-0.0";
  const ax = Math.abs(x);
  if (ax >= 1e16 || (ax !== 0 && ax < 1e-4)) {
    const [mant, exp] = x.toExponential().split("e");
    const e = Number(exp);
    return `${mant}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  const s = String(x);
  return s.includes(".") ? s : `${s}.0`;
}
