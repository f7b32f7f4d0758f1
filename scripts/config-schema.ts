// config.schema.json, the JSON Schema of the config file, from the same valibot schemas the
// program checks a config file with (src/config.ts) and each backend's options with. Editors that
// read "$schema" complete and check a config with it. test/config-schema.test.ts checks that the
// committed file is what this script writes. Run: npx bun scripts/config-schema.ts
import { toJsonSchema } from "@valibot/to-json-schema";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import * as v from "valibot";
import { DockerConfigOptionFields } from "../backends/docker-config.ts";
import { EnvOptions } from "../backends/env.ts";
import { ExecOptions } from "../backends/exec.ts";
import { FileOptions } from "../backends/file.ts";
import { HelperOptions } from "../backends/helper.ts";
import { ServiceAccounts, type BackendType } from "../backends/registry.ts";
import { TokenOptions } from "../backends/token.ts";
import { BackendName, ConfigFileFields } from "../src/config.ts";

export const SCHEMA_PATH = resolve(import.meta.dir, "../config.schema.json");

const OPTIONS: Record<BackendType, v.ObjectEntries> = {
  file: FileOptions.entries,
  env: EnvOptions.entries,
  "docker-config": DockerConfigOptionFields.entries,
  helper: HelperOptions.entries,
  exec: ExecOptions.entries,
  token: TokenOptions.entries,
};

/** A backend entry as a config file writes it: type, name, serviceAccounts and that type's options. */
function entry(type: BackendType) {
  return v.strictObject({ type: v.literal(type), name: v.optional(BackendName), serviceAccounts: v.optional(ServiceAccounts), ...OPTIONS[type] });
}

export function configJsonSchema(): unknown {
  const file = configEditorSchema();
  // Checks the schema cannot say (durations are Go durations, paths absolute) are made by the
  // program itself, with messages that name the field.
  const schema = toJsonSchema(file, { errorMode: "ignore", typeMode: "input" }) as Record<string, unknown>;
  return { $schema: schema.$schema, title: "generic-credential-provider config file", ...schema };
}

/** The valibot form of the same schema, to check documents with in tests. */
export function configEditorSchema() {
  const types = Object.keys(OPTIONS) as BackendType[];
  return v.strictObject({
    ...ConfigFileFields.entries,
    backends: v.optional(v.array(v.variant("type", types.map(entry) as [ReturnType<typeof entry>, ...ReturnType<typeof entry>[]]))),
  });
}

if (import.meta.main) {
  writeFileSync(SCHEMA_PATH, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
}
