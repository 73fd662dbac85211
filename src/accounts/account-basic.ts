/**
 * Per-user Basic auth (`perUserBasicAuth` with accounts): Basic credentials are an account's handle
 * and password. It has the shape of Basic auth's checker, so the policy's Basic step (limits,
 * remembered logins, keep-alive connections) runs it unchanged. A header that passed is
 * remembered with the account's stamp, not re-hashed per request (SillyTavern runs scrypt on
 * every request), and is void as soon as the account's password changes or it is disabled or
 * removed.
 */
import { hash, randomBytes } from 'node:crypto'
import { BoundedMap } from '../log/bounded.js'
import type { AccountStore } from './account-store.js'
import type { PasswordCheck } from './password-check.js'

const REMEMBERED = 1000

export class AccountBasicChecker {
  readonly #secret = randomBytes(32).toString('base64')
  readonly #known = new BoundedMap<string, { handle: string, stamp: string }>(REMEMBERED)
  readonly #pending = new Map<string, Promise<boolean>>()

  constructor (private readonly store: AccountStore, private readonly passwords: PasswordCheck) {}

  /** Changes with every change of the accounts (a keep-alive connection's login is then re-checked). */
  get generation (): number {
    return this.store.generation
  }

  /** Whether nobody can log in: no enabled account has a password. */
  get disabled (): boolean {
    return !this.store.list().some((account) => account.enabled && account.password !== '')
  }

  /** The key a header is remembered under (see BasicAuthChecker.keyOf). */
  keyOf (header: string): string {
    return hash('sha256', this.#secret + header, 'base64')
  }

  /** The handle, when the header of this key passed under the account's current stamp. */
  remembered (key: string): string | undefined {
    const known = this.#known.get(key)
    if (known === undefined) return undefined
    const account = this.store.get(known.handle)
    if (account !== undefined && account.enabled && account.stamp === known.stamp) return known.handle
    this.#known.delete(key)
    return undefined
  }

  /** The check under way of the header of this key, if any (verify() would join it). */
  pending (key: string): Promise<boolean> | undefined {
    return this.#pending.get(key)
  }

  /** Checks the handle and password of the header of this key; rejects with VerifierBusy. */
  verify (key: string, user: string, password: string, lane?: string): Promise<boolean> {
    const pending = this.#pending.get(key)
    if (pending !== undefined) return pending
    const check = this.passwords.check(user, password, lane).then((result) => {
      if (result.kind !== 'ok') return false
      this.#known.set(key, { handle: result.account.handle, stamp: result.account.stamp })
      return true
    }).finally(() => this.#pending.delete(key))
    this.#pending.set(key, check)
    return check
  }
}
