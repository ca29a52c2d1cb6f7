// Bundlers (the "module" export condition: webpack 5, Vite/Rollup, esbuild, Parcel):
// the wasm is fetched and instantiated by top-level await, so there is no init step.
// The bundler sees `new URL("crm_policy_bg.wasm", import.meta.url)` in the glue and
// emits the .wasm as an asset.
import init from "./crm_policy.js";

await init();

export { initSync, Org } from "./crm_policy.js";
export { PolicyError } from "./policy-error.js";
/** Already initialised: resolves at once (kept for code shared with the web build). */
export { init, init as default };
