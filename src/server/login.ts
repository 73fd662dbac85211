/**
 * Logging in with a handle and password, for the login page and the JSON API alike. It shares
 * Basic auth's brute-force limits (one budget per address and per user name, whichever door the
 * guesses come through) and its bounded verifier, and says the same for a wrong password and an
 * unknown handle, after the same amount of work. A login always starts a new session (a new id:
 * a session id planted before the login is worth nothing after it).
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { VerifierBusy } from '../access/basic-auth.js'
import { setPassword } from '../accounts/account-changes.js'
import type { Account } from '../accounts/account-file.js'
import type { Session } from '../accounts/session-store.js'
import { printable } from '../log/access-recorder.js'
import type { AccessRecorder } from '../log/access-recorder.js'
import type { AccountService } from './account-gate.js'
import { facts, limitKey, userKey } from './security-policy.js'

export type LoginOutcome =
  | { kind: 'ok', account: Account, session: Session }
  | { kind: 'refused', status: number, error: string, retryAfter?: number }

/** Longer input is not a handle or password anyone typed (the routes' fields enforce it). */
export const MAX_PASSWORD = 1024
export const MAX_TYPED_HANDLE = 256

export const WRONG = 'Wrong user name or password.'

function waitMessage (wait: number, who: string): { status: number, error: string, retryAfter: number } {
  const seconds = Math.ceil(wait / 1000)
  return { status: 429, error: `Too many failed logins ${who}. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`, retryAfter: seconds }
}

/**
 * Counts a failed password (per address and per user name) and records it; returns the refusal
 * to answer with.
 */
export function countFailure (accounts: AccountService, recorder: AccessRecorder, request: FastifyRequest, user: string): LoginOutcome {
  const { byAddress, byUser } = accounts.limits
  const address = limitKey(request.client)
  const lockedAddress = byAddress.fail(address)
  const lockedUser = byUser.fail(userKey(user))
  if (lockedAddress > 0) recorder.warn(`address ${address}`, `Too many failed logins from ${request.client.ip}: locked out for ${lockedAddress / 1000} seconds.`)
  if (lockedUser > 0) recorder.warn(`user ${user}`, `Too many failed logins for user "${printable(user)}": locked out for ${lockedUser / 1000} seconds.`)
  recorder.refused(facts(request, user), 401, 'unauthorized', `Unauthorized: wrong user name or password from ${request.client.ip} (user "${printable(user)}").`)
  return { kind: 'refused', status: 401, error: WRONG }
}

/** Refuses when the address or the user name is locked out. */
export function lockedOut (accounts: AccountService, recorder: AccessRecorder, request: FastifyRequest, user: string): LoginOutcome | undefined {
  const wait = accounts.limits.byAddress.lockedFor(limitKey(request.client))
  const userWait = wait > 0 ? 0 : accounts.limits.byUser.lockedFor(userKey(user))
  if (wait === 0 && userWait === 0) return undefined
  recorder.refused(facts(request, user), 429, 'rate-limited', `Refused a login from ${request.client.ip}: locked out after too many failed logins.`)
  return { kind: 'refused', ...(wait > 0 ? waitMessage(wait, 'from your address') : waitMessage(userWait, `for "${user}"`)) }
}

export const BUSY_TEXT = 'Too many logins are being checked at once. Try again in a second.'

/** Starts a session for the account, replacing the request's own one (the id changes at login). */
export function startSession (accounts: AccountService, request: FastifyRequest, reply: FastifyReply, account: Account): Session {
  if (request.session !== undefined) accounts.sessions.end(request.session)
  const { id, session } = accounts.sessions.create(account.handle, account.stamp, request.client.ip, request.headers['user-agent'])
  reply.header('set-cookie', accounts.cookie.set(id, {
    secure: request.protocol === 'https',
    maxAge: accounts.browserSessionCookie ? undefined : accounts.lifetimeSeconds
  }))
  return session
}

/** Stores a stronger hash of a password that just passed (an imported SillyTavern hash). */
function upgrade (accounts: AccountService, account: Account, password: string): void {
  accounts.passwords.hash(password)
    .then((hash) => accounts.store.update((draft) => {
      // Only if nobody changed the password meanwhile; the stamp stays: sessions go on.
      if (draft.get(account.handle)?.password === account.password) setPassword(draft, account.handle, hash, account.stamp)
    }))
    .catch((error: unknown) => { accounts.logger.warn(`Could not store a stronger password hash for "${account.handle}": ${(error as Error).message}`) })
}

/**
 * Checks a login and, when it passes, starts a session (and sets its cookie on `reply`).
 * @example const outcome = await logIn(accounts, recorder, request, reply, 'alice', 'secret')
 */
export async function logIn (accounts: AccountService, recorder: AccessRecorder, request: FastifyRequest, reply: FastifyReply, handle: string, password: string): Promise<LoginOutcome> {
  const locked = lockedOut(accounts, recorder, request, handle)
  if (locked !== undefined) return locked
  let result
  try {
    result = await accounts.passwords.check(handle, password)
  } catch (error) {
    /* c8 ignore next -- check() rejects only with VerifierBusy; anything else is a bug for a 500 */
    if (!(error instanceof VerifierBusy)) throw error
    // Too many password checks waiting: 503, not counted as a failure.
    return { kind: 'refused', status: 503, error: BUSY_TEXT, retryAfter: 1 }
  }
  if (result.kind === 'wrong') return countFailure(accounts, recorder, request, handle)
  if (result.kind === 'disabled') {
    recorder.refused(facts(request, result.account.handle), 403, 'forbidden', `Refused a login to the disabled account "${printable(result.account.handle)}" from ${request.client.ip}.`)
    return { kind: 'refused', status: 403, error: 'This account is disabled. An admin can enable it again.' }
  }
  const session = startSession(accounts, request, reply, result.account)
  accounts.logger.info(`Login: ${printable(result.account.handle)} from ${request.client.ip}`)
  if (result.rehash) upgrade(accounts, result.account, password)
  return { kind: 'ok', account: result.account, session }
}
