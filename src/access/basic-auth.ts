/**
 * Checks HTTP Basic credentials against basicAuthUser. A hashed password costs a scrypt, once:
 * credentials that passed are remembered for the process under a keyed SHA-256 of the header (never
 * the password itself) and forgotten when the configured credentials change. Verifications run at
 * most two at a time, so a burst of guesses queues instead of taking every core; the queue is
 * bounded and served network by network (fair-queue.ts), so a flood cannot keep a login out.
 */
import { hash, randomBytes } from 'node:crypto'
import { TVS_ERR_AUTH_HASH } from '../errors.js'
import { commandLine } from '../invocation.js'
import { BoundedMap } from '../log/bounded.js'
import { FairQueue } from './fair-queue.js'
import { looksHashed, parseHash, sameText, verifyHash } from './password-hash.js'
import { SharedChecks } from './shared-checks.js'
import type { ScryptHash } from './password-hash.js'

export interface Credentials {
  username: string
  password: string
}

/** Too many verifications waiting: answered 503, not counted as a failure. */
export class VerifierBusy extends Error {}

/** The lane of work that comes from no client's login (see FairQueue). */
export const SERVER_LANE = '-'

const REMEMBERED = 1000

export interface CheckerLimits {
  /** Hashes checked at once (the thread pool has 4 threads; leave room for file I/O). */
  parallel: number
  /** Checks allowed to wait; beyond that VerifierBusy (see FairQueue for who keeps a place). */
  queue: number
}

interface Waiter {
  resolve: () => void
  reject: (error: Error) => void
}

export class BasicAuthChecker {
  /** Random per process: nobody can compute a key, or find a password from one. */
  readonly #secret = randomBytes(32).toString('base64')
  readonly #known = new BoundedMap<string, string>(REMEMBERED)
  /** Checks under way, by header key: a browser opening many connections at once pays for one. */
  readonly #pending = new SharedChecks<boolean>()
  #username = ''
  #plain: string | undefined
  #hash: ScryptHash | undefined
  #running = 0
  #generation = 0
  readonly #waiting: FairQueue<Waiter>

  /**
   * @param source the config file, named when the password looks hashed but is not a hash we
   *   can verify (TVS_ERR_AUTH_HASH)
   */
  constructor (credentials: Credentials, private readonly source: string, private readonly limits: CheckerLimits = { parallel: 2, queue: 256 }) {
    this.#waiting = new FairQueue(limits.queue)
    this.update(credentials)
  }

  /** Replaces the credentials and forgets every remembered login; throws TVS_ERR_AUTH_HASH. */
  update ({ username, password }: Credentials): void {
    const hash = looksHashed(password) ? parseHash(password) : undefined
    if (looksHashed(password) && hash === undefined) throw new TVS_ERR_AUTH_HASH(this.source, commandLine('hash-password'))
    this.#username = username
    this.#hash = hash
    this.#plain = hash === undefined ? password : undefined
    this.#known.clear()
    this.#generation++
  }

  /** Changes whenever the credentials do: a login remembered elsewhere under an older one is void. */
  get generation (): number {
    return this.#generation
  }

  /** Whether nobody can log in: an empty user name or password is never accepted. */
  get disabled (): boolean {
    return this.#username === '' || this.#plain === ''
  }

  /**
   * The key a header is remembered under, computed once per request: SHA-256 of secret + header,
   * in one call (a quarter of an HMAC's cost, paid on every request).
   * The key never leaves the process, so the length extension an HMAC guards against is moot.
   */
  keyOf (header: string): string {
    return hash('sha256', this.#secret + header, 'base64')
  }

  /** The user name, when the header of this key (keyOf) passed before. */
  remembered (key: string): string | undefined {
    return this.#known.get(key)
  }

  /** The check under way of the header of this key, if any (verify() would join it). */
  pending (key: string): Promise<boolean> | undefined {
    return this.#pending.joined(key)
  }

  /**
   * Verifies the credentials of the header of this key (keyOf), remembering them if they pass;
   * rejects with VerifierBusy when too many wait. `lane`: the client's network (see FairQueue).
   */
  verify (key: string, user: string, password: string, lane = SERVER_LANE): Promise<boolean> {
    return this.#pending.run(key, () => this.#check(key, user, password, lane))
  }

  async #check (key: string, user: string, password: string, lane: string): Promise<boolean> {
    if (this.disabled) return false
    const userOk = sameText(user, this.#username)
    let passwordOk: boolean
    if (this.#hash === undefined) {
      passwordOk = sameText(password, this.#plain as string)
    } else {
      // The hash runs for a wrong user name too, so timing does not tell which part was wrong.
      await this.#slot(lane)
      try {
        passwordOk = await verifyHash(password, this.#hash)
      } finally {
        this.#release()
      }
    }
    if (userOk && passwordOk) this.#known.set(key, user)
    return userOk && passwordOk
  }

  /**
   * Runs another password hash (an account's login) in the same bounded slots, so Basic auth
   * and logins share one limit; rejects with VerifierBusy when too many wait.
   */
  async bounded<T> (work: () => Promise<T>, lane = SERVER_LANE): Promise<T> {
    await this.#slot(lane)
    try {
      return await work()
    } finally {
      this.#release()
    }
  }

  async #slot (lane: string): Promise<void> {
    if (this.#running < this.limits.parallel) {
      this.#running++
      return
    }
    await new Promise<void>((resolve, reject) => {
      this.#waiting.push(lane, { resolve, reject })?.reject(new VerifierBusy('too many password checks at once'))
    })
  }

  #release (): void {
    const next = this.#waiting.shift()
    if (next === undefined) this.#running--
    else next.resolve()
  }
}
