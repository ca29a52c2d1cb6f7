// Browsers (and any host with fetch): call `await init()` (or `initSync({ module })`) once first.
//
//   import init, { Org, PolicyError } from "crm-policy/web";
//   await init();                        // fetches crm_policy_bg.wasm next to this file
//   await init({ module_or_path: url }); // or from elsewhere (URL, Response, bytes, WebAssembly.Module)
//   initSync({ module: bytesOrModule }); // synchronous, from bytes or a compiled module
export { default, default as init, initSync, Org } from "./crm_policy.js";
export { PolicyError } from "./policy-error.js";
