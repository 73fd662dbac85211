/**
 * The account step of the gate (step 4 of the policy, after Basic auth): who the request runs as.
 * With sessions, the session cookie names a live session of an enabled account whose stamp has
 * not changed since the login; a browser without one is sent to the login page and, after
 * logging in, back to where it was going. With per-user Basic auth, Basic auth itself has found
 * the account. Either way the account's handle goes into `request.user`, which the access log
 * records and the app behind the gate receives in `app.userHeader`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Socket } from 'node:net'
import type { FailureLimiter } from '../access/failure-limiter.js'
import type { Account } from '../accounts/account-file.js'
import type { AccountStore } from '../accounts/account-store.js'
import type { PasswordCheck } from '../accounts/password-check.js'
import type { Session, SessionStore } from '../accounts/session-store.js'
import type { RequestFacts, AccessRecorder } from '../log/access-recorder.js'
import type { Logger } from '../log/console.js'
import { pathOf, RESERVED_PREFIX } from './reserved-paths.js'
import type { SessionCookie } from './session-cookie.js'
import type { Deny } from './security-policy.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The account the request runs as (a session's, or per-user Basic auth's). */
    account: Account | undefined
    /** The login session, when the request came with a live one. */
    session: Session | undefined
  }
}

/** Everything about accounts that the gate and our pages share. */
export interface AccountService {
  store: AccountStore
  sessions: SessionStore
  passwords: PasswordCheck
  cookie: SessionCookie
  /** Failed logins, shared with Basic auth: per address (IPv6 per /64) and per user name. */
  limits: { byAddress: FailureLimiter, byUser: FailureLimiter }
  /** perUserBasicAuth with basicAuthMode: Basic credentials are an account's, no sessions. */
  perUserBasic: boolean
  /** enableDiscreetLogin: the login page lists no accounts. */
  discreet: boolean
  /** sessionTimeout 0: the cookie ends with the browser. */
  browserSessionCookie: boolean
  /** Lifetime of a session, seconds (the cookie's Max-Age). */
  lifetimeSeconds: number
  logger: Logger
  now: () => number
}

export const LOGIN_PATH = `${RESERVED_PREFIX}/login`
export const API_PREFIX = `${RESERVED_PREFIX}/api/`

/** Pages and API calls that need no session: logging in (and out), and the first password. */
const PUBLIC = new Set(['/login', '/logout', '/first-password', '/api/login', '/api/logout', '/api/accounts', '/api/first-password']
  .map((path) => `${RESERVED_PREFIX}${path}`))

/** Whether a request target is one of the pages and calls that need no session. */
export function isPublic (url: string): boolean {
  return PUBLIC.has(pathOf(url))
}

/** A path of this site to go back to after login; anything else (`//evil.example`) goes home. */
export function localPath (next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.length > 2048) return '/'
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(next) || pathOf(next) === LOGIN_PATH) return '/'
  return next
}

export function loginUrl (next: string): string {
  const back = localPath(next)
  return back === '/' ? LOGIN_PATH : `${LOGIN_PATH}?next=${encodeURIComponent(back)}`
}

/** What a keep-alive connection's last request showed: the same Cookie header is compared, not parsed. */
interface Seen {
  cookie: string
  session: Session
  account: Account
  accounts: number
  sessions: number
}
const SEEN = Symbol('tavern-server.session')
type SessionSocket = Socket & { [SEEN]?: Seen }

export interface GateTools {
  deny: Deny
  recorder: AccessRecorder
  facts: (request: FastifyRequest) => RequestFacts
  /** False where no login is needed (/healthz, a whitelisted address with satisfy: any). */
  needsAuth: (request: FastifyRequest) => boolean
}

/**
 * Registers the request decorators and returns the step: true lets the request on, false means it
 * was answered (a redirect to the login page, or 401).
 */
export function accountGate (app: FastifyInstance, accounts: AccountService, tools: GateTools): (request: FastifyRequest, reply: FastifyReply) => boolean {
  app.decorateRequest('account', undefined)
  app.decorateRequest('session', undefined)
  const { store, sessions, cookie } = accounts

  if (accounts.perUserBasic) {
    return (request) => {
      const account = request.user === undefined ? undefined : store.find(request.user)
      if (account !== undefined) {
        request.account = account
        request.user = account.handle
      }
      return true
    }
  }

  const current = (request: FastifyRequest, header: string): Seen | undefined => {
    const socket = request.raw.socket as SessionSocket
    const now = accounts.now()
    const seen = socket[SEEN]
    if (seen !== undefined && seen.cookie === header && seen.accounts === store.generation &&
        seen.sessions === sessions.generation && sessions.live(seen.session, now)) {
      sessions.touch(seen.session, request.client.ip, now)
      return seen
    }
    const id = cookie.read(header)
    const session = id === undefined ? undefined : sessions.get(id)
    if (session === undefined) return undefined
    const account = store.get(session.handle)
    // Not valid now; ended by the account change that made it so (a session being moved to its
    // account's new password is valid again in a moment).
    if (account === undefined || !account.enabled || account.stamp !== session.stamp) return undefined
    sessions.touch(session, request.client.ip, now)
    const fresh = { cookie: header, session, account, accounts: store.generation, sessions: sessions.generation }
    socket[SEEN] = fresh
    return fresh
  }

  const loginFirst = (request: FastifyRequest, reply: FastifyReply, hadCookie: boolean): false => {
    const url = request.raw.url as string
    // A cookie that names no live session (expired, ended, from before a password change) goes.
    if (hadCookie) reply.header('set-cookie', cookie.clear(request.protocol === 'https'))
    if (url.startsWith(API_PREFIX)) {
      tools.recorder.refused(tools.facts(request), 401, 'auth-required', undefined)
      reply.code(401).send({ error: 'Log in first.' })
      return false
    }
    if ((request.method === 'GET' || request.method === 'HEAD') && (request.headers.accept ?? '').includes('text/html')) {
      reply.header('location', loginUrl(url))
      return tools.deny(request, reply, 302, 'auth-required', `Found: log in first at ${LOGIN_PATH}.`, undefined)
    }
    return tools.deny(request, reply, 401, 'auth-required', `Unauthorized: log in first at ${LOGIN_PATH}.`, undefined)
  }

  return (request, reply) => {
    const header = request.headers.cookie
    const found = header === undefined ? undefined : current(request, header)
    if (found !== undefined) {
      request.user = found.account.handle
      request.account = found.account
      request.session = found.session
      return true
    }
    if (!tools.needsAuth(request) || isPublic(request.raw.url as string)) return true
    return loginFirst(request, reply, header !== undefined && cookie.read(header) !== undefined)
  }
}
