// One time limit for the whole run. The kubelet kills a provider after 60 s (plugin.go:
// context.WithTimeout(ctx, 1*time.Minute)), so everything we wait for — stdin, every credential
// helper and chained provider — is bounded by what is left of our own, shorter deadline, and we
// answer (or fail with a message) before the kubelet's kill.
export class Deadline {
  /**
   * @param limitMs the run's limit in milliseconds
   * @param text the limit as people write it ("50s"), for messages
   * @param clock milliseconds since the run started
   */
  constructor(
    readonly limitMs: number,
    readonly text: string,
    private readonly clock: () => number,
  ) {}

  /** Milliseconds left, never negative. */
  remainingMs(): number {
    return Math.max(0, this.limitMs - this.clock());
  }

  expired(): boolean {
    return this.remainingMs() === 0;
  }
}
