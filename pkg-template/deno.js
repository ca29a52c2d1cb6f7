// Deno (and hosts with WebAssembly ES module integration): the .wasm is imported as an
// ES module whose imports are the glue in crm_policy_bg.js; no file-read permission needed.
import * as wasm from "./crm_policy_bg.wasm";
import { __wbg_set_wasm } from "./crm_policy_bg.js";

__wbg_set_wasm(wasm);
wasm.__wbindgen_start();

export { Org } from "./crm_policy_bg.js";
export { PolicyError } from "./policy-error.js";
/** Already initialised: does nothing (kept for code shared with the web build). */
export async function init() {}
/** Already initialised: does nothing (kept for code shared with the web build). */
export function initSync() {}
export { init as default };
