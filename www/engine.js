// Loads the crm-policy WebAssembly package (web target, built into ../pkg/) and
// runs simulations in a Web Worker that keeps its own copy of the org in sync
// by replaying the same commands (load, apply, undo, redo).

export const PKG_URL = new URL("../pkg/web.js", import.meta.url).href;
export const DEMO_URL = new URL("../pkg/crm_policy_demo.js", import.meta.url).href;

let modPromise = null;

/** Import and initialise the wasm package once; resolves to the module namespace. */
export function loadEngine() {
  if (!modPromise) {
    modPromise = (async () => {
      const [web, demo] = await Promise.all([import(PKG_URL), loadDemoModule()]);
      await web.default();
      return demo ? { ...web, generateDemo: demo.generateDemo } : web;
    })();
    modPromise.catch(() => {
      modPromise = null;
    });
  }
  return modPromise;
}

/**
 * The package's demo module (crm-policy/demo: generateDemo in its own small .wasm, so the
 * engine's .wasm does not carry it), initialised; `null` when the package has none.
 */
export async function loadDemoModule(url = DEMO_URL) {
  try {
    const demo = await import(url);
    await demo.default();
    return typeof demo.generateDemo === "function" ? demo : null;
  } catch {
    return null;
  }
}

/** Plain-object copy of an engine error (PolicyError or any Error). */
export function errorInfo(err) {
  if (err === null || err === undefined) return { code: "error", message: "Unknown error", path: "" };
  if (typeof err === "string") return { code: "error", message: err, path: "" };
  const info = {
    name: err.name,
    code: err.code || (err.name === "PolicyError" ? "policy-error" : "error"),
    path: err.path ?? "",
    message: err.message || String(err),
    help: err.help || undefined,
  };
  if (Array.isArray(err.errors) && err.errors.length) {
    info.errors = err.errors.map((e) => ({ code: e.code, path: e.path ?? "", message: e.message, help: e.help || undefined }));
  }
  return info;
}

/** All the individual problems of an error (the error itself when it carries no list). */
export function errorList(err) {
  const info = err && err.code && err.message && !(err instanceof Error) ? err : errorInfo(err);
  return info.errors && info.errors.length ? info.errors : [info];
}

/**
 * The simulation worker. Every method returns a promise; commands run in order.
 * `simulate` calls are coalesced: a request superseded by a newer one resolves
 * to `{ skipped: true }`.
 */
export class SimWorker {
  constructor() {
    this.worker = new Worker(
      new URL(`./worker.js?pkg=${encodeURIComponent(PKG_URL)}&demo=${encodeURIComponent(DEMO_URL)}`, import.meta.url),
      { type: "module" },
    );
    this.nextId = 1;
    this.pending = new Map();
    this.failed = null;
    this.worker.onmessage = (e) => {
      const { id, ok, result, error } = e.data;
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      if (ok) p.resolve(result);
      else p.reject(Object.assign(new Error(error.message), error));
    };
    this.worker.onerror = (e) => {
      this.failed = e.message || "worker error";
      for (const p of this.pending.values()) p.reject(new Error(this.failed));
      this.pending.clear();
    };
  }

  call(type, payload = {}) {
    if (this.failed) return Promise.reject(new Error(this.failed));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, type, ...payload });
    });
  }

  terminate() {
    this.worker.terminate();
    this.failed = "terminated";
  }
}
