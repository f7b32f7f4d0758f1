// Go durations (time.ParseDuration / Duration.String), the only form the kubelet accepts for
// cacheDuration: it decodes the field as a metav1.Duration, which calls time.ParseDuration.
// Nanoseconds are held in a bigint so that every value Go accepts is exact.

const MAX_NANOS = (1n << 63n) - 1n; // Go's Duration is an int64 of nanoseconds

const UNIT_NANOS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  "µs": 1_000n, // U+00B5 micro sign
  "μs": 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

// One "<number><unit>" element; Go allows "1.5h", ".5s" and "5.s" but not "." alone.
const ELEMENT = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;

/** Parses a Go duration string to nanoseconds, or returns null when Go would reject it. */
export function parseGoDuration(text: string): bigint | null {
  let rest = text;
  let negative = false;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    negative = rest.startsWith("-");
    rest = rest.slice(1);
  }
  if (rest === "0") return 0n; // Go's special case: a bare zero needs no unit
  if (rest === "") return null;
  let total = 0n;
  while (rest !== "") {
    const m = ELEMENT.exec(rest);
    if (!m) return null;
    const whole = m[1] ?? "";
    const fraction = m[2] ?? "";
    if (whole === "" && fraction === "") return null;
    const unit = UNIT_NANOS[m[3] ?? ""] ?? 0n;
    let nanos = BigInt(whole || "0") * unit;
    if (fraction !== "") {
      // Go truncates the fractional part towards zero at nanosecond precision.
      const scale = 10n ** BigInt(fraction.length);
      nanos += (BigInt(fraction) * unit) / scale;
    }
    total += nanos;
    if (total > MAX_NANOS + (negative ? 1n : 0n)) return null; // overflow, as Go reports
    rest = rest.slice(m[0].length);
  }
  return negative ? -total : total;
}

/** Formats nanoseconds exactly as Go's Duration.String() does ("5m0s", "1h30m0s", "1.5ms", "0s"). */
export function formatGoDuration(nanos: bigint): string {
  if (nanos === 0n) return "0s";
  const sign = nanos < 0n ? "-" : "";
  let n = nanos < 0n ? -nanos : nanos;
  if (n < 1_000_000_000n) {
    // Below one second Go uses the largest unit that keeps the integer part non-zero.
    const [unit, size] =
      n < 1_000n ? ["ns", 1n] : n < 1_000_000n ? ["µs", 1_000n] : ["ms", 1_000_000n];
    return sign + withFraction(n, size as bigint) + unit;
  }
  const hours = n / 3_600_000_000_000n;
  n %= 3_600_000_000_000n;
  const minutes = n / 60_000_000_000n;
  n %= 60_000_000_000n;
  const seconds = withFraction(n, 1_000_000_000n) + "s";
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0n) return `${sign}${minutes}m${seconds}`;
  return sign + seconds;
}

function withFraction(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const rest = value % unit;
  if (rest === 0n) return whole.toString();
  const digits = unit.toString().length - 1;
  const fraction = rest.toString().padStart(digits, "0").replace(/0+$/, "");
  return `${whole}.${fraction}`;
}

/** Milliseconds of a Go duration for a timer, rounded up so that "1ns" still waits. */
export function durationMs(text: string): number {
  const nanos = parseGoDuration(text) ?? 0n;
  return Number((nanos + 999_999n) / 1_000_000n);
}

/** The canonical Go form of a duration string, or null if Go would reject it. */
export function canonicalGoDuration(text: string): string | null {
  const nanos = parseGoDuration(text);
  return nanos === null ? null : formatGoDuration(nanos);
}
