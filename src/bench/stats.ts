/** Absolute-error statistics of a benchmark: mean and maximum over the samples taken, in the samples' unit. */
export class ErrorStats {
  private sum = 0;
  private count = 0;
  private maximum = 0;

  add(error: number): void {
    const abs = Math.abs(error);
    if (!Number.isFinite(abs)) throw new Error(`a benchmark error must be a finite number, got ${error}`);
    this.sum += abs;
    this.count += 1;
    if (abs > this.maximum) this.maximum = abs;
  }

  get samples(): number {
    return this.count;
  }

  /** NaN when nothing was sampled, so an empty window can never pass for a perfect one. */
  get mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  get max(): number {
    return this.count === 0 ? NaN : this.maximum;
  }

  merge(other: ErrorStats): void {
    this.sum += other.sum;
    this.count += other.count;
    this.maximum = Math.max(this.maximum, other.maximum);
  }
}
