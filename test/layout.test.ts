// The layers of docs/ARCHITECTURE.md, checked on the source tree: imports run one way only, every
// backend file is registered, and the README's layout and docs/ARCHITECTURE.md name every file.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { BACKEND_TYPES } from "../backends/registry.ts";

const ROOT = resolve(import.meta.dir, "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => join(dir, file))
    .sort();
}
const FILES = [...sourceFiles("src"), ...sourceFiles("backends")];

/** The repository paths a file imports (relative imports only; packages and node: are outside the layers). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  return [...text.matchAll(/^(?:import|export)[^;]*?from "(\.[^"]+)"/gms)].map((m) =>
    relative(ROOT, resolve(ROOT, dirname(file), m[1] as string)),
  );
}

/** Which layer a file is in, lowest first; a file may import only from its own layer or lower ones. */
function layer(file: string): number {
  if (file === "package.json") return 0;
  if (file.startsWith("src/core/")) return 0;
  if (file === "backends/types.ts") return 1;
  if (file.startsWith("backends/support/")) return 2;
  if (file === "backends/registry.ts") return 4;
  if (file.startsWith("backends/")) return 3;
  if (file.startsWith("src/")) return 5;
  throw new Error(`${file} is in no layer`);
}

describe("layers", () => {
  for (const file of FILES) {
    test(`${file} imports only from its layer or below`, () => {
      for (const imported of importsOf(file)) {
        expect({ file, imported, allowed: layer(imported) <= layer(file) }).toEqual({ file, imported, allowed: true });
      }
    });
  }

  test("a backend never imports another backend (shared code goes to backends/support/)", () => {
    for (const file of FILES.filter((f) => layer(f) === 3)) {
      expect(importsOf(file).filter((imported) => layer(imported) === 3)).toEqual([]);
    }
  });

  test("every backend file is registered, and every registered type has its file", () => {
    const files = FILES.filter((f) => layer(f) === 3).map((f) => f.slice("backends/".length, -".ts".length));
    expect(files.sort()).toEqual([...BACKEND_TYPES].sort());
  });

  test("no source or test points outside the repository", () => {
    for (const file of [...FILES, ...sourceFiles("test")]) {
      expect({ file, outside: /DESIGN\.md|\.\.\/shared/.test(readFileSync(join(ROOT, file), "utf8")) }).toEqual({ file, outside: false });
    }
  });
});

describe("the maps of the code name every file", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const layout = readme.slice(readme.indexOf("## Layout"));
  const architecture = readFileSync(join(ROOT, "docs/ARCHITECTURE.md"), "utf8");
  for (const file of FILES) {
    test(file, () => {
      // The README's map may name a folder's files together ("src/log.ts, src/syslog.ts").
      expect(layout).toContain(file);
      expect(architecture).toContain(file);
    });
  }
});
