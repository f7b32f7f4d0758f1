// Backend type name -> factory. Adding a backend is one file in this folder and one line here.
import { createDockerConfigBackend } from "./docker-config.ts";
import { createEnvBackend } from "./env.ts";
import { createExecBackend } from "./exec.ts";
import { createFileBackend } from "./file.ts";
import { createHelperBackend } from "./helper.ts";
import type { BackendFactory } from "./types.ts";

export const BACKENDS: Readonly<Record<string, BackendFactory>> = {
  file: createFileBackend,
  env: createEnvBackend,
  "docker-config": createDockerConfigBackend,
  helper: createHelperBackend,
  exec: createExecBackend,
};
