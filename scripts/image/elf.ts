// What the dynamic loader needs for an ELF64 little-endian executable or library: its interpreter
// (PT_INTERP: the path the kernel loads ld.so from) and its DT_NEEDED sonames. RPATH and RUNPATH
// are refused: the image puts libraries only where ld.so looks without them.
import { readFileSync } from "node:fs";

export interface ElfInfo {
  /** e_machine: 62 x86-64, 183 AArch64. */
  machine: number;
  interpreter?: string;
  needed: string[];
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_RPATH = 15;
const DT_RUNPATH = 29;

export function elfInfo(file: string): ElfInfo {
  const b = readFileSync(file);
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) {
    throw new Error(`${file}: not a 64-bit little-endian ELF file`);
  }
  const machine = b.readUInt16LE(0x12);
  const phoff = Number(b.readBigUInt64LE(0x20));
  const phentsize = b.readUInt16LE(0x36);
  const phnum = b.readUInt16LE(0x38);
  let interpreter: string | undefined;
  let dynamic: { offset: number; size: number } | undefined;
  const loads: { vaddr: number; offset: number; size: number }[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    const type = b.readUInt32LE(p);
    const offset = Number(b.readBigUInt64LE(p + 8));
    const vaddr = Number(b.readBigUInt64LE(p + 16));
    const size = Number(b.readBigUInt64LE(p + 32));
    if (type === PT_LOAD) loads.push({ vaddr, offset, size });
    if (type === PT_DYNAMIC) dynamic = { offset, size };
    if (type === PT_INTERP) interpreter = b.toString("latin1", offset, offset + size).replace(/\0.*$/s, "");
  }
  const neededOffsets: number[] = [];
  let strtab = -1;
  if (dynamic) {
    for (let p = dynamic.offset; p + 16 <= dynamic.offset + dynamic.size; p += 16) {
      const tag = Number(b.readBigInt64LE(p));
      const value = Number(b.readBigUInt64LE(p + 8));
      if (tag === DT_NULL) break;
      if (tag === DT_NEEDED) neededOffsets.push(value);
      if (tag === DT_STRTAB) strtab = value;
      if (tag === DT_RPATH || tag === DT_RUNPATH) throw new Error(`${file}: has an RPATH or RUNPATH, which the image does not reproduce`);
    }
  }
  // DT_STRTAB is an address: find the file offset through the segment that maps it.
  const segment = loads.find((load) => strtab >= load.vaddr && strtab < load.vaddr + load.size);
  if (neededOffsets.length > 0 && segment === undefined) throw new Error(`${file}: its dynamic string table is in no loaded segment`);
  const base = segment === undefined ? 0 : strtab - segment.vaddr + segment.offset;
  const needed = neededOffsets.map((offset) => b.toString("latin1", base + offset, b.indexOf(0, base + offset)));
  return { machine, ...(interpreter === undefined ? {} : { interpreter }), needed };
}
