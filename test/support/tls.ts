// A throwaway certificate authority and a server certificate for 127.0.0.1, made with openssl at
// test time (nothing generated is committed). openssl reads only the config written here, never
// /etc/ssl/openssl.cnf.
import { X509Certificate } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { requireTool } from "./processes.ts";

export interface TestTls {
  /** A directory holding only ca.crt: what containers/image tools take as --cert-dir. */
  caDir: string;
  /** The CA certificate (PEM), for clients: containerd's hosts.toml `ca`, fetch's `tls.ca`. */
  caCert: string;
  /** The server's certificate (PEM; subjectAltName IP:<ip>) and key, for the server. */
  serverCert: string;
  serverKey: string;
}

const PATH = "/usr/bin:/bin";

const CONFIG = `# only what the two commands below need
[req]
distinguished_name = dn
prompt = no
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = @san
[san]
`;

/** A P-256 CA and a server certificate signed by it for `ip` (Go checks the IP SAN, not the CN), valid one day. */
export function makeTestTls(dir: string, ip = "127.0.0.1"): TestTls {
  const caDir = join(dir, "ca");
  const serverDir = join(dir, "server");
  mkdirSync(caDir, { recursive: true });
  mkdirSync(serverDir, { recursive: true });
  const config = join(dir, "openssl.cnf");
  writeFileSync(config, `${CONFIG}IP.1 = ${ip}\n`);
  const tls: TestTls = {
    caDir,
    caCert: join(caDir, "ca.crt"),
    serverCert: join(serverDir, "server.crt"),
    serverKey: join(serverDir, "server.key"),
  };
  const caKey = join(dir, "ca.key");
  const openssl = (args: string[]) => {
    const result = Bun.spawnSync([requireTool("openssl", PATH), ...args], {
      env: { PATH, OPENSSL_CONF: config },
      stdout: "pipe",
      stderr: "pipe",
    });
    if (result.exitCode !== 0) throw new Error(`openssl ${args[0]} ${args[1]} failed: ${result.stderr.toString()}`);
  };
  const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-noenc", "-days", "1"];
  openssl(["req", "-x509", "-config", config, "-extensions", "ca", ...newKey, "-subj", "/CN=generic-credential-provider test CA", "-keyout", caKey, "-out", tls.caCert]);
  openssl(["req", "-x509", "-config", config, "-extensions", "server", "-CA", tls.caCert, "-CAkey", caKey, ...newKey, "-subj", `/CN=${ip}`, "-keyout", tls.serverKey, "-out", tls.serverCert]);

  const ca = new X509Certificate(readFileSync(tls.caCert));
  const server = new X509Certificate(readFileSync(tls.serverCert));
  if (!ca.ca || !server.checkIssued(ca) || !server.verify(ca.publicKey) || server.checkIP(ip) === undefined) {
    throw new Error(`openssl made a server certificate that the test CA does not vouch for as ${ip}`);
  }
  return tls;
}
