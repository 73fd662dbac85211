/**
 * Single sign-on into the real SillyTavern: it runs as it ships, on loopback, with its own
 * accounts on and `sso.autheliaAuth: true`; tavern-server in front tells it who logged in at the
 * gate (Remote-User). Walked as a browser walks it: SillyTavern sends a visitor without a session
 * to its /login page, which is where it reads the header and signs the visitor in.
 */
import { writeFileSync } from 'node:fs'
import { dump } from 'js-yaml'
import t from 'tap'
import { startCli } from '../helpers/cli.js'
import { Browser, createSillyTavernAccounts } from '../helpers/sillytavern-accounts.js'
import { startSillyTavern } from '../helpers/sillytavern.js'

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

/** A browser opening the app through the gate; then who SillyTavern says is signed in. */
async function visit (origin: string, headers: Record<string, string>): Promise<{ pages: string[], status: number, handle?: string }> {
  const browser = new Browser(origin, headers)
  const pages = await browser.open('/')
  return { pages, ...await browser.me() }
}

t.test('a person who logged in at the gate lands in their own SillyTavern account; a client-sent Remote-User changes nothing', async (t) => {
  const dir = t.testdir({ st: {}, gate: {}, open: {} })
  const st = await startSillyTavern(t, `${dir}/st`, { config: { enableUserAccounts: true, sso: { autheliaAuth: true } } })
  await createSillyTavernAccounts(st.url, [{ handle: 'alice', name: 'Alice' }, { handle: 'bob', name: 'Bob' }])

  const gateConfig = { basicAuthMode: true, basicAuthUser: { username: 'alice', password: 'wonderland' }, app: { upstream: st.url } }
  writeFileSync(`${dir}/gate/config.yaml`, dump(gateConfig))
  const gate = await startCli(['--port', '0'], { cwd: `${dir}/gate` })
  t.teardown(async () => { gate.child.kill(); await gate.exited })
  const origin = `http://127.0.0.1:${gate.port}`

  const alice = await visit(origin, { authorization: basic('alice', 'wonderland') })
  t.same(alice.pages, ['/ 302', '/login 302', '/ 200'], 'sent to /login, signed in there, back to the app')
  t.equal(alice.handle, 'alice', 'SillyTavern\'s /api/users/me says alice')

  const posing = await visit(origin, { authorization: basic('alice', 'wonderland'), 'remote-user': 'bob', 'x-authentik-username': 'bob' })
  t.equal(posing.handle, 'alice', 'alice sending Remote-User: bob is still alice')

  // Without a password at the gate, nobody is named to SillyTavern, whatever the client says.
  writeFileSync(`${dir}/open/config.yaml`, dump({ whitelist: ['127.0.0.1'], app: { upstream: st.url } }))
  const open = await startCli(['--port', '0'], { cwd: `${dir}/open` })
  t.teardown(async () => { open.child.kill(); await open.exited })
  const stranger = await visit(`http://127.0.0.1:${open.port}`, { 'remote-user': 'default-user' })
  t.same(stranger.pages, ['/ 302', '/login 200'], 'SillyTavern shows its own login page')
  t.equal(stranger.status, 403, 'and is signed in as nobody')
  t.notMatch(st.output(), /Attempting auto-login for user from header Remote-User: (bob|default-user)/, 'SillyTavern never saw the forged names')
})
