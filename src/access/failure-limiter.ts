/**
 * Brute-force limits: failed attempts counted per key (a client address, a user name) in a
 * sliding window. Reaching the limit locks the key for the window; each further lock-out doubles,
 * up to a cap. A success resets nothing, so one valid login interleaved with guesses buys no
 * extra guesses (SillyTavern's limiter resets on success). Memory is bounded: the oldest keys
 * are forgotten first.
 */
import { BoundedMap } from '../log/bounded.js'

export interface LimiterOptions {
  /** Failures allowed within the window; 0 turns the limit off. */
  maxAttempts: number
  windowMs: number
  maxLockoutMs: number
  capacity: number
  now: () => number
}

interface State {
  failures: number[]
  lockedUntil: number
  lockouts: number
  lastFailure: number
}

export class FailureLimiter {
  readonly #states: BoundedMap<string, State>

  constructor (private readonly options: LimiterOptions) {
    this.#states = new BoundedMap(options.capacity)
  }

  /** Milliseconds until `key` may try again; 0 when it may now. */
  lockedFor (key: string): number {
    // Asked on every request that needs a password; nobody has failed yet most of the time.
    if (this.#states.size === 0) return 0
    const state = this.#states.get(key)
    return state === undefined ? 0 : Math.max(0, state.lockedUntil - this.options.now())
  }

  /** Records a failure; returns the length of the lock-out it starts, or 0. */
  fail (key: string): number {
    const { maxAttempts, windowMs, maxLockoutMs, now } = this.options
    if (maxAttempts === 0) return 0
    const t = now()
    const state = this.#states.get(key) ?? { failures: [], lockedUntil: 0, lockouts: 0, lastFailure: t }
    // A long quiet spell forgives earlier lock-outs.
    if (t - state.lastFailure > maxLockoutMs) state.lockouts = 0
    state.lastFailure = t
    state.failures = state.failures.filter((at) => at > t - windowMs)
    state.failures.push(t)
    let lockout = 0
    if (state.failures.length >= maxAttempts) {
      state.lockouts++
      lockout = Math.min(windowMs * 2 ** (state.lockouts - 1), maxLockoutMs)
      state.lockedUntil = t + lockout
      state.failures = []
    }
    this.#states.set(key, state)
    return lockout
  }

  clear (): void {
    this.#states.clear()
  }
}
