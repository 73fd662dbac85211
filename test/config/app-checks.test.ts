import { join } from 'node:path'
import t from 'tap'
import type { Test } from 'tap'
import { runCli } from '../../src/cli/run.js'
import type { Outcome } from '../../src/cli/run.js'
import { loopsToItself, remoteUpstreamWarning } from '../../src/config/app-checks.js'
import { loadConfig } from '../../src/config/load.js'
import { captureIo, HOME_LAN } from '../helpers/io.js'
import { request } from '../helpers/http.js'

function load (dir: string, flags: Parameters<typeof loadConfig>[0]['flags'] = {}, env: Record<string, string> = {}) {
  return loadConfig({ cwd: dir, env, flags })
}

async function serving (t: Test, outcome: Outcome) {
  if (outcome.kind !== 'serving') throw new Error(`expected a running server, got exit ${outcome.code}`)
  t.teardown(() => outcome.server.close())
  return outcome.server
}

t.test('the app keys have working defaults: none set, the Remote-User header, 500 MB, 600 s, no client address', async (t) => {
  const { app } = load(t.testdir({})).config
  t.same(app, { userHeader: 'Remote-User', maxBodyMB: 500, responseTimeoutSeconds: 600, forwardClientAddress: false })
})

t.test('app.root and app.upstream together: an error naming both keys, saying to choose one', async (t) => {
  const dir = t.testdir({ site: {}, 'config.yaml': 'app:\n  root: ./site\n  upstream: http://127.0.0.1:8001\n' })
  t.throws(() => load(dir), {
    code: 'TVS_ERR_CONFIG_INVALID',
    message: /config\.yaml:2: app\.root and .*config\.yaml:3: app\.upstream are both set; choose one/
  })
  t.throws(() => load(t.testdir({ site: {}, 'config.yaml': 'app:\n  root: ./site\n' }), { 'app.upstream': { value: 'http://127.0.0.1:8001', flag: '--upstream' } }),
    { message: /app\.root and --upstream on the command line are both set/ }, 'a flag is named as the flag')
})

t.test('app.root must be a folder that exists', async (t) => {
  const dir = t.testdir({ 'file.txt': 'x', 'config.yaml': 'app:\n  root: ./nowhere\n' })
  t.throws(() => load(dir), { message: new RegExp(`config\\.yaml:2: app\\.root: ${join(dir, 'nowhere')} is not a folder that exists`) })
  t.throws(() => load(dir, {}, { TAVERN_APP_ROOT: 'file.txt' }), { message: /environment variable TAVERN_APP_ROOT: .*file\.txt is not a folder/ })
  t.equal(load(t.testdir({ site: {}, 'config.yaml': 'app:\n  root: site\n' })).config.app.root?.endsWith('/site'), true)
})

t.test('app.upstream must be an http(s) address of another server', async (t) => {
  for (const value of ['ftp://127.0.0.1:8001', 'not a url', '127.0.0.1:8001', 'http://127.0.0.1:8001/sillytavern', 'http://me:pw@127.0.0.1:8001']) {
    t.throws(() => load(t.testdir({ 'config.yaml': `app:\n  upstream: "${value}"\n` })), { message: /config\.yaml:2: app\.upstream: got .*expected an http:\/\/ or https:\/\/ address/ }, value)
  }
  t.throws(() => load(t.testdir({ 'config.yaml': 'port: 8000\napp:\n  upstream: http://127.0.0.1:8000\n' })),
    { message: /config\.yaml:3: app\.upstream: http:\/\/127\.0\.0\.1:8000 is tavern-server's own address/ })
  t.throws(() => load(t.testdir({ 'config.yaml': 'app:\n  userHeader: "Remote User"\n' })), { message: /app\.userHeader: got "Remote User"; expected an HTTP header name/ })
})

t.test('a loop is tavern-server\'s own port on a name or address of this machine', async (t) => {
  const plain = { port: 8000, listen: false, 'listenAddress.ipv4': '0.0.0.0', 'listenAddress.ipv6': '::' }
  const lan = { ...plain, listen: true, 'listenAddress.ipv4': '192.168.1.20', 'listenAddress.ipv6': 'fd00::20' }
  const table: Array<[string, typeof plain, boolean]> = [
    ['http://127.0.0.1:8000', plain, true],
    ['http://127.0.0.2:8000', plain, true],
    ['http://localhost:8000', plain, true],
    ['http://app.localhost:8000', plain, true],
    ['http://[::1]:8000', plain, true],
    ['http://0.0.0.0:8000', plain, true],
    ['http://127.0.0.1:8001', plain, false],
    ['http://127.0.0.1', { ...plain, port: 80 }, true],
    ['https://localhost', { ...plain, port: 443 }, true],
    ['http://127.0.0.1:8000', { ...plain, port: 0 }, false],
    ['http://192.168.1.20:8000', lan, true],
    ['http://[fd00::20]:8000', lan, true],
    ['http://192.168.1.20:8000', plain, false],
    ['http://192.168.1.30:8000', lan, false],
    ['http://127.0.0.1:8000', lan, false],
    ['http://127.0.0.1:8000', { ...lan, 'listenAddress.ipv6': '::' }, true],
    ['http://127.0.0.1:8000', { ...lan, 'listenAddress.ipv4': '0.0.0.0' }, true]
  ]
  for (const [upstream, config, loops] of table) t.equal(loopsToItself(upstream, config), loops, `${upstream} with port ${config.port}${config.listen ? ' on the LAN' : ''}`)
})

t.test('an app on another computer over http gets a warning that the traffic is not encrypted', async (t) => {
  t.equal(remoteUpstreamWarning('http://127.0.0.1:8001', []), undefined)
  t.equal(remoteUpstreamWarning('http://localhost:8001', []), undefined)
  t.equal(remoteUpstreamWarning('http://192.168.1.20:8001', ['192.168.1.20']), undefined, 'an address of this computer')
  t.equal(remoteUpstreamWarning('http://[FD00::20]:8001', ['fd00::20']), undefined)
  t.equal(remoteUpstreamWarning('https://nas.example:8001', []), undefined, 'https is encrypted')
  t.match(remoteUpstreamWarning('http://nas.example:8001', ['192.168.1.20']), /^app\.upstream http:\/\/nas\.example:8001 is not on this computer: traffic between tavern-server and it is not encrypted/)
})

t.test('--upstream and --root set the app; the start says what is behind the gate', async (t) => {
  const dir = t.testdir({ site: { 'index.html': 'home' } })
  const io = captureIo(dir, {}, HOME_LAN)
  const server = await serving(t, await runCli(['--port', '0', '--root', 'site'], io))
  t.match(io.out(), `Behind the gate: the files in ${join(dir, 'site')} (app.root)\n`)
  t.equal((await request(`http://127.0.0.1:${server.addresses[0]!.port}/`)).body, 'home')

  const other = t.testdir({})
  const proxied = captureIo(other, {}, { ...HOME_LAN, down: undefined })
  await serving(t, await runCli(['--port', '0', '--upstream', 'http://192.168.1.30:8001/'], proxied))
  t.match(proxied.out(), 'Behind the gate: the app at http://192.168.1.30:8001 (app.upstream)\n')
  t.match(proxied.err(), 'app.upstream http://192.168.1.30:8001 is not on this computer')

  const empty = captureIo(t.testdir({}))
  await serving(t, await runCli(['--port', '0', '--root', ''], empty))
  t.notMatch(empty.out(), 'Behind the gate', 'an empty --root means none')

  const bad = captureIo(t.testdir({}))
  t.same(await runCli(['--upstream', 'ftp://x'], bad), { kind: 'exit', code: 2 })
  t.match(bad.err(), '--upstream')
})
