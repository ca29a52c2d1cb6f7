/**
 * The one error type of crm-policy (SPEC §7). Thrown by every `Org` method on
 * a bad input: `code` is a stable kebab-case identifier, `path` a JSON pointer
 * into the input, `help` a hint when there is one, and `errors` every problem
 * found (the first one is also `code` / `path` / `help`).
 */
export class PolicyError extends Error {
  /**
   * @param {string} message
   * @param {{ code?: string, path?: string, help?: string, errors?: Array<{code: string, message: string, path: string, help?: string}> }} [details]
   */
  constructor(message, details = {}) {
    super(message);
    const code = details.code ?? "error";
    const path = details.path ?? "";
    this.name = "PolicyError";
    this.code = code;
    this.path = path;
    this.help = details.help;
    this.errors = details.errors ?? [
      details.help === undefined ? { code, message, path } : { code, message, path, help: details.help },
    ];
  }
}
