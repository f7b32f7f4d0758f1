// A throwaway GPG key and `pass` password store in a temp directory, for tests that run the real
// docker-credential-pass helper. Nothing touches the real HOME, ~/.gnupg or ~/.password-store.
// The tools (gpg, pass, docker-credential-pass) are required: a missing one fails the test.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PassStore {
  /** The temp directory holding everything (HOME, GNUPGHOME, PASSWORD_STORE_DIR). */
  dir: string;
  /** The environment to run pass and docker-credential-pass with (also a backend's context.env). */
  env: Record<string, string>;
  keyId: string;
  /** `docker-credential-pass store` for one server URL. */
  store(serverUrl: string, username: string, secret: string): void;
  /** `docker-credential-pass erase` for one server URL. */
  erase(serverUrl: string): void;
  /** Stops this store's gpg-agent and removes the directory. */
  close(): void;
}

export function createPassStore(path = "/usr/local/bin:/usr/bin:/bin"): PassStore {
  const dir = mkdtempSync(join(tmpdir(), "gcp-pass-"));
  const gnupgHome = join(dir, "gnupg");
  mkdirSync(gnupgHome, { mode: 0o700 });
  const env: Record<string, string> = {
    PATH: path,
    HOME: dir,
    GNUPGHOME: gnupgHome,
    PASSWORD_STORE_DIR: join(dir, "store"),
  };
  const run = (argv: string[], stdin = ""): string => {
    const result = Bun.spawnSync(argv, { env, stdin: Buffer.from(stdin), stdout: "pipe", stderr: "pipe" });
    if (result.exitCode !== 0) {
      throw new Error(`${argv.slice(0, 2).join(" ")} failed (exit ${result.exitCode}): ${result.stderr.toString()}`);
    }
    return result.stdout.toString();
  };
  const close = () => {
    try {
      Bun.spawnSync(["gpgconf", "--kill", "gpg-agent"], { env, stdout: "ignore", stderr: "ignore" });
    } finally {
      rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    }
  };
  try {
    // future-default (ed25519, cv25519) takes some 30 ms, where an RSA "default" key takes a second.
    run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "gcp test <gcp-test@example.invalid>", "future-default", "default", "never"]);
    const keyId = /^fpr:+([0-9A-F]+):/m.exec(run(["gpg", "--batch", "--with-colons", "--list-secret-keys"]))?.[1];
    if (keyId === undefined) throw new Error("gpg created no key");
    run(["pass", "init", keyId]);
    return {
      dir,
      env,
      keyId,
      store(serverUrl, username, secret) {
        run(["docker-credential-pass", "store"], JSON.stringify({ ServerURL: serverUrl, Username: username, Secret: secret }));
      },
      erase(serverUrl) {
        run(["docker-credential-pass", "erase"], serverUrl);
      },
      close,
    };
  } catch (error) {
    close();
    throw error;
  }
}
