// Retry delays: doubling from `minMs` to `maxMs`, with ±20% jitter so many daemons do not retry in step.
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {}

  next(): number {
    const base = Math.min(this.maxMs, this.minMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(base * (0.8 + 0.4 * Math.random()));
  }

  reset(): void {
    this.attempt = 0;
  }
}
