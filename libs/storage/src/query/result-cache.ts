import { createHash } from 'node:crypto';

/**
 * A small LRU of query answers keyed by the query's normalised arguments AND the exact file set it read (a hash
 * of every listed path). An answer depends on nothing else: data files are immutable under their name (flush
 * files are named after the stream ids they hold and written to a temp name then renamed; compacted files carry
 * their generation), so a new flush, a compaction or a sweep changes the listing and the key — a cached answer is
 * never served across a file-set change. Nothing user-specific is stored beyond the arguments themselves.
 */
export class ResultCache {
  private readonly entries = new Map<string, unknown>();

  constructor(private readonly capacity: number) {}

  /** The key of `args` over `files` (each list in listing order, which is deterministic). */
  static key(kind: string, args: unknown, files: readonly (readonly string[])[]): string {
    const hash = createHash('sha256');
    for (const list of files) hash.update(`${list.length}\n${list.join('\n')}\n`);
    return `${kind} ${JSON.stringify(args)} ${hash.digest('base64')}`;
  }

  get<T>(key: string): T | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key) as T;
    // Re-insert: Map order is the recency order.
    this.entries.delete(key);
    this.entries.set(key, value);
    // A copy, so a caller changing what it got cannot change what the next caller gets.
    return structuredClone(value);
  }

  set(key: string, value: unknown): void {
    if (this.capacity <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, structuredClone(value));
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  get enabled(): boolean {
    return this.capacity > 0;
  }

  get size(): number {
    return this.entries.size;
  }
}
