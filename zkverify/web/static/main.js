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

// web/bundle.js
var BUNDLE_FORMAT = "zkverify.proof-bundle/1";
var BUNDLE_KEYS = /* @__PURE__ */ new Set([
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
]);
var CIRCUIT_KEYS = /* @__PURE__ */ new Set(["name", "model_sha256", "settings_sha256", "vk_sha256"]);
var HEX64 = /^[0-9a-f]{64}$/;
var P = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001n;
var BundleError = class extends Error {
};
var isObj = (x) => x !== null && typeof x === "object" && !Array.isArray(x);
function checkFloats(name, value) {
  if (value === null || value === void 0) return;
  const ok = Array.isArray(value) && value.every(
    (row2) => Array.isArray(row2) && row2.every((x) => typeof x === "number" && Number.isFinite(x))
  );
  if (!ok) throw new BundleError(`${name}: expected a list of lists of numbers or null`);
}
function parseBundle(text) {
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
      `not a zkverify proof bundle (format ${JSON.stringify(b.format ?? null)}, expected "${BUNDLE_FORMAT}")`
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
  if (!Array.isArray(p.proof) || !p.proof.length || !p.proof.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)) {
    throw new BundleError("proof.proof: expected the proof bytes as a list of integers 0-255");
  }
  if (!Array.isArray(p.instances) || !p.instances.every(
    (col) => Array.isArray(col) && col.every((f) => typeof f === "string" && HEX64.test(f))
  )) {
    throw new BundleError("proof.instances: expected lists of field elements in hex");
  }
  return b;
}
function feltToFloat(hexLE, scale) {
  let be = "";
  for (let i = hexLE.length - 2; i >= 0; i -= 2) be += hexLE.slice(i, i + 2);
  let v = BigInt("0x" + be);
  if (v > (P - 1n) / 2n) v -= P;
  return Number(v) / 2 ** scale;
}
var product = (shape) => shape.reduce((a, x) => a * x, 1);
var visName = (vis) => (isObj(vis) ? Object.keys(vis)[0] : String(vis)).toLowerCase();
function decodePublic(proof, settings) {
  const ra = settings.run_args ?? {};
  const shapes = settings.model_instance_shapes ?? [];
  const flat = proof.instances.flat();
  const vis = {
    input: visName(ra.input_visibility),
    output: visName(ra.output_visibility),
    param: visName(ra.param_visibility)
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
var close = (x, y) => Math.abs(x - y) <= Math.max(1e-9 * Math.max(Math.abs(x), Math.abs(y)), 1e-9);
function sameFloats(a, b) {
  if (a === null || a === void 0 || b === null) return (a ?? null) === null && b === null;
  if (a.length !== b.length || a.some((row2, i) => row2.length !== b[i].length)) return false;
  const fa = a.flat();
  const fb = b.flat();
  return fa.length === fb.length && fa.every((x, i) => close(x, fb[i]));
}
function argmax(xs) {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}
function claimProblems(bundle, decoded) {
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
  const follows = out === null ? p === null : typeof p === "number" ? Number.isInteger(p) && p === argmax(out) : Array.isArray(p) ? sameFloats([p.flat()], [out]) : false;
  if (!follows) problems.push("the bundle's prediction does not follow from the proven outputs");
  return problems;
}
function proofForEngine(proof) {
  const p = { ...proof };
  if (!("transcript_type" in p)) p.transcript_type = "EVM";
  return new Uint8ClampedArray(new TextEncoder().encode(JSON.stringify(p)));
}
function pickHosted(circuits, ref) {
  const exact = circuits.find((c) => c.vk_sha256 === ref.vk_sha256 && c.settings_sha256 === ref.settings_sha256 && c.model_sha256 === ref.model_sha256);
  if (exact) return exact;
  const sameModel = circuits.find((c) => c.model_sha256 === ref.model_sha256);
  if (sameModel) {
    throw new BundleError(
      `this server hosts model ${ref.model_sha256.slice(0, 12)}\u2026 as "${sameModel.name}", but with different settings or vk than the bundle names; pick the circuit files yourself`
    );
  }
  throw new BundleError(
    `no circuit hosted here matches the bundle (model ${ref.model_sha256.slice(0, 12)}\u2026, vk ${ref.vk_sha256.slice(0, 12)}\u2026); pick the circuit's vk, settings and SRS files below`
  );
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

// web/main.js
var $ = (id) => document.getElementById(id);
var state = { engine: false, hosted: null, run: 0 };
var ASSETS = new URL(".", import.meta.url);
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
    $("mode").textContent = "Static mode: pick the circuit's verifying key, settings and SRS, then the proof bundle.";
    $("own-files").open = true;
  }
}
var picked = () => ["vk", "settings", "srs"].map((id) => $(id).files[0]);
async function circuitFiles(bundle) {
  const [vk, settings, srs] = picked();
  if (vk && settings && srs) {
    const read = async (f) => new Uint8Array(await f.arrayBuffer());
    return {
      source: `files you picked (${vk.name}, ${settings.name}, ${srs.name})`,
      vk: await read(vk),
      settings: await read(settings),
      srs: await read(srs)
    };
  }
  if (!state.hosted) {
    throw new BundleError("pick the circuit's vk.key, settings.json and kzg.srs to verify against");
  }
  const c = pickHosted(state.hosted, bundle.circuit);
  const at = (key, name) => new URL(c.files?.[key] ?? `circuits/${encodeURIComponent(c.id)}/files/${name}`, c.base);
  const [vkB, settingsB, srsB] = await Promise.all([
    fetchBytes(at("vk", "vk.key"), "vk.key"),
    fetchBytes(at("settings", "settings.json"), "settings.json"),
    fetchBytes(at("srs", "kzg.srs"), "kzg.srs")
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
var fmt = (tensors) => tensors === null || tensors === void 0 ? "not public" : tensors.map((t) => `[${t.join(", ")}]`).join(" ");
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
  setVerdict("busy", "verifying\u2026");
  showDetails([]);
  const t0 = performance.now();
  const rows = [];
  try {
    const bundle = parseBundle(await file.text());
    const c = bundle.circuit;
    rows.push(
      ["circuit", c.name || "(unnamed)"],
      ["model sha256", c.model_sha256, "hash"],
      ["settings sha256", c.settings_sha256, "hash"],
      ["vk sha256", c.vk_sha256, "hash"]
    );
    const files = await circuitFiles(bundle);
    if (stale()) return;
    rows.push(["checked against", files.source]);
    const [vkHash, settingsHash] = await Promise.all([sha256Hex(files.vk), sha256Hex(files.settings)]);
    if (stale()) return;
    const other = [["vk", c.vk_sha256, vkHash], ["settings", c.settings_sha256, settingsHash]].find(([, want, got]) => want !== got);
    if (other) {
      const [what, want, got] = other;
      setVerdict("invalid", `invalid: the bundle belongs to another circuit (its ${what} sha256 is ${want.slice(0, 12)}\u2026, the ${what} it was checked against ${got.slice(0, 12)}\u2026)`);
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
    if (bundle.prediction !== null && bundle.prediction !== void 0) {
      const p = bundle.prediction;
      rows.push(["prediction", Number.isInteger(p) ? `class ${p} (argmax of the outputs)` : JSON.stringify(p)]);
    }
    rows.push(["proved with", `ezkl ${bundle.ezkl_version}, ${bundle.created_at ?? "time unknown"}`]);
    await new Promise((r) => setTimeout(r, 0));
    if (stale()) return;
    const tv = performance.now();
    let ok = false;
    let why = "";
    try {
      ok = verify(
        proofForEngine(bundle.proof),
        new Uint8ClampedArray(files.vk),
        new Uint8ClampedArray(files.settings),
        new Uint8ClampedArray(files.srs)
      );
      if (!ok) why = "the verifier returned false";
    } catch (e) {
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
