// deploy/: the committed YAML is what deploy/render.ts renders from the typed manifests and the
// recorded image; every object passes kubernetes-models' validation (the API's OpenAPI schema);
// a misspelt field fails the type-check (kubernetes-types); and the DaemonSet is what issue 14
// asks for: every node, limits, a read-only image, no privilege, the image pinned by digest, the
// Secret mounted whole, the host paths mounted one by one.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { DaemonSet as DaemonSetType } from "kubernetes-types/apps/v1";
import type { Container } from "kubernetes-types/core/v1";
import { readCredentialFile } from "../backends/file.ts";
import { HOST, IMAGE_REPOSITORY, ROOT, SECRET_MOUNT } from "../deploy/manifests.ts";
import { DEPLOY, readImageRecord, renderDeploy } from "../deploy/render.ts";
import { REPO } from "./support/image-build.ts";

const rendered = renderDeploy(readImageRecord());
const parsed = (file: string) => Bun.YAML.parse(readFileSync(join(DEPLOY, file), "utf8")) as Record<string, unknown>;
const daemonSet = () => parsed("daemonset.yaml") as DaemonSetType;

describe("the committed YAML", () => {
  test("is exactly what deploy/render.ts renders (npm run manifests)", () => {
    const committed = readdirSync(DEPLOY).filter((file) => file.endsWith(".yaml")).sort();
    expect(committed).toEqual([...rendered.keys()].sort());
    for (const [file, text] of rendered) expect({ file, text: readFileSync(join(DEPLOY, file), "utf8") }).toEqual({ file, text });
  });

  test("kustomization.yaml lists every object file", () => {
    expect(parsed("kustomization.yaml").resources).toEqual(["namespace.yaml", "service-account.yaml", "secret.yaml", "daemonset.yaml"]);
  });
});

describe("kubernetes-models validates every object against the API's schema", () => {
  const MODELS: Record<string, { validate(object: Record<string, unknown>): void }> = {
    Namespace: { validate: (object) => new Namespace(object as never).validate() },
    ServiceAccount: { validate: (object) => new ServiceAccount(object as never).validate() },
    Secret: { validate: (object) => new Secret(object as never).validate() },
    DaemonSet: { validate: (object) => new DaemonSet(object as never).validate() },
  };
  for (const file of ["namespace.yaml", "service-account.yaml", "secret.yaml", "daemonset.yaml"]) {
    test(file, () => {
      const object = parsed(file);
      const model = MODELS[object.kind as string];
      expect(model).toBeDefined();
      model?.validate(object);
    });
  }

  test("and rejects what the schema refuses: a wrong type, a missing required field", () => {
    const wrongType = daemonSet();
    (wrongType.spec?.template.spec?.containers[0] as unknown as Record<string, unknown>).image = 5;
    expect(() => new DaemonSet(wrongType as never).validate()).toThrow("containers/0/image must be string");
    const missing = daemonSet();
    delete (missing.spec?.template.spec?.containers[0] as Partial<Container>).name;
    expect(() => new DaemonSet(missing as never).validate()).toThrow("containers/0 must have required property name");
  });
});

describe("a misspelt field name in deploy/manifests.ts fails the type-check", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "gcp-deploy-typo-"));
    symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** tsc on a copy of deploy/manifests.ts with `replace` applied: its error lines. */
  function typecheck(replacements: [string, string][]): string[] {
    let source = readFileSync(join(DEPLOY, "manifests.ts"), "utf8");
    for (const [from, to] of replacements) {
      expect(source).toContain(from);
      source = source.replace(from, to);
    }
    writeFileSync(join(dir, "manifests.ts"), source);
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "ESNext", module: "ESNext", moduleResolution: "bundler", strict: true, noEmit: true, types: [], skipLibCheck: true },
        files: ["manifests.ts"],
      }),
    );
    const result = Bun.spawnSync([join(REPO, "node_modules/.bin/tsc"), "-p", dir], { cwd: dir, env: { PATH: "/usr/bin:/bin" }, stdout: "pipe", stderr: "pipe" });
    return (result.stdout.toString() + result.stderr.toString()).split("\n").filter((line) => line.includes("error TS"));
  }

  test("the copy as it is type-checks", () => {
    expect(typecheck([])).toEqual([]);
  });

  const TYPOS: [string, string, string][] = [
    ["the containers' security context", "  readOnlyRootFilesystem: true,", "  readOnlyRootFileSystem: true,"],
    ["a host path volume", 'hostPath: { path: HOST.binDir, type: "DirectoryOrCreate" }', 'hostpath: { path: HOST.binDir, type: "DirectoryOrCreate" }'],
    ["the DaemonSet's spec", "      updateStrategy: {", "      updateStrategey: {"],
    ["a container", '              name: "sync",', '              nmae: "sync",'],
  ];
  for (const [where, from, to] of TYPOS) {
    const field = (/^\s*(\w+)/.exec(to) as RegExpExecArray)[1] as string;
    test(`${where}: ${field}`, () => {
      const errors = typecheck([[from, to]]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(`'${field}'`);
    });
  }
});

describe("the DaemonSet", () => {
  const spec = () => daemonSet().spec?.template.spec;
  const containers = () => [...(spec()?.initContainers ?? []), ...(spec()?.containers ?? [])];

  test("runs on every node: every taint tolerated, Linux nodes", () => {
    expect(spec()?.tolerations).toEqual([{ operator: "Exists" }]);
    expect(spec()?.nodeSelector).toEqual({ "kubernetes.io/os": "linux" });
  });

  test("pins the image by the digest npm run image recorded", () => {
    const { digest } = readImageRecord();
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const container of containers()) expect(container.image).toBe(`${IMAGE_REPOSITORY}@${digest}`);
  });

  test("each container: requests and limits, a read-only image, root without capabilities or escalation", () => {
    for (const container of containers()) {
      expect(container.resources?.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      expect(container.resources?.limits).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      expect(container.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        privileged: false,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(container.securityContext?.capabilities?.add).toBeUndefined();
    }
    expect(spec()).not.toHaveProperty("hostNetwork");
    expect(spec()).not.toHaveProperty("hostPID");
    expect(spec()?.automountServiceAccountToken).toBe(false);
  });

  test("the init container installs into the bin dir and the config dir; the container syncs the whole Secret into the credential directory", () => {
    const [install] = spec()?.initContainers ?? [];
    const [sync] = spec()?.containers ?? [];
    expect(install?.args?.slice(0, 3)).toEqual(["install", "--root", ROOT]);
    expect(install?.args).toContain(HOST.binDir);
    expect(install?.args).toContain(HOST.providerConfig);
    expect(sync?.args?.slice(0, 5)).toEqual(["sync", "--from", SECRET_MOUNT, "--to", `${ROOT}${HOST.credentials}`]);
    const volumes = Object.fromEntries((spec()?.volumes ?? []).map((volume) => [volume.name, volume]));
    const hostPathOf = (container: Container | undefined) =>
      (container?.volumeMounts ?? []).filter((mount) => volumes[mount.name]?.hostPath).map((mount) => [volumes[mount.name]?.hostPath?.path, mount.mountPath]);
    expect(hostPathOf(install)).toEqual([
      [HOST.binDir, `${ROOT}${HOST.binDir}`],
      [HOST.configDir, `${ROOT}${HOST.configDir}`],
      [HOST.credentials, `${ROOT}${HOST.credentials}`],
    ]);
    expect(hostPathOf(sync)).toEqual([[HOST.credentials, `${ROOT}${HOST.credentials}`]]);
    // The Secret whole and read-only: a subPath mount is never updated.
    const secretMount = sync?.volumeMounts?.find((mount) => volumes[mount.name]?.secret);
    expect(secretMount).toEqual({ name: "secret", mountPath: SECRET_MOUNT, readOnly: true });
    expect(volumes.secret?.secret?.secretName).toBe((parsed("secret.yaml").metadata as { name: string }).name);
  });
});

test("the example Secret holds credential files the file backend accepts, with obviously fake values", () => {
  const stringData = parsed("secret.yaml").stringData as Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), "gcp-deploy-secret-"));
  try {
    for (const [key, text] of Object.entries(stringData)) {
      expect(key).toEndWith(".json");
      writeFileSync(join(dir, key), text);
      const file = readCredentialFile(join(dir, key), key);
      expect(file?.credentials.password).toContain("not-a-secret");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
