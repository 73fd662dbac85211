/**
 * The waiting places of password checks, served in turn: address family by family, then network
 * by network (a lane: see checkLane), first come first served within a lane. A flood from a few
 * networks then delays a login from another by a few checks, not by the whole queue. Bounded:
 * when full, a lane with nothing waiting still gets a place, taken from the newest entry of the
 * longest lane, as long as that lane has more than one.
 */
export class FairQueue<T> {
  /** Family (the lane's first character), then lane, in serving order. */
  readonly #families = new Map<string, Map<string, T[]>>()
  #size = 0

  constructor (readonly capacity: number) {}

  get size (): number {
    return this.#size
  }

  /**
   * Adds `entry` to its lane. Returns the entry that lost its place: undefined when there was
   * room, an entry of the longest lane that made room, or `entry` itself when there is none.
   */
  push (lane: string, entry: T): T | undefined {
    const family = lane.charAt(0)
    const lanes = this.#families.get(family) ?? new Map<string, T[]>()
    const waiting = lanes.get(lane) ?? []
    let dropped: T | undefined
    if (this.#size >= this.capacity) {
      const longest = waiting.length === 0 ? this.#longest() : undefined
      if (longest === undefined || longest.length < 2) return entry
      dropped = longest.pop()
      this.#size--
    }
    waiting.push(entry)
    lanes.set(lane, waiting)
    this.#families.set(family, lanes)
    this.#size++
    return dropped
  }

  /** The next entry to serve, or undefined when none waits. */
  shift (): T | undefined {
    const first = this.#families.entries().next()
    if (first.done === true) return undefined
    const [family, lanes] = first.value
    const [lane, waiting] = lanes.entries().next().value as [string, T[]]
    const entry = waiting.shift() as T
    this.#size--
    // Served: the lane, and its family, go to the back of the line.
    lanes.delete(lane)
    if (waiting.length > 0) lanes.set(lane, waiting)
    this.#families.delete(family)
    if (lanes.size > 0) this.#families.set(family, lanes)
    return entry
  }

  #longest (): T[] | undefined {
    let longest: T[] | undefined
    for (const lanes of this.#families.values()) {
      for (const waiting of lanes.values()) if (longest === undefined || waiting.length > longest.length) longest = waiting
    }
    return longest
  }
}
