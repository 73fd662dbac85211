/**
 * Checks an account's password, in the bounded slots of Basic auth's verifier (so a flood of
 * logins queues instead of taking every core), and always at the same cost: an unknown handle,
 * an account without a password and a weaker imported hash (SillyTavern's N=2^14) are checked
 * against a made-up hash until as much scrypt work is done as for a password of this server, so
 * the time of a wrong answer does not tell whether the account exists.
 */
import { hash, randomBytes } from 'node:crypto'
import { hashPassword, parseHash, verifyHash } from '../access/password-hash.js'
import { SharedChecks } from '../access/shared-checks.js'
import type { ScryptHash } from '../access/password-hash.js'
import type { Account } from './account-file.js'

/**
 * Runs a password hash in one of the verifier's bounded slots, waiting in `lane` (the client's
 * network, see FairQueue); rejects with VerifierBusy when full.
 */
export type Bounded = <T>(work: () => Promise<T>, lane?: string) => Promise<T>

export type LoginCheck =
  | { kind: 'ok', account: Account, /** The hash is weaker than this server makes: store a new one. */ rehash: boolean }
  | { kind: 'disabled', account: Account }
  | { kind: 'wrong' }

export interface CheckOptions {
  find: (handle: string) => Account | undefined
  bounded: Bounded
  /** log2 of scrypt's cost for new hashes (15 by default); every check costs at least this much. */
  logN: number
  /** The hash check itself (a test counts the work with it). */
  verify?: (password: string, hash: ScryptHash) => Promise<boolean>
}

/** scrypt's work: memory and time both grow with N × r × p. */
function work (hash: ScryptHash): number {
  return 2 ** hash.logN * hash.r * hash.p
}

export class PasswordCheck {
  readonly #dummy: ScryptHash
  readonly #verify: (password: string, hash: ScryptHash) => Promise<boolean>
  /** Random per process, for the keys of checks under way (never the password itself). */
  readonly #secret = randomBytes(32).toString('base64')
  /** Checks under way, by key: the same login sent several times at once is one check. */
  readonly #pending = new SharedChecks<LoginCheck>()

  constructor (private readonly options: CheckOptions) {
    this.#dummy = { logN: options.logN, r: 8, p: 1, salt: randomBytes(16), hash: randomBytes(32) }
    this.#verify = options.verify ?? verifyHash
  }

  /**
   * Whether `password` is the account's; rejects with VerifierBusy when too many wait.
   * @param lane the client's network, to wait in (see FairQueue)
   */
  check (handle: string, password: string, lane?: string): Promise<LoginCheck> {
    return this.#pending.run(this.#keyOf(handle, password), () => this.#check(handle, password, lane))
  }

  /** The check under way of this handle and password, if any (check() would join it). */
  pending (handle: string, password: string): Promise<LoginCheck> | undefined {
    return this.#pending.joined(this.#keyOf(handle, password))
  }

  #keyOf (handle: string, password: string): string {
    return hash('sha256', this.#secret + JSON.stringify([handle, password]), 'base64')
  }

  #check (handle: string, password: string, lane?: string): Promise<LoginCheck> {
    const account = this.options.find(handle)
    const stored = account === undefined || account.password === '' ? undefined : parseHash(account.password)
    return this.options.bounded(async () => {
      if (account === undefined || stored === undefined) {
        await this.#verify(password, this.#dummy)
        return { kind: 'wrong' }
      }
      const ok = await this.#verify(password, stored)
      // The same parameters with another salt: as slow as the real one, and never a match.
      const padding = { ...stored, salt: this.#dummy.salt }
      for (let done = work(stored); done < work(this.#dummy); done += work(stored)) await this.#verify(password, padding)
      if (!ok) return { kind: 'wrong' }
      if (!account.enabled) return { kind: 'disabled', account }
      return { kind: 'ok', account, rehash: work(stored) < work(this.#dummy) }
    }, lane)
  }

  /** A hash of a new password, made in the same bounded slots. */
  hash (password: string): Promise<string> {
    return this.options.bounded(() => hashPassword(password, this.options.logN))
  }
}
