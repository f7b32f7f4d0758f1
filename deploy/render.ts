// Renders deploy/manifests.ts, with the image digest of deploy/image.json, to the YAML files of
// deploy/ (committed; test/deploy.test.ts checks that they are what this renders):
//
//   npm run manifests        (npm run image runs it too, after recording a new digest)
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { daemonSet, kustomization, namespace, secret, serviceAccount, type ImageRecord } from "./manifests.ts";

export const DEPLOY = import.meta.dir;

const HEADER = "# Rendered by deploy/render.ts from deploy/manifests.ts and deploy/image.json: edit those, then npm run manifests.\n";

/** The image deploy/ pins (written by npm run image). */
export function readImageRecord(dir = DEPLOY): ImageRecord {
  return JSON.parse(readFileSync(join(dir, "image.json"), "utf8")) as ImageRecord;
}

/** File name -> YAML text. */
export function renderDeploy(image: ImageRecord): Map<string, string> {
  const objects: [string, object][] = [
    ["namespace.yaml", namespace()],
    ["service-account.yaml", serviceAccount()],
    ["secret.yaml", secret()],
    ["daemonset.yaml", daemonSet(image)],
  ];
  const yaml = (object: object) => {
    // A plain copy first: objects shared in the source would become YAML anchors and aliases.
    const text = Bun.YAML.stringify(JSON.parse(JSON.stringify(object)), null, 2);
    return HEADER + (text.endsWith("\n") ? text : `${text}\n`);
  };
  const files = new Map<string, string>([["kustomization.yaml", yaml(kustomization(objects.map(([file]) => file)))]]);
  for (const [file, object] of objects) files.set(file, yaml(object));
  return files;
}

/** Writes the YAML files into `dir`. */
export function writeDeploy(dir = DEPLOY, image = readImageRecord(dir)): string[] {
  const files = renderDeploy(image);
  for (const [file, text] of files) writeFileSync(join(dir, file), text);
  return [...files.keys()];
}

if (import.meta.main) {
  const written = writeDeploy();
  console.error(`deploy: wrote ${written.join(", ")}`);
}
