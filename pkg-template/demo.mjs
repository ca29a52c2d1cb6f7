// Node.js, `import "crm-policy/demo"`: the demo module is read and instantiated synchronously.
import { readFileSync } from "node:fs";
import { initSync as initWasm } from "./crm_policy_demo.js";

initWasm({ module: readFileSync(new URL("./crm_policy_demo_bg.wasm", import.meta.url)) });

export { generateDemo } from "./crm_policy_demo.js";
/** Already initialised: does nothing (kept for code shared with the web build). */
export async function init() {}
/** Already initialised: does nothing (kept for code shared with the web build). */
export function initSync() {}
export { init as default };
