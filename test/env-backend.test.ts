import { describe, expect, test } from "bun:test";
import { envKey } from "../backends/env.ts";
import { BackendError, BackendOptionsError, type Hit } from "../backends/types.ts";
import { lookupTarget, makeBackend, recordingContext } from "./support/context.ts";

const SECRET = "s3cr3t-Pa55w0rd";

async function lookup(env: Record<string, string>, image: string, options?: unknown) {
  const context = recordingContext(env);
  const { messages } = context;
  const backend = makeBackend("env", "env", options, context);
  const hit = (await backend.lookup(lookupTarget(image))) as Hit | null; // env never answers a partial miss
  return { hit, messages };
}

function expectNoSecret(messages: string[], ...secrets: string[]) {
  for (const secret of secrets) for (const message of messages) expect(message).not.toContain(secret);
}

describe("envKey", () => {
  test("upper case; anything but letters and digits becomes _", () => {
    expect(envKey("registry.example.org:5000")).toBe("REGISTRY_EXAMPLE_ORG_5000");
    expect(envKey("my-reg.example.org")).toBe("MY_REG_EXAMPLE_ORG");
    expect(envKey("10.0.0.1:5000")).toBe("10_0_0_1_5000");
    expect(envKey("[::1]:5000")).toBe("___1__5000");
  });
});

describe("env backend", () => {
  test("answers with the image's own host and names the variables in source", async () => {
    const { hit, messages } = await lookup(
      { CREDENTIAL_PROVIDER_EXAMPLE_ORG_USERNAME: "alice", CREDENTIAL_PROVIDER_EXAMPLE_ORG_PASSWORD: SECRET },
      "registry.example.org/team/app:1.0",
    );
    expect(hit).toEqual({
      auth: { "registry.example.org": { username: "alice", password: SECRET } },
      source: "env CREDENTIAL_PROVIDER_EXAMPLE_ORG",
      cacheDuration: undefined,
    });
    expect(messages.some((m) => m.includes("CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_USERNAME"))).toBe(true);
    expectNoSecret(messages, SECRET);
  });

  test("the most specific key wins", async () => {
    const env = {
      CREDENTIAL_PROVIDER_ORG_USERNAME: "org",
      CREDENTIAL_PROVIDER_ORG_PASSWORD: "org-pw",
      CREDENTIAL_PROVIDER_EXAMPLE_ORG_USERNAME: "example",
      CREDENTIAL_PROVIDER_EXAMPLE_ORG_PASSWORD: "example-pw",
      CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_USERNAME: "registry",
      CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_PASSWORD: SECRET,
    };
    const { hit, messages } = await lookup(env, "registry.example.org/app");
    expect(hit?.auth).toEqual({ "registry.example.org": { username: "registry", password: SECRET } });
    expect(hit?.source).toBe("env CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG");
    expectNoSecret(messages, SECRET, "org-pw", "example-pw");

    const other = await lookup(env, "other.example.org/app");
    expect(other.hit?.auth).toEqual({ "other.example.org": { username: "example", password: "example-pw" } });
    const far = await lookup(env, "registry.other.org/app");
    expect(far.hit?.source).toBe("env CREDENTIAL_PROVIDER_ORG");
    expectNoSecret([...other.messages, ...far.messages], SECRET, "org-pw", "example-pw");
  });

  test("no variables: a miss, after trying every key", async () => {
    const { hit, messages } = await lookup({ UNRELATED: "x" }, "registry.example.org:5000/app");
    expect(hit).toBeNull();
    const tried = messages.join("\n");
    for (const key of ["REGISTRY_EXAMPLE_ORG_5000", "REGISTRY_EXAMPLE_ORG", "EXAMPLE_ORG", "ORG"]) {
      expect(tried).toContain(`CREDENTIAL_PROVIDER_${key}_USERNAME`);
    }
  });

  test("host:port is tried before the host, and the answer keeps the port", async () => {
    const env = {
      CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_5000_USERNAME: "with-port",
      CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_5000_PASSWORD: SECRET,
      CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_USERNAME: "no-port",
      CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_PASSWORD: "no-port-pw",
    };
    const withPort = await lookup(env, "registry.example.org:5000/app");
    expect(withPort.hit?.auth).toEqual({ "registry.example.org:5000": { username: "with-port", password: SECRET } });
    const otherPort = await lookup(env, "registry.example.org:5001/app");
    expect(otherPort.hit?.auth).toEqual({
      "registry.example.org:5001": { username: "no-port", password: "no-port-pw" },
    });
    expectNoSecret([...withPort.messages, ...otherPort.messages], SECRET, "no-port-pw");
  });

  test("hyphens, dots and the port colon map to _; the host's case does not matter", async () => {
    const env = { CREDENTIAL_PROVIDER_MY_REG_EXAMPLE_ORG_8443_USERNAME: "u", CREDENTIAL_PROVIDER_MY_REG_EXAMPLE_ORG_8443_PASSWORD: SECRET };
    const { hit, messages } = await lookup(env, "My-Reg.Example.org:8443/app");
    expect(hit?.auth).toEqual({ "My-Reg.Example.org:8443": { username: "u", password: SECRET } });
    expectNoSecret(messages, SECRET);
  });

  test("an empty username or password is allowed; a missing one is empty", async () => {
    const emptyUser = await lookup(
      { CREDENTIAL_PROVIDER_EXAMPLE_ORG_USERNAME: "", CREDENTIAL_PROVIDER_EXAMPLE_ORG_PASSWORD: SECRET },
      "example.org/app",
    );
    expect(emptyUser.hit?.auth).toEqual({ "example.org": { username: "", password: SECRET } });
    expectNoSecret(emptyUser.messages, SECRET);

    const onlyPassword = await lookup({ CREDENTIAL_PROVIDER_EXAMPLE_ORG_PASSWORD: SECRET }, "example.org/app");
    expect(onlyPassword.hit?.auth).toEqual({ "example.org": { username: "", password: SECRET } });
    expectNoSecret(onlyPassword.messages, SECRET);

    const missingPassword = await lookup({ CREDENTIAL_PROVIDER_EXAMPLE_ORG_USERNAME: "alice" }, "example.org/app");
    expect(missingPassword.hit?.auth).toEqual({ "example.org": { username: "alice", password: "" } });

    const bothEmpty = await lookup(
      { CREDENTIAL_PROVIDER_EXAMPLE_ORG_USERNAME: "", CREDENTIAL_PROVIDER_EXAMPLE_ORG_PASSWORD: "" },
      "example.org/app",
    );
    expect(bothEmpty.hit?.auth).toEqual({ "example.org": { username: "", password: "" } });
  });

  test("a more specific key with only a password set still wins", async () => {
    const { hit, messages } = await lookup(
      {
        CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_PASSWORD: SECRET,
        CREDENTIAL_PROVIDER_EXAMPLE_ORG_USERNAME: "general",
        CREDENTIAL_PROVIDER_EXAMPLE_ORG_PASSWORD: "general-pw",
      },
      "registry.example.org/app",
    );
    expect(hit?.auth).toEqual({ "registry.example.org": { username: "", password: SECRET } });
    expectNoSecret(messages, SECRET, "general-pw");
  });

  test("IPv4 hosts: only host:port and host, no suffixes", async () => {
    const env = {
      CREDENTIAL_PROVIDER_10_0_0_1_5000_USERNAME: "v4",
      CREDENTIAL_PROVIDER_10_0_0_1_5000_PASSWORD: SECRET,
      CREDENTIAL_PROVIDER_0_1_USERNAME: "suffix",
      CREDENTIAL_PROVIDER_0_1_PASSWORD: "suffix-pw",
      CREDENTIAL_PROVIDER_1_USERNAME: "suffix",
      CREDENTIAL_PROVIDER_1_PASSWORD: "suffix-pw",
    };
    const withPort = await lookup(env, "10.0.0.1:5000/app");
    expect(withPort.hit?.auth).toEqual({ "10.0.0.1:5000": { username: "v4", password: SECRET } });
    const otherPort = await lookup(env, "10.0.0.1:5001/app");
    expect(otherPort.hit).toBeNull();
    expect(otherPort.messages.join("\n")).toContain("CREDENTIAL_PROVIDER_10_0_0_1_USERNAME");
    expect(otherPort.messages.join("\n")).not.toContain("CREDENTIAL_PROVIDER_0_1_");
    expectNoSecret([...withPort.messages, ...otherPort.messages], SECRET, "suffix-pw");
  });

  test("IPv6 hosts: brackets and colons map to _", async () => {
    // "[::1]:5000" -> "___1__5000", after the prefix's own "_".
    const env = { CREDENTIAL_PROVIDER____1__5000_USERNAME: "v6", CREDENTIAL_PROVIDER____1__5000_PASSWORD: SECRET };
    const { hit, messages } = await lookup(env, "[::1]:5000/app");
    expect(hit?.auth).toEqual({ "[::1]:5000": { username: "v6", password: SECRET } });
    expect(hit?.source).toBe("env CREDENTIAL_PROVIDER____1__5000");
    const noPort = await lookup({ CREDENTIAL_PROVIDER____1__USERNAME: "v6", CREDENTIAL_PROVIDER____1__PASSWORD: SECRET }, "[::1]/app");
    expect(noPort.hit?.auth).toEqual({ "[::1]": { username: "v6", password: SECRET } });
    expectNoSecret([...messages, ...noPort.messages], SECRET);
  });

  test("the prefix option", async () => {
    const env = {
      CREDENTIAL_PROVIDER_EXAMPLE_ORG_USERNAME: "default",
      CREDENTIAL_PROVIDER_EXAMPLE_ORG_PASSWORD: "default-pw",
      REG_EXAMPLE_ORG_USERNAME: "custom",
      REG_EXAMPLE_ORG_PASSWORD: SECRET,
    };
    const { hit, messages } = await lookup(env, "example.org/app", { prefix: "REG_" });
    expect(hit?.auth).toEqual({ "example.org": { username: "custom", password: SECRET } });
    expect(hit?.source).toBe("env REG_EXAMPLE_ORG");
    expectNoSecret(messages, SECRET, "default-pw");
  });

  test("an invalid prefix or an unknown option fails at start-up, naming the backend and the key", () => {
    const context = recordingContext({});
    for (const prefix of ["BAD-PREFIX", "A B", "", "X$"]) {
      expect(() => makeBackend("env", "env", { prefix }, context)).toThrow(BackendOptionsError);
      expect(() => makeBackend("env", "env", { prefix }, context)).toThrow(/backend "env".*"prefix"/);
    }
    expect(() => makeBackend("env", "env", { prefix: 5 }, context)).toThrow(/"prefix"/);
    expect(() => makeBackend("env", "my-env", { prefx: "X_" }, context)).toThrow(/backend "my-env": unknown field "prefx"/);
    expect(() => makeBackend("env", "env", undefined, context)).not.toThrow();
  });

  describe("_DURATION", () => {
    const base = { CREDENTIAL_PROVIDER_EXAMPLE_ORG_USERNAME: "u", CREDENTIAL_PROVIDER_EXAMPLE_ORG_PASSWORD: SECRET };

    test("emitted in Go's canonical form", async () => {
      for (const [text, canonical] of [
        ["5m", "5m0s"],
        ["1h30m", "1h30m0s"],
        ["90s", "1m30s"],
        ["0", "0s"],
        ["0s", "0s"],
        ["1.5h", "1h30m0s"],
      ] as const) {
        const { hit, messages } = await lookup({ ...base, CREDENTIAL_PROVIDER_EXAMPLE_ORG_DURATION: text }, "example.org/app");
        expect(hit?.cacheDuration).toBe(canonical);
        expectNoSecret(messages, SECRET);
      }
    });

    test("only the winning key's duration counts", async () => {
      const { hit } = await lookup(
        { ...base, CREDENTIAL_PROVIDER_ORG_DURATION: "1h", CREDENTIAL_PROVIDER_REGISTRY_EXAMPLE_ORG_DURATION: "2h" },
        "registry.example.org/app",
      );
      expect(hit?.source).toBe("env CREDENTIAL_PROVIDER_EXAMPLE_ORG");
      expect(hit?.cacheDuration).toBeUndefined();
    });

    test("invalid, empty or negative: an error naming the variable, never its value", async () => {
      for (const text of ["five minutes", SECRET, "", "7", "-5m"]) {
        const context = recordingContext({ ...base, CREDENTIAL_PROVIDER_EXAMPLE_ORG_DURATION: text });
        const { messages } = context;
        const backend = makeBackend("env", "env", {}, context);
        const error = await backend.lookup(lookupTarget("example.org/app")).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(BackendError);
        const message = (error as Error).message;
        expect(message).toContain("CREDENTIAL_PROVIDER_EXAMPLE_ORG_DURATION");
        expect(message).toMatch(text === "-5m" ? /must not be negative/ : /is not a Go duration/);
        if (text !== "") expect(message).not.toContain(text);
        expectNoSecret([message, ...messages], SECRET);
      }
    });
  });

  test("reads only the explicit environment, never process.env", async () => {
    process.env.CREDENTIAL_PROVIDER_PROCESS_ENV_TEST_USERNAME = "leak";
    process.env.CREDENTIAL_PROVIDER_PROCESS_ENV_TEST_PASSWORD = "leak";
    try {
      const { hit } = await lookup({}, "process.env.test/app");
      expect(hit).toBeNull();
    } finally {
      delete process.env.CREDENTIAL_PROVIDER_PROCESS_ENV_TEST_USERNAME;
      delete process.env.CREDENTIAL_PROVIDER_PROCESS_ENV_TEST_PASSWORD;
    }
  });
});
