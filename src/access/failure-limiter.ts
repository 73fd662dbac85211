/**
 * Brute-force limits: failed attempts counted per key (a client address, a user name) in a
 * sliding window. Reaching the limit locks the key for the window; each further lock-out doubles,
 * up to a cap. A success resets nothing, so one valid login interleaved with guesses buys no
 * extra guesses (SillyTavern's limiter resets on success). Memory is bounded: the oldest keys
 * are forgotten first.
 *
 * A check that takes time (a password hash) reserves an attempt before it starts and settles it
 * when it ends: checks under way count against the budget as failures would, so guesses sent at
 * once get no more checks than guesses sent one by one.
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
  /** Reserved attempts whose checks are under way. */
  checking: number
}

/** Why an attempt was not reserved, and for how long. */
export interface Wait {
  ms: number
  /** True: the key is locked out; false: checks under way hold the rest of its budget. */
  lockedOut: boolean
}

/** What a refusal while checks are under way asks to wait: they end within about a second. */
export const CHECKING_WAIT_MS = 1000

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

  /**
   * Reserves one of the key's attempts for a check about to run (settle() must follow); returns
   * undefined when reserved, else what to wait. With `oneWhileLocked`, a locked key still gets
   * one check at a time instead of none (a user name: its owner can still log in).
   */
  reserve (key: string, oneWhileLocked = false): Wait | undefined {
    const { maxAttempts, windowMs, now } = this.options
    if (maxAttempts === 0) return undefined
    const t = now()
    let state = this.#states.get(key)
    if (state === undefined) {
      state = { failures: [], lockedUntil: 0, lockouts: 0, lastFailure: t, checking: 0 }
      this.#states.set(key, state)
    }
    const locked = state.lockedUntil - t
    state.failures = state.failures.filter((at) => at > t - windowMs)
    if (locked > 0 ? !oneWhileLocked || state.checking > 0 : state.failures.length + state.checking >= maxAttempts) {
      return locked > 0 && !oneWhileLocked ? { ms: locked, lockedOut: true } : { ms: CHECKING_WAIT_MS, lockedOut: locked > 0 }
    }
    state.checking++
    return undefined
  }

  /**
   * Ends a reserved attempt: a failure is counted (see fail(): returns the lock-out it starts),
   * a success gives the attempt back.
   */
  settle (key: string, failed: boolean): number {
    const state = this.#states.get(key)
    if (state !== undefined && state.checking > 0) state.checking--
    if (failed) return this.fail(key)
    // A key with nothing left to remember is forgotten: lockedFor() stays a size check.
    if (state !== undefined && state.checking === 0 && state.failures.length === 0 && state.lockouts === 0) this.#states.delete(key)
    return 0
  }

  /** Records a failure; returns the length of the lock-out it starts, or 0. */
  fail (key: string): number {
    const { maxAttempts, windowMs, maxLockoutMs, now } = this.options
    if (maxAttempts === 0) return 0
    const t = now()
    const state = this.#states.get(key) ?? { failures: [], lockedUntil: 0, lockouts: 0, lastFailure: t, checking: 0 }
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

/** The budgets of a login, one per client address (see limitKey) and one per user name. */
export interface LoginLimits {
  byAddress: FailureLimiter
  byUser: FailureLimiter
}

/** The lock-outs a settled attempt started (milliseconds, 0 for none). */
export interface Lockouts {
  address: number
  user: number
}

/** A password check under way, holding one attempt of its address and one of its user name. */
export class Attempt {
  constructor (private readonly limits: LoginLimits, readonly address: string, readonly user: string) {}

  /** Counts the outcome of the check in both budgets (see FailureLimiter.settle). */
  settle (failed: boolean): Lockouts {
    return { address: this.limits.byAddress.settle(this.address, failed), user: this.limits.byUser.settle(this.user, failed) }
  }
}

/**
 * Reserves an attempt of the address and of the user name before a password is checked; what to
 * wait, and whose budget asks it, when either has none left. A locked user name still gets one
 * check at a time: guessers spread over many addresses stay slow, and its owner, from an address
 * that is not locked itself, still gets in.
 */
export function reserveAttempt (limits: LoginLimits, address: string, user: string): Attempt | Wait & { of: 'address' | 'user' } {
  const byAddress = limits.byAddress.reserve(address)
  if (byAddress !== undefined) return { ...byAddress, of: 'address' }
  const byUser = limits.byUser.reserve(user, true)
  if (byUser === undefined) return new Attempt(limits, address, user)
  limits.byAddress.settle(address, false)
  return { ...byUser, of: 'user' }
}
