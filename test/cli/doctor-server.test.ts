import { createServer as createHttpServer } from 'node:http'
import type { Server } from 'node:http'
import { createServer } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import type { Test } from 'tap'
import { get } from '../../src/cli/doctor/http-probe.js'
import { holderOf } from '../../src/cli/doctor/port-check.js'
import { runCli } from '../../src/cli/run.js'
import { freePort, runDoctor } from '../helpers/doctor.js'
import { captureIo, HOME_LAN } from '../helpers/io.js'
import { days, issue, makeCa } from '../helpers/pki.js'

async function listening<S extends Server | ReturnType<typeof createServer>> (t: Test, server: S, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return (server.address() as AddressInfo).port
}

/** A tavern-server running in-process in `dir`, as `tavern-server --port 0 ...args` would. */
async function serving (t: Test, dir: string, args: string[] = []): Promise<number> {
  const io = captureIo(dir, {}, HOME_LAN)
  const outcome = await runCli(['--port', '0', ...args], io)
  if (outcome.kind !== 'serving') throw new Error(io.err())
  t.teardown(() => outcome.server.close())
  return outcome.server.addresses[0]!.port
}

t.test('the port held by the tavern-server for this base directory: it is running, and it is asked about tunnels', async (t) => {
  const dir = t.testdir({ 'config.yaml': '' })
  const port = await serving(t, dir)
  const run = await runDoctor(t, {}, { dir, args: ['--port', String(port)] })
  t.match(run.check('port'), { status: 'ok', message: `port ${port} is held by the tavern-server for this base directory (process 4242): it is running and answers http://127.0.0.1:${port}/healthz` })
  t.match(run.check('tunnels'), { status: 'ok', message: 'no tunnel has relayed a request to the running server since it started' })
})

t.test('over HTTPS too, whether or not the config says so', async (t) => {
  const ca = await makeCa()
  const leaf = await issue(ca)
  const root = t.testdir({ tls: { 'config.yaml': '', certs: { 'cert.pem': leaf.cert, 'privkey.pem': leaf.key } }, plain: { 'config.yaml': '' }, mine: { 'config.yaml': '' } })
  const dir = join(root, 'tls')
  const port = await serving(t, dir, ['--ssl'])
  t.match((await runDoctor(t, {}, { dir, args: ['--port', String(port), '--ssl'] })).check('port'), { status: 'ok', message: new RegExp(`answers https://127\\.0\\.0\\.1:${port}/healthz$`) })
  t.match((await runDoctor(t, {}, { dir, args: ['--port', String(port)] })).check('port'), { status: 'ok', message: new RegExp(`answers https://127\\.0\\.0\\.1:${port}/healthz$`) }, 'plain HTTP is redirected')
  const plain = await serving(t, join(root, 'plain'))
  t.match((await runDoctor(t, {}, { dir: join(root, 'mine'), args: ['--port', String(plain), '--ssl'] })).check('port'), { message: `port ${plain} (127.0.0.1:${plain}) is held by another tavern-server (process 4242, base directory ${join(root, 'plain')})` }, 'a TLS handshake with a plain server falls back to HTTP')
})

t.test('held by another tavern-server, or by one that refuses this computer', async (t) => {
  const root = t.testdir({ other: { 'config.yaml': '' }, mine: { 'config.yaml': '' }, strict: { 'config.yaml': 'whitelist:\n  - 10.0.0.1\n' } })
  const other = join(root, 'other')
  const port = await serving(t, other)
  const run = await runDoctor(t, {}, { dir: join(root, 'mine'), args: ['--port', String(port)] })
  t.match(run.check('port'), { status: 'problem', class: 'not-listening', message: `port ${port} (127.0.0.1:${port}) is held by another tavern-server (process 4242, base directory ${other})`, fix: /^stop that one, or give this one another port/ })
  t.match(run.check('tunnels'), { status: 'info', message: /^the server is not running here/ })

  const strict = join(root, 'strict')
  const refusing = await serving(t, strict)
  const refused = await runDoctor(t, {}, { dir: strict, args: ['--port', String(refusing)] })
  t.match(refused.check('port'), { status: 'problem', class: 'forbidden', message: `a tavern-server holds port ${refusing} and refused this computer's request for http://127.0.0.1:${refusing}/healthz: Forbidden: Connection attempt from 127.0.0.1.` })
  t.match(refused.check('this computer 127.0.0.1'), { status: 'problem', class: 'forbidden' })
})

t.test('held by another program: named by ss where it can, with what it answered', async (t) => {
  const notFound = await listening(t, createHttpServer((_req, res) => { res.statusCode = 404; res.end('nope') }))
  const ss = { code: 0, output: `LISTEN 0 511 127.0.0.1:${notFound} 0.0.0.0:* users:(("python3",pid=4321,fd=3))\n` }
  const run = await runDoctor(t, { 'config.yaml': '' }, { args: ['--port', String(notFound)], programs: { [`ss -Hltnp sport = :${notFound}`]: ss } })
  t.match(run.check('port'), { status: 'problem', class: 'not-listening', message: `port ${notFound} (127.0.0.1:${notFound}) is held by another program (python3, process 4321): it answers http://127.0.0.1:${notFound}/healthz with HTTP 404, so the server cannot listen there`, fix: 'stop that program, or choose another port with --port (or port in config.yaml)' })

  const silent = createServer((socket) => socket.destroy())
  const port = await listening(t, silent)
  t.match((await runDoctor(t, { 'config.yaml': '' }, { args: ['--port', String(port)] })).check('port'), { message: `port ${port} (127.0.0.1:${port}) is held by another program, so the server cannot listen there` })

  const old = await listening(t, createHttpServer((_req, res) => res.end('ok\n')))
  t.match((await runDoctor(t, { 'config.yaml': '' }, { args: ['--port', String(old)] })).check('port'), { status: 'info', message: /without saying for which folder/ })
  const fake = await listening(t, createHttpServer((_req, res) => { res.setHeader('content-type', 'application/json'); res.end('{"service":"something else"}') }))
  t.match((await runDoctor(t, { 'config.yaml': '' }, { args: ['--port', String(fake)] })).check('port'), { status: 'problem', message: /held by another program: it answers .* with HTTP 200/ })
  const garbled = await listening(t, createHttpServer((_req, res) => { res.setHeader('content-type', 'application/json'); res.end('{"service":') }))
  t.match((await runDoctor(t, { 'config.yaml': '' }, { args: ['--port', String(garbled)] })).check('port'), { status: 'problem', message: /held by another program: it answers .* with HTTP 200/ })
})

t.test('ss names the holder from its users column', async (t) => {
  t.equal(holderOf('LISTEN 0 511 0.0.0.0:8000 0.0.0.0:* users:(("node",pid=123,fd=21))'), 'node, process 123')
  t.equal(holderOf('LISTEN 0 511 0.0.0.0:8000 0.0.0.0:*'), undefined, 'not root: no process shown')
})

t.test('a listen address this computer does not have', async (t) => {
  const port = await freePort()
  const run = await runDoctor(t, { 'config.yaml': 'listen: true\nlistenAddress:\n  ipv4: 192.168.1.20\n' }, { args: ['--port', port] })
  t.match(run.check('port'), { status: 'problem', class: 'not-listening', message: `cannot listen on 192.168.1.20:${port}: this computer has no address 192.168.1.20` })
})

t.test('HTTPS: the files as the server reads them, and whether they cover the address a phone will use', async (t) => {
  const ca = await makeCa()
  const files = async (options: Parameters<typeof issue>[1]) => {
    const leaf = await issue(ca, options)
    return { 'config.yaml': 'listen: true\nssl:\n  enabled: true\n', certs: { 'cert.pem': leaf.cert, 'privkey.pem': leaf.key } }
  }
  const port = await freePort()
  const args = ['--port', port]
  const covered = await runDoctor(t, await files({ names: ['localhost', '127.0.0.1', '192.168.1.20'] }), { args })
  t.match(covered.checks.filter((c) => c.id === 'https'), [
    { status: 'ok', message: /cert\.pem and its key are readable and belong together; valid until \d{4}-\d\d-\d\d$/ },
    { status: 'ok', message: `the certificate covers 192.168.1.20, the address a phone will use (https://192.168.1.20:${port}/)` }
  ])
  const nowhere = await runDoctor(t, await files({ names: ['localhost'] }), { args })
  t.match(nowhere.checks.filter((c) => c.id === 'https')[1], { status: 'problem', message: /browsers refuse it there$/ })
  const uncovered = await runDoctor(t, await files({ names: ['localhost', '127.0.0.1', 'tavern-test.local'] }), { args })
  t.match(uncovered.checks.filter((c) => c.id === 'https')[1], {
    status: 'problem',
    class: 'other',
    message: `the certificate does not cover 192.168.1.20, the address a phone will use (https://192.168.1.20:${port}/): browsers refuse it there; it covers tavern-test.local, so https://tavern-test.local:${port}/ works where the phone finds .local names`,
    fix: 'tavern-server cert --force makes a self-signed certificate for this computer\'s current addresses (a certificate of your own must name 192.168.1.20)'
  })
  t.equal(uncovered.outcome, 'forbidden', 'the whitelist problem comes first')
  const soon = await runDoctor(t, await files({ names: ['192.168.1.20'], notAfter: days(5) }), { args })
  t.match(soon.checks.filter((c) => c.id === 'https')[1], { status: 'warning', message: /^the TLS certificate \S+ expires on .*, in [45] days\./ })
  const expired = await runDoctor(t, await files({ notBefore: days(-30), notAfter: days(-1) }), { args })
  t.match(expired.check('https'), { status: 'problem', class: 'not-listening', message: /^the server would refuse to start: The TLS certificate \S+ expired on / })
  const missing = await runDoctor(t, { 'config.yaml': 'ssl:\n  enabled: true\n' }, { args })
  t.match(missing.check('https'), { status: 'problem', message: /^the server would refuse to start: HTTPS is on, but the certificate file \S+ and the key file \S+ do not exist\. Run tavern-server cert/ })
  t.match((await runDoctor(t, { 'config.yaml': '' }, { args })).check('https'), { status: 'info', message: /^HTTPS is off \(only this computer can connect/ })
})

t.test('the app behind the gate: answering, or not', async (t) => {
  const app = await listening(t, createHttpServer((_req, res) => { res.statusCode = 302; res.end() }))
  const up = await runDoctor(t, { 'config.yaml': `app:\n  upstream: http://127.0.0.1:${app}\n` }, { args: ['--port', await freePort()] })
  t.match(up.check('app'), { status: 'ok', message: `the app behind the gate, at http://127.0.0.1:${app}, answers (HTTP 302)` })
  const gone = await freePort()
  const down = await runDoctor(t, { 'config.yaml': `app:\n  upstream: http://127.0.0.1:${gone}\n` }, { args: ['--port', await freePort()] })
  t.match(down.check('app'), { status: 'problem', class: 'other', message: `the app behind the gate, at http://127.0.0.1:${gone}, refused the connection (it is not running, or listens on another port): visitors would get 502 Bad Gateway`, fix: /^start it, or set app\.upstream in / })
  t.equal(down.outcome, 'not-listening', 'listen is off, which comes first')
})

t.test('a server for this base directory that lists no tunnels (another version), or one tunnel seen once', async (t) => {
  const dir = t.testdir({ 'config.yaml': '' })
  const facts: { tunnels?: unknown } = {}
  const port = await listening(t, createHttpServer((_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ status: 'ok', service: 'tavern-server', pid: 7, baseDir: dir, ...facts }))
  }))
  t.match((await runDoctor(t, {}, { dir, args: ['--port', String(port)] })).check('tunnels'), { status: 'ok' })
  facts.tunnels = [{ tunnel: 'ngrok', mark: 'Ngrok-Trace-Id', originKnown: true, requests: 1, first: '2026-11-25T10:00:00.000Z', last: '2026-11-25T10:00:00.000Z' }]
  t.match((await runDoctor(t, {}, { dir, args: ['--port', String(port)] })).check('tunnels'), {
    status: 'warning',
    class: 'other',
    message: 'ngrok (its requests carry Ngrok-Trace-Id) relayed 1 request to the running server (last at 2026-11-25T10:00:00.000Z). They arrive from this computer\'s own address but are not treated as this computer. Each request is judged by its visitor\'s own address (from the forwarded header), which must be on the whitelist, and no password is asked.'
  })
})

t.test('the port asked about on the address the server binds: 127.0.0.1 for 0.0.0.0, ::1 for ::, the address itself otherwise', async (t) => {
  const root = t.testdir({
    v6: { 'config.yaml': 'listen: true\nprotocol:\n  ipv4: false\n  ipv6: true\nbasicAuthMode: true\nbasicAuthUser:\n  username: me\n  password: pw\n' },
    all: { 'config.yaml': 'listen: true\n' },
    one: { 'config.yaml': 'listen: true\nlistenAddress:\n  ipv4: 127.0.0.1\n' },
    missing: { 'config.yaml': 'listen: true\nprotocol:\n  ipv6: true\nlistenAddress:\n  ipv6: fd00::20\n' }
  })
  for (const [name, asked] of [['v6', '\\[::1\\]'], ['all', '127\\.0\\.0\\.1'], ['one', '127\\.0\\.0\\.1']] as const) {
    const dir = join(root, name)
    const port = await serving(t, dir)
    t.match((await runDoctor(t, {}, { dir, args: ['--port', String(port)] })).check('port'), { status: 'ok', message: new RegExp(`answers http://${asked}:${port}/healthz$`) }, name)
  }
  const missing = await runDoctor(t, {}, { dir: join(root, 'missing'), args: ['--port', await freePort()] })
  t.match(missing.check('port'), { status: 'problem', message: /^cannot listen on \[fd00::20\]:\d+: this computer has no address fd00::20$/, fix: /to :: for all of them$/ })
})

t.test('a server that never answers is no answer after the time limit, not a hang', async (t) => {
  const sockets: Socket[] = []
  const mute = createServer((socket) => { sockets.push(socket) })
  const port = await listening(t, mute)
  t.teardown(() => { for (const s of sockets) s.destroy() })
  const result = await get(`http://127.0.0.1:${port}/healthz`, 'application/json', 100)
  t.match(result, { kind: 'failed', error: { code: 'ETIMEDOUT', message: 'no answer within 0.1 seconds' } })
})

t.test('a long answer is read up to 64 KiB', async (t) => {
  const port = await listening(t, createHttpServer((_req, res) => { res.end('x'.repeat(200 * 1024)) }))
  const result = await get(`http://127.0.0.1:${port}/`)
  if (result.kind !== 'answer') throw new Error('no answer')
  t.ok(result.body.length >= 64 * 1024 && result.body.length < 200 * 1024)
})
