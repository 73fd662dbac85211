/**
 * User accounts with the app behind the gate, over real sockets: who logged in reaches the app in
 * the user header, and what the gate consumed (its session cookie, per-user Basic credentials)
 * stays at the gate. A person who is not logged in never reaches the app.
 */
import { Agent } from 'node:http'
import type { IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import type { Test } from 'tap'
import { WebSocket } from 'ws'
import { setEnabled } from '../../src/accounts/account-changes.js'
import { accountsApp, PASSWORD } from '../helpers/accounts.js'
import { request } from '../helpers/http.js'
import { startUpstream } from '../helpers/upstream.js'
import type { Echo, TestUpstream } from '../helpers/upstream.js'

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

async function gate (t: Test, upstream: TestUpstream, overrides: Record<string, unknown> = {}) {
  const made = await accountsApp(t, { whitelistMode: false, ...overrides, app: { upstream: upstream.url } })
  await made.app.listen({ host: '127.0.0.1', port: 0 })
  return { ...made, origin: `http://127.0.0.1:${(made.app.server.address() as AddressInfo).port}` }
}

function header (echo: Echo, name: string): string[] {
  const values: string[] = []
  for (let i = 0; i < echo.rawHeaders.length; i += 2) {
    if ((echo.rawHeaders[i] as string).toLowerCase() === name) values.push(echo.rawHeaders[i + 1] as string)
  }
  return values
}

async function logIn (origin: string, handle: string): Promise<string> {
  const response = await request(`${origin}/_tavern/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle, password: PASSWORD }) })
  if (response.status !== 200) throw new Error(`login as ${handle}: ${response.status} ${response.body}`)
  return (response.headers['set-cookie']?.[0] as string).split(';')[0] as string
}

function greeting (url: string, headers: Record<string, string>): Promise<string | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    ws.once('message', (data) => {
      ws.close()
      resolve(String(data))
    })
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      res.resume()
      resolve(res.statusCode as number)
    })
    ws.once('error', reject)
  })
}

t.test('a logged-in person reaches the app as their account; the session cookie stays at the gate', async (t) => {
  const upstream = await startUpstream(t)
  const { origin } = await gate(t, upstream)

  const page = await request(`${origin}/chat?id=1`, { headers: { accept: 'text/html' } })
  t.equal(page.status, 302, 'a browser without a session goes to the login page')
  t.equal(page.headers.location, '/_tavern/login?next=%2Fchat%3Fid%3D1')
  t.equal((await request(`${origin}/api/chats`, { method: 'POST', headers: { 'remote-user': 'alice' } })).status, 401, 'a script gets 401')
  t.equal(await greeting(`${origin.replace('http', 'ws')}/socket`, { 'remote-user': 'alice' }), 401, 'and so does a WebSocket')
  t.equal(upstream.connections(), 0, 'none of them reached the app')

  const alice = await logIn(origin, 'alice')
  t.match(alice, /^tavern_session_8000=/)
  const echo = JSON.parse((await request(`${origin}/echo`, {
    headers: { cookie: `theme=dark; ${alice}; lang=en`, 'remote-user': 'bob', 'x-authentik-username': 'bob', authorization: 'Bearer the-apps-token' }
  })).body) as Echo
  t.same(header(echo, 'remote-user'), ['alice'], 'the account, not what the client said')
  t.same(header(echo, 'x-authentik-username'), [])
  t.same(header(echo, 'cookie'), ['theme=dark; lang=en'], 'the app\'s cookies pass, the gate\'s does not')
  t.same(header(echo, 'authorization'), ['Bearer the-apps-token'], 'without Basic auth, Authorization is the app\'s')
  const alone = JSON.parse((await request(`${origin}/echo`, { headers: { cookie: alice } })).body) as Echo
  t.same(header(alone, 'cookie'), [], 'a Cookie header of the gate\'s cookie alone is not sent at all')
  t.equal(await greeting(`${origin.replace('http', 'ws')}/socket`, { cookie: alice, 'remote-user': 'bob' }), 'hello alice', 'a WebSocket runs as the account too')
})

t.test('tavern-server\'s own paths are never the app\'s, however they are spelled', async (t) => {
  const upstream = await startUpstream(t)
  const { origin } = await gate(t, upstream)
  const alice = await logIn(origin, 'alice')
  const before = upstream.requests()
  const unknown = await request(`${origin}/_tavern/api/nope`, { headers: { cookie: alice } })
  t.equal(unknown.status, 404)
  t.match(JSON.parse(unknown.body), { error: /There is no GET \/_tavern\/api\/nope in tavern-server's API/ })
  t.equal((await request(`${origin}/%5Ftavern/api/me`, { headers: { cookie: alice } })).status, 200, 'an encoded prefix is ours too')
  t.equal((await request(`${origin}/_tavern/nothing-here`, { headers: { cookie: alice, accept: 'text/html' } })).status, 404)
  t.equal((await request(`${origin}/_tavern/api/nope`, { method: 'DELETE', headers: { cookie: alice } })).status, 404, 'whatever the method')
  t.equal((await request(`${origin}/_tavern`, { headers: { cookie: alice } })).headers.location, '/_tavern/account')
  t.equal(upstream.requests(), before, 'none was forwarded')
})

t.test('two people on one kept-alive connection each reach the app as themselves', async (t) => {
  const upstream = await startUpstream(t)
  const { origin, accounts } = await gate(t, upstream)
  const alice = await logIn(origin, 'alice')
  const bob = await logIn(origin, 'bob')
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  const as = async (cookie: string | undefined): Promise<string[] | number> => {
    const response = await request(`${origin}/echo`, { agent, headers: { ...(cookie === undefined ? {} : { cookie }) } })
    return response.status === 200 ? header(JSON.parse(response.body) as Echo, 'remote-user') : response.status
  }
  t.same(await as(alice), ['alice'])
  t.same(await as(bob), ['bob'])
  t.same(await as(alice), ['alice'])
  t.same(await as(undefined), 401, 'no cookie on the same connection: not logged in')
  await accounts!.store.update((draft) => setEnabled(draft, 'bob', false))
  t.same(await as(bob), 401, 'a disabled account is out at its next request')
  t.same(await as(alice), ['alice'])
  t.equal(upstream.connections(), 1, 'the gate kept one connection to the app for them all')
})

t.test('per-user Basic auth: each account reaches the app as itself, and its credentials stay at the gate', async (t) => {
  const upstream = await startUpstream(t)
  const { origin } = await gate(t, upstream, { basicAuthMode: true, perUserBasicAuth: true })
  for (const handle of ['alice', 'bob']) {
    const echo = JSON.parse((await request(`${origin}/echo`, { headers: { authorization: basic(handle, PASSWORD), 'remote-user': 'admin' } })).body) as Echo
    t.same(header(echo, 'remote-user'), [handle], `${handle} is ${handle}`)
    t.same(header(echo, 'authorization'), [], `${handle}'s password is not sent to the app`)
  }
  t.equal(await greeting(`${origin.replace('http', 'ws')}/socket`, { authorization: basic('bob', PASSWORD) }), 'hello bob')
  const connections = upstream.connections()
  t.equal((await request(`${origin}/echo`, { headers: { authorization: basic('alice', 'wrong'), 'remote-user': 'alice' } })).status, 401)
  t.equal((await request(`${origin}/echo`, { headers: { 'remote-user': 'alice' } })).status, 401)
  t.equal(upstream.connections(), connections, 'a wrong or missing password never reaches the app')
})

t.test('shared Basic credentials in front of the login page: the app gets the account, not the shared name', async (t) => {
  const upstream = await startUpstream(t)
  const { origin } = await gate(t, upstream, { basicAuthMode: true, basicAuthUser: { username: 'family', password: 'shared secret' } })
  const shared = basic('family', 'shared secret')
  const login = await request(`${origin}/_tavern/api/login`, { method: 'POST', headers: { authorization: shared, 'content-type': 'application/json' }, body: JSON.stringify({ handle: 'alice', password: PASSWORD }) })
  t.equal(login.status, 200)
  const cookie = (login.headers['set-cookie']?.[0] as string).split(';')[0] as string
  const echo = JSON.parse((await request(`${origin}/echo`, { headers: { authorization: shared, cookie } })).body) as Echo
  t.same(header(echo, 'remote-user'), ['alice'])
  t.same(header(echo, 'authorization'), [], 'the shared credentials are the gate\'s')
  t.same(header(echo, 'cookie'), [])
  t.equal((await request(`${origin}/echo`, { headers: { authorization: shared, accept: 'text/html' } })).status, 302, 'the shared password alone leads to the login page')
})
