/**
 * Logging in with a handle and password, for the login page and the JSON API alike. It shares
 * Basic auth's brute-force limits (one budget per address and per user name, whichever door the
 * guesses come through) and its bounded verifier, and says the same for a wrong password and an
 * unknown handle, after the same amount of work. A login always starts a new session (a new id:
 * a session id planted before the login is worth nothing after it).
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { VerifierBusy } from '../access/basic-auth.js'
import { Attempt, reserveAttempt } from '../access/failure-limiter.js'
import { setPassword } from '../accounts/account-changes.js'
import type { Account } from '../accounts/account-file.js'
import type { LoginCheck } from '../accounts/password-check.js'
import type { Session } from '../accounts/session-store.js'
import { printable } from '../log/access-recorder.js'
import type { AccessRecorder } from '../log/access-recorder.js'
import type { AccountService } from './account-gate.js'
import { checkLane, facts, limitKey, userKey } from './security-policy.js'

type Refused = { kind: 'refused', status: number, error: string, retryAfter?: number }
export type LoginOutcome =
  | { kind: 'ok', account: Account, session: Session }
  | Refused

/** Longer input is not a handle or password anyone typed (the routes' fields enforce it). */
export const MAX_PASSWORD = 1024
export const MAX_TYPED_HANDLE = 256

export const WRONG = 'Wrong user name or password.'

export function plural (seconds: number): string {
  return `${seconds} second${seconds === 1 ? '' : 's'}`
}

/** Reserves an attempt for a password check (see reserveAttempt), or refuses: 429 with Retry-After. */
function reserve (accounts: AccountService, recorder: AccessRecorder, request: FastifyRequest, user: string): Attempt | Refused {
  const attempt = reserveAttempt(accounts.limits, limitKey(request.client), userKey(user))
  if (attempt instanceof Attempt) return attempt
  const seconds = Math.ceil(attempt.ms / 1000)
  const who = attempt.of === 'address' ? 'from your address' : `for "${user}"`
  const error = !attempt.lockedOut
    ? `Too many logins ${who} are being checked at once. Try again in ${plural(seconds)}.`
    : attempt.of === 'address'
      ? `Too many failed logins ${who}. Try again in ${plural(seconds)}.`
      : `Too many failed logins ${who}, so its logins are checked one at a time. Try again in ${plural(seconds)}.`
  recorder.refused(facts(request, user), 429, 'rate-limited', attempt.lockedOut && attempt.of === 'address' ? `Refused a login from ${request.client.ip}: locked out after too many failed logins.` : undefined)
  return { kind: 'refused', status: 429, error, retryAfter: seconds }
}

/** Records a wrong password; returns the refusal. */
function wrongPassword (recorder: AccessRecorder, request: FastifyRequest, user: string): Refused {
  recorder.refused(facts(request, user), 401, 'unauthorized', `Unauthorized: wrong user name or password from ${request.client.ip} (user "${printable(user)}").`)
  return { kind: 'refused', status: 401, error: WRONG }
}

/** Counts a wrong password (per address and per user name) and records it; returns the refusal. */
function countFailure (recorder: AccessRecorder, request: FastifyRequest, user: string, attempt: Attempt): Refused {
  const lockouts = attempt.settle(true)
  if (lockouts.address > 0) recorder.warn(`address ${attempt.address}`, `Too many failed logins from ${request.client.ip}: locked out for ${lockouts.address / 1000} seconds.`)
  if (lockouts.user > 0) recorder.warn(`user ${user}`, `Too many failed logins for user "${printable(user)}": locked out for ${lockouts.user / 1000} seconds. Until then its logins are checked one at a time.`)
  return wrongPassword(recorder, request, user)
}

/**
 * Checks an account's password within the budgets shared with Basic auth: an attempt is
 * reserved before the hash and settled after it (a wrong password counts, anything else gives
 * it back); the same login sent again while its check is under way joins that check, and takes
 * no attempt. Refuses with 429 when the address or the name has no attempt left, 401 for a wrong
 * password, 503 when too many checks wait.
 */
export async function checkPassword (accounts: AccountService, recorder: AccessRecorder, request: FastifyRequest, handle: string, password: string): Promise<Exclude<LoginCheck, { kind: 'wrong' }> | Refused> {
  const joined = accounts.passwords.pending(handle, password)
  const attempt = joined === undefined ? reserve(accounts, recorder, request, handle) : undefined
  if (attempt !== undefined && !(attempt instanceof Attempt)) return attempt
  let result
  try {
    result = await (joined ?? accounts.passwords.check(handle, password, checkLane(request.client)))
  } catch (error) {
    attempt?.settle(false)
    /* c8 ignore next -- check() rejects only with VerifierBusy; anything else is a bug for a 500 */
    if (!(error instanceof VerifierBusy)) throw error
    // Too many password checks waiting: 503, not counted as a failure.
    return { kind: 'refused', status: 503, error: BUSY_TEXT, retryAfter: 1 }
  }
  if (result.kind === 'wrong') return attempt === undefined ? wrongPassword(recorder, request, handle) : countFailure(recorder, request, handle, attempt)
  attempt?.settle(false)
  return result
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
  const result = await checkPassword(accounts, recorder, request, handle, password)
  if (result.kind === 'refused') return result
  if (result.kind === 'disabled') {
    recorder.refused(facts(request, result.account.handle), 403, 'forbidden', `Refused a login to the disabled account "${printable(result.account.handle)}" from ${request.client.ip}.`)
    return { kind: 'refused', status: 403, error: 'This account is disabled. An admin can enable it again.' }
  }
  const session = startSession(accounts, request, reply, result.account)
  accounts.logger.info(`Login: ${printable(result.account.handle)} from ${request.client.ip}`)
  if (result.rehash) upgrade(accounts, result.account, password)
  return { kind: 'ok', account: result.account, session }
}
