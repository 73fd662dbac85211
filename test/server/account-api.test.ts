import { readFileSync } from 'node:fs'
import t from 'tap'
import { hashPassword, parseHash } from '../../src/access/password-hash.js'
import { addAccount, insertAccount, setEnabled } from '../../src/accounts/account-changes.js'
import { fromSillyTavernHash } from '../../src/accounts/sillytavern-import.js'
import { accountsApp, logIn, PASSWORD, sessionCookie } from '../helpers/accounts.js'

const API = '/_tavern/api'
type Tap = Parameters<typeof accountsApp>[0]

function clock () {
  let now = Date.parse('2026-12-01T10:00:00Z')
  return { now: () => now, tick: (ms: number) => { now += ms } }
}

async function setup (t: Tap, overrides: Record<string, unknown> = {}, options: Parameters<typeof accountsApp>[2] = {}) {
  const made = await accountsApp(t, overrides, options)
  const { app } = made
  const call = (method: string, url: string, cookie?: string, payload?: unknown, extra: Record<string, string> = {}) =>
    app.inject({ method: method as 'GET', url: `${API}${url}`, headers: { ...(cookie === undefined ? {} : { cookie }), ...extra }, ...(payload === undefined ? {} : { payload: payload as object }) })
  return { ...made, call }
}

t.test('the login list shows enabled accounts, unless discreet', async (t) => {
  const { call, accounts } = await setup(t)
  await accounts!.store.update((d) => setEnabled(d, 'bob', false))
  const list = await call('GET', '/accounts')
  t.equal(list.statusCode, 200)
  t.same(list.json(), { accounts: [{ handle: 'admin', name: 'Admin' }, { handle: 'alice', name: 'Alice' }] })
  const discreet = await setup(t, { enableDiscreetLogin: true })
  const hidden = await discreet.call('GET', '/accounts')
  t.equal(hidden.statusCode, 403)
  t.match(hidden.json(), { error: /not shown \(enableDiscreetLogin is on\)/ })
})

t.test('a login sets a session cookie: HttpOnly, SameSite=Lax, the port in its name, not Secure over HTTP', async (t) => {
  const { call } = await setup(t, { port: 8123 })
  const response = await call('POST', '/login', undefined, { handle: 'alice', password: PASSWORD })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { handle: 'alice', name: 'Alice', admin: false })
  t.match(response.headers['set-cookie'], /^tavern_session_8123=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=34560000; HttpOnly; SameSite=Lax$/)
  const me = await call('GET', '/me', sessionCookie(response))
  t.match(me.json(), { handle: 'alice', name: 'Alice', admin: false, created: '1970-01-01T00:00:00.001Z', csrfToken: /^[A-Za-z0-9_-]{43}$/ })
})

t.test('sessionTimeout 0 makes a cookie the browser forgets when it closes', async (t) => {
  const { call } = await setup(t, { sessionTimeout: 0 })
  const response = await call('POST', '/login', undefined, { handle: 'alice', password: PASSWORD })
  t.notMatch(response.headers['set-cookie'], /Max-Age/)
})

t.test('a wrong password and an unknown handle get the same answer; a disabled account is told so only with the right password', async (t) => {
  const { call, accounts } = await setup(t)
  const wrong = await call('POST', '/login', undefined, { handle: 'alice', password: 'nope' })
  const unknown = await call('POST', '/login', undefined, { handle: 'nobody', password: 'nope' })
  t.equal(wrong.statusCode, 401)
  t.equal(unknown.statusCode, 401)
  t.equal(wrong.body, unknown.body)
  t.same(wrong.json(), { error: 'Wrong user name or password.' })
  t.equal(wrong.headers['set-cookie'], undefined)
  await accounts!.store.update((d) => setEnabled(d, 'bob', false))
  t.equal((await call('POST', '/login', undefined, { handle: 'bob', password: 'nope' })).body, wrong.body)
  const disabled = await call('POST', '/login', undefined, { handle: 'bob', password: PASSWORD })
  t.equal(disabled.statusCode, 403)
  t.match(disabled.json(), { error: /disabled/ })
})

t.test('bad input is a clear 4xx, never a 500', async (t) => {
  const { app } = await setup(t)
  const post = (payload: string, type = 'application/json') => app.inject({ method: 'POST', url: `${API}/login`, headers: { 'content-type': type }, payload })
  const table: Array<[string, string, string | undefined, number, RegExp]> = [
    ['no fields', '{}', undefined, 400, /The field "handle" is missing or not text/],
    ['no password', '{"handle":"alice"}', undefined, 400, /"password" is missing/],
    ['a number as handle', '{"handle":5,"password":"x"}', undefined, 400, /"handle" is missing or not text/],
    ['an array', '[1,2]', undefined, 400, /"handle" is missing/],
    ['null', 'null', undefined, 400, /"handle" is missing/],
    ['broken JSON', '{"handle":', undefined, 400, /The request is not valid/],
    ['prototype pollution', '{"__proto__":{"admin":true},"handle":"a","password":"b"}', undefined, 400, /The request is not valid/],
    ['text/plain', 'handle=alice', 'text/plain', 415, /Send JSON/],
    ['too large', JSON.stringify({ handle: 'alice', password: 'x'.repeat(20_000) }), undefined, 413, /too large \(at most 16 KiB\)/],
    ['a very long handle', JSON.stringify({ handle: 'x'.repeat(300), password: 'x' }), undefined, 400, /longer than 256 characters/],
    ['a very long password', JSON.stringify({ handle: 'alice', password: 'x'.repeat(2000) }), undefined, 400, /longer than 1024/]
  ]
  for (const [name, payload, type, status, error] of table) {
    const response = await post(payload, type)
    t.equal(response.statusCode, status, name)
    t.match(response.json(), { error }, name)
  }
  const notFound = await app.inject({ url: `${API}/nothing` })
  t.equal(notFound.statusCode, 401, 'an API path nobody may see without a session')
  const cookie = await logIn(app, 'alice')
  const missing = await app.inject({ url: `${API}/nothing`, headers: { cookie } })
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), { error: 'There is no GET /_tavern/api/nothing in tavern-server\'s API.' })
})

t.test('without a session the private API answers 401 as JSON', async (t) => {
  const { call } = await setup(t)
  for (const [method, url] of [['GET', '/me'], ['GET', '/me/sessions'], ['POST', '/me/password'], ['GET', '/admin/accounts'], ['DELETE', '/admin/accounts/bob']]) {
    const response = await call(method as string, url as string, undefined, method === 'POST' ? {} : undefined)
    t.equal(response.statusCode, 401, `${method} ${url}`)
    t.same(response.json(), { error: 'Log in first.' })
  }
  const stale = await call('GET', '/me', 'tavern_session_8000=not-a-session')
  t.equal(stale.statusCode, 401)
  t.match(stale.headers['set-cookie'], /^tavern_session_8000=; Path=\/; Max-Age=0;/, 'a cookie naming no session is cleared')
})

t.test('a login replaces the session it was made from (the id changes at login)', async (t) => {
  const { call, accounts } = await setup(t)
  const first = sessionCookie(await call('POST', '/login', undefined, { handle: 'alice', password: PASSWORD })) as string
  const second = sessionCookie(await call('POST', '/login', first, { handle: 'bob', password: PASSWORD })) as string
  t.not(second, first)
  t.equal((await call('GET', '/me', first)).statusCode, 401, 'the old id is worth nothing')
  t.equal((await call('GET', '/me', second)).json().handle, 'bob')
  t.equal(accounts!.sessions.size, 1)
})

t.test('changing your password ends your other sessions and keeps this one', async (t) => {
  const { call, app } = await setup(t)
  const phone = await logIn(app, 'alice')
  const laptop = await logIn(app, 'alice')
  const wrong = await call('POST', '/me/password', phone, { currentPassword: 'nope', newPassword: 'new one' })
  t.equal(wrong.statusCode, 403)
  t.same(wrong.json(), { error: 'The current password is wrong.' })
  t.equal((await call('POST', '/me/password', phone, { currentPassword: PASSWORD, newPassword: '' })).statusCode, 400)
  const changed = await call('POST', '/me/password', phone, { currentPassword: PASSWORD, newPassword: 'new one' })
  t.equal(changed.statusCode, 204)
  t.equal((await call('GET', '/me', phone)).statusCode, 200, 'this session goes on')
  t.equal((await call('GET', '/me', laptop)).statusCode, 401, 'the other one ended')
  t.equal((await call('POST', '/login', undefined, { handle: 'alice', password: PASSWORD })).statusCode, 401)
  t.equal((await call('POST', '/login', undefined, { handle: 'alice', password: 'new one' })).statusCode, 200)
})

t.test('every user sees their sessions and ends any of them', async (t) => {
  const { call, app } = await setup(t)
  const phone = await logIn(app, 'alice')
  const laptop = await logIn(app, 'alice')
  const tablet = await logIn(app, 'alice')
  const bobs = await logIn(app, 'bob')
  const list = (await call('GET', '/me/sessions', phone)).json().sessions as Array<{ id: string, current: boolean, device: string, address: string, lastSeen: string }>
  t.equal(list.length, 3)
  t.equal(list.filter((s) => s.current).length, 1)
  t.match(list[0], { address: '127.0.0.1', device: /^lightMyRequest/i, lastSeen: /^\d{4}-/ })
  const bobsId = (await call('GET', '/me/sessions', bobs)).json().sessions[0].id
  t.equal((await call('DELETE', `/me/sessions/${bobsId}`, phone)).statusCode, 404, 'not someone else\'s')
  const other = list.find((s) => !s.current) as { id: string }
  t.equal((await call('DELETE', `/me/sessions/${other.id}`, phone)).statusCode, 204)
  t.equal((await call('DELETE', `/me/sessions/${other.id}`, phone)).statusCode, 404, 'ended already')
  t.equal((await call('GET', '/me/sessions', phone)).json().sessions.length, 2)
  t.same((await call('POST', '/me/sessions/end-others', phone, {})).json(), { ended: 1 })
  for (const cookie of [laptop, tablet]) t.equal((await call('GET', '/me', cookie)).statusCode, 401)
  t.equal((await call('GET', '/me', bobs)).statusCode, 200, 'bob is not touched')
  const mine = (await call('GET', '/me/sessions', phone)).json().sessions[0].id
  const ended = await call('DELETE', `/me/sessions/${mine}`, phone)
  t.match(ended.headers['set-cookie'], /Max-Age=0/, 'ending your own session clears its cookie')
  t.equal((await call('GET', '/me', phone)).statusCode, 401)
})

t.test('logging out ends the session and clears the cookie', async (t) => {
  const { call, app } = await setup(t)
  const cookie = await logIn(app, 'alice')
  const out = await call('POST', '/logout', cookie)
  t.equal(out.statusCode, 204)
  t.match(out.headers['set-cookie'], /Max-Age=0/)
  t.equal((await call('GET', '/me', cookie)).statusCode, 401)
  t.equal((await call('POST', '/logout')).statusCode, 204, 'logging out without a session is fine')
})

t.test('the admin API: users are refused; an admin lists, creates, enables, promotes, resets and removes', async (t) => {
  const { call, app, config } = await setup(t)
  const alice = await logIn(app, 'alice')
  for (const [method, url] of [['GET', '/admin/accounts'], ['POST', '/admin/accounts'], ['POST', '/admin/accounts/bob/disable'], ['PUT', '/admin/accounts/bob/password'], ['DELETE', '/admin/accounts/bob']]) {
    const response = await call(method as string, url as string, alice, method === 'GET' || method === 'DELETE' ? undefined : { handle: 'x', password: 'y' })
    t.equal(response.statusCode, 403, `${method} ${url}`)
    t.same(response.json(), { error: 'Only admins may do this.' })
  }
  const admin = await logIn(app, 'admin')
  const listed = (await call('GET', '/admin/accounts', admin)).json().accounts
  t.match(listed, [{ handle: 'admin', admin: true, enabled: true, hasPassword: true, sessions: 1 }, { handle: 'alice', sessions: 1 }, { handle: 'bob', sessions: 0 }])

  const created = await call('POST', '/admin/accounts', admin, { handle: 'carol', name: 'Carol', password: 'carol pw', admin: false })
  t.equal(created.statusCode, 201)
  t.match(created.json(), { handle: 'carol', name: 'Carol', enabled: true, admin: false, hasPassword: true })
  t.ok(readFileSync(`${config.dataRoot}/accounts.json`, 'utf8').includes('"carol"'))
  const { existsSync } = await import('node:fs')
  t.ok(existsSync(`${config.dataRoot}/carol`), 'the account has its folder')
  t.equal((await call('POST', '/login', undefined, { handle: 'carol', password: 'carol pw' })).statusCode, 200)
  const bad = [
    [{ handle: '../etc', password: 'x' }, 400, /The handle "\.\.\/etc" cannot be used/],
    [{ handle: 'Carol', password: 'x' }, 400, /a-z, 0-9 and -/],
    [{ handle: 'carol', password: 'x' }, 409, /exists already/],
    [{ handle: 'dave', admin: 'maybe' }, 400, /"admin" must be true or false/],
    [{ name: 'no handle' }, 400, /"handle" is missing/]
  ] as const
  for (const [body, status, error] of bad) {
    const response = await call('POST', '/admin/accounts', admin, body)
    t.equal(response.statusCode, status, JSON.stringify(body))
    t.match(response.json(), { error })
  }
  const nopass = await call('POST', '/admin/accounts', admin, { handle: 'dave', admin: true })
  t.match(nopass.json(), { handle: 'dave', name: 'dave', admin: true, hasPassword: false })

  const bob = await logIn(app, 'bob')
  const disabled = await call('POST', '/admin/accounts/bob/disable', admin, {})
  t.match(disabled.json(), { handle: 'bob', enabled: false, sessions: 0 })
  t.equal((await call('GET', '/me', bob)).statusCode, 401, 'disabling ends their session')
  t.match((await call('POST', '/admin/accounts/bob/enable', admin, {})).json(), { enabled: true })
  t.equal((await call('GET', '/me', bob)).statusCode, 401, 'and enabling does not bring it back')
  t.match((await call('POST', '/admin/accounts/bob/promote', admin, {})).json(), { admin: true })
  t.match((await call('POST', '/admin/accounts/bob/demote', admin, {})).json(), { admin: false })
  t.equal((await call('POST', '/admin/accounts/nobody/enable', admin, {})).statusCode, 404)

  const bob2 = await logIn(app, 'bob')
  t.equal((await call('PUT', '/admin/accounts/bob/password', admin, { password: 'reset pw' })).statusCode, 204)
  t.equal((await call('GET', '/me', bob2)).statusCode, 401, 'a reset ends their sessions')
  t.equal((await call('POST', '/login', undefined, { handle: 'bob', password: 'reset pw' })).statusCode, 200)
  t.equal((await call('PUT', '/admin/accounts/bob/password', admin, { password: '' })).statusCode, 400)
  t.equal((await call('PUT', '/admin/accounts/nobody/password', admin, { password: 'x' })).statusCode, 404)
  t.equal((await call('PUT', '/admin/accounts/%2E%2E%2Fx/password', admin, { password: 'x' })).statusCode, 404, 'a path-like handle is just not an account')

  t.equal((await call('DELETE', '/admin/accounts/bob', admin)).statusCode, 204)
  t.equal((await call('POST', '/login', undefined, { handle: 'bob', password: 'reset pw' })).statusCode, 401)
  t.equal((await call('DELETE', '/admin/accounts/bob', admin)).statusCode, 404)
  t.equal((await call('DELETE', '/admin/accounts/carol', admin)).statusCode, 204)
  t.ok(existsSync(`${config.dataRoot}/carol`), 'the folder of a removed account stays')
})

t.test('an admin cannot disable, demote, remove or reset themselves here; the last admin stays', async (t) => {
  const { call, app } = await setup(t)
  const admin = await logIn(app, 'admin')
  for (const [method, url] of [['POST', '/admin/accounts/admin/disable'], ['POST', '/admin/accounts/admin/demote'], ['DELETE', '/admin/accounts/admin'], ['PUT', '/admin/accounts/admin/password']]) {
    const response = await call(method as string, url as string, admin, method === 'DELETE' ? undefined : { password: 'x' })
    t.equal(response.statusCode, 400, `${method} ${url}`)
    t.match(response.json(), { error: /You cannot .* your own account here/ })
  }
  await call('POST', '/admin/accounts/alice/promote', admin, {})
  const alice = await logIn(app, 'alice')
  t.equal((await call('POST', '/admin/accounts/admin/demote', alice, {})).statusCode, 200, 'another admin can')
  const last = await call('POST', '/admin/accounts/admin/demote', alice, {})
  t.equal(last.statusCode, 200, 'demoting a user again changes nothing')
  const refused = await call('DELETE', '/admin/accounts/alice', await logIn(app, 'alice'))
  t.equal(refused.statusCode, 400)
})

t.test('brute force: five failures lock the address out, with the wait in the message', async (t) => {
  const c = clock()
  const { call } = await setup(t, {}, { now: c.now })
  for (let i = 0; i < 5; i++) t.equal((await call('POST', '/login', undefined, { handle: 'alice', password: `guess${i}` })).statusCode, 401)
  const locked = await call('POST', '/login', undefined, { handle: 'alice', password: PASSWORD })
  t.equal(locked.statusCode, 429)
  t.equal(locked.headers['retry-after'], '60')
  t.same(locked.json(), { error: 'Too many failed logins from your address. Try again in 60 seconds.' })
  c.tick(60_000)
  t.equal((await call('POST', '/login', undefined, { handle: 'alice', password: PASSWORD })).statusCode, 200)
})

t.test('brute force: a name guessed from many addresses is checked one at a time; its owner still logs in', async (t) => {
  const c = clock()
  const { app, err } = await setup(t, { whitelistMode: false }, { now: c.now, hashCost: 14 })
  const attempt = (remoteAddress: string, password: string) => app.inject({ method: 'POST', url: `${API}/login`, remoteAddress, payload: { handle: 'alice', password } })
  const before = await logIn(app, 'alice', PASSWORD, '10.9.0.1')
  for (let i = 0; i < 5; i++) await attempt(`10.0.0.${i}`, `guess${i}`)
  t.match(err(), 'Too many failed logins for user "alice": locked out for 60 seconds. Until then its logins are checked one at a time.')
  t.equal((await attempt('10.1.0.1', PASSWORD)).statusCode, 200, 'a new device with the right password')
  const at = await Promise.all([1, 2, 3].map((i) => attempt(`10.2.${i}.1`, `again${i}`)))
  t.same(at.map((r) => r.statusCode).sort(), [401, 429, 429], 'guesses at once: one is checked')
  t.same(at.find((r) => r.statusCode === 429)?.json(), { error: 'Too many failed logins for "alice", so its logins are checked one at a time. Try again in 1 second.' })
  t.equal(at.find((r) => r.statusCode === 429)?.headers['retry-after'], '1')
  t.equal((await app.inject({ url: `${API}/me`, remoteAddress: '10.9.0.1', headers: { cookie: before } })).statusCode, 200, 'a device logged in already goes on')
  t.equal((await app.inject({ method: 'POST', url: `${API}/login`, remoteAddress: '10.1.0.1', payload: { handle: 'bob', password: PASSWORD } })).statusCode, 200)
})

t.test('brute force: logins sent at once from one address get no more checks than the budget', async (t) => {
  const { app } = await setup(t, { whitelistMode: false }, { hashCost: 13 })
  const at = await Promise.all(Array.from({ length: 8 }, (_, i) => app.inject({ method: 'POST', url: `${API}/login`, remoteAddress: '10.3.0.1', payload: { handle: 'alice', password: `guess${i}` } })))
  const checked = at.filter((r) => r.statusCode === 401).length
  t.ok(checked <= 5, `${checked} checked`)
  const waited = at.filter((r) => r.statusCode === 429)
  t.equal(waited.length, 8 - checked, 'the rest are told to wait')
  t.match(waited[0]?.json(), { error: /^Too many (logins from your address are being checked at once|failed logins from your address)\. Try again in \d+ seconds?\.$/ })
})

t.test('brute force: the same wrong login sent at once is one check and one failure', async (t) => {
  const { app } = await setup(t, { whitelistMode: false, rateLimiting: { accountsLoginMaxAttempts: 2 } }, { hashCost: 14 })
  const login = (password: string) => app.inject({ method: 'POST', url: `${API}/login`, remoteAddress: '10.4.0.1', payload: { handle: 'alice', password } })
  t.same((await Promise.all([login('guess'), login('guess'), login('guess')])).map((r) => r.statusCode), [401, 401, 401])
  t.equal((await login('guess2')).statusCode, 401, 'the second failure')
  t.equal((await login(PASSWORD)).statusCode, 429, 'locked')
})

t.test('Basic auth failures and login failures share one budget', async (t) => {
  const { app, config } = await setup(t, { basicAuthMode: true, basicAuthUser: { username: 'house', password: 'door' }, rateLimiting: { basicAuthMaxAttempts: 3, accountsLoginMaxAttempts: 10 } })
  t.equal(config.rateLimiting.accountsLoginMaxAttempts, 10)
  const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` })
  await app.inject({ url: '/', headers: basic('house', 'wrong') })
  await app.inject({ url: '/', headers: basic('house', 'wrong2') })
  const login = await app.inject({ method: 'POST', url: `${API}/login`, headers: basic('house', 'door'), payload: { handle: 'alice', password: 'nope' } })
  t.equal(login.statusCode, 401, 'the third failure, on the login page')
  const after = await app.inject({ url: '/', headers: basic('house', 'door') })
  t.equal(after.statusCode, 429, 'the smaller limit (3) of the two applies to both doors')
})

t.test('too many logins checked at once are answered 503 and not counted', async (t) => {
  const { app } = await setup(t, { whitelistMode: false })
  const responses = await Promise.all(Array.from({ length: 300 }, (_, i) =>
    app.inject({ method: 'POST', url: `${API}/login`, remoteAddress: `10.${i >> 8}.${i & 255}.1`, payload: { handle: `user${i}`, password: 'x' } })))
  const busy = responses.filter((r) => r.statusCode === 503)
  t.ok(busy.length > 0, `${busy.length} answered busy`)
  t.equal(busy[0]!.headers['retry-after'], '1')
  t.match(busy[0]!.json(), { error: /Too many logins are being checked at once/ })
  t.ok(responses.every((r) => r.statusCode === 401 || r.statusCode === 503))
})

t.test('cross-site requests are refused; the API wants JSON or the token', async (t) => {
  const { app, err } = await setup(t, { port: 8000 })
  const cookie = await logIn(app, 'alice')
  const end = (headers: Record<string, string>, payload?: string) => app.inject({ method: 'POST', url: `${API}/me/sessions/end-others`, headers: { cookie, host: 'localhost:8000', ...headers }, ...(payload === undefined ? {} : { payload }) })
  const table: Array<[string, Record<string, string>, string | undefined, number]> = [
    ['another site, by Origin', { origin: 'https://evil.example', 'content-type': 'application/json' }, '{}', 403],
    ['another port of this host (same site, not same origin)', { 'sec-fetch-site': 'same-site', 'content-type': 'application/json' }, '{}', 403],
    ['Origin null', { origin: 'null', 'content-type': 'application/json' }, '{}', 403],
    ['a bodiless post from another site', { origin: 'http://evil.example' }, undefined, 403],
    ['this origin', { origin: 'http://localhost:8000', 'content-type': 'application/json' }, '{}', 200],
    ['Sec-Fetch-Site same-origin', { 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' }, '{}', 200],
    ['no browser headers, JSON', { 'content-type': 'application/json' }, '{}', 200],
    ['a form without the token', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=b', 403],
    ['no body and no token', {}, undefined, 403],
    ['a wrong token', { 'x-csrf-token': 'x'.repeat(43) }, undefined, 403],
    ['a token of another length', { 'x-csrf-token': 'ü' }, undefined, 403]
  ]
  for (const [name, headers, payload, status] of table) {
    const response = await end(headers, payload)
    t.equal(response.statusCode, status, name)
    if (status === 403) t.match(response.json(), { error: /another site|expired/ }, name)
  }
  const token = (await app.inject({ url: `${API}/me`, headers: { cookie } })).json().csrfToken as string
  t.equal((await end({ 'x-csrf-token': token })).statusCode, 200, 'the token in X-CSRF-Token')
  t.equal((await end({ 'content-type': 'application/x-www-form-urlencoded' }, `_csrf=${token}`)).statusCode, 200, 'the token in a form')
  t.match(err(), /Refused a cross-site POST \/_tavern\/api\/me\/sessions\/end-others from 127\.0\.0\.1/)
  const login = await app.inject({ method: 'POST', url: `${API}/login`, headers: { origin: 'https://evil.example' }, payload: { handle: 'alice', password: PASSWORD } })
  t.equal(login.statusCode, 403, 'logging someone in from another site is refused too')
})

t.test('the first password of an admin without one: only from a browser on the server itself', async (t) => {
  const { app, accounts } = await setup(t, { whitelistMode: false, hostWhitelist: { enabled: true, hosts: ['my-pc.example.org'] } })
  await accounts!.store.update((d) => addAccount(d, { handle: 'root', password: '', admin: true }, 3))
  const first = (headers: Record<string, string>, remoteAddress = '127.0.0.1', handle = 'root') =>
    app.inject({ method: 'POST', url: `${API}/first-password`, remoteAddress, headers: { host: '127.0.0.1:8000', ...headers }, payload: { handle, password: 'first!' } })
  const refusals: Array<[string, Record<string, string>, string]> = [
    ['from another computer', {}, '10.0.0.5'],
    ['through a proxy on this computer', { 'x-forwarded-for': '203.0.113.9' }, '127.0.0.1'],
    ['through a tunnel that keeps the public Host', { host: 'my-pc.example.org' }, '127.0.0.1'],
    ['with a Via header', { via: '1.1 tunnel' }, '::1']
  ]
  for (const [name, headers, from] of refusals) {
    const response = await first(headers, from)
    t.equal(response.statusCode, 403, name)
    t.match(response.json(), { error: /only in a browser on the server itself/ })
  }
  t.equal((await first({}, '127.0.0.1', 'alice')).statusCode, 409, 'an account that has a password')
  t.equal((await first({}, '127.0.0.1', 'nobody')).statusCode, 409)
  const ok = await first({ host: 'localhost:8000' })
  t.equal(ok.statusCode, 200)
  t.same(ok.json(), { handle: 'root', name: 'root', admin: true })
  t.ok(sessionCookie(ok), 'and is logged in')
  t.equal((await first({})).statusCode, 409, 'once only')
  t.equal((await app.inject({ method: 'POST', url: `${API}/login`, payload: { handle: 'root', password: 'first!' } })).statusCode, 200)
})

t.test('an imported SillyTavern password logs in, and a weak hash is replaced by a strong one after the login', async (t) => {
  const { app, accounts } = await setup(t, {}, { hashCost: 11 })
  const { createHash, scryptSync } = await import('node:crypto')
  const salt = createHash('md5').update('salt').digest('base64')
  await accounts!.store.update((d) => {
    insertAccount(d, { handle: 'jürgen', name: 'Jürgen', created: 5, password: fromSillyTavernHash(scryptSync('Pässwörd', salt, 64).toString('base64'), salt) as string, enabled: true, admin: false, stamp: 'st', importedFrom: 'sillytavern' })
    addAccount(d, { handle: 'weak', password: '', admin: false }, 6)
  })
  const weak = await hashPassword('weak pw', 10)
  await accounts!.store.update((d) => { d.set('weak', { ...d.get('weak')!, password: weak }) })
  const cookie = await logIn(app, 'ju\u0308rgen', 'Pässwörd'.normalize('NFD'))
  t.equal((await app.inject({ url: `${API}/me`, headers: { cookie } })).json().handle, 'jürgen')
  const stamp = accounts!.store.get('weak')!.stamp
  const changed = new Promise<void>((resolve) => accounts!.store.onChange(resolve))
  const weakCookie = await logIn(app, 'weak', 'weak pw')
  await changed
  t.equal(parseHash(accounts!.store.get('weak')!.password)?.logN, 11, 'rehashed at the server\'s cost')
  t.equal(accounts!.store.get('weak')!.stamp, stamp, 'the stamp stays: sessions go on')
  t.equal((await app.inject({ url: `${API}/me`, headers: { cookie: weakCookie } })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: `${API}/login`, payload: { handle: 'weak', password: 'weak pw' } })).statusCode, 200, 'the password still works')
})

t.test('the same request fifty times at once: one account made, fifty logins, fifty sessions', async (t) => {
  const { call, app, accounts } = await setup(t)
  const admin = await logIn(app, 'admin')
  const creates = await Promise.all(Array.from({ length: 50 }, () => call('POST', '/admin/accounts', admin, { handle: 'twin', password: 'twin pw' })))
  t.same(creates.map((r) => r.statusCode).sort(), [201, ...Array(49).fill(409)])
  const logins = await Promise.all(Array.from({ length: 50 }, () => call('POST', '/login', undefined, { handle: 'twin', password: 'twin pw' })))
  t.ok(logins.every((r) => r.statusCode === 200))
  t.equal(new Set(logins.map((r) => r.headers['set-cookie'])).size, 50, 'each its own id')
  t.equal(accounts!.sessions.list('twin').length, 50)
})
