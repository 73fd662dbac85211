/**
 * People, one real SillyTavern behind the gate (its accounts and `sso.autheliaAuth: true` on, as it
 * ships otherwise, on loopback): the gate tells it who logged in (Remote-User), and each person
 * lands in their own SillyTavern account (its `/api/users/me` says so), whether they logged in at
 * the gate with an account of the gate (a login session, per-user Basic auth) or with the gate's
 * one shared Basic password. A forged Remote-User changes nothing, and a stranger's never reaches
 * SillyTavern. Walked as a browser walks it (test/helpers/sillytavern-accounts.ts, Browser):
 * SillyTavern sends a visitor without a session to its /login page, which is where it reads the
 * header and signs the visitor in. One SillyTavern serves the whole file (each start costs about
 * five CPU-seconds).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { dump } from 'js-yaml'
import t from 'tap'
import type { Test } from 'tap'
import { runToExit, startCli } from '../helpers/cli.js'
import { Browser, createSillyTavernAccounts } from '../helpers/sillytavern-accounts.js'
import { startSillyTavern } from '../helpers/sillytavern.js'

const PEOPLE = [{ handle: 'alice', password: 'alice in wonderland' }, { handle: 'bob', password: 'bob the builder' }]
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

async function gate (t: Test, dir: string, env: Record<string, string> = {}) {
  const cli = await startCli(['--port', '0'], { cwd: dir, env })
  t.teardown(() => { cli.child.kill('SIGKILL') })
  return { cli, origin: `http://127.0.0.1:${cli.port}` }
}

/** The names SillyTavern was asked to sign in, from what it printed after `from` characters. */
function askedNames (output: string, from = 0): string[] {
  return [...output.slice(from).matchAll(/Attempting auto-login for user from header Remote-User: (\S+)/g)].map((m) => m[1] as string)
}

t.test('people who logged in at the gate each land in their own SillyTavern account', async (t) => {
  const dir = t.testdir({ st: {}, tavern: {}, shared: {}, open: {} })
  const st = await startSillyTavern(t, join(dir, 'st'), { config: { enableUserAccounts: true, sso: { autheliaAuth: true } } })
  await createSillyTavernAccounts(st.url, PEOPLE)

  t.test('with their own credentials at the gate', async (t) => {
    const base = join(dir, 'tavern')
    t.equal((await runToExit(['users', 'import', st.dataRoot], { cwd: base, env: { TAVERN_ENABLEUSERACCOUNTS: 'true' } })).code, 0)
    const env = { TAVERN_ENABLEUSERACCOUNTS: 'true', TAVERN_APP_UPSTREAM: st.url }
    const from = st.output().length

    t.test('with login sessions', async (t) => {
      const { cli, origin } = await gate(t, base, env)
      for (const { handle, password } of PEOPLE) {
        // Each sends the other's name as Remote-User with every request, for good measure.
        const other = handle === 'alice' ? 'bob' : 'alice'
        const browser = new Browser(origin, { 'remote-user': other, 'x-authentik-username': other })
        t.same(await browser.open('/'), ['/ 302', '/_tavern/login 200'])
        t.same(await browser.submit('/_tavern/login', { handle, password, next: '/' }), ['POST /_tavern/login 303', '/ 302', '/login 302', '/ 200'])
        t.same(await browser.me(), { status: 200, handle }, `${handle} is ${handle} in SillyTavern`)
      }
      const stranger = new Browser(origin, { 'remote-user': 'alice' })
      t.same(await stranger.open('/'), ['/ 302', '/_tavern/login 200'], 'not logged in: the login page, not SillyTavern')
      t.equal((await stranger.me()).status, 401, 'its API call is refused by the gate')
      cli.child.kill('SIGTERM')
      await cli.exited
    })

    t.test('with per-user Basic auth', async (t) => {
      const { origin } = await gate(t, base, { ...env, TAVERN_BASICAUTHMODE: 'true', TAVERN_PERUSERBASICAUTH: 'true' })
      for (const { handle, password } of PEOPLE) {
        const other = handle === 'alice' ? 'bob' : 'alice'
        const browser = new Browser(origin, { authorization: basic(handle, password), 'remote-user': other })
        t.same(await browser.open('/'), ['/ 302', '/login 302', '/ 200'], `${handle}: signed in by SillyTavern's /login`)
        t.same(await browser.me(), { status: 200, handle }, `${handle} is ${handle} in SillyTavern`)
      }
      const wrong = new Browser(origin, { authorization: basic('alice', 'bob the builder'), 'remote-user': 'alice' })
      t.same(await wrong.open('/'), ['/ 401'], 'another person\'s password does not open alice\'s account')
    })

    t.test('SillyTavern never saw a forged name', async (t) => {
      // SillyTavern prints each name it is asked to sign in; only the gate's went there.
      const asked = askedNames(st.output(), from)
      t.same([...new Set(asked)].sort(), ['alice', 'bob'])
      t.equal(asked.length, 4, 'once per person and way of logging in')
    })
  })

  t.test('with the gate\'s shared Basic password; a client-sent Remote-User changes nothing', async (t) => {
    const from = st.output().length
    writeFileSync(join(dir, 'shared', 'config.yaml'), dump({ basicAuthMode: true, basicAuthUser: { username: 'alice', password: 'wonderland' }, app: { upstream: st.url } }))
    const { origin } = await gate(t, join(dir, 'shared'))

    const alice = new Browser(origin, { authorization: basic('alice', 'wonderland') })
    t.same(await alice.open('/'), ['/ 302', '/login 302', '/ 200'], 'sent to /login, signed in there, back to the app')
    t.same(await alice.me(), { status: 200, handle: 'alice' }, 'SillyTavern\'s /api/users/me says alice')

    const posing = new Browser(origin, { authorization: basic('alice', 'wonderland'), 'remote-user': 'bob', 'x-authentik-username': 'bob' })
    await posing.open('/')
    t.same(await posing.me(), { status: 200, handle: 'alice' }, 'alice sending Remote-User: bob is still alice')

    // Without a password at the gate, nobody is named to SillyTavern, whatever the client says.
    writeFileSync(join(dir, 'open', 'config.yaml'), dump({ whitelist: ['127.0.0.1'], app: { upstream: st.url } }))
    const open = await gate(t, join(dir, 'open'))
    const stranger = new Browser(open.origin, { 'remote-user': 'default-user' })
    t.same(await stranger.open('/'), ['/ 302', '/login 200'], 'SillyTavern shows its own login page')
    t.equal((await stranger.me()).status, 403, 'and is signed in as nobody')
    t.same(askedNames(st.output(), from), ['alice', 'alice'], 'SillyTavern was asked for alice alone, never for the forged names')
  })
})
