// Entry point of the compiled binary: binds run() to the real process.
import { writeSync } from "node:fs";
import { run } from "./cli.ts";
import { processEnvironment } from "./environment.ts";
import { readCapped } from "./stdin.ts";

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
}

try {
  process.exitCode = await run({
    argv: process.argv.slice(2),
    env: processEnvironment(),
    readStdin: () => readCapped(0),
    stdout: (text) => writeAll(1, text),
    stderr: (text) => writeAll(2, text),
    pid: process.pid,
  });
} catch (error) {
  // A bug. Its message could quote input, so print only its type and where it happened.
  const name = error instanceof Error ? error.name : typeof error;
  const frames = error instanceof Error && error.stack ? error.stack.split("\n").slice(1).join("\n") : "";
  writeAll(2, `generic-credential-provider: internal error (${name})\n${frames}\n`);
  process.exitCode = 1;
}
