/**
 * Memory that cannot be grown without limit by a client: a map that forgets its oldest entry
 * once full. Used for "first request from this address" and for console throttling, where a
 * scan or a flood of spoofed addresses would otherwise fill memory.
 */
export class BoundedMap<K, V> {
  readonly #map = new Map<K, V>()

  constructor (readonly capacity: number) {}

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
      // Maps iterate in insertion order: the first key is the oldest.
      this.#map.delete(this.#map.keys().next().value as K)
    }
  }

  delete (key: K): void {
    this.#map.delete(key)
  }

  clear (): void {
    this.#map.clear()
  }
}

/**
 * Lets one console line per key through per window, so a flood cannot flood the console; the
 * next line after a quiet window says how many were held back.
 * @example const gate = createConsoleThrottle(60_000, 1000, Date.now); gate('10.0.0.5') // 0
 */
export function createConsoleThrottle (windowMs: number, capacity: number, now: () => number): (key: string) => number | undefined {
  const seen = new BoundedMap<string, { until: number, held: number }>(capacity)
  return (key) => {
    const t = now()
    const entry = seen.get(key)
    if (entry !== undefined && t < entry.until) {
      entry.held++
      return undefined
    }
    seen.set(key, { until: t + windowMs, held: 0 })
    return entry?.held ?? 0
  }
}
