// A Secret volume as the kubelet writes it, for tests of `sync`: the steps of its atomic writer
// (kubernetes pkg/volume/util/atomic_writer.go, AtomicWriter.Write, as of Kubernetes 1.29+), in
// its order, with its names and modes:
//
//   (2)  read ..data, the current timestamped directory
//   (3)  the paths of the old version that the new payload lacks
//   (5)  a new directory ..<UTC time as 2006_01_02_15_04_05>.<random> (os.MkdirTemp), mode 0755
//   (6)  the payload written into it, each file chmod-ed to its mode (the volume's defaultMode)
//   (8)  a link ..data_tmp -> <new directory name>
//   (9)  ..data_tmp renamed over ..data (the atomic switch)
//   (10) a visible link `key -> ..data/key` for each key that has none
//   (11) the visible links of removed keys removed
//   (12) the old timestamped directory removed
//
// (4), skipping a write when nothing changed, is the caller's business: every call here writes.
import { chmodSync, existsSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Key -> content. */
export type Payload = Record<string, string>;

/** Writes `payload` as the Secret's new version in `dir` (which must exist), as the kubelet does. */
export function writeSecretVersion(dir: string, payload: Payload, mode = 0o644): void {
  for (const key of Object.keys(payload)) {
    if (key === "" || key.includes("/") || key.startsWith("..")) throw new Error(`not a Secret key: ${key}`);
  }
  // (2)
  let oldVersion: string | null = null;
  try {
    oldVersion = readlinkSync(join(dir, "..data"));
  } catch {
    oldVersion = null;
  }
  // (3)
  const toRemove = oldVersion === null ? [] : readdirSync(join(dir, oldVersion)).filter((key) => !Object.hasOwn(payload, key));
  // (5)
  const version = newTimestampDir(dir);
  // (6)
  for (const [key, content] of Object.entries(payload)) {
    const path = join(dir, version, key);
    writeFileSync(path, content, { mode });
    chmodSync(path, mode);
  }
  // (8), (9)
  symlinkSync(version, join(dir, "..data_tmp"));
  renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
  // (10)
  for (const key of Object.keys(payload)) {
    if (!isLink(join(dir, key))) symlinkSync(join("..data", key), join(dir, key));
  }
  // (11)
  for (const key of toRemove) unlinkSync(join(dir, key));
  // (12)
  if (oldVersion !== null) rmSync(join(dir, oldVersion), { recursive: true });
}

/** os.MkdirTemp(dir, time.Now().UTC().Format("..2006_01_02_15_04_05.")), then chmod 0755. */
function newTimestampDir(dir: string): string {
  const now = new Date();
  const two = (n: number) => String(n).padStart(2, "0");
  const stamp = `${now.getUTCFullYear()}_${two(now.getUTCMonth() + 1)}_${two(now.getUTCDate())}_${two(now.getUTCHours())}_${two(now.getUTCMinutes())}_${two(now.getUTCSeconds())}`;
  for (;;) {
    // MkdirTemp's random part: the decimal digits of a random uint32.
    const name = `..${stamp}.${crypto.getRandomValues(new Uint32Array(1))[0]}`;
    if (existsSync(join(dir, name))) continue;
    mkdirSync(join(dir, name), { mode: 0o700 });
    chmodSync(join(dir, name), 0o755);
    return name;
  }
}

function isLink(path: string): boolean {
  try {
    readlinkSync(path);
    return true;
  } catch {
    return false;
  }
}
