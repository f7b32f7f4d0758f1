// The process's environment for the backends, without copying it. Bun builds process.env, one
// property per variable, on its first use: with the 10,000 variables a node can have, that costs
// more than the rest of a request. A backend reads a few variables by name, so those are looked up
// in /proc/self/environ (the environment the kubelet started us with; we never change ours) read
// as one string; only code that needs the whole environment (a child's, given all of ours) gets
// process.env, through the same object.
import { readFileSync } from "node:fs";

type Environment = Readonly<Record<string, string | undefined>>;

/** The environment as a read-only record: names looked up one by one, process.env for the rest. */
export function processEnvironment(environPath = "/proc/self/environ"): Environment {
  // NUL-separated NAME=value entries, searched as bytes (no string of all of it is made); a value
  // is decoded as UTF-8, as Bun decodes process.env.
  let environ: Buffer | null | undefined;
  const lookup = (name: string): string | undefined => {
    if (environ === undefined) {
      try {
        environ = readFileSync(environPath);
      } catch {
        environ = null; // no /proc: process.env it is
      }
    }
    if (environ === null) return process.env[name];
    if (name.includes("\0") || name.includes("=")) return undefined; // no such variable can exist
    const entry = `${name}=`;
    const length = Buffer.byteLength(entry);
    let start: number;
    if (environ.toString("utf8", 0, length) === entry) start = length; // the first entry
    else {
      const at = environ.indexOf(`\0${entry}`, 0, "utf8");
      if (at === -1) return undefined;
      start = at + 1 + length;
    }
    let end = environ.indexOf(0, start);
    if (end === -1) end = environ.length;
    return environ.toString("utf8", start, end);
  };
  return new Proxy({} as Environment, {
    get: (_, name) => (typeof name === "string" ? lookup(name) : undefined),
    has: (_, name) => typeof name === "string" && lookup(name) !== undefined,
    // The whole environment: process.env from here on, for every name, so that it is one snapshot.
    ownKeys: () => {
      environ = null;
      return Reflect.ownKeys(process.env);
    },
    getOwnPropertyDescriptor: (_, name) => {
      const value = typeof name === "string" ? process.env[name] : undefined;
      return value === undefined ? undefined : { value, writable: false, enumerable: true, configurable: true };
    },
    set: () => false,
    deleteProperty: () => false,
    defineProperty: () => false,
  });
}
