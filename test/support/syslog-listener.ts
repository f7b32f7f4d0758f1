// A real syslog listener for tests: a unix datagram socket bound in a temp directory, read without
// blocking once the program under test has exited (the datagrams wait in the socket's queue), so
// no test sleeps or polls.
import { dlopen, FFIType, ptr } from "bun:ffi";
import { join } from "node:path";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const MSG_DONTWAIT = 0x40;

const libc = dlopen("libc.so.6", {
  socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  bind: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  recv: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i64 },
  close: { args: [FFIType.i32], returns: FFIType.i32 },
}).symbols;

export class SyslogListener {
  readonly path: string;
  private readonly fd: number;

  constructor(dir: string) {
    this.path = join(dir, "log.sock");
    const address = Buffer.alloc(110);
    address.writeUInt16LE(AF_UNIX, 0);
    Buffer.from(this.path).copy(address, 2);
    this.fd = libc.socket(AF_UNIX, SOCK_DGRAM, 0);
    if (this.fd < 0 || libc.bind(this.fd, ptr(address), address.length) !== 0) {
      throw new Error(`cannot bind a unix datagram socket at ${this.path}`);
    }
  }

  /** Every datagram received so far. */
  drain(): string[] {
    const messages: string[] = [];
    const buffer = Buffer.alloc(65536);
    while (true) {
      const n = Number(libc.recv(this.fd, ptr(buffer), buffer.length, MSG_DONTWAIT));
      if (n < 0) return messages;
      messages.push(buffer.toString("utf8", 0, n));
    }
  }

  close(): void {
    libc.close(this.fd);
  }
}
