// The event ids of one append batch, as the append script takes them: written back to back into one Buffer, with
// their byte lengths beside. Two arguments for the whole batch instead of one per event: ioredis measures, copies
// and frames every string argument several times, and Redis parses each one.

export class IdList {
  private buf = Buffer.allocUnsafe(32 * 1024);
  private at = 0;
  private readonly lengths: number[] = [];

  add(id: string): void {
    // A UTF-16 unit is at most 3 UTF-8 bytes.
    const need = this.at + id.length * 3;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.at);
      this.buf = grown;
    }
    const n = this.buf.write(id, this.at);
    this.at += n;
    this.lengths.push(n);
  }

  /** The ids' bytes (a view: valid until the next add). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.at);
  }

  /** Their byte lengths, 'n,n,…'. */
  lengthList(): string {
    return this.lengths.join(',');
  }
}
