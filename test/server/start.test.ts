import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { connect, createServer as createNetServer, Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { ServerSet } from '../../src/server/node-servers.js'
import { start } from '../../src/server/start.js'
import type { Test } from 'tap'
import { testApp } from '../helpers/app.js'
import { request } from '../helpers/http.js'

async function app (t: Test) {
  const servers = new ServerSet((handler) => createServer(handler))
  const { app: built } = await testApp(t, {}, { serverFactory: servers.factory })
  return { app: built, servers }
}

t.test('listens on IPv6 and IPv4 with one port, one app behind both', async (t) => {
  const { app: built, servers } = await app(t)
  const started = await start(built, servers, [{ family: 6, host: '::1' }, { family: 4, host: '127.0.0.1' }], 0)
  t.teardown(() => started.close())
  const [six, four] = started.addresses
  t.equal(six?.port, four?.port)
  t.equal((await request(`http://[::1]:${six!.port}/healthz`)).status, 200)
  t.equal((await request(`http://127.0.0.1:${four!.port}/healthz`)).status, 200)
})

t.test('both servers keep idle connections open as long as Fastify would', async (t) => {
  const { app: built, servers } = await app(t)
  const started = await start(built, servers, [{ family: 6, host: '::1' }, { family: 4, host: '127.0.0.1' }], 0)
  t.teardown(() => started.close())
  t.same(servers.servers.map((s) => s.keepAliveTimeout), [72_000, 72_000])
})

t.test('a malformed request on the second server is a 400 too', async (t) => {
  const { app: built, servers } = await app(t)
  const started = await start(built, servers, [{ family: 6, host: '::1' }, { family: 4, host: '127.0.0.1' }], 0)
  t.teardown(() => started.close())
  const answer = await new Promise<string>((resolve) => {
    const socket = connect(started.addresses[1]!.port, '127.0.0.1')
    let data = ''
    socket.on('data', (chunk) => { data += chunk.toString() })
    socket.on('close', () => resolve(data))
    socket.write('GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n')
  })
  t.match(answer, /^HTTP\/1\.1 400 Bad Request/)
})

t.test('an upgrade request with nothing to upgrade to is closed', async (t) => {
  const { app: built, servers } = await app(t)
  const started = await start(built, servers, [{ family: 6, host: '::1' }, { family: 4, host: '127.0.0.1' }], 0)
  t.teardown(() => started.close())
  const closed = await new Promise<boolean>((resolve) => {
    const socket = connect(started.addresses[1]!.port, '127.0.0.1')
    socket.on('close', () => resolve(true))
    socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n')
  })
  t.ok(closed)
})

t.test('a port in use is one clear error', async (t) => {
  const blocker = createNetServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => blocker.close())
  const port = (blocker.address() as AddressInfo).port
  const { app: built, servers } = await app(t)
  await t.rejects(start(built, servers, [{ family: 4, host: '127.0.0.1' }], port), {
    code: 'TVS_ERR_LISTEN_PORT_IN_USE',
    message: `Port ${port} is already in use (another tavern-server may be running). Stop it or choose another port with --port.`
  })
})

t.test('a second family failing closes the first and reports it', async (t) => {
  const blocker = createNetServer()
  await new Promise<void>((resolve) => blocker.listen({ port: 0, host: '::1', ipv6Only: true }, resolve))
  t.teardown(() => blocker.close())
  const port = (blocker.address() as AddressInfo).port
  const { app: built, servers } = await app(t)
  await t.rejects(start(built, servers, [{ family: 4, host: '127.0.0.1' }, { family: 6, host: '::1' }], port), { code: 'TVS_ERR_LISTEN_PORT_IN_USE' })
  await t.rejects(request(`http://127.0.0.1:${port}/healthz`), { code: 'ECONNREFUSED' }, 'the first socket was closed')
})

t.test('an address this machine does not have is an error, never another address', async (t) => {
  const { app: built, servers } = await app(t)
  await t.rejects(start(built, servers, [{ family: 4, host: '192.0.2.123' }], 0), {
    code: 'TVS_ERR_LISTEN_ADDRESS', message: /Cannot listen on 192\.0\.2\.123:0: this machine has no such address/
  })
})

t.test('a privileged port explains why it failed', { skip: process.getuid?.() === 0 ? 'running as root, which may bind ports below 1024' : false }, async (t) => {
  const { app: built, servers } = await app(t)
  await t.rejects(start(built, servers, [{ family: 4, host: '127.0.0.1' }], 80), { code: 'TVS_ERR_LISTEN_FAILED', message: /ports below 1024/ })
})

t.test('close lets an in-flight request finish, then stops', async (t) => {
  const { app: built, servers } = await app(t)
  let release: () => void = () => {}
  let arrived: () => void = () => {}
  const inside = new Promise<void>((resolve) => { arrived = resolve })
  built.get('/slow', async () => {
    arrived()
    await new Promise<void>((resolve) => { release = resolve })
    return 'finished'
  })
  const started = await start(built, servers, [{ family: 6, host: '::1' }, { family: 4, host: '127.0.0.1' }], 0)
  const port = started.addresses[0]!.port
  const slow = request(`http://127.0.0.1:${port}/slow`)
  await inside
  const closing = started.close()
  // New connections are refused while the in-flight request is still running.
  await t.rejects(request(`http://[::1]:${port}/healthz`), { code: 'ECONNREFUSED' })
  release()
  t.equal((await slow).body, 'finished')
  await closing
  t.equal(built.server.listening, false)
})

t.test('close cuts connections still open after the grace period', async (t) => {
  const { app: built, servers } = await app(t)
  let arrived: () => void = () => {}
  const inside = new Promise<void>((resolve) => { arrived = resolve })
  built.get('/forever', async () => {
    arrived()
    return new Promise(() => {})
  })
  const started = await start(built, servers, [{ family: 4, host: '127.0.0.1' }], 0)
  const stuck = request(`http://127.0.0.1:${started.addresses[0]!.port}/forever`)
  await inside
  await started.close(50)
  await t.rejects(stuck, { code: 'ECONNRESET' })
})

t.test('secondary() before Fastify made its server is a programming error', async (t) => {
  const servers = new ServerSet((handler) => createServer(handler) as Server)
  t.throws(() => servers.secondary(), /before Fastify created its server/)
})

t.test('an upgrade on a second address goes where the primary sends upgrades, or is closed', async (t) => {
  const servers = new ServerSet((handler) => createServer(handler) as Server)
  const primary = servers.factory(() => {})
  const secondary = servers.secondary()
  const socket = () => new Socket()
  // No WebSocket route behind the primary: the socket is closed.
  const lone = socket()
  secondary.emit('upgrade', {}, lone, Buffer.alloc(0))
  t.ok(lone.destroyed, 'closed')
  // With one, the primary's listener gets the request.
  const seen: unknown[] = []
  primary.on('upgrade', (request: unknown) => seen.push(request))
  const request = { url: '/ws' }
  const handed = socket()
  secondary.emit('upgrade', request, handed, Buffer.alloc(0))
  t.same(seen, [request])
  t.notOk(handed.destroyed, 'left to the primary')
  handed.destroy()
})
