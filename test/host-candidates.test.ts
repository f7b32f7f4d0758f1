import { describe, expect, test } from "bun:test";
import { hostCandidates } from "../backends/support/host-candidates.ts";
import { parseImage } from "../src/core/image.ts";

describe("hostCandidates", () => {
  test("domain suffixes, most specific first, port first", () => {
    expect(hostCandidates(parseImage("a.b.example.org:5000/x"))).toEqual([
      "a.b.example.org:5000",
      "a.b.example.org",
      "b.example.org",
      "example.org",
      "org",
    ]);
    expect(hostCandidates(parseImage("registry.example.org/x"))).toEqual(["registry.example.org", "example.org", "org"]);
  });
  test("lower case", () => {
    expect(hostCandidates(parseImage("Reg.Example.Org/x"))).toEqual(["reg.example.org", "example.org", "org"]);
  });
  test("IP literals have no suffixes", () => {
    expect(hostCandidates(parseImage("10.0.0.1:5000/x"))).toEqual(["10.0.0.1:5000", "10.0.0.1"]);
    expect(hostCandidates(parseImage("10.0.0.1/x"))).toEqual(["10.0.0.1"]);
    expect(hostCandidates(parseImage("[::1]:5000/x"))).toEqual(["[::1]:5000", "[::1]"]);
  });
  test("single-label hosts", () => {
    expect(hostCandidates(parseImage("localhost:5000/x"))).toEqual(["localhost:5000", "localhost"]);
    expect(hostCandidates(parseImage("nginx"))).toEqual(["docker.io", "io"]);
  });
});
