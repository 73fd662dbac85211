/**
 * Slow clients and connection hoarding, over raw sockets to the real CLI: connections over
 * connections.maxPerAddress are closed at once, request heads and bodies slower than their
 * timeouts are cut, and meanwhile everyone else is served. The server's open-file limit is set
 * here (prlimit), never taken from the machine.
 */
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import t from 'tap'
import { WebSocket } from 'ws'
import { startCli } from '../helpers/cli.js'
import { request } from '../helpers/http.js'
import { startUpstream } from '../helpers/upstream.js'

/** The server's soft limit on open files, read from the kernel. */
function openFileLimit (pid: number): number {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max open files')) as string
  return Number(line.split(/\s+/)[3])
}

interface Slow { socket: Socket, answer: () => string, closed: Promise<void> }

/** A connection that sends a request head one header line at a time, every `everyMs`, forever. */
function slowClient (port: number, localAddress: string, everyMs: number): Slow {
  const socket = connect({ port, host: '127.0.0.1', localAddress })
  let answer = ''
  socket.on('data', (chunk: Buffer) => { answer += chunk.toString('latin1') })
  socket.on('error', () => {})
  socket.once('connect', () => { socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n') })
  const timer = setInterval(() => { if (socket.writable) socket.write('X-Slow: 1\r\n') }, everyMs)
  const closed = new Promise<void>((resolve) => socket.once('close', () => { clearInterval(timer); resolve() }))
  return { socket, answer: () => answer, closed }
}

t.test('connections over connections.maxPerAddress are closed at once, and the server keeps its open files for everyone else', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'whitelist:\n  - 127.0.0.0/8\n' })
  const cli = await startCli(['--port', '0'], { cwd: dir, prefix: ['prlimit', '--nofile=256:256', '--'] })
  const clients: Slow[] = []
  t.teardown(async () => { for (const c of clients) c.socket.destroy(); cli.child.kill(); await cli.exited })
  t.equal(openFileLimit(cli.child.pid as number), 256, 'the server may open 256 files')
  // More connections than the server may have files: without a limit, it could accept no more.
  for (let i = 0; i < 300; i++) clients.push(slowClient(cli.port, '127.0.0.2', 5000))
  let closedEarly = 0
  await new Promise<void>((resolve) => {
    for (const c of clients) {
      void c.closed.then(() => {
        if (++closedEarly === 300 - 64) resolve()
      })
    }
  })
  t.equal(clients.filter((c) => c.answer() !== '').length, 0, 'closed without a word')
  const served = await request(`${cli.url}healthz`, { localAddress: '127.0.0.3' })
  t.equal(served.status, 200, 'another address is served')
  t.equal((await request(`${cli.url}healthz`)).status, 200, 'and 127.0.0.1 (a tunnel or proxy on this computer) is never counted')
  await cli.waitForErr(/Too many connections from 127\.0\.0\.2: more than 64 at once \(connections\.maxPerAddress\); closing the extra ones\.\n/)
  t.equal(closedEarly, 300 - 64, 'the 64 allowed are still open')
})

t.test('while 100 slow clients hold connections a normal client is served; each is cut after connections.headersTimeoutSeconds', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'whitelist:\n  - 127.0.0.0/8\nconnections:\n  headersTimeoutSeconds: 2\n' })
  const cli = await startCli(['--port', '0'], { cwd: dir, prefix: ['prlimit', '--nofile=1024:1024', '--'] })
  const clients: Slow[] = []
  t.teardown(async () => { for (const c of clients) c.socket.destroy(); cli.child.kill(); await cli.exited })
  t.equal(openFileLimit(cli.child.pid as number), 1024)
  // Ten from each of ten addresses: under the limit per address, so only the timeout cuts them.
  for (let i = 0; i < 100; i++) clients.push(slowClient(cli.port, `127.0.1.${2 + (i % 10)}`, 200))
  await Promise.all(clients.map((c) => new Promise((resolve) => c.socket.once('connect', resolve))))
  const served = await request(`${cli.url}healthz`, { localAddress: '127.0.0.3' })
  t.equal(served.status, 200, 'served while the slow clients are connected')
  // Each is disconnected, though it keeps sending. The error answer written first (408; under
  // load Node may see a 400 first) may be lost to the reset that closing a socket with unread
  // bytes sends. Never a page.
  await Promise.all(clients.map((c) => c.closed))
  t.same(clients.filter((c) => !/^(?:HTTP\/1\.1 40[08] [^]*)?$/.test(c.answer())).map((c) => c.answer()), [], 'nothing but a 408 or 400')
})

t.test('a body slower than connections.requestTimeoutSeconds is cut; a streamed answer and a WebSocket outlive it', async (t) => {
  const upstream = await startUpstream(t)
  const dir = t.testdir({ 'config.yaml': 'connections:\n  headersTimeoutSeconds: 1\n  requestTimeoutSeconds: 2\n' })
  const cli = await startCli(['--port', '0', '--upstream', upstream.url], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })

  const chunks: string[] = []
  let chunkArrived: (() => void) | undefined
  const stream = new Promise<void>((resolve, reject) => {
    void fetch(`${cli.url}stream`).then(async (response) => {
      const reader = (response.body as ReadableStream<Uint8Array>).getReader()
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        chunks.push(Buffer.from(value).toString())
        chunkArrived?.()
      }
      resolve()
    }, reject)
  })
  await upstream.streamStarted
  const ws = new WebSocket(`${cli.url.replace('http', 'ws')}socket`)
  t.teardown(() => { ws.terminate() })
  await new Promise((resolve) => ws.once('message', resolve))

  // A whole head at once, then a body of a byte every 100 ms.
  const body = connect({ port: cli.port, host: '127.0.0.1' })
  let answer = ''
  body.on('data', (chunk: Buffer) => { answer += chunk.toString('latin1') })
  body.on('error', () => {})
  body.write('POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n')
  const trickle = setInterval(() => { if (body.writable) body.write('a') }, 100)
  await new Promise((resolve) => body.once('close', resolve))
  clearInterval(trickle)
  t.match(answer, /^(?:HTTP\/1\.1 408 Request Timeout\r\n[^]*)?$/, 'the slow body was cut (its 408 may be lost to the reset)')

  const arrived = new Promise<void>((resolve) => { chunkArrived = resolve })
  upstream.next('data: still here\n\n', true)
  await arrived
  t.match(chunks.join(''), 'data: still here', 'the stream started before it still delivers')
  await stream
  ws.send('ping')
  t.equal(String(await new Promise((resolve) => ws.once('message', resolve))), 'echo ping', 'the WebSocket still carries messages')
})
