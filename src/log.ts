// Where messages go: stderr (the kubelet shows it when we fail) and syslog (the seed's log lines).
// Every message is composed by our own code from names, paths and hosts; no function here takes a
// credential, and tests assert that no secret reaches either output.
import { formatSyslogLine, sendSyslog, type Severity } from "./syslog.ts";

export const IDENT = "generic-credential-provider";

export interface LogOutputs {
  stderr(text: string): void;
  /** Socket path for syslog; null disables it. */
  syslogSocket: string | null;
  pid: number;
}

export class Log {
  constructor(
    private readonly out: LogOutputs,
    public debugEnabled = false,
  ) {}

  debug(message: string): void {
    if (this.debugEnabled) this.out.stderr(`${IDENT}: debug: ${message}\n`);
  }

  warn(message: string): void {
    this.out.stderr(`${IDENT}: warning: ${message}\n`);
  }

  error(message: string): void {
    this.out.stderr(`${IDENT}: error: ${message}\n`);
  }

  syslog(severity: Severity, message: string): void {
    if (this.out.syslogSocket === null) return;
    const line = formatSyslogLine(severity, IDENT, this.out.pid, message);
    if (!sendSyslog(this.out.syslogSocket, line)) this.debug(`syslog: could not send to ${this.out.syslogSocket}`);
  }
}
