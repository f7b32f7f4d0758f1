import { describe, expect, test } from "bun:test";
import { readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { BACKEND_TYPES, BACKENDS, BUILT_WHEN_ASKED, createBackends } from "../backends/registry.ts";
import { BackendOptionsError } from "../backends/types.ts";
import { lookupTarget, recordingContext, testDeadline } from "./support/context.ts";
import { parseArgs } from "../src/args.ts";
import { scratchDirectory } from "./support/files.ts";
import { ConfigError, readConfigFile, resolveSettings } from "../src/config.ts";
import { DEFAULTS } from "../src/core/defaults.ts";
import { run } from "../src/cli.ts";

const EXAMPLES = resolve(import.meta.dir, "../examples/config");
let dir: string;
scratchDirectory("gcp-config-", (created) => (dir = created));

function configFile(content: unknown): string {
  const path = join(dir, "config.json");
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

const settingsFor = (argv: string[], file?: unknown) =>
  resolveSettings(parseArgs(argv).options, file === undefined ? undefined : readConfigFile(configFile(file)));

describe("precedence: flags over the config file over built-in defaults", () => {
  test("built-in defaults: every built-in backend, in order file, env, docker-config", () => {
    const settings = settingsFor([]);
    expect(settings.backends.map((b) => b.name)).toEqual([...DEFAULTS.chain]);
    expect([...DEFAULTS.chain]).toEqual(["file", "env", "docker-config"]);
    expect(settings).toMatchObject({ defaultCacheDuration: undefined, onMiss: "error", syslogSocket: "/dev/log", debug: false });
  });

  test("the config file overrides the defaults", () => {
    const settings = settingsFor([], {
      backends: [{ type: "file", name: "site", dir: "/srv/creds" }],
      defaultCacheDuration: "1h30m",
      onMiss: "empty",
      log: { syslogSocket: "", debug: true },
    });
    expect(settings).toEqual({
      backends: [{ type: "file", name: "site", options: { dir: "/srv/creds" } }],
      defaultCacheDuration: "1h30m0s",
      onMiss: "empty",
      syslogSocket: null,
      deadline: "50s",
      serviceAccountTokenAudience: "generic-credential-provider",
      debug: true,
    });
  });

  test("flags override the config file", () => {
    const file = {
      backends: [
        { type: "file", name: "a", dir: "/a" },
        { type: "file", name: "b", dir: "/b" },
      ],
      defaultCacheDuration: "1h",
      onMiss: "empty",
      log: { syslogSocket: "/run/log" },
    };
    const settings = settingsFor(
      ["--backends", "b,a", "--cache-duration", "10m", "--on-miss", "error", "--syslog-socket", "/x/log", "-d"],
      file,
    );
    expect(settings.backends.map((b) => [b.name, b.options.dir])).toEqual([
      ["b", "/b"],
      ["a", "/a"],
    ]);
    expect(settings).toMatchObject({ defaultCacheDuration: "10m0s", onMiss: "error", syslogSocket: "/x/log", debug: true });
  });

  test("--backends can name built-in types that the file does not configure", () => {
    const settings = settingsFor(["--backends", "file"], { backends: [{ type: "file", name: "other", dir: "/o" }] });
    expect(settings.backends).toEqual([{ type: "file", name: "file", options: {} }]);
  });

  test("--credroot sets the dir of the backend named file, configured or not", () => {
    expect(settingsFor(["-c", "/c"]).backends.find((b) => b.name === "file")?.options).toEqual({ dir: "/c" });
    const settings = settingsFor(["-c", "/c"], { backends: [{ type: "file", dir: "/f" }, { type: "file", name: "two", dir: "/t" }] });
    expect(settings.backends.map((b) => b.options.dir)).toEqual(["/c", "/t"]);
  });

  test("a flag for a backend that is not in the chain is an error, not ignored", () => {
    expect(() => settingsFor(["--backends", "env", "-c", "/c"])).toThrow('--credroot sets the "file" backend, which is not in the chain');
    expect(() => settingsFor(["--docker-config", "/x.json"], { backends: [{ type: "file" }] })).toThrow(
      '--docker-config sets the "docker-config" backend, which is not in the chain',
    );
    expect(() => settingsFor(["-c", "/c"], { backends: [{ type: "env", name: "file" }] })).toThrow(/--credroot sets the "file" backend/);
  });

  test("--docker-config paths are made absolute, repeatable", () => {
    const settings = settingsFor(["--docker-config", "a.json", "--docker-config", "/b.json"]);
    expect(settings.backends.find((b) => b.name === "docker-config")?.options.files).toEqual([resolve("a.json"), "/b.json"]);
  });

  test("two instances of one type", () => {
    const settings = settingsFor([], { backends: [{ type: "file", name: "one", dir: "/1" }, { type: "file", name: "two", dir: "/2" }] });
    expect(settings.backends.map((b) => b.name)).toEqual(["one", "two"]);
  });
});

describe("config errors name the file and the key, never the value", () => {
  const SECRET = "fake-config-secret-4444";
  const cases: [string, unknown, RegExp][] = [
    ["invalid JSON", `{"onMiss": ${SECRET}}`, /invalid JSON at line 1, column 12/],
    ["an array", [SECRET], /the document must be a JSON object/],
    ["an unknown key", { backend: [], password: SECRET }, /unknown field "backend"/],
    ["an unknown backend type", { backends: [{ type: "nope" }] }, /field "backends\.0\.type" must be one of/],
    ["a backend without a type", { backends: [{ dir: "/x" }] }, /missing field "backends\.0\.type"/],
    ["a bad backend name", { backends: [{ type: "file", name: "a b" }] }, /field "backends\.0\.name" must be letters/],
    ["a bad duration", { defaultCacheDuration: SECRET }, /field "defaultCacheDuration" is not a Go duration/],
    ["a negative duration", { defaultCacheDuration: "-1m" }, /must not be negative/],
    ["a bad onMiss", { onMiss: SECRET }, /field "onMiss" must be one of/],
    ["an unknown log key", { log: { syslog: SECRET } }, /unknown field "log\.syslog"/],
    ["debug not a boolean", { log: { debug: "yes" } }, /field "log\.debug" must be a boolean/],
    ["duplicate names", { backends: [{ type: "file" }, { type: "file" }] }, /backend name "file" is used twice/],
  ];
  for (const [what, content, message] of cases) {
    test(what, () => {
      let error: Error | undefined;
      try {
        settingsFor([], content);
      } catch (e) {
        error = e as Error;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect(error?.message).toMatch(message);
      expect(error?.message).not.toContain(SECRET);
      if (what !== "duplicate names") expect(error?.message).toContain(join(dir, "config.json"));
    });
  }

  test("a missing config file", () => {
    expect(() => readConfigFile(join(dir, "missing.json"))).toThrow(/config file .*missing\.json does not exist/);
  });

  test("--backends with an unknown name", () => {
    expect(() => settingsFor(["--backends", "file,nope"])).toThrow(/unknown backend "nope"/);
  });

  test("names of Object.prototype are not backend types", () => {
    for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      expect(() => settingsFor(["--backends", name])).toThrow(ConfigError);
      expect(() => settingsFor(["--backends", name])).toThrow(`unknown backend "${name}"`);
    }
  });

  test("a typo in a backend's options fails at start-up with the backend's name and key", async () => {
    let stderr = "";
    let stdout = "";
    let read = false;
    const code = await run({
      argv: ["--config", configFile({ backends: [{ type: "file", name: "site", dri: "/x" }] })],
      env: {},
      readStdin: () => {
        read = true;
        return "";
      },
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      clock: () => 0,
      pid: 1,
    });
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(read).toBe(false); // before any request is read, let alone looked up
    expect(stderr).toContain('backend "site": unknown field "dri"');
  });
});

describe("backends built when first asked", () => {
  test("given no options, a type's check fails exactly when building it fails, for any deadline", () => {
    for (const limitMs of [1, 5_000, 9_999, 10_000, 10_001, 60_000]) {
      const deadline = testDeadline(limitMs);
      const context = { ...recordingContext({}, deadline), childEnv: {} };
      for (const type of BACKEND_TYPES) {
        const outcome = (run: () => unknown) => {
          try {
            run();
            return "built";
          } catch (error) {
            expect(error).toBeInstanceOf(BackendOptionsError);
            return (error as Error).message;
          }
        };
        const built = outcome(() => BACKENDS[type]({}, context));
        const check = BUILT_WHEN_ASKED[type];
        // Types without a check are never deferred, and must need options of their own.
        if (check === undefined) expect({ type, built }).not.toEqual({ type, built: "built" });
        else expect({ type, limitMs, checked: outcome(() => check(deadline)) }).toEqual({ type, limitMs, checked: built });
      }
    }
  });

  test("a deferred backend is built, and answers, when first asked", async () => {
    const [backend] = createBackends(
      [{ type: "env", name: "env", options: {} }],
      recordingContext({ CREDENTIAL_PROVIDER_EXAMPLE_ORG_USERNAME: "u" }),
    );
    expect(await backend?.lookup(lookupTarget("registry.example.org/app"))).toMatchObject({ source: "env CREDENTIAL_PROVIDER_EXAMPLE_ORG" });
  });

  test("its check still fails at start-up", () => {
    expect(() => createBackends([{ type: "docker-config", name: "docker-config", options: {} }], recordingContext({}, testDeadline(5_000)))).toThrow(
      'backend "docker-config": field "helperTimeout" (10s) is longer than the run\'s deadline (5s)',
    );
  });
});

describe("every example config loads", () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith(".json"));
  test("there are examples", () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    test(file, async () => {
      const settings = resolveSettings(parseArgs([]).options, readConfigFile(join(EXAMPLES, file)));
      expect(settings.backends.length).toBeGreaterThan(0);
      // Creating the backends validates each one's options, as start-up does.
      expect(createBackends(settings.backends, recordingContext())).toHaveLength(settings.backends.length);
    });
  }
});
