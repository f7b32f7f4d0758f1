// A CRI client for tests: the calls the kubelet makes to a container runtime for an image pull,
// over the runtime's unix socket (@grpc/grpc-js, with cri-image.proto loaded by
// @grpc/proto-loader). PullImage carries the kubelet's AuthConfig.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { join } from "node:path";

/** The CRI AuthConfig; from a credential provider's answer the kubelet fills username and password. */
export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  server_address?: string;
  identity_token?: string;
  registry_token?: string;
}

export interface CriImage {
  id: string;
  repo_tags: string[];
  repo_digests: string[];
  /** uint64, as a string */
  size: string;
}

/** A failed call: the gRPC status and the runtime's message. */
export class CriError extends Error {
  override name = "CriError";
  constructor(
    readonly code: grpc.status,
    readonly details: string,
  ) {
    super(`${grpc.status[code] ?? code}: ${details}`);
  }
}

type Callback = (error: grpc.ServiceError | null, response: unknown) => void;
type Method = (request: object, metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback) => void;
type Stub = grpc.Client & Record<string, Method>;
type StubConstructor = new (target: string, credentials: grpc.ChannelCredentials) => Stub;

const definition = protoLoader.loadSync(join(import.meta.dir, "cri-image.proto"), {
  keepCase: true, // field names as in the proto: image_ref, repo_tags
  longs: String,
  enums: String,
  defaults: true,
});
const runtimeV1 = (grpc.loadPackageDefinition(definition).runtime as grpc.GrpcObject).v1 as unknown as Record<string, StubConstructor>;

export class CriClient {
  private readonly images: Stub;
  private readonly runtime: Stub;

  constructor(socket: string) {
    const target = `unix://${socket}`;
    const credentials = grpc.credentials.createInsecure();
    this.images = new runtimeV1.ImageService!(target, credentials);
    this.runtime = new runtimeV1.RuntimeService!(target, credentials);
  }

  private call<T>(stub: Stub, method: string, request: object, timeoutMs = 10_000): Promise<T> {
    return new Promise((resolve, reject) => {
      stub[method]!(request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (error, response) => {
        if (error) reject(new CriError(error.code, error.details));
        else resolve(response as T);
      });
    });
  }

  version(): Promise<{ runtime_name: string; runtime_version: string; runtime_api_version: string }> {
    return this.call(this.runtime, "Version", { version: "v1" });
  }

  /** PullImage; `auth` absent is a pull without credentials. Returns image_ref (containerd: the config digest). */
  async pullImage(image: string, auth?: AuthConfig): Promise<string> {
    const response = await this.call<{ image_ref: string }>(this.images, "PullImage", auth ? { image: { image }, auth } : { image: { image } });
    return response.image_ref;
  }

  /** The image, or null when the runtime does not have it. */
  async imageStatus(image: string): Promise<CriImage | null> {
    return (await this.call<{ image: CriImage | null }>(this.images, "ImageStatus", { image: { image } })).image;
  }

  /** Removes the image; removing an absent one succeeds. */
  async removeImage(image: string): Promise<void> {
    await this.call(this.images, "RemoveImage", { image: { image } });
  }

  close(): void {
    this.images.close();
    this.runtime.close();
  }
}
