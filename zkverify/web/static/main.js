// node_modules/@ezkljs/engine/web/snippets/wasm-bindgen-rayon-3e04391371ad0a8e/src/workerHelpers.js
var _workers;
async function startWorkers(module2, memory, builder) {
  if (builder.numThreads() === 0) {
    throw new Error(`num_threads must be > 0.`);
  }
  const workerInit = {
    module: module2,
    memory,
    receiver: builder.receiver()
  };
  _workers = await Promise.all(
    Array.from({ length: builder.numThreads() }, async () => {
      const worker = new Worker(
        new URL("./workerHelpers.worker.js", import.meta.resolve),
        {
          type: "module"
        }
      );
      worker.postMessage(workerInit);
      await new Promise(
        (resolve) => worker.addEventListener("message", resolve, { once: true })
      );
      return worker;
    })
  );
  builder.build();
}

// node_modules/@ezkljs/engine/web/ezkl.js
var wasm;
var heap = new Array(128).fill(void 0);
heap.push(void 0, null, true, false);
function getObject(idx) {
  return heap[idx];
}
var heap_next = heap.length;
function dropObject(idx) {
  if (idx < 132) return;
  heap[idx] = heap_next;
  heap_next = idx;
}
function takeObject(idx) {
  const ret = getObject(idx);
  dropObject(idx);
  return ret;
}
var cachedTextDecoder = typeof TextDecoder !== "undefined" ? new TextDecoder("utf-8", { ignoreBOM: true, fatal: true }) : { decode: () => {
  throw Error("TextDecoder not available");
} };
if (typeof TextDecoder !== "undefined") {
  cachedTextDecoder.decode();
}
var cachedUint8Memory0 = null;
function getUint8Memory0() {
  if (cachedUint8Memory0 === null || cachedUint8Memory0.buffer !== wasm.memory.buffer) {
    cachedUint8Memory0 = new Uint8Array(wasm.memory.buffer);
  }
  return cachedUint8Memory0;
}
function getStringFromWasm0(ptr, len) {
  ptr = ptr >>> 0;
  return cachedTextDecoder.decode(getUint8Memory0().slice(ptr, ptr + len));
}
function addHeapObject(obj) {
  if (heap_next === heap.length) heap.push(heap.length + 1);
  const idx = heap_next;
  heap_next = heap[idx];
  heap[idx] = obj;
  return idx;
}
function init_panic_hook() {
  wasm.init_panic_hook();
}
var WASM_VECTOR_LEN = 0;
function passArray8ToWasm0(arg, malloc) {
  const ptr = malloc(arg.length * 1, 1) >>> 0;
  getUint8Memory0().set(arg, ptr / 1);
  WASM_VECTOR_LEN = arg.length;
  return ptr;
}
var cachedInt32Memory0 = null;
function getInt32Memory0() {
  if (cachedInt32Memory0 === null || cachedInt32Memory0.buffer !== wasm.memory.buffer) {
    cachedInt32Memory0 = new Int32Array(wasm.memory.buffer);
  }
  return cachedInt32Memory0;
}
var cachedUint8ClampedMemory0 = null;
var cachedFloat64Memory0 = null;
var cachedTextEncoder = typeof TextEncoder !== "undefined" ? new TextEncoder("utf-8") : { encode: () => {
  throw Error("TextEncoder not available");
} };
var encodeString = function(arg, view) {
  const buf = cachedTextEncoder.encode(arg);
  view.set(buf);
  return {
    read: arg.length,
    written: buf.length
  };
};
function passStringToWasm0(arg, malloc, realloc) {
  if (realloc === void 0) {
    const buf = cachedTextEncoder.encode(arg);
    const ptr2 = malloc(buf.length, 1) >>> 0;
    getUint8Memory0().subarray(ptr2, ptr2 + buf.length).set(buf);
    WASM_VECTOR_LEN = buf.length;
    return ptr2;
  }
  let len = arg.length;
  let ptr = malloc(len, 1) >>> 0;
  const mem = getUint8Memory0();
  let offset = 0;
  for (; offset < len; offset++) {
    const code = arg.charCodeAt(offset);
    if (code > 127) break;
    mem[ptr + offset] = code;
  }
  if (offset !== len) {
    if (offset !== 0) {
      arg = arg.slice(offset);
    }
    ptr = realloc(ptr, len, len = offset + arg.length * 3, 1) >>> 0;
    const view = getUint8Memory0().subarray(ptr + offset, ptr + len);
    const ret = encodeString(arg, view);
    offset += ret.written;
    ptr = realloc(ptr, len, offset, 1) >>> 0;
  }
  WASM_VECTOR_LEN = offset;
  return ptr;
}
function verify(proof_js, vk, settings, srs) {
  try {
    const retptr = wasm.__wbindgen_add_to_stack_pointer(-16);
    const ptr0 = passArray8ToWasm0(proof_js, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ptr1 = passArray8ToWasm0(vk, wasm.__wbindgen_malloc);
    const len1 = WASM_VECTOR_LEN;
    const ptr2 = passArray8ToWasm0(settings, wasm.__wbindgen_malloc);
    const len2 = WASM_VECTOR_LEN;
    const ptr3 = passArray8ToWasm0(srs, wasm.__wbindgen_malloc);
    const len3 = WASM_VECTOR_LEN;
    wasm.verify(retptr, ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3);
    var r0 = getInt32Memory0()[retptr / 4 + 0];
    var r1 = getInt32Memory0()[retptr / 4 + 1];
    var r2 = getInt32Memory0()[retptr / 4 + 2];
    if (r2) {
      throw takeObject(r1);
    }
    return r0 !== 0;
  } finally {
    wasm.__wbindgen_add_to_stack_pointer(16);
  }
}
function handleError(f, args) {
  try {
    return f.apply(this, args);
  } catch (e) {
    wasm.__wbindgen_exn_store(addHeapObject(e));
  }
}
var wbg_rayon_PoolBuilderFinalization = typeof FinalizationRegistry === "undefined" ? { register: () => {
}, unregister: () => {
} } : new FinalizationRegistry((ptr) => wasm.__wbg_wbg_rayon_poolbuilder_free(ptr >>> 0));
var wbg_rayon_PoolBuilder = class _wbg_rayon_PoolBuilder {
  static __wrap(ptr) {
    ptr = ptr >>> 0;
    const obj = Object.create(_wbg_rayon_PoolBuilder.prototype);
    obj.__wbg_ptr = ptr;
    wbg_rayon_PoolBuilderFinalization.register(obj, obj.__wbg_ptr, obj);
    return obj;
  }
  __destroy_into_raw() {
    const ptr = this.__wbg_ptr;
    this.__wbg_ptr = 0;
    wbg_rayon_PoolBuilderFinalization.unregister(this);
    return ptr;
  }
  free() {
    const ptr = this.__destroy_into_raw();
    wasm.__wbg_wbg_rayon_poolbuilder_free(ptr);
  }
  /**
  * @returns {number}
  */
  numThreads() {
    const ret = wasm.wbg_rayon_poolbuilder_numThreads(this.__wbg_ptr);
    return ret >>> 0;
  }
  /**
  * @returns {number}
  */
  receiver() {
    const ret = wasm.wbg_rayon_poolbuilder_receiver(this.__wbg_ptr);
    return ret >>> 0;
  }
  /**
  */
  build() {
    wasm.wbg_rayon_poolbuilder_build(this.__wbg_ptr);
  }
};
async function __wbg_load(module2, imports) {
  if (typeof Response === "function" && module2 instanceof Response) {
    if (typeof WebAssembly.instantiateStreaming === "function") {
      try {
        return await WebAssembly.instantiateStreaming(module2, imports);
      } catch (e) {
        if (module2.headers.get("Content-Type") != "application/wasm") {
          console.warn("`WebAssembly.instantiateStreaming` failed because your server does not serve wasm with `application/wasm` MIME type. Falling back to `WebAssembly.instantiate` which is slower. Original error:\n", e);
        } else {
          throw e;
        }
      }
    }
    const bytes = await module2.arrayBuffer();
    return await WebAssembly.instantiate(bytes, imports);
  } else {
    const instance = await WebAssembly.instantiate(module2, imports);
    if (instance instanceof WebAssembly.Instance) {
      return { instance, module: module2 };
    } else {
      return instance;
    }
  }
}
function __wbg_get_imports() {
  const imports = {};
  imports.wbg = {};
  imports.wbg.__wbindgen_object_drop_ref = function(arg0) {
    takeObject(arg0);
  };
  imports.wbg.__wbindgen_error_new = function(arg0, arg1) {
    const ret = new Error(getStringFromWasm0(arg0, arg1));
    return addHeapObject(ret);
  };
  imports.wbg.__wbg_log_53ed96ea72ace5e9 = function(arg0, arg1) {
    console.log(getStringFromWasm0(arg0, arg1));
  };
  imports.wbg.__wbg_error_93b671ae91baaee7 = function(arg0, arg1) {
    console.error(getStringFromWasm0(arg0, arg1));
  };
  imports.wbg.__wbg_warn_52c5b3e773c3a056 = function(arg0, arg1) {
    console.warn(getStringFromWasm0(arg0, arg1));
  };
  imports.wbg.__wbg_new_abda76e883ba8a5f = function() {
    const ret = new Error();
    return addHeapObject(ret);
  };
  imports.wbg.__wbg_stack_658279fe44541cf6 = function(arg0, arg1) {
    const ret = getObject(arg1).stack;
    const ptr1 = passStringToWasm0(ret, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len1 = WASM_VECTOR_LEN;
    getInt32Memory0()[arg0 / 4 + 1] = len1;
    getInt32Memory0()[arg0 / 4 + 0] = ptr1;
  };
  imports.wbg.__wbg_error_f851667af71bcfc6 = function(arg0, arg1) {
    let deferred0_0;
    let deferred0_1;
    try {
      deferred0_0 = arg0;
      deferred0_1 = arg1;
      console.error(getStringFromWasm0(arg0, arg1));
    } finally {
      wasm.__wbindgen_free(deferred0_0, deferred0_1, 1);
    }
  };
  imports.wbg.__wbg_instanceof_Window_f401953a2cf86220 = function(arg0) {
    let result;
    try {
      result = getObject(arg0) instanceof Window;
    } catch (_) {
      result = false;
    }
    const ret = result;
    return ret;
  };
  imports.wbg.__wbg_crypto_d05b68a3572bb8ca = function(arg0) {
    const ret = getObject(arg0).crypto;
    return addHeapObject(ret);
  };
  imports.wbg.__wbindgen_is_object = function(arg0) {
    const val = getObject(arg0);
    const ret = typeof val === "object" && val !== null;
    return ret;
  };
  imports.wbg.__wbg_process_b02b3570280d0366 = function(arg0) {
    const ret = getObject(arg0).process;
    return addHeapObject(ret);
  };
  imports.wbg.__wbg_versions_c1cb42213cedf0f5 = function(arg0) {
    const ret = getObject(arg0).versions;
    return addHeapObject(ret);
  };
  imports.wbg.__wbg_node_43b1089f407e4ec2 = function(arg0) {
    const ret = getObject(arg0).node;
    return addHeapObject(ret);
  };
  imports.wbg.__wbindgen_is_string = function(arg0) {
    const ret = typeof getObject(arg0) === "string";
    return ret;
  };
  imports.wbg.__wbg_require_9a7e0f667ead4995 = function() {
    return handleError(function() {
      const ret = module.require;
      return addHeapObject(ret);
    }, arguments);
  };
  imports.wbg.__wbindgen_is_function = function(arg0) {
    const ret = typeof getObject(arg0) === "function";
    return ret;
  };
  imports.wbg.__wbindgen_string_new = function(arg0, arg1) {
    const ret = getStringFromWasm0(arg0, arg1);
    return addHeapObject(ret);
  };
  imports.wbg.__wbg_msCrypto_10fc94afee92bd76 = function(arg0) {
    const ret = getObject(arg0).msCrypto;
    return addHeapObject(ret);
  };
  imports.wbg.__wbg_randomFillSync_b70ccbdf4926a99d = function() {
    return handleError(function(arg0, arg1) {
      getObject(arg0).randomFillSync(takeObject(arg1));
    }, arguments);
  };
  imports.wbg.__wbg_getRandomValues_7e42b4fb8779dc6d = function() {
    return handleError(function(arg0, arg1) {
      getObject(arg0).getRandomValues(getObject(arg1));
    }, arguments);
  };
  imports.wbg.__wbg_self_ce0dbfc45cf2f5be = function() {
    return handleError(function() {
      const ret = self.self;
      return addHeapObject(ret);
    }, arguments);
  };
  imports.wbg.__wbg_window_c6fb939a7f436783 = function() {
    return handleError(function() {
      const ret = window.window;
      return addHeapObject(ret);
    }, arguments);
  };
  imports.wbg.__wbg_globalThis_d1e6af4856ba331b = function() {
    return handleError(function() {
      const ret = globalThis.globalThis;
      return addHeapObject(ret);
    }, arguments);
  };
  imports.wbg.__wbg_global_207b558942527489 = function() {
    return handleError(function() {
      const ret = global.global;
      return addHeapObject(ret);
    }, arguments);
  };
  imports.wbg.__wbindgen_is_undefined = function(arg0) {
    const ret = getObject(arg0) === void 0;
    return ret;
  };
  imports.wbg.__wbg_newnoargs_e258087cd0daa0ea = function(arg0, arg1) {
    const ret = new Function(getStringFromWasm0(arg0, arg1));
    return addHeapObject(ret);
  };
  imports.wbg.__wbg_call_27c0f87801dedf93 = function() {
    return handleError(function(arg0, arg1) {
      const ret = getObject(arg0).call(getObject(arg1));
      return addHeapObject(ret);
    }, arguments);
  };
  imports.wbg.__wbindgen_object_clone_ref = function(arg0) {
    const ret = getObject(arg0);
    return addHeapObject(ret);
  };
  imports.wbg.__wbg_call_b3ca7c6051f9bec1 = function() {
    return handleError(function(arg0, arg1, arg2) {
      const ret = getObject(arg0).call(getObject(arg1), getObject(arg2));
      return addHeapObject(ret);
    }, arguments);
  };
  imports.wbg.__wbg_now_3014639a94423537 = function() {
    const ret = Date.now();
    return ret;
  };
  imports.wbg.__wbg_buffer_12d079cc21e14bdb = function(arg0) {
    const ret = getObject(arg0).buffer;
    return addHeapObject(ret);
  };
  imports.wbg.__wbg_newwithbyteoffsetandlength_aa4a17c33a06e5cb = function(arg0, arg1, arg2) {
    const ret = new Uint8Array(getObject(arg0), arg1 >>> 0, arg2 >>> 0);
    return addHeapObject(ret);
  };
  imports.wbg.__wbg_new_63b92bc8671ed464 = function(arg0) {
    const ret = new Uint8Array(getObject(arg0));
    return addHeapObject(ret);
  };
  imports.wbg.__wbg_set_a47bac70306a19a7 = function(arg0, arg1, arg2) {
    getObject(arg0).set(getObject(arg1), arg2 >>> 0);
  };
  imports.wbg.__wbg_newwithlength_e9b4878cebadb3d3 = function(arg0) {
    const ret = new Uint8Array(arg0 >>> 0);
    return addHeapObject(ret);
  };
  imports.wbg.__wbg_subarray_a1f73cd4b5b42fe1 = function(arg0, arg1, arg2) {
    const ret = getObject(arg0).subarray(arg1 >>> 0, arg2 >>> 0);
    return addHeapObject(ret);
  };
  imports.wbg.__wbindgen_throw = function(arg0, arg1) {
    throw new Error(getStringFromWasm0(arg0, arg1));
  };
  imports.wbg.__wbindgen_module = function() {
    const ret = __wbg_init.__wbindgen_wasm_module;
    return addHeapObject(ret);
  };
  imports.wbg.__wbindgen_memory = function() {
    const ret = wasm.memory;
    return addHeapObject(ret);
  };
  imports.wbg.__wbg_startWorkers_2ee336a9694dda13 = function(arg0, arg1, arg2) {
    const ret = startWorkers(takeObject(arg0), takeObject(arg1), wbg_rayon_PoolBuilder.__wrap(arg2));
    return addHeapObject(ret);
  };
  return imports;
}
function __wbg_init_memory(imports, maybe_memory) {
  imports.wbg.memory = maybe_memory || new WebAssembly.Memory({ initial: 20, maximum: 65536, shared: true });
}
function __wbg_finalize_init(instance, module2) {
  wasm = instance.exports;
  __wbg_init.__wbindgen_wasm_module = module2;
  cachedFloat64Memory0 = null;
  cachedInt32Memory0 = null;
  cachedUint8Memory0 = null;
  cachedUint8ClampedMemory0 = null;
  wasm.__wbindgen_start();
  return wasm;
}
async function __wbg_init(input, maybe_memory) {
  if (wasm !== void 0) return wasm;
  if (typeof input === "undefined") {
    input = new URL("ezkl_bg.wasm", import.meta.url);
  }
  const imports = __wbg_get_imports();
  if (typeof input === "string" || typeof Request === "function" && input instanceof Request || typeof URL === "function" && input instanceof URL) {
    input = fetch(input);
  }
  __wbg_init_memory(imports, maybe_memory);
  const { instance, module: module2 } = await __wbg_load(await input, imports);
  return __wbg_finalize_init(instance, module2);
}
var ezkl_default = __wbg_init;

// web/json.js
var JsonError = class extends Error {
};
var WS = /* @__PURE__ */ new Set([" ", "	", "\n", "\r"]);
var NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
var ESCAPES = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "	" };
function parsePyJson(text) {
  let i = 0;
  const fail = (what) => {
    const line = text.slice(0, i).split("\n").length;
    const col = i - text.lastIndexOf("\n", i - 1);
    throw new JsonError(`${what} at line ${line}, column ${col}`);
  };
  const ws = () => {
    while (i < text.length && WS.has(text[i])) i++;
  };
  const literal = (word, value2) => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return { ok: true, value: value2 };
    }
    return { ok: false };
  };
  function string() {
    i++;
    let out = "";
    let start = i;
    for (; ; ) {
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
      for (; ; ) {
        ws();
        if (text[i] !== '"') fail("Expecting property name enclosed in double quotes");
        const key = string();
        ws();
        if (text[i] !== ":") fail("Expecting ':' delimiter");
        i++;
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
      for (; ; ) {
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
    for (const [w, v2] of [
      ["null", null],
      ["true", true],
      ["false", false],
      ["NaN", NaN],
      ["Infinity", Infinity],
      ["-Infinity", -Infinity]
    ]) {
      const r = literal(w, v2);
      if (r.ok) return r.value;
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m) {
      i += m[0].length;
      return m[1] === void 0 && m[2] === void 0 ? BigInt(m[0]) : Number(m[0]);
    }
    fail("Expecting value");
  }
  const v = value();
  ws();
  if (i !== text.length) fail("Extra data");
  return v;
}
var canonicalJson = (v) => dumpsPy(v, true);
function dumpsPy(v, sortKeys = false) {
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
function pyFloatRepr(x) {
  if (Object.is(x, -0)) return "-0.0";
  const ax = Math.abs(x);
  if (ax >= 1e16 || ax !== 0 && ax < 1e-4) {
    const [mant, exp] = x.toExponential().split("e");
    const e = Number(exp);
    return `${mant}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  const s = String(x);
  return s.includes(".") ? s : `${s}.0`;
}

// web/sha256.js
var K = new Uint32Array([
  1116352408,
  1899447441,
  3049323471,
  3921009573,
  961987163,
  1508970993,
  2453635748,
  2870763221,
  3624381080,
  310598401,
  607225278,
  1426881987,
  1925078388,
  2162078206,
  2614888103,
  3248222580,
  3835390401,
  4022224774,
  264347078,
  604807628,
  770255983,
  1249150122,
  1555081692,
  1996064986,
  2554220882,
  2821834349,
  2952996808,
  3210313671,
  3336571891,
  3584528711,
  113926993,
  338241895,
  666307205,
  773529912,
  1294757372,
  1396182291,
  1695183700,
  1986661051,
  2177026350,
  2456956037,
  2730485921,
  2820302411,
  3259730800,
  3345764771,
  3516065817,
  3600352804,
  4094571909,
  275423344,
  430227734,
  506948616,
  659060556,
  883997877,
  958139571,
  1322822218,
  1537002063,
  1747873779,
  1955562222,
  2024104815,
  2227730452,
  2361852424,
  2428436474,
  2756734187,
  3204031479,
  3329325298
]);
var rotr = (x, n) => x >>> n | x << 32 - n;
function sha256Sync(bytes) {
  const len = bytes.length;
  const padded = new Uint8Array(len + 9 + 63 >> 6 << 6);
  padded.set(bytes);
  padded[len] = 128;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(len * 8 / 2 ** 32));
  view.setUint32(padded.length - 4, len * 8 >>> 0);
  const h = new Uint32Array([
    1779033703,
    3144134277,
    1013904242,
    2773480762,
    1359893119,
    2600822924,
    528734635,
    1541459225
  ]);
  const w = new Uint32Array(64);
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ w[i - 15] >>> 3;
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ w[i - 2] >>> 10;
      w[i] = w[i - 16] + s0 + w[i - 7] + s1 | 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + (e & f ^ ~e & g) + K[i] + w[i] | 0;
      const t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + (a & b ^ a & c ^ b & c) | 0;
      hh = g;
      g = f;
      f = e;
      e = d + t1 | 0;
      d = c;
      c = b;
      b = a;
      a = t1 + t2 | 0;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
  return Array.from(h, (x) => x.toString(16).padStart(8, "0")).join("");
}
async function sha256Hex(bytes) {
  if (globalThis.crypto?.subtle) {
    const digest = await crypto.subtle.digest("SHA-256", bytes);
    return Array.from(new Uint8Array(digest), (x) => x.toString(16).padStart(2, "0")).join("");
  }
  return sha256Sync(bytes);
}

// web/bundle.js
var BUNDLE_FORMAT = "zkverify.proof-bundle/2";
var BUNDLE_FORMAT_V1 = "zkverify.proof-bundle/1";
var BUNDLE_FORMATS = [BUNDLE_FORMAT_V1, BUNDLE_FORMAT];
var BUNDLE_KINDS = ["single", "batched"];
var CARD_FORMAT = "zkverify.card/2";
var CARD_FORMATS = ["zkverify.card/1", "zkverify.card/2"];
var CEREMONY_SRS_SHA256 = {
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
  26: "b198a51d48b88181508d8e4ea9dea39db285e4585663b29b7e4ded0c22a94875"
};
var BUNDLE_KEYS_V1 = [
  "format",
  "zkverify_version",
  "ezkl_version",
  "circuit",
  "inputs",
  "outputs",
  "prediction",
  "visibility",
  "created_at",
  "proof"
];
var BUNDLE_KEYS = [
  "format",
  "kind",
  "zkverify_version",
  "ezkl_version",
  "circuit",
  "inputs",
  "outputs",
  "visibility",
  "created_at",
  "proof",
  "batch"
];
var CIRCUIT_KEYS_V1 = ["name", "model_sha256", "settings_sha256", "vk_sha256"];
var CIRCUIT_KEYS = [...CIRCUIT_KEYS_V1, "id"];
var TENSOR_KEYS = ["name", "dtype", "shape", "values", "hash"];
var OUTPUT_KEYS = [...TENSOR_KEYS, "prediction"];
var PROOF_KEYS = [
  "protocol",
  "instances",
  "proof",
  "hex_proof",
  "split",
  "pretty_public_inputs",
  "timestamp",
  "version"
];
var PAGE_REFUSED_KINDS = [["evaluation", "this is an evaluation circuit (zkverify evaluate)"]];
var CARD_KEYS = [
  "format",
  "name",
  "ezkl_version",
  "model_sha256",
  "settings_sha256",
  "vk_sha256",
  "srs_sha256",
  "srs",
  "visibility",
  "param_hashes",
  "inputs",
  "outputs",
  "prediction",
  "batch_size"
];
var CARD_TENSOR_KEYS = ["name", "dtype", "shape", "prediction"];
var RULES = ["argmax", "values"];
var FLOAT_DTYPES = ["float16", "bfloat16", "float32", "float64"];
var VISIBILITIES = ["public", "private", "hashed", "fixed"];
var HEX64 = /^[0-9a-f]{64}$/;
var P = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001n;
var VerdictError = class extends Error {
};
var Invalid = class extends Error {
  constructor(field, reason) {
    super(reason);
    this.field = field;
  }
};
var isObj = (x) => x !== null && typeof x === "object" && !Array.isArray(x);
var has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
var isInt = (x) => typeof x === "bigint";
var isNum = (x) => typeof x === "bigint" || typeof x === "number" && Number.isFinite(x);
var product = (shape) => shape.reduce((a, x) => a * x, 1);
var short = (h) => `${String(h).slice(0, 12)}\u2026`;
var pyStr = (k) => k.includes("'") && !k.includes('"') ? JSON.stringify(k) : `'${k.replaceAll("'", "\\'")}'`;
var NO_PREDICTION = "the bundle's prediction does not follow from the proven outputs";
function pyRepr(x) {
  if (x === null || x === void 0) return "None";
  if (typeof x === "boolean") return x ? "True" : "False";
  if (typeof x === "string") return pyStr(x);
  if (typeof x === "bigint" || typeof x === "number") return dumpsPy(x);
  if (Array.isArray(x)) return `[${x.map(pyRepr).join(", ")}]`;
  return `{${Object.keys(x).map((k) => `${pyStr(k)}: ${pyRepr(x[k])}`).join(", ")}}`;
}
var pyType = (x) => x === null ? "NoneType" : typeof x === "bigint" ? "int" : typeof x === "number" ? "float" : typeof x === "string" ? "str" : typeof x === "boolean" ? "bool" : Array.isArray(x) ? "list" : "dict";
var get = (o, k) => has(o, k) ? o[k] : null;
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
function parseCard(bytes) {
  const c = readJson(bytes, "circuit card");
  const bad = (why) => new VerdictError(`not a zkverify circuit card (${why})`);
  if (!isObj(c)) throw bad("expected a JSON object");
  if (c.format === "zkverify.sliced-card/1") {
    throw new VerdictError("this is a sliced circuit (build --slices): verify its bundles with `zkverify verify`; this page does not check them");
  }
  if (!CARD_FORMATS.includes(c.format)) {
    throw bad(`format ${JSON.stringify(typeof c.format === "bigint" ? Number(c.format) : c.format ?? null)}, expected "${CARD_FORMAT}"`);
  }
  for (const [key, what] of PAGE_REFUSED_KINDS) {
    if (has(c, key) && c[key] !== null) {
      throw new VerdictError(`${what}: verify its bundles with \`zkverify verify\`; this page does not check them`);
    }
  }
  const extra = Object.keys(c).find((k) => !CARD_KEYS.includes(k));
  if (extra !== void 0) throw bad(`unknown field ${extra}`);
  const card = { ...c, param_hashes: has(c, "param_hashes") ? c.param_hashes : [] };
  for (const k of ["name", "ezkl_version", "model_sha256", "settings_sha256", "vk_sha256", "srs_sha256"]) {
    if (typeof card[k] !== "string") throw bad(`${k}: expected a string`);
  }
  const srs = card.srs;
  if (!isObj(srs) || Object.keys(srs).some((k) => !["source", "logrows"].includes(k)) || !["local-dev", "ceremony", "user"].includes(srs.source) || !isInt(srs.logrows)) {
    throw bad('srs: expected {"source": "local-dev"|"ceremony"|"user", "logrows": int}');
  }
  if (!isObj(card.visibility) || !Object.values(card.visibility).every((v) => typeof v === "string")) {
    throw bad("visibility: expected an object of strings");
  }
  if (!Array.isArray(card.param_hashes) || !card.param_hashes.every((h) => typeof h === "string")) {
    throw bad("param_hashes: expected a list of strings");
  }
  const strOrNull = (x) => x === null || x === void 0 || typeof x === "string";
  for (const k of ["inputs", "outputs"]) {
    const ok = Array.isArray(card[k]) && card[k].every((t) => isObj(t) && Object.keys(t).every((key) => CARD_TENSOR_KEYS.includes(key)) && Array.isArray(t.shape) && t.shape.every(isInt) && strOrNull(t.name) && strOrNull(t.dtype) && (get(t, "prediction") === null || RULES.includes(t.prediction)));
    if (!ok) throw bad(`${k}: expected a list of {"name", "dtype", "shape": [ints], "prediction"}`);
    card[k] = card[k].map((t) => Object.fromEntries(Object.entries(t).filter(([, v]) => v !== null)));
  }
  if (get(card, "prediction") === null) delete card.prediction;
  else if (!RULES.includes(card.prediction)) throw bad('prediction: expected "argmax" or "values"');
  if (get(card, "batch_size") === null) delete card.batch_size;
  else if (!isInt(card.batch_size)) throw bad("batch_size: expected an int");
  return card;
}
function cardTensors(card, key) {
  const prefix = key === "inputs" ? "input" : "output";
  return card[key].map((t, i) => {
    const dtype = t.dtype || "float32";
    return {
      name: t.name || `${prefix}_${i}`,
      dtype,
      shape: t.shape,
      size: product(t.shape.map(Number)),
      integral: !FLOAT_DTYPES.includes(dtype)
    };
  });
}
var outputRules = (card) => card.outputs.map((t) => t.prediction || card.prediction || "values");
var isLegacyCard = (card) => card.format === "zkverify.card/1";
var batchSize = (card) => card.batch_size === void 0 || card.batch_size === 0n ? null : card.batch_size;
async function circuitId(card) {
  return sha256Hex(new TextEncoder().encode(canonicalJson(card)));
}
function srsProvenance(card, srsSha256) {
  if (Object.values(CEREMONY_SRS_SHA256).includes(srsSha256)) return "ceremony";
  return card.srs.source === "local-dev" ? "local-dev" : "user-supplied";
}
function settingsVisibility(settings) {
  const ra = isObj(settings) && isObj(settings.run_args) ? settings.run_args : {};
  const out = {};
  for (const k of ["input", "output", "param"]) {
    const v = ra[`${k}_visibility`];
    let name = isObj(v) ? Object.keys(v)[0] ?? "" : String(v);
    if (isObj(v) && isObj(v[name]) && v[name].hash_is_public === false) name = "hashed-private";
    out[k] = name.toLowerCase();
  }
  return out;
}
function leToBig(hexLE) {
  let be = "";
  for (let i = hexLE.length - 2; i >= 0; i -= 2) be += hexLE.slice(i, i + 2);
  return BigInt(`0x${be}`);
}
var signed = (f) => f > (P - 1n) / 2n ? f - P : f;
function exactDouble(x) {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const sign = hi >>> 31 ? -1n : 1n;
  const exp = hi >>> 20 & 2047;
  let m = BigInt(hi & 1048575) << 32n | BigInt(lo);
  if (exp) m |= 1n << 52n;
  return { m: sign * m, e: (exp || 1) - 1075 };
}
function claimMatches(c, v, s) {
  if (typeof c === "bigint") return s >= 0 ? c << BigInt(s) === v : c === v << BigInt(-s);
  const { m, e } = exactDouble(c);
  const k = e + s;
  return k >= 0 ? m << BigInt(k) === v : m === v << BigInt(-k);
}
async function proofHash(proofBytes, flatInstances) {
  const buf = new Uint8Array(proofBytes.length + 32 * flatInstances.length);
  buf.set(proofBytes);
  flatInstances.forEach((hexLE, n) => {
    const at = proofBytes.length + 32 * n;
    for (let i = 0; i < 32; i++) buf[at + 31 - i] = parseInt(hexLE.slice(2 * i, 2 * i + 2), 16);
  });
  return sha256Hex(buf);
}
function proofForEngine(proofBytes, instances) {
  const p = {
    protocol: null,
    instances,
    proof: Array.from(proofBytes),
    hex_proof: null,
    transcript_type: "EVM",
    split: null,
    pretty_public_inputs: null,
    timestamp: null
  };
  return new Uint8ClampedArray(new TextEncoder().encode(JSON.stringify(p)));
}
function parseBundle(bytes) {
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
  if (extra !== void 0) throw new Invalid(extra, `unknown field ${pyStr(extra)} in the bundle`);
  const required = v1 ? ["ezkl_version", "circuit", "proof"] : ["kind", "ezkl_version", "circuit", "inputs", "outputs", "proof"];
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
  if (extraC !== void 0) throw new Invalid(`circuit.${extraC}`, `unknown field circuit.${pyStr(extraC)}`);
  if (has(c, "name") && typeof c.name !== "string") throw new Invalid("circuit.name", "circuit.name: expected a string");
  for (const k of ["model_sha256", "settings_sha256", "vk_sha256", ...v1 ? [] : ["id"]]) {
    if (typeof c[k] !== "string" || !HEX64.test(c[k])) {
      throw new Invalid(`circuit.${k}`, `circuit.${k}: expected 64 lowercase hex digits`);
    }
  }
  if (v1) {
    for (const k of ["inputs", "outputs"]) {
      const v = get(b, k);
      if (v !== null && !(Array.isArray(v) && v.every((row2) => Array.isArray(row2) && row2.every(isNum)))) {
        throw new Invalid(k, `${k}: expected null or a list of lists of numbers`);
      }
    }
  }
  if (has(b, "visibility") && !(isObj(b.visibility) && Object.values(b.visibility).every((v) => typeof v === "string"))) {
    throw new Invalid("visibility", "visibility: expected an object of strings");
  }
  if (!isObj(b.proof)) throw new Invalid("proof", "proof: expected ezkl's proof object");
}
function checkCircuit(b, card, id) {
  for (const k of ["model_sha256", "settings_sha256", "vk_sha256"]) {
    if (b.circuit[k] !== card[k]) {
      throw new Invalid(`circuit.${k}`, `the bundle belongs to another circuit (its ${k} ${short(b.circuit[k])} is not ${short(card[k])})`);
    }
  }
  if (has(b.circuit, "id") && b.circuit.id !== id) {
    throw new Invalid("circuit.id", `the bundle belongs to another circuit (its id ${short(b.circuit.id)} is not ${short(id)})`);
  }
}
function checkProofObject(p) {
  const extra = Object.keys(p).find((k) => !PROOF_KEYS.includes(k));
  if (extra !== void 0) throw new Invalid(`proof.${extra}`, `unknown field proof.${pyStr(extra)} (not in ezkl's proof.json)`);
  const bytesOk = Array.isArray(p.proof) && p.proof.length > 0 && p.proof.every((x) => isInt(x) && x >= 0n && x <= 255n);
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
    throw new Invalid("proof.instances", "the proof's instances are not field elements (64 lowercase hex digits, below the field modulus)");
  }
  return { bytes, instances: inst, flat: inst.flat() };
}
function decode(card, settings, vis, flat) {
  const ins = cardTensors(card, "inputs");
  const outs = cardTensors(card, "outputs");
  const sum = (xs) => xs.reduce((a, x) => a + x, 0);
  const sec = [
    ["input_hashes", vis.input === "hashed" ? ins.length : 0],
    ["param_hashes", vis.param === "hashed" ? card.param_hashes.length : 0],
    ["inputs", vis.input === "public" ? sum(ins.map((t) => t.size)) : 0],
    ["outputs", vis.output === "public" ? sum(outs.map((t) => t.size)) : 0],
    ["output_hashes", vis.output === "hashed" ? outs.length : 0]
  ];
  const want = sum(sec.map(([, n]) => n));
  if (flat.length !== want) {
    throw new Invalid("proof.instances", `the proof has ${flat.length} public instances, this circuit has ${want}`);
  }
  const out = {};
  let at = 0;
  for (const [name, n] of sec) out[name] = flat.slice(at, at += n);
  for (const [key, tensors, scales] of [
    ["inputs", ins, settings.model_input_scales],
    ["outputs", outs, settings.model_output_scales]
  ]) {
    const sc = (Array.isArray(scales) ? scales : []).map(Number);
    if (sc.length !== tensors.length) {
      throw new VerdictError(`settings.json: ${sc.length} ${key} scales for the card's ${tensors.length} ${key}`);
    }
    const felts = out[key];
    let k = 0;
    out[key] = vis[key.slice(0, -1)] !== "public" ? null : tensors.map((t, i) => {
      const vals = felts.slice(k, k += t.size).map((f) => signed(leToBig(f)));
      return { felts: vals, scale: sc[i], typed: vals.map((v) => typedValue(v, sc[i], t)) };
    });
  }
  out.tensors = { inputs: ins, outputs: outs };
  for (const key of ["input_hashes", "output_hashes"]) if (out[key].length === 0) out[key] = null;
  return out;
}
function typedValue(v, scale, t) {
  if (t.dtype === "bool" && scale === 0 && (v === 0n || v === 1n)) return v === 1n;
  if (t.integral && scale === 0) return v;
  return Number(v) / 2 ** scale;
}
function sameValue(c, v, scale, t) {
  if (t.dtype === "bool" && scale === 0 && (v === 0n || v === 1n)) return typeof c === "boolean" && (c ? 1n : 0n) === v;
  return isNum(c) && claimMatches(c, v, scale);
}
var asKey = (x) => typeof x === "boolean" ? x ? 1n : 0n : x;
function argmaxOf(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (asKey(values[i]) > asKey(values[best])) best = i;
  return best;
}
function argmaxRows(values, shape) {
  const last = (shape.length ? Number(shape[shape.length - 1]) : values.length) || 1;
  const picks = [];
  for (let i = 0; i < values.length; i += last) picks.push(BigInt(argmaxOf(values.slice(i, i + last))));
  return picks.length === 1 ? picks[0] : picks;
}
function outputPrediction(rule, t, typed, legacy) {
  if (typed === null || rule !== "argmax") return null;
  return legacy ? BigInt(argmaxOf(typed)) : argmaxRows(typed, t.shape);
}
function samePrediction(claimed, proven) {
  if (proven === null) return claimed === null;
  if (typeof proven === "bigint") return isInt(claimed) && claimed === proven;
  return Array.isArray(claimed) && claimed.length === proven.length && claimed.every((c, i) => isInt(c) && c === proven[i]);
}
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
function summaryPrediction(predictions) {
  if (predictions === null) return null;
  const vals = Object.values(predictions);
  return vals.length === 1 ? vals[0] : predictions;
}
function checkEntries(raw, key, proven, rules, legacy) {
  const tensors = proven.tensors[key];
  if (!Array.isArray(raw) || raw.length !== tensors.length) {
    throw new Invalid(key, `${key}: expected a list of the circuit's ${tensors.length} ${key} (got ${Array.isArray(raw) ? raw.length : pyType(raw)})`);
  }
  const allowed = rules !== null ? OUTPUT_KEYS : TENSOR_KEYS;
  const decoded = proven[key];
  const hashes = proven[`${key.slice(0, -1)}_hashes`];
  raw.forEach((e, i) => {
    const t = tensors[i];
    const at = `${key}[${i}]`;
    if (!isObj(e)) throw new Invalid(at, `${at}: expected an object`);
    const extra = Object.keys(e).find((k) => !allowed.includes(k));
    if (extra !== void 0) throw new Invalid(`${at}.${extra}`, `unknown field ${at}.${extra}`);
    if (get(e, "name") !== t.name || get(e, "dtype") !== t.dtype) {
      throw new Invalid(at, `${at}: is ${pyRepr(get(e, "name"))} ${pyRepr(get(e, "dtype"))}, the circuit's is ${pyRepr(t.name)} ${pyRepr(t.dtype)}`);
    }
    const shape = get(e, "shape");
    if (!(Array.isArray(shape) && shape.every(isInt) && shape.length === t.shape.length && shape.every((d, j) => d === t.shape[j]))) {
      throw new Invalid(`${at}.shape`, `${at}.shape: expected [${t.shape.join(", ")}]`);
    }
    const values = get(e, "values");
    if (decoded === null) {
      if (values !== null) {
        throw new Invalid(`${at}.values`, `${at}.values: the ${key} are not public in this circuit; expected null`);
      }
    } else {
      const { felts, scale } = decoded[i];
      if (!(Array.isArray(values) && values.length === felts.length && values.every((c, j) => sameValue(c, felts[j], scale, t)))) {
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
  if (!(isObj(batch) && keys.length === 2 && has(batch, "size") && has(batch, "real") && isInt(batch.size) && isInt(batch.real))) {
    throw new Invalid("batch", 'batch: expected {"size": B, "real": N}');
  }
  if (batch.size !== size || !(batch.real >= 1n && batch.real <= size)) {
    throw new Invalid("batch", `batch: size must be the circuit's ${size} and real in 1..${size}`);
  }
  const real = Number(batch.real);
  const B = Number(size);
  (proven.inputs ?? []).forEach(({ felts }, i) => {
    const row2 = (k) => felts.slice(Math.floor(k * felts.length / B), Math.floor((k + 1) * felts.length / B));
    const first = row2(0);
    for (let k = real; k < B; k++) {
      const r = row2(k);
      if (r.length !== first.length || r.some((f, j) => f !== first[j])) {
        throw new Invalid("batch.real", `batch.real: input ${i}'s rows after the first ${real} are not copies of the first input (padding)`);
      }
    }
  });
  return real;
}
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
      const row2 = typed.slice(r * n, (r + 1) * n);
      const shape = B > 1 ? [1n, ...t.shape.slice(1)] : t.shape;
      const p = outputPrediction(rules[i], { ...t, shape }, row2, legacy);
      per[t.name] = p === null ? row2 : p;
    });
    const vals = Object.values(per);
    out.push(vals.length === 1 ? vals[0] : per);
  }
  return out;
}
function claimsHold(claimed, decoded) {
  if (claimed === null || decoded === null) return claimed === null && decoded === null;
  return Array.isArray(claimed) && claimed.length === decoded.length && claimed.every((row2, i) => Array.isArray(row2) && row2.length === decoded[i].felts.length && row2.every((c, j) => isNum(c) && claimMatches(c, decoded[i].felts[j], decoded[i].scale)));
}
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
  const ok = Array.isArray(predicted) ? Array.isArray(claimed) && claimed.length === predicted.length && claimed.every((c, i) => isNum(c) && c == predicted[i]) : samePrediction(claimed, predicted);
  if (!ok) throw new Invalid("prediction", NO_PREDICTION);
}
function checkInstances(b, card, settings, vis, flat) {
  const proven = decode(card, settings, vis, flat);
  if (proven.param_hashes.length !== card.param_hashes.length || proven.param_hashes.some((h, i) => h !== card.param_hashes[i])) {
    throw new Invalid("proof.instances", "the weights are not the circuit's (the params-hash instance differs from the one recorded at build)");
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
  const typed = (ts) => ts === null ? null : ts.map((t) => t.typed);
  return {
    // by_output: each output's prediction by name; predictions: one entry per real input; a
    // batched circuit's prediction is that list and it has no by_output (padding never counts).
    inputs: typed(proven.inputs),
    outputs: typed(proven.outputs),
    prediction: batchSize(card) === null ? prediction : perInput,
    by_output: batchSize(card) === null ? predictions : null,
    predictions: perInput,
    batch: batchSize(card) === null ? null : { size: batchSize(card), real },
    input_hashes: proven.input_hashes,
    output_hashes: proven.output_hashes
  };
}
var FREIVALDS_REFUSAL = "this circuit checks matrix products with Freivalds' algorithm (ezkl 23), which the browser verifier (engine 21) cannot check: verify it with `zkverify verify`, or rebuild it with --run-arg disable_freivalds=true";
async function decide(files, proofCheck) {
  const t0 = Date.now();
  const v = {
    verdict: "error",
    valid: false,
    field: null,
    reason: "",
    circuit: null,
    circuit_id: null,
    proof_hash: null,
    inputs: null,
    outputs: null,
    prediction: null,
    predictions: null,
    by_output: null,
    batch: null,
    input_hashes: null,
    output_hashes: null,
    input_names: null,
    output_names: null,
    output_rules: null,
    format: null,
    weights_bound: null,
    srs: null,
    verify_ms: null
  };
  try {
    const card = parseCard(files.card);
    v.circuit = card.name;
    v.circuit_id = await circuitId(card);
    if (files.circuitId !== void 0 && files.circuitId !== v.circuit_id) {
      throw new VerdictError(`the circuit card is not the one expected: it hashes to circuit id ${short(v.circuit_id)}, expected ${short(files.circuitId)}`);
    }
    v.weights_bound = ["fixed", "hashed"].includes(card.visibility.param);
    v.input_names = cardTensors(card, "inputs").map((t) => t.name);
    v.output_names = cardTensors(card, "outputs").map((t) => t.name);
    v.output_rules = outputRules(card);
    const [settingsSha, vkSha, srsSha] = await Promise.all(
      [files.settings, files.vk, files.srs].map((f) => sha256Hex(f))
    );
    for (const [k, file, got] of [
      ["settings", "settings.json", settingsSha],
      ["vk", "vk.key", vkSha],
      ["srs", "kzg.srs", srsSha]
    ]) {
      const want = card[`${k}_sha256`];
      if (got !== want) {
        throw new VerdictError(`the circuit files were modified: ${file} does not match ${k}_sha256 in the circuit card (its sha256 is ${short(got)}, the card records ${short(want)})`);
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
    if (unknown !== void 0) {
      throw new VerdictError(`the circuit's visibility "${unknown}" cannot be checked (only public, private, hashed and fixed are supported)`);
    }
    if (["input", "output", "param"].some((k) => card.visibility[k] !== vis[k])) {
      throw new VerdictError("the card's visibility is not the one settings.json records");
    }
    if (vis.param === "hashed" && card.param_hashes.length === 0) {
      throw new VerdictError("the card records no params hash for a circuit with hashed params");
    }
    if ((settings.einsum_params?.total_einsum_col_size ?? 0) > 0) {
      throw new VerdictError(FREIVALDS_REFUSAL);
    }
    const b = parseBundle(files.bundle);
    v.format = b.format;
    checkShape(b, b.format === BUNDLE_FORMAT_V1);
    checkCircuit(b, card, v.circuit_id);
    const proof = checkProofObject(b.proof);
    v.proof_hash = await proofHash(proof.bytes, proof.flat);
    const claimedVis = has(b, "visibility") ? b.visibility : {};
    const sameVis = Object.keys(claimedVis).length === 3 && ["input", "output", "param"].every((k) => claimedVis[k] === vis[k]);
    if (!sameVis) {
      throw new Invalid("visibility", `the bundle's visibility is not the circuit's (${dumpsPy(claimedVis)} != ${dumpsPy(vis)})`);
    }
    const proven = checkInstances(b, card, settings, vis, proof.flat);
    const tv = Date.now();
    let ok = false;
    let why = "the verifier returned false";
    try {
      ok = await proofCheck(proofForEngine(proof.bytes, proof.instances), files.vk, files.settings, files.srs) === true;
    } catch (e) {
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
function pickHosted(circuits, ref) {
  if (!isObj(ref)) throw new VerdictError("the bundle names no circuit (no circuit object)");
  const byVk = circuits.find((c) => typeof ref.vk_sha256 === "string" && c.vk_sha256 === ref.vk_sha256);
  const byName = circuits.find((c) => typeof ref.name === "string" && c.id === ref.name);
  if (byVk ?? byName) return byVk ?? byName;
  throw new VerdictError(
    `no circuit hosted here matches the bundle (name ${JSON.stringify(String(ref.name ?? ""))}, vk ${short(ref.vk_sha256)}); pick the circuit's card, vk, settings and SRS files below`
  );
}

// web/main.js
var $ = (id) => document.getElementById(id);
var state = { engine: false, hosted: null, run: 0 };
var CIRCUIT_FILES = [["card", "card.json"], ["vk", "vk.key"], ["settings", "settings.json"], ["srs", "kzg.srs"]];
var ASSETS = new URL(".", import.meta.url);
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
async function wasmBytes(file) {
  const raw = await fetchBytes(new URL(file, ASSETS), "the verifier's WebAssembly");
  if (raw[0] !== 31 || raw[1] !== 139) return raw;
  const stream = new Blob([raw]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
async function loadEngine() {
  const t0 = performance.now();
  const info = await (await fetch(new URL("build-info.json", ASSETS))).json();
  await ezkl_default(await wasmBytes(info.wasm));
  try {
    init_panic_hook();
  } catch {
  }
  state.engine = true;
  $("engine").textContent = `Verifier ready: ezkl WebAssembly engine ${info.engine_version} (loaded in ${Math.round(performance.now() - t0)} ms), checks ezkl ${info.ezkl_version} proofs.`;
}
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
    $("mode").textContent = `This server hosts ${hosted.length} circuit${hosted.length === 1 ? "" : "s"} (${names}); the page fetches the one your bundle names. You may pick your own files instead.`;
    $("own-files").open = false;
  } else {
    $("mode").textContent = "Static mode: pick the circuit's card, verifying key, settings and SRS, then the proof bundle.";
    $("own-files").open = true;
  }
}
async function circuitFiles(bundleBytes) {
  const picked = CIRCUIT_FILES.map(([id]) => $(id).files[0]);
  if (picked.every(Boolean)) {
    const bytes2 = await Promise.all(picked.map(async (f) => new Uint8Array(await f.arrayBuffer())));
    const files2 = Object.fromEntries(CIRCUIT_FILES.map(([id], i) => [id, bytes2[i]]));
    return { source: `files you picked (${picked.map((f) => f.name).join(", ")})`, ...files2 };
  }
  if (!state.hosted) {
    throw new VerdictError("pick the circuit's card.json, vk.key, settings.json and kzg.srs to verify against");
  }
  const c = pickHosted(state.hosted, parseBundle(bundleBytes).circuit);
  const at = (key, name) => new URL(c.files?.[key] ?? `circuits/${encodeURIComponent(c.id)}/files/${name}`, c.base);
  const bytes = await Promise.all(CIRCUIT_FILES.map(([key, name]) => fetchBytes(at(key, name), name)));
  const files = Object.fromEntries(CIRCUIT_FILES.map(([id], i) => [id, bytes[i]]));
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
var fmtValues = (vals) => `[${vals.map(String).join(", ")}]`;
function predictionText(p, rule) {
  if (rule !== "argmax") return `${fmtValues(p)}`;
  return Array.isArray(p) ? `classes ${fmtValues(p)}` : `class ${p}`;
}
function inputText(v, p) {
  if (v.output_names.length === 1) return predictionText(p, v.output_rules[0]);
  return v.output_names.map((n, i) => `${n} = ${predictionText(p[n], v.output_rules[i])}`).join("; ");
}
var plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
function provesText(v) {
  if (v.batch !== null) {
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
var SRS_TEXT = {
  ceremony: "ceremony (the file is one of the KZG ceremony SRS files ezkl publishes)",
  "local-dev": "local-dev (generated locally: whoever made it could forge proofs; for development only)",
  "user-supplied": "user-supplied (not ezkl's ceremony file: trust it only if you trust who made it)"
};
function detailRows(v, source) {
  const rows = [];
  if (v.circuit !== null) rows.push(["circuit", v.circuit]);
  if (v.circuit_id !== null) rows.push(["circuit id", v.circuit_id, "hash"]);
  if (source) rows.push(["checked against", source]);
  if (v.srs !== null) rows.push(["SRS", SRS_TEXT[v.srs]]);
  if (v.weights_bound !== null) {
    rows.push(["weights bound", v.weights_bound ? "yes: this circuit's proofs pin its weights (fixed in the vk, or checked by hash)" : "no: the circuit's weights are private and nothing binds them; any weights would verify"]);
  }
  if (v.verdict === "invalid") rows.push(["rejected field", v.field]);
  if (v.verdict === "valid" && v.batch !== null) {
    const { size, real } = v.batch;
    const pad = Number(size) - Number(real);
    const how = v.inputs !== null ? "checked to be copies of input 1" : "on the bundle's word: the inputs are not public, so the rows cannot be compared";
    rows.push(["batch", `${plural(Number(real), "real input")} in a batch of ${size}` + (pad === 0 ? "" : ` (the last ${plural(pad, "row")}: padding, ${how}; never counted as predictions)`)]);
    (v.predictions ?? []).forEach((p, r) => rows.push([`prediction, input ${r + 1} (proven)`, inputText(v, p)]));
  }
  if (v.verdict === "valid") {
    for (const [dir, names, values, hashes] of [
      ["input", v.input_names, v.inputs, v.input_hashes],
      ["output", v.output_names, v.outputs, v.output_hashes]
    ]) {
      names.forEach((name, i) => {
        if (values !== null) rows.push([`${dir} ${name} (proven)`, fmtValues(values[i])]);
        else if (hashes !== null) rows.push([`${dir} ${name} hash (proven)`, hashes[i], "hash"]);
        else rows.push([`${dir} ${name}`, "private (not in the proof's public instances)"]);
      });
    }
    v.output_names.forEach((name, i) => {
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
async function wasmCheck(proof, vk, settings, srs) {
  await new Promise((r) => setTimeout(r, 0));
  return verify(proof, new Uint8ClampedArray(vk), new Uint8ClampedArray(settings), new Uint8ClampedArray(srs));
}
async function check() {
  const file = $("bundle").files[0];
  if (!file || !state.engine) return;
  const run = ++state.run;
  const stale = () => run !== state.run;
  setVerdict("busy", "verifying\u2026");
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
  for (const id of ["bundle", ...CIRCUIT_FILES.map(([id2]) => id2)]) $(id).addEventListener("change", check);
  const [hosted] = await Promise.all([
    detectHosted(),
    loadEngine().catch((e) => {
      $("engine").textContent = `The verifier failed to load: ${e?.message ?? e}`;
      setVerdict("error", `error: the WebAssembly verifier failed to load (${e?.message ?? e})`);
    })
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
