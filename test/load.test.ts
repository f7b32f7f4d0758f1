// 200 concurrent runs of the compiled binary, as a node coming up pulls many images at once, mixing
// every kind of source: credential files, environment variables, a 10,000-entry config.json and the
// real docker-credential-pass. Every answer must be right, and nothing may be left behind: no
// process (children carry a marker in their environment), no temp file. The timings and memory are
// printed for the record, never asserted (this machine's speed is not the test's business).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, request } from "./support/binary.ts";
import { dockerLogin, put } from "./support/files.ts";
import { kubeletCredentialsFor, kubeletDecode } from "./support/kubelet.ts";
import { createPassStore, type PassStore } from "./support/pass-store.ts";

const V1 = "credentialprovider.kubelet.k8s.io/v1";
const SECRET = "fake-load-secret-6262";
const CALLS = 200;

let dir: string;
let store: PassStore;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "gcp-load-"));
  store = createPassStore();
  store.store("helper.example.org", "helper-user", SECRET);
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Processes on the machine whose environment holds `marker`: ours, still running. */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(marker)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

describe("load", () => {
  test(`${CALLS} concurrent calls over every backend: all correct, nothing left behind`, async () => {
    const credroot = join(dir, "creds");
    for (let i = 0; i < 20; i++) put(credroot, `file${i}.example.org.json`, { username: `file-user-${i}`, password: SECRET });
    const auths: Record<string, { auth: string }> = {};
    for (let i = 0; i < 10_000; i++) auths[`registry${i}.example.com`] = dockerLogin(`docker-user-${i}`, SECRET);
    const dockerConfig = put(dir, "config.json", { auths, credHelpers: { "helper.example.org": "pass" } });
    const config = put(dir, "provider.json", {
      backends: [{ type: "file", dir: credroot }, { type: "env" }, { type: "docker-config", files: [dockerConfig] }],
    });
    const marker = `GCP_LOAD_MARK_${process.pid}_${Date.now()}`;
    const tmp = mkdtempSync(join(dir, "tmp-"));
    const env: Record<string, string> = { ...store.env, TMPDIR: tmp, [marker]: "1" };
    for (let i = 0; i < 20; i++) {
      env[`CREDENTIAL_PROVIDER_ENV${i}_EXAMPLE_NET_USERNAME`] = `env-user-${i}`;
      env[`CREDENTIAL_PROVIDER_ENV${i}_EXAMPLE_NET_PASSWORD`] = SECRET;
    }

    const cases = Array.from({ length: CALLS }, (_, i) => {
      switch (i % 4) {
        case 0: return { image: `file${i % 20}.example.org/app`, user: `file-user-${i % 20}` };
        case 1: return { image: `env${i % 20}.example.net/app`, user: `env-user-${i % 20}` };
        case 2: return { image: `registry${i * 37}.example.com/app`, user: `docker-user-${i * 37}` };
        default: return { image: "helper.example.org/app", user: "helper-user" };
      }
    });
    const results = await Promise.all(
      cases.map(async ({ image }) => {
        const started = performance.now();
        const child = Bun.spawn([BINARY, "--config", config, "--syslog-socket", ""], { stdin: Buffer.from(request(image)), stdout: "pipe", stderr: "pipe", env });
        const [code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
        return { code, stdout, stderr, ms: performance.now() - started, maxRss: Number(child.resourceUsage()?.maxRSS ?? 0) };
      }),
    );

    results.forEach((result, i) => {
      const { image, user } = cases[i] as { image: string; user: string };
      expect({ image, code: result.code, stderr: result.stderr }).toEqual({ image, code: 0, stderr: "" });
      expect(kubeletCredentialsFor(kubeletDecode(result.stdout, V1), image)[0]).toMatchObject({ username: user, password: SECRET });
    });
    expect(processesWith(marker)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);

    const ms = results.map((r) => r.ms).sort((a, b) => a - b);
    const at = (q: number) => (ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] as number).toFixed(1);
    const peak = Math.max(...results.map((r) => r.maxRss)); // bytes
    console.log(`load: ${CALLS} concurrent calls: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms; peak RSS of one call ${(peak / 2 ** 20).toFixed(1)} MiB`);
  }, 120_000); // 200 processes on a small CI machine; correctness is the test, not speed
});
