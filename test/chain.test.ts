// The chain (src/chain.ts) with fake backends: order, first hit wins, a miss goes on, a broken
// backend is reported and skipped, a bug is reported by its type only.
import { describe, expect, test } from "bun:test";
import { BackendError, type Backend, type Hit } from "../backends/types.ts";
import { lookupChain } from "../src/chain.ts";
import { parseImage } from "../src/core/image.ts";
import { Log } from "../src/log.ts";

const SECRET = "fake-chain-unit-secret-3131";
const target = parseImage("registry.example.org/team/app");

function hitFrom(name: string): Hit {
  return { auth: { "registry.example.org": { username: name, password: SECRET } }, source: `${name} source` };
}

/** A fake backend that records that it was asked and then does `behaviour`. */
function fake(name: string, behaviour: "hit" | "miss" | "broken" | "bug", asked: string[]): Backend {
  return {
    name,
    async lookup(t) {
      expect(t).toBe(target);
      asked.push(name);
      if (behaviour === "hit") return hitFrom(name);
      if (behaviour === "miss") return null;
      if (behaviour === "broken") throw new BackendError("its file is unreadable");
      throw new TypeError(`cannot read ${SECRET}`); // a bug whose message quotes data
    },
  };
}

function recordingLog(debug = false) {
  let stderr = "";
  const log = new Log({ stderr: (text) => (stderr += text), pid: 1 });
  log.debugEnabled = debug;
  return { log, stderr: () => stderr };
}

describe("lookupChain", () => {
  test("asks in order; the first hit answers and later backends are not asked", async () => {
    const asked: string[] = [];
    const { log } = recordingLog();
    const result = await lookupChain([fake("a", "miss", asked), fake("b", "hit", asked), fake("c", "hit", asked)], target, log);
    expect(asked).toEqual(["a", "b"]);
    expect(result.hit?.auth["registry.example.org"]?.username).toBe("b");
    expect(result.hit === null ? null : result.backend.name).toBe("b");
    expect(result.errors).toEqual([]);
  });

  test("every backend misses: no hit, no errors", async () => {
    const asked: string[] = [];
    const result = await lookupChain([fake("a", "miss", asked), fake("b", "miss", asked)], target, recordingLog().log);
    expect(asked).toEqual(["a", "b"]);
    expect(result).toEqual({ hit: null, errors: [] });
  });

  test("a broken backend is reported at once and skipped; the next one answers", async () => {
    const asked: string[] = [];
    const { log, stderr } = recordingLog();
    const result = await lookupChain([fake("a", "broken", asked), fake("b", "hit", asked)], target, log);
    expect(asked).toEqual(["a", "b"]);
    expect(result.hit?.source).toBe("b source");
    expect(result.errors).toEqual(["backend a: its file is unreadable"]);
    expect(stderr()).toBe("generic-credential-provider: warning: backend a: its file is unreadable\n");
  });

  test("an unexpected exception is reported by its type only, never its message", async () => {
    const asked: string[] = [];
    const { log, stderr } = recordingLog(true);
    const result = await lookupChain([fake("a", "bug", asked), fake("b", "miss", asked)], target, log);
    expect(asked).toEqual(["a", "b"]);
    expect(result.errors).toEqual(["backend a failed unexpectedly (TypeError)"]);
    expect(stderr()).toContain("warning: backend a failed unexpectedly (TypeError)");
    expect(stderr()).toContain("stack of the TypeError in backend a"); // --debug adds the frames
    expect(stderr()).not.toContain(SECRET);
  });

  test("all errors are collected when nothing answers", async () => {
    const asked: string[] = [];
    const result = await lookupChain([fake("a", "broken", asked), fake("b", "bug", asked)], target, recordingLog().log);
    expect(result.hit).toBeNull();
    expect(result.errors).toEqual(["backend a: its file is unreadable", "backend b failed unexpectedly (TypeError)"]);
  });
});
