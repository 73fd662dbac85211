/**
 * Our own pages and JSON API for accounts, under the reserved prefix (reserved-paths.ts): log in
 * and out, the first admin password (from the server's own browser only), your account (password,
 * sessions), and the admin page. Pages post forms and are answered with a redirect back (and a
 * confirmation) or with the page again and the error; the API answers JSON, errors as
 * `{"error": "..."}` with the status that fits. Both run the same actions below.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { VerifierBusy } from '../access/basic-auth.js'
import { addAccount, removeAccount, setAdmin, setEnabled, setPassword } from '../accounts/account-changes.js'
import { newStamp } from '../accounts/account-file.js'
import type { Account } from '../accounts/account-file.js'
import { MAX_HANDLE_LENGTH } from '../accounts/handle.js'
import type { Session } from '../accounts/session-store.js'
import { isTavernError, TVS_ERR_ACCOUNT_UNKNOWN } from '../errors.js'
import { commandLine } from '../invocation.js'
import { printable } from '../log/access-recorder.js'
import type { AccessRecorder } from '../log/access-recorder.js'
import { API_PREFIX, isPublic, LOGIN_PATH, localPath } from './account-gate.js'
import type { AccountService } from './account-gate.js'
import { accountPage, adminPage, errorPage, loginPage } from './account-pages.js'
import type { LoginView } from './account-pages.js'
import { CsrfTokens, sameOrigin } from './csrf.js'
import { BUSY_TEXT, checkPassword, logIn, MAX_PASSWORD, MAX_TYPED_HANDLE, startSession } from './login.js'
import type { LoginOutcome } from './login.js'
import { PAGE_HEADERS } from './page-layout.js'
import { acceptJsonAndForms, flagField, FORM, textField } from './request-body.js'
import { pathOf, RESERVED_PREFIX } from './reserved-paths.js'
import { facts } from './security-policy.js'

const P = RESERVED_PREFIX
const MAX_NAME = 100

/** A refusal with its status: answered as `{"error"}` or on the page. */
export class Refusal extends Error {
  constructor (readonly statusCode: number, message: string, readonly retryAfter?: number) {
    super(message)
  }
}

function refusal (outcome: Extract<LoginOutcome, { kind: 'refused' }>): Refusal {
  return new Refusal(outcome.status, outcome.error, outcome.retryAfter)
}

/** Status and words for any error a route can meet; 500 only for a bug. */
export function describe (error: unknown): { status: number, text: string, retryAfter?: number } {
  if (error instanceof Refusal) return { status: error.statusCode, text: error.message, ...(error.retryAfter === undefined ? {} : { retryAfter: error.retryAfter }) }
  if (error instanceof VerifierBusy) return { status: 503, text: BUSY_TEXT, retryAfter: 1 }
  const e = error as { code?: string, statusCode?: number, message?: string }
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, text: 'The request is too large (at most 16 KiB).' }
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return { status: 415, text: 'Send JSON (Content-Type: application/json) or a form.' }
  if (isTavernError(error)) {
    // The catalogue's account refusals carry a 4xx status; the rest (500 by default) are the
    // accounts file being busy, unreadable or unwritable, which a retry may fix.
    return e.statusCode !== undefined && e.statusCode < 500 ? { status: e.statusCode, text: error.message } : { status: 503, text: error.message, retryAfter: 1 }
  }
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) return { status: e.statusCode, text: `The request is not valid: ${String(e.message)}.` }
  return { status: 500, text: 'Something went wrong on the server; it is in the server\'s log.' }
}

function isApi (request: FastifyRequest): boolean {
  return (request.raw.url as string).startsWith(API_PREFIX)
}

const UNSAFE = (method: string): boolean => method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS'

function isLoopback (ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.')
}
const FORWARDING = ['x-forwarded-for', 'x-real-ip', 'forwarded', 'cf-connecting-ip', 'via']
const LOCAL_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d{1,5})?$/i

/**
 * A browser on the server itself: a loopback peer, no proxy in between (a tunnel or proxy on this
 * computer forwards strangers from loopback, and says so in its headers or its Host), and a
 * loopback Host. Only such a browser may set the first password of an admin account.
 */
export function isLocalBrowser (request: FastifyRequest): boolean {
  return !request.client.forwarded && isLoopback(request.client.ip) &&
    FORWARDING.every((name) => request.headers[name] === undefined) && LOCAL_HOST.test(String(request.headers.host))
}

function checkNewPassword (password: string, confirm?: string): void {
  if (password === '') throw new Refusal(400, 'The new password is empty.')
  if (confirm !== undefined && confirm !== password) throw new Refusal(400, 'The two new passwords differ.')
}

function publicAccount (account: Account, sessions: number): Record<string, unknown> {
  return {
    handle: account.handle,
    name: account.name,
    created: new Date(account.created).toISOString(),
    enabled: account.enabled,
    admin: account.admin,
    hasPassword: account.password !== '',
    sessions,
    ...(account.importedFrom === undefined ? {} : { importedFrom: account.importedFrom })
  }
}

export interface AccountRoutesOptions {
  accounts: AccountService
  recorder: AccessRecorder
}

/** Registered with `{ prefix: RESERVED_PREFIX }`: everything here is below it. */
export async function accountRoutes (app: FastifyInstance, { accounts, recorder }: AccountRoutesOptions): Promise<void> {
  const { store, sessions, passwords } = accounts
  const csrf = new CsrfTokens()
  acceptJsonAndForms(app)

  // -- Guards -----------------------------------------------------------------------------------

  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(PAGE_HEADERS)
    if (UNSAFE(request.method) && !sameOrigin(request)) {
      recorder.refused(facts(request), 403, 'forbidden', `Refused a cross-site ${request.method} ${printable(request.url)} from ${request.client.ip}.`)
      done(new Refusal(403, 'This request came from another site, so it was refused.'))
      return
    }
    done()
  })
  // A logged-in user's POST (the one state-changing method a page of another site can send
  // without asking first): JSON (which it cannot send without asking), a form with the user's
  // token, or the token in X-CSRF-Token. Logging in and out need only the origin check (the
  // login form has no user yet).
  app.addHook('preHandler', (request, _reply, done) => {
    if (request.method !== 'POST' || isPublic(request.raw.url as string) || !csrf.needed(request)) return done()
    const type = request.headers['content-type'] ?? ''
    if (type.startsWith('application/json')) return done()
    const token = type.startsWith(FORM) ? (request.body as Record<string, unknown>)._csrf : request.headers['x-csrf-token']
    if (csrf.valid(request, token)) return done()
    done(new Refusal(403, 'This form has expired (or came from another site): reload the page and try again.'))
  })

  const account = (request: FastifyRequest): Account => {
    if (request.account === undefined) throw new Refusal(401, 'Log in first.')
    return request.account
  }
  const admin = (request: FastifyRequest): Account => {
    const actor = account(request)
    if (!actor.admin) throw new Refusal(403, 'Only admins may do this.')
    return actor
  }
  const notYourself = (request: FastifyRequest, handle: string, what: string): void => {
    if (request.account?.handle === handle) throw new Refusal(400, `You cannot ${what} your own account here; another admin can (or ${commandLine('users')} on the server).`)
  }
  const target = (request: FastifyRequest): string => (request.params as { handle: string }).handle

  app.setErrorHandler((error, request, reply) => {
    const { status, text, retryAfter } = describe(error)
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter))
    reply.code(status)
    if (isApi(request)) return reply.send({ error: text })
    return reply.type('text/html; charset=utf-8').send(errorPage(status, text))
  })
  app.setNotFoundHandler((request, reply) => {
    reply.code(404)
    if (isApi(request)) return reply.send({ error: `There is no ${request.method} ${pathOf(request.url)} in tavern-server's API.` })
    return reply.type('text/html; charset=utf-8').send(errorPage(404, 'There is no such page.'))
  })
  // The app behind the gate has a route for every path: without this one it would take the
  // unknown paths below the prefix, and they would miss the answer above.
  app.all('/*', (_request, reply) => { reply.callNotFound() })

  // -- Actions, shared by the pages and the API -----------------------------------------------

  const noPasswordAdmins = (): string[] => store.list().filter((a) => a.enabled && a.admin && a.password === '').map((a) => a.handle)

  const setFirstPassword = async (request: FastifyRequest, reply: FastifyReply, handle: string, password: string): Promise<Account> => {
    if (!isLocalBrowser(request)) {
      throw new Refusal(403, `The first password can be set only in a browser on the server itself (http://127.0.0.1/...). Elsewhere, run ${commandLine('users passwd <handle>')} on the server.`)
    }
    checkNewPassword(password)
    const notFirst = new Refusal(409, `"${handle}" is not an enabled admin account without a password.`)
    const before = store.get(handle)
    if (before === undefined || !before.admin || !before.enabled || before.password !== '') throw notFirst
    const hash = await passwords.hash(password)
    const updated = await store.update((draft) => {
      const now = draft.get(handle)
      if (now === undefined || !now.admin || !now.enabled || now.password !== '') throw notFirst
      return setPassword(draft, handle, hash)
    })
    accounts.logger.info(`The password of "${printable(handle)}" was set in a browser on this computer.`)
    startSession(accounts, request, reply, updated)
    return updated
  }

  const changeOwnPassword = async (request: FastifyRequest, current: string, password: string): Promise<void> => {
    const me = account(request)
    checkNewPassword(password)
    const check = await checkPassword(accounts, recorder, request, me.handle, current)
    if (check.kind === 'refused' && check.status !== 401) throw refusal(check)
    if (check.kind !== 'ok') throw new Refusal(403, 'The current password is wrong.')
    const hash = await passwords.hash(password)
    // This session moves to the new stamp first: the change ends every session on the old one.
    const stamp = newStamp()
    const session = request.session
    const before = session?.stamp
    if (session !== undefined) sessions.restamp(session, stamp)
    try {
      await store.update((draft) => setPassword(draft, me.handle, hash, stamp))
    } catch (error) {
      if (session !== undefined) sessions.restamp(session, before as string)
      throw error
    }
  }

  const endSession = (request: FastifyRequest, reply: FastifyReply, ref: string): void => {
    const me = account(request)
    const session = sessions.byRef(me.handle, ref)
    if (session === undefined) throw new Refusal(404, 'There is no such session (it may have ended already).')
    sessions.end(session)
    if (session === request.session) reply.header('set-cookie', accounts.cookie.clear(request.protocol === 'https'))
  }

  const endOthers = (request: FastifyRequest): number => {
    const me = account(request)
    const keep = request.session
    return sessions.endUnless((s) => s.handle !== me.handle || s === keep)
  }

  const logOut = (request: FastifyRequest, reply: FastifyReply): void => {
    if (request.session !== undefined) sessions.end(request.session)
    reply.header('set-cookie', accounts.cookie.clear(request.protocol === 'https'))
  }

  const create = async (request: FastifyRequest): Promise<Account> => {
    admin(request)
    const body = request.body
    const handle = textField(body, 'handle', { max: MAX_HANDLE_LENGTH * 4 })
    const name = textField(body, 'name', { max: MAX_NAME, optional: true })
    const password = textField(body, 'password', { max: MAX_PASSWORD, optional: true })
    const isAdmin = flagField(body, 'admin')
    const hash = password === '' ? '' : await passwords.hash(password)
    const made = await store.update((draft) => addAccount(draft, { handle, name, password: hash, admin: isAdmin }, accounts.now()))
    accounts.logger.info(`Account "${made.handle}" created by ${printable(request.account?.handle)}.`)
    await store.makeFolder(made.handle).catch((error: unknown) => {
      accounts.logger.warn(`Account "${made.handle}" was created, but its folder could not be made: ${(error as Error).message}`)
    })
    return made
  }

  type Change = 'enable' | 'disable' | 'promote' | 'demote' | 'remove'
  const change = async (request: FastifyRequest, what: Change): Promise<Account> => {
    admin(request)
    const handle = target(request)
    if (what === 'disable' || what === 'demote' || what === 'remove') notYourself(request, handle, what)
    const changed = await store.update((draft) => {
      switch (what) {
        case 'enable': return setEnabled(draft, handle, true)
        case 'disable': return setEnabled(draft, handle, false)
        case 'promote': return setAdmin(draft, handle, true)
        case 'demote': return setAdmin(draft, handle, false)
        case 'remove': return removeAccount(draft, handle)
      }
    })
    accounts.logger.info(`Account "${printable(handle)}": ${what} by ${printable(request.account?.handle)}.`)
    return changed
  }

  const resetPassword = async (request: FastifyRequest): Promise<Account> => {
    admin(request)
    const handle = target(request)
    notYourself(request, handle, 'reset the password of')
    const password = textField(request.body, 'password', { max: MAX_PASSWORD })
    checkNewPassword(password)
    if (store.get(handle) === undefined) throw new TVS_ERR_ACCOUNT_UNKNOWN(handle)
    const hash = await passwords.hash(password)
    return store.update((draft) => setPassword(draft, handle, hash))
  }

  // -- JSON API ---------------------------------------------------------------------------------

  app.get('/api/accounts', async () => {
    if (accounts.discreet) throw new Refusal(403, 'The account list is not shown (enableDiscreetLogin is on).')
    return { accounts: store.list().filter((a) => a.enabled).map((a) => ({ handle: a.handle, name: a.name })) }
  })
  app.post('/api/login', async (request, reply) => {
    const handle = textField(request.body, 'handle', { max: MAX_TYPED_HANDLE })
    const password = textField(request.body, 'password', { max: MAX_PASSWORD })
    const outcome = await logIn(accounts, recorder, request, reply, handle, password)
    if (outcome.kind === 'refused') throw refusal(outcome)
    return { handle: outcome.account.handle, name: outcome.account.name, admin: outcome.account.admin }
  })
  app.post('/api/logout', async (request, reply) => {
    logOut(request, reply)
    return reply.code(204).send()
  })
  app.post('/api/first-password', async (request, reply) => {
    const made = await setFirstPassword(request, reply, textField(request.body, 'handle', { max: MAX_TYPED_HANDLE }), textField(request.body, 'password', { max: MAX_PASSWORD }))
    return { handle: made.handle, name: made.name, admin: made.admin }
  })
  app.get('/api/me', async (request) => {
    const me = account(request)
    return { handle: me.handle, name: me.name, admin: me.admin, created: new Date(me.created).toISOString(), csrfToken: csrf.token(request) }
  })
  app.post('/api/me/password', async (request, reply) => {
    await changeOwnPassword(request, textField(request.body, 'currentPassword', { max: MAX_PASSWORD }), textField(request.body, 'newPassword', { max: MAX_PASSWORD }))
    return reply.code(204).send()
  })
  const sessionJson = (session: Session, request: FastifyRequest): Record<string, unknown> => ({
    id: session.ref,
    current: session === request.session,
    device: session.device,
    address: session.address,
    created: new Date(session.created).toISOString(),
    lastSeen: new Date(session.lastSeen).toISOString()
  })
  app.get('/api/me/sessions', async (request) => ({ sessions: sessions.list(account(request).handle).map((s) => sessionJson(s, request)) }))
  app.delete('/api/me/sessions/:id', async (request, reply) => {
    endSession(request, reply, (request.params as { id: string }).id)
    return reply.code(204).send()
  })
  app.post('/api/me/sessions/end-others', async (request) => ({ ended: endOthers(request) }))

  app.get('/api/admin/accounts', async (request) => {
    admin(request)
    return { accounts: store.list().map((a) => publicAccount(a, sessions.list(a.handle).length)) }
  })
  app.post('/api/admin/accounts', async (request, reply) => {
    const made = await create(request)
    return reply.code(201).send(publicAccount(made, 0))
  })
  for (const what of ['enable', 'disable', 'promote', 'demote'] as const) {
    app.post(`/api/admin/accounts/:handle/${what}`, async (request) => {
      const changed = await change(request, what)
      return publicAccount(changed, sessions.list(changed.handle).length)
    })
  }
  app.put('/api/admin/accounts/:handle/password', async (request, reply) => {
    await resetPassword(request)
    return reply.code(204).send()
  })
  app.delete('/api/admin/accounts/:handle', async (request, reply) => {
    await change(request, 'remove')
    return reply.code(204).send()
  })

  // -- Pages ------------------------------------------------------------------------------------

  const html = (reply: FastifyReply, status: number, text: string): FastifyReply => reply.code(status).type('text/html; charset=utf-8').send(text)

  const loginView = (request: FastifyRequest, handle: string, next: string, error?: string): LoginView => ({
    accounts: accounts.discreet ? undefined : store.list().filter((a) => a.enabled),
    handle,
    next,
    ...(error === undefined ? {} : { error }),
    ...(request.account === undefined ? {} : { current: request.account.handle }),
    noPassword: { handles: noPasswordAdmins(), local: isLocalBrowser(request), discreet: accounts.discreet }
  })
  /** Runs a form's action; a refusal shows the form's page again with the error. */
  const form = async (reply: FastifyReply, run: () => Promise<string>, again: (error: { status: number, text: string }) => string): Promise<FastifyReply> => {
    try {
      return reply.redirect(await run(), 303)
    } catch (error) {
      const problem = describe(error)
      /* c8 ignore next -- only a bug is a 500: Fastify's error handler answers it, and the log shows it */
      if (problem.status === 500) throw error
      if (problem.retryAfter !== undefined) reply.header('retry-after', String(problem.retryAfter))
      return html(reply, problem.status, again(problem))
    }
  }

  app.get('/', async (_request, reply) => reply.redirect(`${P}/account`))
  app.get('/login', async (request, reply) => {
    const query = request.query as Record<string, unknown>
    if (accounts.perUserBasic) return reply.redirect(localPath(query.next))
    return html(reply, 200, loginPage(loginView(request, typeof query.handle === 'string' ? query.handle.slice(0, MAX_TYPED_HANDLE) : '', localPath(query.next))))
  })
  app.post('/login', async (request, reply) => {
    const next = localPath((request.body as Record<string, unknown> | undefined)?.next)
    const handle = textField(request.body, 'handle', { max: MAX_TYPED_HANDLE, optional: true })
    return form(reply, async () => {
      const outcome = await logIn(accounts, recorder, request, reply, handle, textField(request.body, 'password', { max: MAX_PASSWORD, optional: true }))
      if (outcome.kind === 'refused') throw refusal(outcome)
      return next
    }, (problem) => loginPage(loginView(request, handle, next, problem.text)))
  })
  app.post('/logout', async (request, reply) => {
    logOut(request, reply)
    return reply.redirect(LOGIN_PATH, 303)
  })
  app.post('/first-password', async (request, reply) => {
    const next = localPath((request.body as Record<string, unknown> | undefined)?.next)
    const handle = textField(request.body, 'handle', { max: MAX_TYPED_HANDLE, optional: true })
    return form(reply, async () => {
      const password = textField(request.body, 'password', { max: MAX_PASSWORD, optional: true })
      checkNewPassword(password, textField(request.body, 'confirm', { max: MAX_PASSWORD, optional: true }))
      await setFirstPassword(request, reply, handle, password)
      return next
    }, (problem) => loginPage(loginView(request, handle, next, problem.text)))
  })

  const DONE: Record<string, (handle: string) => string> = {
    password: () => 'Your password is changed. Your other sessions have ended.',
    ended: () => 'The session has ended.',
    'ended-others': () => 'Your other sessions have ended.',
    created: (h) => `Account ${h} created.`,
    enable: (h) => `${h} is enabled.`,
    disable: (h) => `${h} is disabled; their sessions have ended.`,
    promote: (h) => `${h} is an admin now.`,
    demote: (h) => `${h} is no longer an admin.`,
    remove: (h) => `${h} is removed.`,
    reset: (h) => `The password of ${h} is changed; their sessions have ended.`
  }
  const done = (request: FastifyRequest): string | undefined => {
    const query = request.query as Record<string, unknown>
    const text = typeof query.done === 'string' ? DONE[query.done] : undefined
    return text?.(typeof query.h === 'string' ? query.h.slice(0, MAX_TYPED_HANDLE) : '')
  }
  const accountView = (request: FastifyRequest, extra: { done?: string, error?: string }): string => {
    const me = account(request)
    return accountPage({
      account: me,
      sessions: sessions.list(me.handle),
      current: request.session?.ref,
      csrf: csrf.token(request),
      perUserBasic: accounts.perUserBasic,
      now: accounts.now(),
      ...extra
    })
  }
  const adminView = (request: FastifyRequest, extra: { done?: string, error?: string, draft?: { handle: string, name: string, admin: boolean } }): string => adminPage({
    actor: admin(request),
    accounts: store.list(),
    sessions: (handle) => sessions.list(handle).length,
    csrf: csrf.token(request),
    ...extra
  })

  app.get('/account', async (request, reply) => {
    const text = done(request)
    return html(reply, 200, accountView(request, text === undefined ? {} : { done: text }))
  })
  app.post('/account/password', async (request, reply) => form(reply, async () => {
    const password = textField(request.body, 'password', { max: MAX_PASSWORD, optional: true })
    checkNewPassword(password, textField(request.body, 'confirm', { max: MAX_PASSWORD, optional: true }))
    await changeOwnPassword(request, textField(request.body, 'current', { max: MAX_PASSWORD, optional: true }), password)
    return `${P}/account?done=password`
  }, (problem) => accountView(request, { error: problem.text })))
  app.post('/account/sessions/end', async (request, reply) => form(reply, async () => {
    endSession(request, reply, textField(request.body, 'session', { max: 64, optional: true }))
    return request.session !== undefined && sessions.byRef(request.session.handle, request.session.ref) === undefined ? LOGIN_PATH : `${P}/account?done=ended`
  }, (problem) => accountView(request, { error: problem.text })))
  app.post('/account/sessions/end-others', async (request, reply) => form(reply, async () => {
    endOthers(request)
    return `${P}/account?done=ended-others`
  }, (problem) => accountView(request, { error: problem.text })))

  app.get('/admin', async (request, reply) => {
    const text = done(request)
    return html(reply, 200, adminView(request, text === undefined ? {} : { done: text }))
  })
  const backToAdmin = (what: string, handle: string): string => `${P}/admin?done=${what}&h=${encodeURIComponent(handle)}`
  app.post('/admin/accounts', async (request, reply) => form(reply, async () => {
    const made = await create(request)
    return backToAdmin('created', made.handle)
  }, (problem) => adminView(request, {
    error: problem.text,
    draft: {
      handle: textField(request.body, 'handle', { max: MAX_TYPED_HANDLE, optional: true }),
      name: textField(request.body, 'name', { max: MAX_NAME, optional: true }),
      admin: (request.body as Record<string, unknown> | undefined)?.admin !== undefined
    }
  })))
  for (const what of ['enable', 'disable', 'promote', 'demote', 'remove'] as const) {
    app.post(`/admin/accounts/:handle/${what}`, async (request, reply) => form(reply, async () => {
      await change(request, what)
      return backToAdmin(what, target(request))
    }, (problem) => adminView(request, { error: problem.text })))
  }
  app.post('/admin/accounts/:handle/password', async (request, reply) => form(reply, async () => {
    await resetPassword(request)
    return backToAdmin('reset', target(request))
  }, (problem) => adminView(request, { error: problem.text })))
}

