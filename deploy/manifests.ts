// The provider on every node of a cluster, as typed objects: `kubernetes-types` makes tsc refuse a
// field the Kubernetes API does not have (a typo such as `readOnlyRootFileSystem`), and
// test/deploy.test.ts validates the result with `kubernetes-models`. deploy/render.ts writes them
// to the YAML files of this directory, which `kubectl apply -k deploy/` reads.
//
//   Secret registry-credentials ──(volume, updated in place by the kubelet)──► DaemonSet pod
//     init container: `install --root /host`: the binary into the kubelet's provider bin dir and
//                     the provider configuration, both by temp file and rename
//     container:      `sync`: the Secret's *.json keys into the node's credential directory
//   ──► node files ──► the kubelet runs the installed binary for each uncached pull
//
// Each host path is mounted on its own, at /host/<its path>: never /etc/kubernetes as a whole,
// which holds the kubelet's own credentials.
import type { DaemonSet } from "kubernetes-types/apps/v1";
import type { Container, Namespace, Secret, SecurityContext, ServiceAccount } from "kubernetes-types/core/v1";

/** What `npm run image` records in deploy/image.json. */
export interface ImageRecord {
  name: string;
  tag: string;
  digest: string;
  revision: string;
  created: string;
  platforms: Record<string, { manifest: string; glibc: string }>;
}

/** kustomize's file (not a Kubernetes API object, so not in kubernetes-types). */
export interface Kustomization {
  apiVersion: "kustomize.config.k8s.io/v1beta1";
  kind: "Kustomization";
  namespace: string;
  resources: string[];
  labels: { pairs: Record<string, string>; includeSelectors: boolean }[];
}

export const NAME = "generic-credential-provider";
export const NAMESPACE = NAME;
export const SECRET = "registry-credentials";
/** Where the image is pushed (`skopeo copy --all`, README): change it here or with kustomize's `images`. */
export const IMAGE_REPOSITORY = "registry.example.org/tools/generic-credential-provider";

/** The node's paths. The kubelet's flags name the first two (README, "One-time node setup"). */
export const HOST = {
  binDir: "/usr/local/bin/image-credential-provider",
  configDir: "/etc/kubernetes/image-credential-provider",
  providerConfig: "/etc/kubernetes/image-credential-provider/config.json",
  credentials: "/etc/kubernetes/registry",
} as const;
/** Where the containers see the host's paths, and the Secret. */
export const ROOT = "/host";
export const SECRET_MOUNT = "/secret";
/** The images the kubelet asks the provider about: the registries of the Secret's files. */
export const MATCH_IMAGES = ["registry.example.org"];

const labels = { "app.kubernetes.io/name": NAME };

export function namespace(): Namespace {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: NAMESPACE,
      // hostPath volumes are beyond the "baseline" Pod Security Standard: this namespace holds only
      // the DaemonSet, whose containers still drop every capability and cannot escalate.
      labels: { "pod-security.kubernetes.io/enforce": "privileged" },
    },
  };
}

export function serviceAccount(): ServiceAccount {
  // No API access: the pod reads its Secret through the kubelet's volume, never the API.
  return { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: NAME }, automountServiceAccountToken: false };
}

/** The example Secret: one credential file per registry, in the file backend's format. Fake values. */
export function secret(): Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: SECRET },
    type: "Opaque",
    stringData: {
      "registry.example.org.json": JSON.stringify({ username: "example-user", password: "example-password-not-a-secret" }),
    },
  };
}

/** Root (the host's files are root's) without any capability, privilege escalation or writable image. */
const securityContext: SecurityContext = {
  runAsUser: 0,
  runAsGroup: 0,
  privileged: false,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

const resources: Container["resources"] = {
  requests: { cpu: "10m", memory: "48Mi" },
  limits: { cpu: "250m", memory: "128Mi" },
};

export function daemonSet(image: ImageRecord): DaemonSet {
  const reference = `${IMAGE_REPOSITORY}@${image.digest}`;
  const at = (path: string) => `${ROOT}${path}`;
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: NAME },
    spec: {
      selector: { matchLabels: labels },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "10%" } },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: NAME,
          automountServiceAccountToken: false,
          nodeSelector: { "kubernetes.io/os": "linux" },
          // Every node, whatever its taints: control planes, nodes not ready yet, nodes draining.
          tolerations: [{ operator: "Exists" }],
          terminationGracePeriodSeconds: 10,
          initContainers: [
            {
              name: "install",
              image: reference,
              args: [
                ...["install", "--root", ROOT, "--bin-dir", HOST.binDir, "--provider-config", HOST.providerConfig],
                ...MATCH_IMAGES.flatMap((pattern) => ["--match-image", pattern]),
                // Global options: the provider's args in the kubelet's config reproduce them.
                ...["--credroot", HOST.credentials],
              ],
              securityContext,
              resources,
              volumeMounts: [
                { name: "bin-dir", mountPath: at(HOST.binDir) },
                { name: "provider-config", mountPath: at(HOST.configDir) },
                { name: "credentials", mountPath: at(HOST.credentials) },
              ],
            },
          ],
          containers: [
            {
              name: "sync",
              image: reference,
              args: ["sync", "--from", SECRET_MOUNT, "--to", at(HOST.credentials), "--syslog-socket", ""],
              securityContext,
              resources,
              volumeMounts: [
                { name: "secret", mountPath: SECRET_MOUNT, readOnly: true },
                { name: "credentials", mountPath: at(HOST.credentials) },
              ],
            },
          ],
          volumes: [
            { name: "bin-dir", hostPath: { path: HOST.binDir, type: "DirectoryOrCreate" } },
            { name: "provider-config", hostPath: { path: HOST.configDir, type: "DirectoryOrCreate" } },
            { name: "credentials", hostPath: { path: HOST.credentials, type: "DirectoryOrCreate" } },
            // The whole Secret, never a subPath: only a whole-volume mount is updated in place.
            { name: "secret", secret: { secretName: SECRET, defaultMode: 0o400 } },
          ],
        },
      },
    },
  };
}

export function kustomization(files: string[]): Kustomization {
  return {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    namespace: NAMESPACE,
    resources: files,
    labels: [{ pairs: { "app.kubernetes.io/part-of": NAME }, includeSelectors: false }],
  };
}
