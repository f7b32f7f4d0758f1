// Entry point of the compiled binary: binds run() to the real process.
import { writeSync } from "node:fs";
import { beforeFirstChild, killAllChildren, orphans } from "../backends/support/child-process.ts";
import { run } from "./cli.ts";
import { processEnvironment } from "./environment.ts";
import { IDENT } from "./log.ts";
import { readCapped } from "./stdin.ts";

function writeAll(fd: number, text: string): void {
  // Mostly one write of the string (a first Buffer.from costs a run ~80 us); a short write goes on.
  const written = writeSync(fd, text);
  if (written >= Buffer.byteLength(text)) return;
  const bytes = Buffer.from(text);
  let offset = written;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
}

function writeStderr(text: string): void {
  try {
    writeAll(2, text);
  } catch {
    // Best effort: a full disk or closed pipe on stderr must not cost the answer.
  }
}

/**
 * Once a child runs: a signal (the kubelet's or an operator's) stops them all, with their process
 * groups and any orphans, before we exit. Not earlier: without children the default action (exit
 * at once) is right, and the handlers cost memory in every run.
 */
function stopChildrenOnSignals(): void {
  for (const [signal, number] of [["SIGTERM", 15], ["SIGINT", 2], ["SIGHUP", 1]] as const) {
    process.on(signal, () => {
      writeStderr(`${IDENT}: error: stopped by ${signal}\n`);
      void killAllChildren().finally(() => process.exit(128 + number));
    });
  }
}

/** A long-running command's end: SIGTERM (the kubelet stopping its pod) or SIGINT, once asked for. */
function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const signals = ["SIGTERM", "SIGINT"] as const;
    const stop = (signal: NodeJS.Signals) => {
      for (const name of signals) process.off(name, stop);
      resolve(signal);
    };
    for (const name of signals) process.on(name, stop);
  });
}

// Orphans of our children's children are re-parented to us and killed, and signals stop every
// child (backends/support/child-process.ts).
orphans.adopt = true;
beforeFirstChild.run = stopChildrenOnSignals;

try {
  process.exitCode = await run({
    argv: process.argv.slice(2),
    env: processEnvironment(),
    readStdin: (deadline) => readCapped(0, deadline),
    stdout: (text) => writeAll(1, text),
    stderr: writeStderr,
    pid: process.pid,
    clock: () => performance.now(),
    execPath: process.execPath,
    untilStopped,
  });
} catch (error) {
  // A bug. Its message could quote input, so print only its type and where it happened.
  const name = error instanceof Error ? error.name : typeof error;
  const frames = error instanceof Error && error.stack ? error.stack.split("\n").slice(1).join("\n") : "";
  writeStderr(`${IDENT}: internal error (${name})\n${frames}\n`);
  process.exitCode = 1;
}
await killAllChildren();
