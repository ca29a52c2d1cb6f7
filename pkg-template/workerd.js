// Cloudflare workerd / Workers: the .wasm is imported as a module (a WebAssembly.Module,
// as wrangler and workerd's `wasm` modules provide it) and instantiated synchronously.
import wasmModule from "./crm_policy_bg.wasm";
import { initSync as initWasm } from "./crm_policy.js";

initWasm({ module: wasmModule });

export { Org } from "./crm_policy.js";
export { PolicyError } from "./policy-error.js";
/** Already initialised: does nothing (kept for code shared with the web build). */
export async function init() {}
/** Already initialised: does nothing (kept for code shared with the web build). */
export function initSync() {}
export { init as default };
