// Backend type name -> factory. Adding a backend is one file in this folder and one line here.
import { createEnvBackend } from "./env.ts";
import { createExecBackend } from "./exec.ts";
import { createFileBackend } from "./file.ts";
import type { BackendFactory } from "./types.ts";

export const BACKENDS: Readonly<Record<string, BackendFactory>> = {
  file: createFileBackend,
  env: createEnvBackend,
  exec: createExecBackend,
};
