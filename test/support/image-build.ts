// `npm run image` in a test: scripts/image.ts into a temp directory, with an explicit environment
// (HOME and npm's cache in the temp directory), recording no digest in deploy/. The Bun runtimes it
// fetches with npm pack are kept where `npm run image` and `npm run build:release` keep them,
// dist/runtimes (build output, checked against package-lock.json at every use), so a checkout
// downloads them once.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import packageJson from "../../package.json" with { type: "json" };
import { requireTool } from "./processes.ts";

export const REPO = resolve(import.meta.dir, "../..");
/** The reference index.json gives the image (its org.opencontainers.image.ref.name). */
export const IMAGE_REFERENCE = `localhost/generic-credential-provider:${packageJson.version}`;

export interface BuiltImage {
  layout: string;
  archive: string;
  /** The image index's digest: what deploy/ pins. */
  digest: string;
  /** What the script said on stderr. */
  log: string;
}

/** Builds the image into `dir` (out/, oci.tar, work/); rejects with the script's output if it fails. */
export async function buildImage(dir: string, platforms = "amd64,arm64"): Promise<BuiltImage> {
  const npm = requireTool("npm", `${process.env.PATH ?? ""}:/usr/bin:/bin`);
  const layout = join(dir, "oci");
  const archive = join(dir, "oci.tar");
  const child = Bun.spawn(
    [
      join(REPO, "node_modules/.bin/bun"),
      join(REPO, "scripts/image.ts"),
      ...["--out", layout, "--archive", archive, "--work", join(dir, "work"), "--platforms", platforms, "--deploy", ""],
      ...["--runtime-cache", join(REPO, "dist/runtimes")],
    ],
    {
      cwd: REPO,
      env: { PATH: `${dirname(npm)}:/usr/bin:/bin`, HOME: join(dir, "home"), npm_config_cache: join(dir, "npm-cache") },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const [log, out, code] = await Promise.all([new Response(child.stderr).text(), new Response(child.stdout).text(), child.exited]);
  if (code !== 0) throw new Error(`scripts/image.ts failed (exit ${code}):\n${log}${out}`);
  const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as { manifests: { digest: string }[] };
  return { layout, archive, digest: index.manifests[0]?.digest as string, log };
}
