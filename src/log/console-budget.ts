/**
 * How many console lines a flood may print. Each key (a client address) gets its first few lines
 * per window; beyond them its lines are counted, and when its window ends one line says how many
 * (on a timer, so the count appears even if that address never comes back). All keys together
 * get a budget per window too, so 10,000 addresses (or one IPv6 /64's worth) cannot print 10,000
 * lines: beyond it lines are counted, with how many keys sent them, and said in one line when the
 * window ends. Nothing is dropped without a count; memory is bounded by `capacity` keys.
 */
import { BoundedMap } from './bounded.js'

export interface Timers {
  /** Calls `run` after `ms`, without keeping the process alive for it. */
  set (run: () => void, ms: number): unknown
  clear (handle: unknown): void
}

export const UNREF_TIMERS: Timers = {
  set: (run, ms) => setTimeout(run, ms).unref(),
  clear: (handle) => { clearTimeout(handle as NodeJS.Timeout) }
}

export interface BudgetOptions {
  windowMs: number
  /** Lines each key may print per window. */
  perKey: number
  /** Lines all keys together may print per window (summaries included). */
  total: number
  /** Keys remembered; the oldest window is closed early beyond this. */
  capacity: number
  print (line: string): void
  /** The line for `held` lines of `key` not printed in its window. */
  keySummary (key: string, held: number): string
  /** The line for `held` lines from `keys` keys not printed for the total budget; `more`: there were more keys than counted. */
  totalSummary (held: number, keys: number, more: boolean): string
  now: () => number
  timers?: Timers
}

interface KeyWindow { until: number, count: number, held: number }

/** Summaries wait at most this much longer than their window, so one timer serves many windows. */
const COALESCE_MS = 1000

export class ConsoleBudget {
  readonly #keys: BoundedMap<string, KeyWindow>
  #total = { until: 0, count: 0, held: 0 }
  readonly #heldKeys = new Set<string>()
  #heldKeysMore = false
  #timer: unknown
  readonly #timers: Timers

  constructor (private readonly options: BudgetOptions) {
    this.#timers = options.timers ?? UNREF_TIMERS
    // A key forgotten to make room still has its held lines counted, in the total.
    this.#keys = new BoundedMap(options.capacity, (key, window) => { this.#holdInTotal(key, window.held) })
  }

  /** Prints `line` for `key` if the budgets allow, else counts it. */
  offer (key: string, line: string): void {
    const now = this.options.now()
    this.#flush(now)
    let window = this.#keys.get(key)
    if (window === undefined) {
      window = { until: now + this.options.windowMs, count: 0, held: 0 }
      this.#keys.set(key, window)
    }
    if (window.count < this.options.perKey) {
      window.count++
      this.#emit(key, line, 1, now)
    } else {
      window.held++
    }
    this.#schedule(now)
  }

  /** Prints within the total budget, or counts `weight` lines held for it. */
  #emit (key: string, line: string, weight: number, now: number): void {
    if (now >= this.#total.until) {
      this.#closeTotal()
      this.#total = { until: now + this.options.windowMs, count: 0, held: 0 }
    }
    if (this.#total.count < this.options.total) {
      this.#total.count++
      this.options.print(line)
    } else {
      this.#holdInTotal(key, weight)
    }
  }

  #holdInTotal (key: string, held: number): void {
    if (held === 0) return
    this.#total.held += held
    if (this.#heldKeys.size < this.options.capacity) this.#heldKeys.add(key)
    else if (!this.#heldKeys.has(key)) this.#heldKeysMore = true
  }

  #closeTotal (): void {
    if (this.#total.held > 0) this.options.print(this.options.totalSummary(this.#total.held, this.#heldKeys.size, this.#heldKeysMore))
    this.#total.held = 0
    this.#heldKeys.clear()
    this.#heldKeysMore = false
  }

  /** Ends the windows that are over: their summaries, then the total's. */
  #flush (now: number): void {
    for (const [key, window] of this.#keys) {
      // Windows open in order, so the first one still open ends the ended ones.
      if (window.until > now) break
      this.#keys.delete(key)
      if (window.held > 0) this.#emit(key, this.options.keySummary(key, window.held), window.held, now)
    }
    if (now >= this.#total.until) this.#closeTotal()
  }

  /** The next moment a summary is due, if any line is held. */
  #due (): number | undefined {
    let due = this.#total.held > 0 ? this.#total.until : undefined
    for (const [, window] of this.#keys) {
      if (window.held > 0) {
        due = Math.min(due ?? window.until, window.until)
        break
      }
    }
    return due
  }

  #schedule (now: number): void {
    if (this.#timer !== undefined) return
    const due = this.#due()
    if (due === undefined) return
    this.#timer = this.#timers.set(() => {
      this.#timer = undefined
      const at = this.options.now()
      this.#flush(at)
      this.#schedule(at)
    }, Math.max(due - now, 0) + COALESCE_MS)
  }
}
