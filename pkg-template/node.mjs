// Node.js, `import`: the wasm is read and instantiated synchronously on first import.
import { readFileSync } from "node:fs";
import { initSync as initWasm } from "./crm_policy.js";

initWasm({ module: readFileSync(new URL("./crm_policy_bg.wasm", import.meta.url)) });

export { Org } from "./crm_policy.js";
export { PolicyError } from "./policy-error.js";
/** Already initialised: does nothing (kept for code shared with the web build). */
export async function init() {}
/** Already initialised: does nothing (kept for code shared with the web build). */
export function initSync() {}
export { init as default };
