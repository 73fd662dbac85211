/**
 * Memory that cannot be grown without limit by a client: a map that forgets its oldest entry
 * once full. Used for "first request from this address" and for console throttling, where a
 * scan or a flood of spoofed addresses would otherwise fill memory.
 */
export class BoundedMap<K, V> {
  readonly #map = new Map<K, V>()

  /** @param onEvict told of an entry forgotten to make room (not of one deleted or replaced). */
  constructor (readonly capacity: number, private readonly onEvict?: (key: K, value: V) => void) {}

  get size (): number {
    return this.#map.size
  }

  get (key: K): V | undefined {
    return this.#map.get(key)
  }

  has (key: K): boolean {
    return this.#map.has(key)
  }

  set (key: K, value: V): void {
    this.#map.delete(key)
    this.#map.set(key, value)
    if (this.#map.size > this.capacity) {
      // Maps iterate in insertion order: the first entry is the oldest.
      const [oldest, old] = this.#map.entries().next().value as [K, V]
      this.#map.delete(oldest)
      this.onEvict?.(oldest, old)
    }
  }

  delete (key: K): void {
    this.#map.delete(key)
  }

  clear (): void {
    this.#map.clear()
  }

  /** Oldest first. */
  [Symbol.iterator] (): IterableIterator<[K, V]> {
    return this.#map.entries()
  }
}
