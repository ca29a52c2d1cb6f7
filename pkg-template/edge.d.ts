// crm-policy/edge: the read-only engine, for edge functions and front ends that decide
// access. Every call of crm-policy but the changes (SPEC §6), in a module of two thirds
// the size; the types, PolicyError and init are crm-policy's own.
import type { Org as FullOrg, Snapshot } from "../index.js";

export * from "../index.js";
export { default, init, initSync } from "../index.js";

/** The calls crm-policy/edge leaves out; they throw a PolicyError (code `read-only-build`). */
export type ChangeMethod = "validateChanges" | "simulate" | "apply" | "undo" | "redo" | "history";

/** A compiled org of the read-only engine: crm-policy's `Org` without the changes. */
export interface Org extends Omit<FullOrg, ChangeMethod> {}

/** Loads an org into the read-only engine. */
export declare const Org: {
  /** Load a snapshot (a plain object or JSON text); throws a PolicyError listing every problem. */
  fromJSON(snapshot: Snapshot | string): Org;
  /** Load the compact binary form written by `toBytes()` (of either entry). */
  fromBytes(bytes: Uint8Array | ArrayBuffer): Org;
  readonly prototype: Org;
};
