// Property-based tests (fast-check) of the parsers that take untrusted input: the request, image
// references and JSON. For any input: no exception but the documented ones, no output the
// kubelet's rules reject, no file path outside the credential directory, and no message that
// contains the input.
import { describe, expect, test } from "bun:test";
import * as fc from "fast-check";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { hostCandidates } from "../backends/support/host-candidates.ts";
import { run } from "../src/cli.ts";
import { InvalidImageError, parseImage } from "../src/core/image.ts";
import { describeJsonError, parseJson, scanJson } from "../src/core/json.ts";
import { API_VERSIONS, BadRequestError, parseRequest } from "../src/core/protocol.ts";
import { sharedScratchDirectory } from "./support/files.ts";
import { kubeletDecode } from "./support/kubelet.ts";

const RUNS = 2000;
const CANARY = "Zq9canaryXw7"; // planted in inputs; no message may ever contain it

/** Image-like strings: pieces of real references, hostile characters, and the canary. */
const imageLike = fc
  .array(
    fc.oneof(
      fc.constantFrom("registry.example.org", "docker.io", "localhost", "[::1]", "10.0.0.1", "a.b.example.org:5000", "Upper.Host"),
      fc.constantFrom("/", ":", "@", ".", "..", "-", "_", "__", "%2f", "\u0000", " ", "\n", "sha256:", "a".repeat(64), "\\", "*", "?"),
      fc.constantFrom("library", "nginx", "team", "app", "1.25", "latest", CANARY),
      fc.string({ maxLength: 8 }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(""));

describe("parseImage", () => {
  test("returns a target or throws InvalidImageError, never anything else, never quoting the input", () => {
    let parsed = 0;
    fc.assert(
      fc.property(imageLike, (image) => {
        try {
          parseImage(image);
          parsed++;
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidImageError);
          if (image.length > 3) expect((error as Error).message).not.toContain(image);
          expect((error as Error).message).not.toContain(CANARY);
        }
      }),
      { numRuns: RUNS },
    );
    expect(parsed).toBeGreaterThan(RUNS / 20); // the generator reaches valid references too
  });

  test("every file name a parsed registry host becomes stays inside the credential directory", () => {
    const dir = "/etc/kubernetes/registry";
    fc.assert(
      fc.property(imageLike, (image) => {
        let target;
        try {
          target = parseImage(image);
        } catch {
          return;
        }
        expect(target.image).toBe(`${target.host}/${target.path}`);
        for (const candidate of hostCandidates(target)) {
          expect(candidate).not.toMatch(/[/\\\u0000\s]|^\.\.?$/);
          expect(resolve(dir, `${candidate}.json`)).toBe(`${dir}/${candidate}.json`);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

/** Request-like JSON values: the right shape sometimes, wrong types and hostile strings otherwise. */
const requestLike = fc.record(
  {
    apiVersion: fc.oneof(fc.constantFrom(...API_VERSIONS), fc.string(), fc.integer(), fc.constant(null)),
    kind: fc.oneof(fc.constant("CredentialProviderRequest"), fc.string(), fc.constant(null)),
    image: fc.oneof(imageLike, fc.integer(), fc.constant(null), fc.array(fc.string())),
    serviceAccountToken: fc.oneof(fc.constant(`${CANARY}.token`), fc.integer(), fc.constant(null)),
    serviceAccountAnnotations: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.dictionary(fc.constant(CANARY), fc.integer())),
    [CANARY]: fc.string(),
  },
  { requiredKeys: [] },
);

const jsonText = fc.oneof(
  requestLike.map((value) => JSON.stringify(value)),
  requestLike.map((value) => JSON.stringify(value).slice(0, -1)), // truncated
  fc.json(),
  fc.string(),
  fc.string().map((s) => `{"image":"${CANARY}${s}`),
);

describe("parseRequest", () => {
  test("returns a request or throws BadRequestError, never quoting the input", () => {
    fc.assert(
      fc.property(jsonText, (text) => {
        try {
          const request = parseRequest(text);
          expect(API_VERSIONS).toContain(request.apiVersion);
          expect(typeof request.image).toBe("string");
        } catch (error) {
          expect(error).toBeInstanceOf(BadRequestError);
          expect((error as Error).message).not.toContain(CANARY);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

// Every reason src/core/json.ts gives (a quoted character is one of JSON's own punctuation marks).
const REASONS = [
  "duplicate key", "unexpected text after the JSON value", "expected 'X'", "unexpected end of input",
  "unexpected character", "control character in string", "unterminated string", "invalid \\u escape", "invalid escape", "invalid JSON",
];

describe("JSON reader", () => {
  test("agrees with JSON.parse, never throws, and its errors hold only our own words", () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string(), fc.json().map((s) => s.slice(0, -1) + CANARY)), (text) => {
        const result = parseJson(text, { rejectDuplicateKeys: true });
        let parsed: unknown;
        let valid = true;
        try {
          parsed = JSON.parse(text);
        } catch {
          valid = false;
        }
        if (!valid) {
          expect(result.ok).toBe(false);
        } else if (result.ok) {
          expect(result.value).toEqual(parsed);
        } else {
          expect(result.reason).toBe("duplicate key"); // the only reason valid JSON is refused
        }
        if (!result.ok) {
          expect(REASONS).toContain(result.reason.replace(/'.'( or '.')?$/, "'X'"));
          expect(describeJsonError(result)).toBe(`invalid JSON at line ${result.line}, column ${result.column}: ${result.reason}`);
        }
        expect(scanJson(text) === null).toBe(valid);
      }),
      { numRuns: RUNS },
    );
  });
});

/** Images of hosts under example.org, which the credential file below answers. */
const exampleImage = fc
  .tuple(fc.constantFrom("registry.example.org", "example.org", "a.b.example.org:5000", "EXAMPLE.org"), fc.stringMatching(/^[a-z0-9]{1,8}(\/[a-z0-9]{1,8}){0,2}$/), fc.constantFrom("", ":v1", "@sha256:" + "0".repeat(64)))
  .map(([host, path, suffix]) => `${host}/${path}${suffix}`);

describe("the whole program, in-process", () => {
  const dir = sharedScratchDirectory("gcp-props-");
  writeFileSync(join(dir, "example.org.json"), JSON.stringify({ username: "u", password: `${CANARY}-password` }));

  test("any stdin: exit 0 with an answer the kubelet accepts, or 1 or 2 with nothing on stdout and no secret", async () => {
    const codes = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          jsonText,
          fc.oneof(imageLike, exampleImage).map((image) => JSON.stringify({ apiVersion: API_VERSIONS[2], kind: "CredentialProviderRequest", image })),
        ),
        async (stdin) => {
          let stdout = "";
          let stderr = "";
          const code = await run({
            argv: ["--backends", "file", "--credroot", dir, "--syslog-socket", ""],
            env: {},
            readStdin: () => stdin,
            stdout: (text) => (stdout += text),
            stderr: (text) => (stderr += text),
            pid: 1,
            clock: () => 0,
          });
          expect([0, 1, 2]).toContain(code);
          codes.add(code);
          expect(stderr).not.toContain(CANARY);
          if (code !== 0) {
            expect(stdout).toBe("");
            return;
          }
          const request = JSON.parse(stdin) as { apiVersion: string };
          kubeletDecode(stdout, request.apiVersion); // throws if the kubelet would reject it
        },
      ),
      { numRuns: 500 },
    );
    expect([...codes].sort()).toEqual([0, 1, 2]); // hits, misses and bad requests were all generated
  });
});
