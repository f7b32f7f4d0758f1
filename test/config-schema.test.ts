// config.schema.json: generated from the program's own schemas, committed, and accepted as the
// "$schema" of a config file.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as v from "valibot";
import { configEditorSchema, configJsonSchema, SCHEMA_PATH } from "../scripts/config-schema.ts";
import { parseArgs } from "../src/args.ts";
import { readConfigFile, resolveSettings } from "../src/config.ts";

const EXAMPLES = resolve(import.meta.dir, "../examples/config");

describe("config.schema.json", () => {
  test("the committed file is what scripts/config-schema.ts writes (run it after changing an option)", () => {
    expect(JSON.parse(readFileSync(SCHEMA_PATH, "utf8"))).toEqual(configJsonSchema());
  });

  test("it describes every backend type, its options and the top-level keys", () => {
    const schema = configJsonSchema() as { properties: Record<string, { items?: { oneOf: { properties: Record<string, unknown> }[] } }> };
    expect(Object.keys(schema.properties)).toEqual(["$schema", "backends", "defaultCacheDuration", "deadline", "serviceAccountTokenAudience", "onMiss", "log"]);
    const entries = schema.properties.backends?.items?.oneOf ?? [];
    expect(entries.map((e) => (e.properties.type as { const: string }).const)).toEqual(["file", "env", "docker-config", "helper", "exec", "token"]);
    expect(Object.keys(entries[0]?.properties ?? {})).toEqual(["type", "name", "serviceAccounts", "dir", "annotation"]);
  });

  for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith(".json"))) {
    test(`examples/config/${file} is valid by the schema and points at it`, () => {
      const json = JSON.parse(readFileSync(join(EXAMPLES, file), "utf8"));
      expect(v.safeParse(configEditorSchema(), json).success).toBe(true);
      expect(json.$schema).toBe("../../config.schema.json");
      // and the program reads it ("$schema" is a key it accepts)
      expect(resolveSettings(parseArgs([]).options, readConfigFile(join(EXAMPLES, file))).backends.length).toBeGreaterThan(0);
    });
  }

  test("a typo in a backend option is what the schema shows an editor", () => {
    expect(v.safeParse(configEditorSchema(), { backends: [{ type: "file", dri: "/x" }] }).success).toBe(false);
    expect(v.safeParse(configEditorSchema(), { backends: [{ type: "file", dir: "/x" }] }).success).toBe(true);
  });
});
