import { describe, expect, test } from "bun:test";
import { dottedQuad, InvalidImageError, isDnsName, parseImage } from "../src/core/image.ts";

describe("parseImage: Docker's registry rule", () => {
  const cases: [string, string, string][] = [
    // image, auth key (host as spelled), repository path
    ["nginx", "docker.io", "library/nginx"],
    ["nginx:1.25", "docker.io", "library/nginx"],
    ["library/nginx", "docker.io", "library/nginx"],
    ["docker.io/library/nginx", "docker.io", "library/nginx"],
    ["docker.io/nginx", "docker.io", "library/nginx"],
    ["index.docker.io/library/nginx", "index.docker.io", "library/nginx"],
    ["team/app", "docker.io", "team/app"],
    ["host:5000/a/b:tag", "host:5000", "a/b"],
    ["host:5000/a/b", "host:5000", "a/b"],
    [`host/a@sha256:${"a".repeat(64)}`, "docker.io", "host/a"], // "host" has no "." or ":"
    [`host.example/a@sha256:${"a".repeat(64)}`, "host.example", "a"],
    [`host.example/a:v1@sha256:${"b".repeat(64)}`, "host.example", "a"],
    ["registry.example.org/org/image:latest", "registry.example.org", "org/image"],
    ["[::1]:5000/x", "[::1]:5000", "x"],
    ["[::1]/x", "[::1]", "x"],
    ["[2001:db8::1]:443/team/app:v2", "[2001:db8::1]:443", "team/app"],
    ["localhost:5000/x", "localhost:5000", "x"],
    ["localhost/x", "localhost", "x"],
    ["localhost:5000", "docker.io", "library/localhost"], // no slash: "5000" is a tag
    ["10.0.0.1:5000/x/y", "10.0.0.1:5000", "x/y"],
    ["Registry.Example.ORG/app", "Registry.Example.ORG", "app"],
    ["Myhost/app", "Myhost", "app"], // an upper-case first component is a host (Docker's rule)
    ["a.b-c.example.org/x__y/z-w.v_u", "a.b-c.example.org", "x__y/z-w.v_u"],
  ];
  for (const [image, host, path] of cases) {
    test(image, () => {
      const target = parseImage(image);
      expect(target.host).toBe(host);
      expect(target.path).toBe(path);
      expect(target.image).toBe(`${host}/${path}`); // as the kubelet sends it
    });
  }

  test("lookup host is lower case, auth key keeps the spelling", () => {
    const target = parseImage("Registry.Example.ORG:5000/app");
    expect(target.host).toBe("Registry.Example.ORG:5000");
    expect(target.lookupHost).toBe("registry.example.org:5000");
    expect(target.hostname).toBe("registry.example.org");
    expect(target.port).toBe("5000");
    expect(target.isIp).toBe(false);
  });

  test("IP literals are flagged", () => {
    expect(parseImage("10.1.2.3/x").isIp).toBe(true);
    expect(parseImage("[::1]:5000/x").isIp).toBe(true);
    expect(parseImage("[fe80::AB]:5000/x").lookupHost).toBe("[fe80::ab]:5000");
  });
});

describe("parseImage rejects what is not a Docker reference", () => {
  const bad: [string, RegExp][] = [
    ["", /empty/],
    ["../x", /registry host/],
    ["../../etc/passwd", /path component/],
    ["reg.example.org/../x", /path component/],
    ["reg.example.org/./x", /path component/],
    ["reg.example.org//x", /empty repository path component/],
    ["reg.example.org/x/", /empty repository path component/],
    ["a/b/../c", /path component/],
    ["reg.example.org/UPPER", /lower-case/],
    ["reg\0.example.org/x", /registry host/],
    ["reg example.org/x", /registry host/],
    ["reg..example.org/x", /registry host/],
    [".example.org/x", /registry host/],
    ["example.org./x", /registry host/],
    ["-bad.example.org/x", /registry host/],
    [`${"a".repeat(64)}.example.org/x`, /registry host/],
    [`${"a.".repeat(127)}org/x`, /registry host|longer than/],
    ["reg.example.org:0/x", /port/],
    ["reg.example.org:65536/x", /port/],
    ["reg.example.org:/x", /port/],
    ["reg.example.org:50a/x", /port/],
    ["[::1/x", /IPv6|registry host/],
    ["[::g]:5000/x", /IPv6/],
    ["[1:2:3:4:5:6:7:8:9]/x", /IPv6/],
    ["[::1]x/y", /registry host/],
    ["300.1.1.1/x", /IPv4/],
    ["reg.example.org/x:bad tag", /tag/],
    ["reg.example.org/x@sha256:short", /digest/],
    ["user:secret@reg.example.org/x", /digest/],
    [`reg.example.org/${"a".repeat(300)}`, /longer than 255/],
    ["reg.example.org/x\n", /tag|path component/],
  ];
  for (const [image, message] of bad) {
    test(JSON.stringify(image).slice(0, 60), () => {
      let error: unknown;
      try {
        parseImage(image);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidImageError);
      expect((error as Error).message).toMatch(message);
      // The message describes the problem without repeating the input.
      if (image.length > 3) expect((error as Error).message).not.toContain(image);
    });
  }

  test("never echoes a password-like part", () => {
    expect(() => parseImage("user:hunter2-secret@reg.example.org/x")).toThrow(InvalidImageError);
    try {
      parseImage("user:hunter2-secret@reg.example.org/x");
    } catch (e) {
      expect((e as Error).message).not.toContain("hunter2");
    }
  });
});

describe("host checks: loops that agree with the patterns they replace", () => {
  const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
  const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
  const referenceDnsName = (name: string) =>
    name.length > 0 && name.length <= 253 && name.split(".").every((label) => label.length <= 63 && DOMAIN_COMPONENT.test(label));
  const referenceQuad = (text: string) => IPV4.exec(text)?.slice(1).map(Number) ?? null;
  const pieces = ["a", "Z", "0", "9", "-", ".", "1", "25", "255", "256", "999", "1234", "_", ":", "é", "٣", "x".repeat(62), "b".repeat(63)];

  test("isDnsName and dottedQuad on generated names", () => {
    let seed = 11;
    const random = () => (seed = (seed * 48271) % 2147483647);
    for (let n = 0; n < 50_000; n++) {
      const name = Array.from({ length: random() % 8 }, () => pieces[random() % pieces.length]).join("");
      expect({ name, dns: isDnsName(name), quad: dottedQuad(name) }).toEqual({ name, dns: referenceDnsName(name), quad: referenceQuad(name) });
    }
    for (const name of ["a".repeat(63), "a".repeat(64), `${"a.".repeat(126)}a`, `${"a.".repeat(127)}a`, "1.2.3.4", "01.2.3.4", "1.2.3", "1.2.3.4.5"]) {
      expect({ name, dns: isDnsName(name), quad: dottedQuad(name) }).toEqual({ name, dns: referenceDnsName(name), quad: referenceQuad(name) });
    }
  });
});
