import { readFileSync } from 'node:fs'
import t from 'tap'
import { setEnabled, setPassword } from '../../src/accounts/account-changes.js'
import { localPath, loginUrl } from '../../src/server/account-gate.js'
import { isReserved, RESERVED_PREFIX } from '../../src/server/reserved-paths.js'
import { accountsApp, logIn, PASSWORD, sessionCookie } from '../helpers/accounts.js'
import { oneConnection, request } from '../helpers/http.js'

const HTML = { accept: 'text/html,application/xhtml+xml' }
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` })

function clock () {
  let now = Date.parse('2026-12-01T10:00:00Z')
  return { now: () => now, tick: (ms: number) => { now += ms } }
}

/** The app with a route that says who the request runs as. */
async function whoApp (t: Parameters<typeof accountsApp>[0], overrides: Record<string, unknown> = {}, options: Parameters<typeof accountsApp>[2] = {}) {
  const made = await accountsApp(t, overrides, options)
  made.app.get('/whoami', async (request) => ({ user: request.user ?? null, account: request.account?.handle ?? null, session: request.session !== undefined }))
  return made
}

t.test('the reserved prefix: ours, in every spelling the router accepts', async (t) => {
  t.equal(RESERVED_PREFIX, '/_tavern')
  for (const url of ['/_tavern', '/_tavern/', '/_tavern/login?next=/', '/%5Ftavern/login', '/_tavern?x']) t.ok(isReserved(url), url)
  for (const url of ['/', '/_taverns', '/x/_tavern/', '/_Tavern/login', '/%E0%A4%A/x']) t.notOk(isReserved(url), url)
})

t.test('back after login: only paths of this site', async (t) => {
  const table: Array<[unknown, string]> = [
    ['/chat?id=5', '/chat?id=5'],
    ['/', '/'],
    ['//evil.example/x', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example/', '/'],
    ['evil', '/'],
    ['/a\nb', '/'],
    ['/_tavern/login?next=/x', '/'],
    [`/${'x'.repeat(3000)}`, '/'],
    [undefined, '/'],
    [['/x'], '/']
  ]
  for (const [next, expected] of table) t.equal(localPath(next), expected, JSON.stringify(next))
  t.equal(loginUrl('/chat?id=5'), '/_tavern/login?next=%2Fchat%3Fid%3D5')
  t.equal(loginUrl('/'), '/_tavern/login')
})

t.test('a browser without a session is sent to the login page and back; others get 401', async (t) => {
  const { app } = await whoApp(t)
  const page = await app.inject({ url: '/some/page?x=1', headers: HTML })
  t.equal(page.statusCode, 302)
  t.equal(page.headers.location, '/_tavern/login?next=%2Fsome%2Fpage%3Fx%3D1')
  t.equal((await app.inject({ url: '/', headers: HTML })).headers.location, '/_tavern/login')
  t.equal((await app.inject({ url: '//evil.example/', headers: HTML })).headers.location, '/_tavern/login', 'no open redirect')
  const script = await app.inject({ url: '/api/chats' })
  t.equal(script.statusCode, 401)
  t.match(script.body, /^Unauthorized: log in first at \/_tavern\/login\./)
  t.equal((await app.inject({ method: 'POST', url: '/api/chats', headers: HTML })).statusCode, 401, 'a post is not redirected')
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200)
  t.equal((await app.inject({ url: '/_tavern/login' })).statusCode, 200)
  t.equal((await app.inject({ url: '/_tavern/login?next=%2Fx' })).statusCode, 200)
  t.equal((await app.inject({ url: '/_tavern/account', headers: HTML })).statusCode, 302)
  t.equal((await app.inject({ url: '/_tavern/%6Cogin', headers: HTML })).statusCode, 302, 'another spelling of a public page is not public')
})

t.test('with a session the request runs as the account, and the access log names it', async (t) => {
  const { app, config, lifecycle } = await whoApp(t)
  const cookie = await logIn(app, 'alice')
  t.same((await app.inject({ url: '/whoami', headers: { cookie } })).json(), { user: 'alice', account: 'alice', session: true })
  t.same((await app.inject({ url: '/whoami', headers: { cookie: `other=1; ${cookie}; more=2` } })).json().user, 'alice', 'among other cookies')
  t.equal((await app.inject({ url: '/whoami', headers: { cookie: `x${cookie}` } })).statusCode, 401, 'a cookie of another name is not it')
  t.equal((await app.inject({ url: '/whoami', headers: { cookie: 'tavern_session_8000=' } })).statusCode, 401)
  await app.inject({ url: '/whoami', remoteAddress: '::1', headers: { cookie } })
  await lifecycle.close()
  t.match(readFileSync(config.logging.accessLogPath, 'utf8'), /client=::1 forwarded_from=- user="alice" method=GET path="\/whoami" status=- reason=allowed/)
})

t.test('a keep-alive connection is compared, not checked again, until something changes', async (t) => {
  const { app, accounts } = await whoApp(t)
  const cookie = await logIn(app, 'alice')
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const { agent, connections } = oneConnection()
  t.teardown(() => agent.destroy())
  const get = async () => (await request(`http://127.0.0.1:${port}/whoami`, { agent, headers: { cookie } })).status
  t.equal(await get(), 200)
  t.equal(await get(), 200, 'the same connection, the same cookie')
  await accounts!.store.update((d) => setEnabled(d, 'alice', false))
  t.equal(await get(), 401, 'the change ends it on the same connection at once')
  t.equal(connections(), 1)
})

t.test('a session ends when its account is disabled, removed or gets a new password, and when it is idle too long', async (t) => {
  const c = clock()
  const { app, accounts } = await whoApp(t, { sessionTimeout: 3600 }, { now: c.now })
  const store = accounts!.store
  let cookie = await logIn(app, 'alice')
  await store.update((d) => setPassword(d, 'alice', d.get('alice')!.password))
  t.equal((await app.inject({ url: '/whoami', headers: { cookie } })).statusCode, 401, 'a new password')
  cookie = await logIn(app, 'alice')
  await store.update((d) => setEnabled(d, 'alice', false))
  const out = await app.inject({ url: '/whoami', headers: { ...HTML, cookie } })
  t.equal(out.statusCode, 302, 'disabled: off to the login page')
  t.match(out.headers['set-cookie'], /^tavern_session_8000=; Path=\/; Max-Age=0/, 'and the cookie is cleared')
  await store.update((d) => setEnabled(d, 'alice', true))
  cookie = await logIn(app, 'alice')
  c.tick(3600_000)
  t.equal((await app.inject({ url: '/whoami', headers: { cookie } })).statusCode, 200, 'used within the idle time')
  c.tick(3600_001)
  t.equal((await app.inject({ url: '/whoami', headers: { cookie } })).statusCode, 401, 'idle too long')
})

t.test('a session moved to a new stamp is not valid until the account has it (no early, no lost session)', async (t) => {
  const { app, accounts } = await whoApp(t)
  const cookie = await logIn(app, 'alice')
  const session = accounts!.sessions.list('alice')[0]!
  accounts!.sessions.restamp(session, 'next')
  t.equal((await app.inject({ url: '/whoami', headers: { cookie } })).statusCode, 401)
  t.equal(accounts!.sessions.size, 1, 'the session is not ended by the mismatch alone')
})

t.test('satisfy any: a whitelisted address needs no login, but may have one', async (t) => {
  const { app } = await whoApp(t, { satisfy: 'any' })
  t.same((await app.inject({ url: '/whoami' })).json(), { user: null, account: null, session: false })
  const cookie = await logIn(app, 'alice')
  t.equal((await app.inject({ url: '/whoami', headers: { cookie } })).json().user, 'alice')
  t.equal((await app.inject({ url: '/whoami', remoteAddress: '10.0.0.5', headers: HTML })).statusCode, 302, 'others log in')
  t.equal((await app.inject({ url: '/_tavern/account' })).statusCode, 401, 'an anonymous visitor has no account page')
})

t.test('shared Basic auth in front of the login page: the account comes from the session', async (t) => {
  const { app } = await whoApp(t, { basicAuthMode: true, basicAuthUser: { username: 'house', password: 'door' } })
  t.equal((await app.inject({ url: '/whoami', headers: HTML })).statusCode, 401, 'Basic first')
  t.equal((await app.inject({ url: '/whoami', headers: { ...HTML, ...basic('house', 'door') } })).statusCode, 302, 'then the login page')
  const login = await app.inject({ method: 'POST', url: '/_tavern/api/login', headers: basic('house', 'door'), payload: { handle: 'alice', password: PASSWORD } })
  const cookie = sessionCookie(login) as string
  t.same((await app.inject({ url: '/whoami', headers: { cookie, ...basic('house', 'door') } })).json(), { user: 'alice', account: 'alice', session: true })
  t.equal((await app.inject({ url: '/whoami', headers: { cookie } })).statusCode, 401, 'a session does not replace the shared Basic credentials')
})

t.test('per-user Basic auth: the request runs as the account of the credentials', async (t) => {
  const { app, accounts, access } = await whoApp(t, { basicAuthMode: true, perUserBasicAuth: true })
  t.same(access.warnings, [])
  t.same((await app.inject({ url: '/whoami', headers: basic('alice', PASSWORD) })).json(), { user: 'alice', account: 'alice', session: false })
  const wrong = await app.inject({ url: '/whoami', headers: basic('alice', 'nope') })
  t.equal(wrong.statusCode, 401)
  t.equal(wrong.headers['www-authenticate'], 'Basic realm="tavern-server", charset="UTF-8"')
  t.match(wrong.body, /Use the user name and password of your account on this server\./)
  t.equal((await app.inject({ url: '/whoami', headers: basic('house', 'door') })).statusCode, 401)
  t.equal((await app.inject({ url: '/_tavern/login?next=%2Fchat', headers: basic('alice', PASSWORD) })).headers.location, '/chat', 'no login page: the browser is logged in')
  await accounts!.store.update((d) => setEnabled(d, 'alice', false))
  t.equal((await app.inject({ url: '/whoami', headers: basic('alice', PASSWORD) })).statusCode, 401, 'a disabled account is refused, remembered or not')
  t.same((await app.inject({ url: '/whoami', headers: basic('bob', PASSWORD) })).json().user, 'bob')
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200)
})
