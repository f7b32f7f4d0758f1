// Where messages go: stderr (the kubelet shows it when we fail) and syslog (the seed's log lines,
// and every warning: on success the kubelet never reads our stderr). Both are best effort: a full
// disk or a closed pipe on stderr must not cost the kubelet its answer, which only stdout decides.
// Every message is composed by our own code from names, paths and hosts; no function here takes a
// credential, and tests assert that no secret reaches either output.
import { formatSyslogLine, sendSyslog, type Severity } from "./syslog.ts";

export const IDENT = "generic-credential-provider";

export class Log {
  /** Set once the settings are known; until then only errors and warnings are written. */
  debugEnabled = false;
  /** Socket path for syslog; null: no syslog. */
  syslogSocket: string | null = null;
  /** Gets every debug line and warning, whether or not --debug is on (explain collects them). */
  listener: ((kind: "debug" | "warning", message: string) => void) | null = null;

  constructor(private readonly out: { stderr(text: string): void; pid: number }) {}

  debug(message: string): void {
    this.listener?.("debug", message);
    if (this.debugEnabled) this.write(`${IDENT}: debug: ${message}\n`);
  }

  warn(message: string): void {
    this.listener?.("warning", message);
    this.write(`${IDENT}: warning: ${message}\n`);
    this.syslog("warning", message);
  }

  /** What an operator command tells besides its report: stderr only, never syslog. */
  note(message: string): void {
    this.write(`${IDENT}: note: ${message}\n`);
  }

  error(message: string): void {
    this.write(`${IDENT}: error: ${message}\n`);
  }

  /** Text as it is (a chained provider's stderr, already prefixed with the backend's name). */
  raw(text: string): void {
    this.write(text);
  }

  private write(text: string): void {
    this.out.stderr(text); // best effort by Io's contract: it never throws
  }

  syslog(severity: Severity, message: string): void {
    if (this.syslogSocket === null) return;
    const line = formatSyslogLine(severity, IDENT, this.out.pid, message);
    if (!sendSyslog(this.syslogSocket, line)) this.debug(`syslog: could not send to ${this.syslogSocket}`);
  }
}
