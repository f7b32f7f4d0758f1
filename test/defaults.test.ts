// Every default lives in src/core/defaults.ts; the README's tables and the usage text must say the
// same. A default added to a README table without a line here fails the last test.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { USAGE, usageOf } from "../src/args.ts";
import { DEFAULTS } from "../src/core/defaults.ts";

const README = readFileSync(resolve(import.meta.dir, "../README.md"), "utf8");
const code = (text: string | number) => `\`${text}\``;

/** The rows of the first table after `heading`, as arrays of cells. */
function tableAfter(heading: string): string[][] {
  const start = README.indexOf(`\n${heading}\n`);
  if (start === -1) throw new Error(`README has no heading ${heading}`);
  const lines = README.slice(start).split("\n");
  const first = lines.findIndex((line) => line.startsWith("|"));
  const rows: string[][] = [];
  for (const line of lines.slice(first)) {
    if (!line.startsWith("|")) break;
    rows.push(line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim()));
  }
  return rows.filter((row) => !/^-+$/.test(row[0] ?? ""));
}

/** The default cell of `option`'s row in the table after `heading` (its "default" column). */
function defaultCell(heading: string, option: string): string | undefined {
  const [header = [], ...rows] = tableAfter(heading);
  const column = header.indexOf("default");
  return rows.find((row) => row[0] === code(option))?.[column];
}

// [heading, option, the default cell the README must show]
const TABLES: [string, string, string][] = [
  ["## Config file", "backends", `${DEFAULTS.chain.map(code).slice(0, -1).join(", ")}, then ${code(DEFAULTS.chain.at(-1) as string)}, each with its default options`],
  ["## Config file", "defaultCacheDuration", DEFAULTS.cacheDuration ?? "none: the kubelet's `defaultCacheDuration`"],
  ["## Config file", "deadline", code(DEFAULTS.deadline)],
  ["## Config file", "onMiss", code(DEFAULTS.onMiss)],
  ["## Config file", "log.syslogSocket", code(DEFAULTS.syslogSocket)],
  ["## Config file", "log.debug", code("false")],
  ["## Config file", "serviceAccountTokenAudience", code(DEFAULTS.serviceAccountTokenAudience)],
  ["### `file` backend options", "dir", code(DEFAULTS.credroot)],
  ["### `file` backend options", "annotation", ""],
  ["### `env` backend", "prefix", code(DEFAULTS.envPrefix)],
  ["### `env` backend", "annotation", ""],
  ["### `docker-config` backend: reuse `docker login` and `podman login`", "files", "the list above"],
  ["### `docker-config` backend: reuse `docker login` and `podman login`", "annotation", ""],
  ["### `docker-config` backend: reuse `docker login` and `podman login`", "cacheDuration", code("defaultCacheDuration")],
  ["### `docker-config` backend: reuse `docker login` and `podman login`", "helperTimeout", code(DEFAULTS.childTimeout)],
  ["### `helper` backend: a credential helper for named images", "helper", "required"],
  ["### `helper` backend: a credential helper for named images", "matchImages", "required"],
  ["### `helper` backend: a credential helper for named images", "serverUrl", ""],
  ["### `helper` backend: a credential helper for named images", "cacheDuration", code("defaultCacheDuration")],
  ["### `helper` backend: a credential helper for named images", "timeout", code(DEFAULTS.childTimeout)],
  ["### `exec` backend: another credential provider in the chain", "command", "required"],
  ["### `exec` backend: another credential provider in the chain", "args", code("[]")],
  ["### `exec` backend: another credential provider in the chain", "env", code("{}")],
  ["### `exec` backend: another credential provider in the chain", "apiVersion", code(DEFAULTS.execApiVersion)],
  ["### `exec` backend: another credential provider in the chain", "matchImages", "every image"],
  ["### `exec` backend: another credential provider in the chain", "timeout", code(DEFAULTS.childTimeout)],
  ["### `exec` backend: another credential provider in the chain", "maxOutputBytes", code(DEFAULTS.execMaxOutputBytes)],
  ["### `token` backend: the pod's own service-account token", "username", "required"],
  ["### `token` backend: the pod's own service-account token", "matchImages", "required"],
  ["### `token` backend: the pod's own service-account token", "cacheDuration", code("defaultCacheDuration")],
  ["### `kubelet-config` options", "--format json\\|yaml", code("json")],
  ["### `kubelet-config` options", "--api-version V", code(DEFAULTS.providerApiVersion)],
  ["### `kubelet-config` options", "--match-image PATTERN", "derived, as above"],
  ["### `kubelet-config` options", "--name NAME", code(DEFAULTS.providerName)],
  ["### `install` options", "--bin-dir DIR", code(DEFAULTS.install.binDir)],
  ["### `install` options", "--provider-config FILE", code(DEFAULTS.install.providerConfig)],
  ["### `install` options", "--kubelet-env-file FILE", ""],
  ["### `install` options", "--root DIR", ""],
  ["### `install` options", "--dry-run", ""],
  ["### `install` options", "--name`, `--match-image`, `--api-version", ""],
  ["### `sync`: a Secret mirrored into the credential directory", "--from DIR", "required"],
  ["### `sync`: a Secret mirrored into the credential directory", "--to DIR", "required"],
  ["### `sync`: a Secret mirrored into the credential directory", "--once", ""],
  ["### `sync`: a Secret mirrored into the credential directory", "--interval DUR", code(DEFAULTS.syncInterval)],
];

describe("README tables show the defaults of src/core/defaults.ts", () => {
  for (const [heading, option, cell] of TABLES) {
    test(`${heading}: ${option}`, () => expect(defaultCell(heading, option)).toBe(cell));
  }

  test("every option row of those tables is listed here", () => {
    for (const heading of new Set(TABLES.map(([h]) => h))) {
      const options = tableAfter(heading).slice(1).map((row) => row[0]);
      const listed = TABLES.filter(([h]) => h === heading).map(([, option]) => code(option));
      expect(options).toEqual(listed);
    }
  });
});

test("sync's usage text shows its interval's default", () => {
  expect(usageOf("sync")).toContain(`(default ${DEFAULTS.syncInterval})`);
});

describe("the command-line table and the usage text", () => {
  test("`--cache-duration DUR`: no default of ours, the kubelet's applies", () => {
    expect(DEFAULTS.cacheDuration).toBeUndefined();
    expect(tableAfter("## Command line").find((row) => row[0] === "`--cache-duration DUR`")?.[1]).toContain("(default: none, so the kubelet's `defaultCacheDuration` applies)");
    expect(USAGE).toContain("(default: none, the kubelet's defaultCacheDuration applies)");
  });
  const flags: [string, string][] = [
    ["`--backends NAME,…`", DEFAULTS.chain.join(",")],
    ["`-c`, `--credroot DIR`", DEFAULTS.credroot],
    ["`--deadline DUR`", DEFAULTS.deadline],

    ["`--syslog-socket PATH`", DEFAULTS.syslogSocket],
  ];
  const rows = tableAfter("## Command line");
  for (const [flag, value] of flags) {
    test(flag, () => {
      expect(rows.find((row) => row[0] === flag)?.[1]).toContain(`(default ${code(value)}`);
      expect(USAGE).toContain(`default ${value}`);
    });
  }
});

describe("kubelet-config and install: the defaults the README names in its prose", () => {
  test("defaultCacheDuration when we have none", () => {
    expect(README).toContain(`our \`defaultCacheDuration\` (\`--cache-duration\`), else ${code(DEFAULTS.kubeletDefaultCacheDuration)}`);
  });
  test("how deep the derived patterns of a domain-suffix file go", () => {
    const patterns = Array.from({ length: DEFAULTS.matchImagesSuffixDepth + 1 }, (_, i) => code(`${"*.".repeat(i)}example.org`));
    expect(README).toContain(`so ${patterns.join(", ")} (`);
  });
  test("where install puts the --config file", () => {
    expect(README).toContain(`to \`${DEFAULTS.install.configDir}/<name>.json\``);
  });
});
