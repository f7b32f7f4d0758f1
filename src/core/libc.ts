// The few libc calls Bun has no API for, through bun:ffi, opened once and only when first needed
// (binding costs a fraction of a millisecond). Linux only; the constants hold on x86-64 and arm64.
import { dlopen, FFIType, ptr } from "bun:ffi";

function open() {
  return dlopen("libc.so.6", {
    socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    sendto: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i64 },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
    poll: { args: [FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
    prctl: { args: [FFIType.i32, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i32 },
  }).symbols;
}

let symbols: ReturnType<typeof open> | null | undefined;

/** libc's functions, or null where libc.so.6 cannot be opened (then callers fall back or give up quietly). */
export function libc(): ReturnType<typeof open> | null {
  if (symbols === undefined) {
    try {
      symbols = open();
    } catch {
      symbols = null;
    }
  }
  return symbols;
}

const POLLIN = 0x1;

/**
 * poll(2) for one fd: true when it is readable (data, end of file or an error to read), false when
 * `timeoutMs` passed first. null when libc is not available.
 */
export function pollReadable(fd: number, timeoutMs: number): boolean | null {
  const c = libc();
  if (c === null) return null;
  const pollfd = new Uint8Array(8); // struct pollfd { int fd; short events; short revents; }
  const view = new DataView(pollfd.buffer);
  view.setInt32(0, fd, true); // every target is little-endian
  view.setInt16(4, POLLIN, true);
  const ready = c.poll(ptr(pollfd), 1, Math.max(0, Math.min(timeoutMs, 2 ** 31 - 1)));
  return ready !== 0; // -1 (EINTR): let the caller read or poll again
}

const PR_SET_CHILD_SUBREAPER = 36;

/**
 * Makes this process the "subreaper" of its descendants: a process whose parent dies (a helper's
 * double-forked grandchild) is re-parented to us instead of to init, where we can find and kill it.
 */
export function becomeSubreaper(): boolean {
  return libc()?.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) === 0;
}
