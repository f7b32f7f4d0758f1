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
  // NUL-separated NAME=value entries, read as latin1: one byte per character, so a value's bytes
  // can be decoded as UTF-8 afterwards, as Bun decodes process.env.
  let environ: string | null | undefined;
  const lookup = (name: string): string | undefined => {
    if (environ === undefined) {
      try {
        environ = `\0${readFileSync(environPath, "latin1")}`;
      } catch {
        environ = null; // no /proc: process.env it is
      }
    }
    if (environ === null) return process.env[name];
    if (name.includes("\0") || name.includes("=")) return undefined; // no such variable can exist
    const key = `\0${name}=`;
    const at = environ.indexOf(key);
    if (at === -1) return undefined;
    const start = at + key.length;
    let end = environ.indexOf("\0", start);
    if (end === -1) end = environ.length;
    const value = environ.slice(start, end);
    for (let i = 0; i < value.length; i++) {
      if (value.charCodeAt(i) > 0x7f) return Buffer.from(value, "latin1").toString("utf8");
    }
    return value;
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
