/**
 * `tavern-server users import` against accounts the real SillyTavern (1.19.0, from the npm
 * registry) made: two through its own API (one without a password) and one with a non-ASCII
 * handle written by its own storage code, as SillyTavern versions before 1.18 made them. Then
 * each logs in to tavern-server with its SillyTavern password, over real sockets, and with
 * SillyTavern behind the gate (single sign-on on) lands in their own SillyTavern account.
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { prefixed, runToExit, startCli } from '../helpers/cli.js'
import { request } from '../helpers/http.js'
import { Browser } from '../helpers/sillytavern-accounts.js'
import { sillyTavernHome, startSillyTavern } from '../helpers/sillytavern.js'
import type { SillyTavern } from '../helpers/sillytavern.js'

const WRITER = fileURLToPath(new URL('workers/sillytavern-user.mjs', import.meta.url))

/** A browser's side of SillyTavern's API: its session cookies and its CSRF token. */
class SillyTavernClient {
  readonly #cookies = new Map<string, string>()
  #token = ''

  constructor (private readonly st: SillyTavern) {}

  async call (method: string, path: string, body?: unknown): Promise<{ status: number, body: string }> {
    const response = await request(`${this.st.url}${path}`, {
      method,
      headers: {
        cookie: [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        'x-csrf-token': this.#token,
        ...(body === undefined ? {} : { 'content-type': 'application/json' })
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    for (const line of response.headers['set-cookie'] ?? []) {
      const [pair] = line.split(';')
      const at = (pair as string).indexOf('=')
      this.#cookies.set((pair as string).slice(0, at), (pair as string).slice(at + 1))
    }
    return { status: response.status, body: response.body }
  }

  async logIn (handle: string, password: string): Promise<number> {
    this.#token = (JSON.parse((await this.call('GET', '/csrf-token')).body) as { token: string }).token
    return (await this.call('POST', '/api/users/login', { handle, password })).status
  }
}

function storeWithSillyTavernCode (st: SillyTavern, handle: string, name: string, password: string): Promise<string> {
  const app = join(sillyTavernHome(), 'node_modules', 'sillytavern')
  return new Promise((resolve, reject) => {
    const child = spawn(...prefixed(false, process.execPath, [WRITER, app, st.dataRoot, handle, name, password]), {
      cwd: app,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { out += chunk })
    child.on('close', (code) => { if (code === 0) resolve(out); else reject(new Error(`the SillyTavern writer failed (${String(code)}): ${out}`)) })
  })
}

t.test('accounts SillyTavern made log in to tavern-server with their SillyTavern passwords', async (t) => {
  const stDir = t.testdir({ st: {}, tavern: {} })
  // Single sign-on on, for the last part: it changes nothing in SillyTavern's own logins.
  const st = await startSillyTavern(t, join(stDir, 'st'), { config: { enableUserAccounts: true, sso: { autheliaAuth: true } } })
  writeFileSync(join(stDir, 'tavern', 'config.yaml'), `enableUserAccounts: true\nwhitelistDockerHosts: false\napp:\n  upstream: ${st.url}\n`)

  // SillyTavern's first account, default-user, has no password: its admin logs in with none.
  const admin = new SillyTavernClient(st)
  t.equal(await admin.logIn('default-user', ''), 200)
  const created = await admin.call('POST', '/api/users/create', { handle: 'alice', name: 'Alice', password: 'Pässwörd 1', admin: false })
  t.equal(created.status, 200, created.body)
  t.equal((await admin.call('POST', '/api/users/create', { handle: 'nopass', name: 'No Pass' })).status, 200)
  t.match(await storeWithSillyTavernCode(st, 'jürgen', 'Jürgen', 'Gehéim'), 'stored user:jürgen')
  t.equal(await new SillyTavernClient(st).logIn('jürgen', 'Gehéim'), 200, 'SillyTavern itself accepts the account it stored')
  t.equal(await new SillyTavernClient(st).logIn('alice', 'Pässwörd 1'), 200)

  const dir = join(stDir, 'tavern')
  const imported = await runToExit(['users', 'import', st.dataRoot], { cwd: dir })
  t.equal(imported.code, 0, imported.err)
  t.match(imported.out, `Read 4 accounts from ${join(st.dataRoot, '_storage')}.`)
  t.match(imported.out, /Imported 4:/)
  t.match(imported.out, /\n {2}jürgen \(Jürgen\)\n/)
  t.match(imported.out, /\n {2}alice \(Alice\)\n/)
  t.match(imported.out, /\n {2}nopass \(No Pass\): NO PASSWORD, nobody can log in to it until one is set: node \S+bin\/tavern-server\.js users passwd nopass\n/)
  t.match(imported.out, /\n {2}default-user \(User\), admin: NO PASSWORD/)
  t.notMatch(imported.out, 'Not imported')

  const cli = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  t.match(cli.err(), /These enabled accounts have no password, so nobody can log in to them: .*nopass/)
  const logIn = async (handle: string, password: string) => {
    const response = await request(`${cli.url}_tavern/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle, password }) })
    return { status: response.status, body: JSON.parse(response.body) as Record<string, unknown> }
  }
  t.match(await logIn('alice', 'Pässwörd 1'), { status: 200, body: { handle: 'alice', name: 'Alice', admin: false } })
  t.match(await logIn('jürgen', 'Gehéim'), { status: 200, body: { handle: 'jürgen' } }, 'the non-ASCII handle keeps its spelling')
  t.match(await logIn('ju\u0308rgen', 'Gehe\u0301im'), { status: 200, body: { handle: 'jürgen' } }, 'typed in another Unicode form too')
  t.match(await logIn('alice', 'Passwörd 1'), { status: 401, body: { error: 'Wrong user name or password.' } })
  t.match(await logIn('nopass', ''), { status: 401 }, 'an empty password does not open it')
  t.match(await logIn('nopass', 'anything'), { status: 401 }, 'without a password nobody gets in (SillyTavern lets anyone in)')
  t.equal(await new SillyTavernClient(st).logIn('nopass', 'anything'), 200, '(as SillyTavern does)')

  // With SillyTavern behind the gate, each person who logs in here lands in their own account there.
  for (const [handle, password] of [['alice', 'Pässwörd 1'], ['jürgen', 'Gehéim']] as const) {
    const browser = new Browser(`http://127.0.0.1:${cli.port}`)
    t.same(await browser.open('/'), ['/ 302', '/_tavern/login 200'], `${handle}: the gate asks for a login first`)
    t.same(await browser.submit('/_tavern/login', { handle, password, next: '/' }), ['POST /_tavern/login 303', '/ 302', '/login 302', '/ 200'],
      `${handle}: logged in here, then signed in by SillyTavern's /login, back to the app`)
    t.match(await browser.me(), { status: 200, handle }, `${handle}: SillyTavern says so`)
  }

  const again = await runToExit(['users', 'import', st.dataRoot], { cwd: dir })
  t.equal(again.code, 0)
  t.match(again.out, /Skipped 4 that exist here already: /)
  t.notMatch(again.out, 'Imported')
})
