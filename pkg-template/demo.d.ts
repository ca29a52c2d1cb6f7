// crm-policy/demo: the playground's deterministic demo org generator, a separate small
// WebAssembly module (crm_policy_demo_bg.wasm) so the engine's .wasm does not carry it.
//
//   import init, { generateDemo } from "crm-policy/demo";  // browsers: await init() first
//   import { generateDemo } from "crm-policy/demo";        // Node: ready on import
//   const org = Org.fromJSON(generateDemo(42));

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/**
 * Load the demo module (browsers: fetches crm_policy_demo_bg.wasm next to the glue). In
 * Node it is ready on import and this resolves at once.
 */
export default function init(input?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<void>;
export { init };
/** Synchronous `init` from bytes or a compiled `WebAssembly.Module`. */
export declare function initSync(options: { module: BufferSource | WebAssembly.Module }): void;

/**
 * A deterministic Contoso-like demo org, as snapshot JSON text for `Org.fromJSON`.
 * Defaults: seed 42, 2,000 users, 60 business units, 50,000 records (the playground's demo);
 * teams are one per 50 users and shares one per 10 records. Throws a `PolicyError`
 * (`bad-type`, `limit-exceeded`) for a bad argument.
 */
export declare function generateDemo(seed?: number, users?: number, units?: number, records?: number): string;
