// What `--version` and `version` print. `--version` is the seed script's one line, byte for byte
// (scripts and the script's own tests compare it); `version` adds what the binary was built from:
// the git commit, embedded at build time by scripts/build.sh (--define BUILD_COMMIT), and the Bun
// runtime inside the executable, which Bun reports at run time.
import packageJson from "../package.json" with { type: "json" };
import { IDENT } from "./log.ts";

// Replaced by a string literal in a compiled binary; absent when the source runs unbundled (tests).
declare const BUILD_COMMIT: string | undefined;

export const VERSION: string = packageJson.version;

/** The commit the binary was built from ("<sha>", "<sha>-dirty"), or "unknown". */
export const BUILD_COMMIT_ID: string = typeof BUILD_COMMIT === "string" && BUILD_COMMIT !== "" ? BUILD_COMMIT : "unknown";

/** `--version`: exactly "generic-credential-provider version X.Y.Z". */
export function versionLine(): string {
  return `${IDENT} version ${VERSION}\n`;
}

/** `version`: the version line, then the build's commit, the Bun runtime and the platform. */
export function buildInfo(): string {
  return (
    versionLine() +
    `commit: ${BUILD_COMMIT_ID}\n` +
    `bun: ${Bun.version} (${Bun.revision})\n` +
    `platform: ${process.platform}-${process.arch}\n`
  );
}
