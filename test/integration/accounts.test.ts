/**
 * Accounts as a user runs them: the real command over real sockets. The start-up gate and the
 * first admin, the `users` commands changing accounts under a running server (and the server
 * seeing it), a restart that keeps people logged in, the cookie's Secure flag over TLS, and the
 * app behind the gate receiving the account but never the cookie.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'
import t from 'tap'
import type { Test } from 'tap'
import { writeAccounts } from '../helpers/accounts-file.js'
import { runToExit, startCli } from '../helpers/cli.js'
import { request } from '../helpers/http.js'
import { issue, makeCa } from '../helpers/pki.js'
import { freePort } from '../helpers/sillytavern.js'
import { startUpstream } from '../helpers/upstream.js'
import type { Echo } from '../helpers/upstream.js'

const CONFIG = 'enableUserAccounts: true\nwhitelistDockerHosts: false\n'

async function users (dir: string, args: string[], stdin?: string) {
  return runToExit(['users', ...args], { cwd: dir, ...(stdin === undefined ? {} : { stdin }) })
}

async function logIn (url: string, handle: string, password: string): Promise<{ status: number, cookie: string | undefined, body: string, setCookie: string | undefined }> {
  const response = await request(`${url}_tavern/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle, password }) })
  const setCookie = response.headers['set-cookie']?.[0]
  return { status: response.status, cookie: setCookie?.split(';')[0], body: response.body, setCookie }
}

async function serve (t: Test, dir: string, args: string[] = ['--port', '0']) {
  const cli = await startCli(args, { cwd: dir })
  t.teardown(() => { cli.child.kill('SIGKILL') })
  return cli
}

t.test('listening on the network: accounts count only when every enabled account has a password', async (t) => {
  const dir = t.testdir({ 'config.yaml': `${CONFIG}listen: true\nlistenAddress:\n  ipv4: 127.0.0.1\nwhitelistMode: false\n` })
  const refused = await runToExit(['--port', '0'], { cwd: dir })
  t.equal(refused.code, 1)
  t.match(refused.out, /User accounts are on and there were none: created the admin account "admin", without a password\.\nSet its password with: node \S+bin\/tavern-server\.js users passwd admin /, 'named as the program was started')
  t.match(refused.err, /Why: whitelistMode is false; basicAuthMode is false; enableUserAccounts is true, but these enabled accounts have no password: admin\./)
  t.match(refused.err, /a password on every enabled account: node \S+bin\/tavern-server\.js users passwd <handle> \(for admin\)/)
  t.equal((await users(dir, ['passwd', 'admin'], 'first password\n')).code, 0)
  const cli = await serve(t, dir)
  t.notMatch(cli.err(), /no password/)
  const login = await logIn(cli.url, 'admin', 'first password')
  t.equal(login.status, 200)
  t.match(login.setCookie, new RegExp(`^tavern_session_${cli.port}=[A-Za-z0-9_-]{43}; Path=/; Max-Age=34560000; HttpOnly; SameSite=Lax$`), 'the cookie carries the port the server chose')
})

t.test('a running server follows the users commands within a second, and a restart keeps people logged in', async (t) => {
  const dir = t.testdir({ 'config.yaml': CONFIG })
  await writeAccounts(dir, { admin: 'admin pw', alice: 'alice pw' })
  const port = await freePort()
  let cli = await serve(t, dir, ['--port', String(port)])
  const page = (cookie?: string) => request(`${cli.url}chat`, { headers: { accept: 'text/html', ...(cookie === undefined ? {} : { cookie }) } })

  t.equal((await page()).status, 302)
  const { cookie } = await logIn(cli.url, 'alice', 'alice pw')
  t.equal((await page(cookie)).status, 404, 'logged in: the request reaches the routes (no app here)')

  let seen = cli.waitFor(/accounts\.json changed \(accounts: 2\)\./)
  t.equal((await users(dir, ['disable', 'alice'])).code, 0)
  await seen
  const out = await page(cookie)
  t.equal(out.status, 302, 'disabled: out at the next request')
  t.equal(out.headers.location, '/_tavern/login?next=%2Fchat')

  seen = cli.waitFor(/accounts\.json changed \(accounts: 2\)\.\n[\s\S]*accounts\.json changed/)
  await users(dir, ['enable', 'alice'])
  await seen
  const again = await logIn(cli.url, 'alice', 'alice pw')
  t.equal(again.status, 200)
  cli.child.kill('SIGTERM')
  t.equal(await cli.exited, 0)
  cli = await serve(t, dir, ['--port', String(port)])
  t.equal((await page(again.cookie)).status, 404, 'the session survived the restart')

  seen = cli.waitFor(/accounts\.json changed/)
  await users(dir, ['remove', 'alice'])
  await seen
  t.equal((await page(again.cookie)).status, 302, 'removed: out too')
})

t.test('over TLS the session cookie is Secure; with the app behind the gate it is named for the port the server got and stays at the gate', async (t) => {
  const ca = await makeCa()
  const leaf = await issue(ca)
  const upstream = await startUpstream(t)
  const dir = t.testdir({ 'config.yaml': `${CONFIG}app:\n  upstream: ${upstream.url}\n`, certs: { 'cert.pem': leaf.cert, 'privkey.pem': leaf.key } })
  await writeAccounts(dir, { admin: 'admin pw' })
  const cli = await serve(t, dir, ['--ssl', '--port', '0'])
  const send = (path: string, options: { method?: string, headers?: Record<string, string>, body?: string }) => new Promise<{ status: number, headers: IncomingHttpHeaders, body: string }>((resolve, reject) => {
    const req = httpsRequest(`${cli.url}${path}`, { method: options.method ?? 'GET', ca: ca.cert, headers: options.headers }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end(options.body)
  })
  const login = await send('_tavern/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle: 'admin', password: 'admin pw' }) })
  const setCookie = login.headers['set-cookie']?.[0]
  t.match(setCookie, /; HttpOnly; SameSite=Lax; Secure$/)
  const cookie = setCookie?.split(';')[0]
  t.match(cookie, new RegExp(`^tavern_session_${cli.port}=`), 'named for the port chosen at listen')
  const answer = await send('echo', { headers: { cookie: `${cookie as string}; theme=dark`, 'remote-user': 'alice' } })
  t.equal(answer.status, 200)
  const { rawHeaders } = JSON.parse(answer.body) as Echo
  const sent = (name: string) => rawHeaders.filter((_, i) => i % 2 === 1 && rawHeaders[i - 1]?.toLowerCase() === name)
  t.same(sent('cookie'), ['theme=dark'])
  t.same(sent('remote-user'), ['admin'])
})
