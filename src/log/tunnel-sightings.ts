/**
 * What the running server remembers about tunnels (issue 15): which ones have relayed requests to
 * it, how many and when, so that the console says so the first time (the exposure changed) and
 * `tavern-server doctor` can ask. A handful of entries at most: one per tunnel, with and without a
 * known origin.
 */
import type { TunnelName, TunnelSighting } from '../access/tunnel-marks.js'

export interface TunnelRecord {
  readonly tunnel: TunnelName
  /** The header that gave it away the first time. */
  readonly mark: string
  /** Whether the tunnel said who the visitor was (a resolved forwarded address). */
  readonly originKnown: boolean
  readonly requests: number
  /** ISO times of the first and the last request. */
  readonly first: string
  readonly last: string
}

export class TunnelSightings {
  readonly #seen = new Map<string, { -readonly [K in keyof TunnelRecord]: TunnelRecord[K] }>()

  /**
   * @param onFirst called the first time each tunnel (with or without a known origin) is seen
   * @param now the clock
   */
  constructor (
    private readonly onFirst: (sighting: TunnelSighting) => void,
    private readonly now: () => number = Date.now
  ) {}

  seen (sighting: TunnelSighting): void {
    const originKnown = sighting.origin !== undefined
    const key = `${sighting.tunnel}\n${String(originKnown)}`
    const time = new Date(this.now()).toISOString()
    const known = this.#seen.get(key)
    if (known !== undefined) {
      known.requests++
      known.last = time
      return
    }
    this.#seen.set(key, { tunnel: sighting.tunnel, mark: sighting.mark, originKnown, requests: 1, first: time, last: time })
    this.onFirst(sighting)
  }

  /** Every tunnel seen since the start, first seen first. */
  list (): TunnelRecord[] {
    return [...this.#seen.values()].map((record) => ({ ...record }))
  }
}
