
// --- crm-policy/edge (appended by build.sh) -------------------------------------------
// The read-only build leaves out the changes (SPEC §6): those methods throw a PolicyError
// that names the entry which has them, instead of "org.simulate is not a function".
for (const name of ["validateChanges", "simulate", "apply", "undo", "redo", "history"]) {
    Object.defineProperty(Org.prototype, name, {
        configurable: true,
        writable: true,
        value: function () {
            throw new PolicyError(`${name}() is not in crm-policy/edge, the read-only build`, {
                code: "read-only-build",
                path: "",
                help: `import { Org } from "crm-policy" (the full engine) to validate, simulate or apply changes`,
            });
        },
    });
}
