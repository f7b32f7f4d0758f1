// The chain (src/chain.ts) with fake backends: order, first hit wins, a miss goes on, a broken
// backend is reported and skipped, a bug is reported by its type only.
import { describe, expect, test } from "bun:test";
import { BackendError, inspection, type Backend, type Hit, type LookupResult } from "../backends/types.ts";
import { lookupChain } from "../src/chain.ts";
import { Log } from "../src/log.ts";
import { lookupTarget, testDeadline } from "./support/context.ts";

const SECRET = "fake-chain-unit-secret-3131";
const target = lookupTarget("registry.example.org/team/app");

function hitFrom(name: string): Hit {
  return { auth: { "registry.example.org": { username: name, password: SECRET } }, source: `${name} source` };
}

/** A fake backend that records that it was asked and then does `behaviour`. */
function fake(name: string, behaviour: "hit" | "miss" | "broken" | "bug", asked: string[]): Backend {
  return {
    name,
    inspect: async () => inspection(),
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
    const result = await lookupChain([fake("a", "miss", asked), fake("b", "hit", asked), fake("c", "hit", asked)], target, log, testDeadline());
    expect(asked).toEqual(["a", "b"]);
    expect(result.hit?.auth["registry.example.org"]?.username).toBe("b");
    expect(result.hit === null ? null : result.backend.name).toBe("b");
    expect(result.errors).toEqual([]);
  });

  test("every backend misses: no hit, no errors", async () => {
    const asked: string[] = [];
    const result = await lookupChain([fake("a", "miss", asked), fake("b", "miss", asked)], target, recordingLog().log, testDeadline());
    expect(asked).toEqual(["a", "b"]);
    expect(result).toEqual({ hit: null, errors: [], steps: [{ backend: "a", outcome: "no credentials" }, { backend: "b", outcome: "no credentials" }] });
  });

  test("the steps say what happened at each backend (explain prints them)", async () => {
    const asked: string[] = [];
    const result = await lookupChain(
      [fake("a", "broken", asked), answering("p", { partial: "limited" }), fake("b", "hit", asked), fake("c", "hit", asked)],
      target,
      recordingLog().log,
      testDeadline(),
    );
    expect(result.steps).toEqual([
      { backend: "a", outcome: "broken", detail: "backend a: its file is unreadable" },
      { backend: "p", outcome: "partial", detail: "limited" },
      { backend: "b", outcome: "answered", detail: "b source" },
      { backend: "c", outcome: "not asked", detail: "an earlier backend answered" },
    ]);
    expect(result.hit === null ? null : result.scopeReason).toBe("backend p: limited");
  });

  test("a broken backend is reported at once and skipped; the next one answers", async () => {
    const asked: string[] = [];
    const { log, stderr } = recordingLog();
    const result = await lookupChain([fake("a", "broken", asked), fake("b", "hit", asked)], target, log, testDeadline());
    expect(asked).toEqual(["a", "b"]);
    expect(result.hit?.source).toBe("b source");
    expect(result.errors).toEqual(["backend a: its file is unreadable"]);
    expect(stderr()).toBe("generic-credential-provider: warning: backend a: its file is unreadable\n");
  });

  test("an unexpected exception is reported by its type only, never its message", async () => {
    const asked: string[] = [];
    const { log, stderr } = recordingLog(true);
    const result = await lookupChain([fake("a", "bug", asked), fake("b", "miss", asked)], target, log, testDeadline());
    expect(asked).toEqual(["a", "b"]);
    expect(result.errors).toEqual(["backend a failed unexpectedly (TypeError)"]);
    expect(stderr()).toContain("warning: backend a failed unexpectedly (TypeError)");
    expect(stderr()).toContain("stack of the TypeError in backend a"); // --debug adds the frames
    expect(stderr()).not.toContain(SECRET);
  });

  test("all errors are collected when nothing answers", async () => {
    const asked: string[] = [];
    const result = await lookupChain([fake("a", "broken", asked), fake("b", "bug", asked)], target, recordingLog().log, testDeadline());
    expect(result.hit).toBeNull();
    expect(result.errors).toEqual(["backend a: its file is unreadable", "backend b failed unexpectedly (TypeError)"]);
  });
});

/** A backend that answers `result` for every image. */
function answering(name: string, result: LookupResult): Backend {
  return { name, lookup: async () => result, inspect: async () => inspection() };
}

const credential = { username: "u", password: SECRET };

describe("lookupChain: what the kubelet does with the answer", () => {
  test("an answer with no key the kubelet uses for the image is no answer; the next backend is asked", async () => {
    const other = answering("ns", { auth: { "registry.example.org/other": credential }, source: "ns" });
    const file = answering("file", { auth: { "registry.example.org": credential }, source: "file" });
    const result = await lookupChain([other, file], target, recordingLog().log, testDeadline());
    expect(result.hit?.source).toBe("file");
    // ns holds keys for another part of the registry: whatever answers here is only for this image.
    expect(result.hit?.cacheKeyType).toBe("Image");
  });

  test("keys for another registry only: ignored, and later answers keep Registry", async () => {
    const elsewhere = answering("x", { auth: { "other.example.org": credential }, source: "x" });
    const file = answering("file", { auth: { "registry.example.org": credential }, source: "file" });
    const result = await lookupChain([elsewhere, file], target, recordingLog().log, testDeadline());
    expect(result.hit).toMatchObject({ source: "file", cacheKeyType: "Registry" });
  });

  test("a host-level key answers Registry; namespace keys only answer Image", async () => {
    const host = await lookupChain([answering("a", { auth: { "registry.example.org": credential, "registry.example.org/team": credential }, source: "a" })], target, recordingLog().log, testDeadline());
    expect(host.hit?.cacheKeyType).toBe("Registry");
    const namespace = await lookupChain([answering("a", { auth: { "registry.example.org/team": credential }, source: "a" })], target, recordingLog().log, testDeadline());
    expect(namespace.hit?.cacheKeyType).toBe("Image");
  });

  test("a partial miss before, or a partial hit, narrows to Image", async () => {
    const file = answering("file", { auth: { "registry.example.org": credential }, source: "file" });
    const after = await lookupChain([answering("team-a", { partial: "limited" }), file], target, recordingLog().log, testDeadline());
    expect(after.hit?.cacheKeyType).toBe("Image");
    const own = await lookupChain([answering("team", { auth: { "registry.example.org": credential }, source: "t", partial: "limited" })], target, recordingLog().log, testDeadline());
    expect(own.hit?.cacheKeyType).toBe("Image");
  });

  test("a source's Image stays Image; Global is narrowed to Registry (other backends answer other registries)", async () => {
    const auth = { "registry.example.org": credential };
    const image = await lookupChain([answering("x", { auth, source: "x", cacheKeyType: "Image" })], target, recordingLog().log, testDeadline());
    expect(image.hit?.cacheKeyType).toBe("Image");
    const global = await lookupChain([answering("x", { auth, source: "x", cacheKeyType: "Global" })], target, recordingLog().log, testDeadline());
    expect(global.hit?.cacheKeyType).toBe("Registry");
  });

  test("Docker Hub: an index.docker.io key serves docker.io images (the keyring's fallback)", async () => {
    const hub = lookupTarget("nginx");
    for (const key of ["https://index.docker.io/v1/", "index.docker.io"]) {
      const result = await lookupChain([answering("x", { auth: { [key]: credential }, source: "x" })], hub, recordingLog().log, testDeadline());
      expect(result.hit).toMatchObject({ source: "x", cacheKeyType: "Registry" });
    }
    // Not for another registry's image.
    const other = await lookupChain([answering("x", { auth: { "index.docker.io": credential }, source: "x" })], target, recordingLog().log, testDeadline());
    expect(other.hit).toBeNull();
  });
});
