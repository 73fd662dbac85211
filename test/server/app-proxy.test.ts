/**
 * The app behind the gate, over real sockets: a test app on loopback, the gate in front on port 0.
 */
import { createServer as createHttpServer, request as httpRequest } from 'node:http'
import type { IncomingMessage } from 'node:http'
import { createServer as createNetServer, connect } from 'node:net'
import type { Server as NetServer } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import { once } from 'node:events'
import t from 'tap'
import type { Test } from 'tap'
import { WebSocket } from 'ws'
import { testApp } from '../helpers/app.js'
import { oneConnection, request } from '../helpers/http.js'
import { startUpstream } from '../helpers/upstream.js'
import type { Echo } from '../helpers/upstream.js'
import { createServer as createHttpsServer } from 'node:https'
import { issue, makeCa } from '../helpers/pki.js'
import { hashPassword } from '../../src/access/password-hash.js'

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
const ALICE = basic('alice', 'wonderland')
/** The gate of the remote set-up: a whitelist (all of 127.0.0.0/8 but .9) and Basic auth. */
const GATE = { whitelist: ['127.0.0.1-127.0.0.8'], basicAuthMode: true, basicAuthUser: { username: 'alice', password: 'wonderland' } }

async function gate (t: Test, upstream: string, overrides: Record<string, unknown> = {}) {
  const { app: appKeys, ...rest } = overrides as { app?: Record<string, unknown> }
  const made = await testApp(t, { ...GATE, ...rest, app: { upstream, ...appKeys } })
  await made.app.listen({ host: '127.0.0.1', port: 0 })
  const origin = `http://127.0.0.1:${(made.app.server.address() as AddressInfo).port}`
  return { ...made, origin }
}

function header (echo: Echo, name: string): string[] {
  const values: string[] = []
  for (let i = 0; i < echo.rawHeaders.length; i += 2) {
    if ((echo.rawHeaders[i] as string).toLowerCase() === name.toLowerCase()) values.push(echo.rawHeaders[i + 1] as string)
  }
  return values
}

/** Opens a WebSocket through the gate; resolves with the first message, or the refusal's status. */
function openSocket (url: string, headers: Record<string, string> = {}, localAddress?: string): Promise<{ ws?: WebSocket, first?: string, status?: number, headers?: IncomingMessage['headers'] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, ...(localAddress === undefined ? {} : { localAddress }) })
    ws.once('message', (data) => resolve({ ws, first: String(data) }))
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      res.resume()
      resolve({ status: res.statusCode as number, headers: res.headers })
    })
    ws.once('error', reject)
  })
}

/** Listens on loopback, on a free port, until the test ends; resolves with its origin. */
async function listening (t: Test, server: NetServer, scheme = 'http'): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.close() })
  return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`
}

t.test('a request goes to the app with its method, path and query; the answer comes back whole', async (t) => {
  const upstream = await startUpstream(t)
  const { origin } = await gate(t, upstream.url)
  const answer = await request(`${origin}/echo/a%2Fb/c%20d?q=1&q=2`, { method: 'PATCH', headers: { authorization: ALICE }, body: 'hi' })
  t.equal(answer.status, 200)
  const echo = JSON.parse(answer.body) as Echo
  t.equal(echo.method, 'PATCH')
  t.equal(echo.url, '/echo/a%2Fb/c%20d?q=1&q=2', 'the target as the client wrote it')
  t.equal(echo.bodyBytes, 2)
  t.same(answer.headers['set-cookie'], ['first=1; Path=/', 'second=2; Path=/'], 'every Set-Cookie')
  t.equal(answer.headers['content-type'], 'application/json')
  const head = await request(`${origin}/echo`, { method: 'HEAD', headers: { authorization: ALICE } })
  t.equal(head.status, 200)
  t.equal(head.body, '')
})

t.test('what the gate consumed and what a client could forge stays at the gate; the gate says who logged in', async (t) => {
  const upstream = await startUpstream(t)
  // Forwarded headers from a loopback peer that is no trusted proxy make a relayed request (issue
  // 15), which no whitelist entry admits: with satisfy: any, its password lets it in.
  const { origin } = await gate(t, upstream.url, { satisfy: 'any' })
  const answer = await request(`${origin}/echo`, {
    localAddress: '127.0.0.2',
    headers: {
      host: 'tavern-test.local:8000',
      authorization: ALICE,
      'remote-user': 'bob',
      'x-authentik-username': 'bob',
      'x-forwarded-for': '10.0.0.1',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'https',
      'x-forwarded-port': '1',
      forwarded: 'for=10.0.0.1',
      'x-real-ip': '10.0.0.1',
      'cf-connecting-ip': '10.0.0.1',
      'true-client-ip': '10.0.0.1',
      'proxy-authorization': 'Basic eA==',
      connection: 'keep-alive, x-hop',
      'x-hop': 'gone',
      te: 'trailers',
      cookie: 'theme=dark',
      'x-kept': 'yes'
    }
  })
  t.equal(answer.status, 200)
  const echo = JSON.parse(answer.body) as Echo
  t.same(header(echo, 'remote-user'), ['alice'], 'the user the gate authenticated, once')
  t.same(header(echo, 'host'), [`127.0.0.1:${upstream.port}`], 'the app is asked for by its own name')
  t.same(header(echo, 'x-forwarded-host'), ['tavern-test.local:8000'])
  t.same(header(echo, 'x-forwarded-proto'), ['http'])
  t.same(header(echo, 'cookie'), ['theme=dark'], 'the app\'s own cookies pass')
  t.same(header(echo, 'x-kept'), ['yes'])
  for (const gone of ['authorization', 'x-authentik-username', 'x-forwarded-for', 'x-forwarded-port', 'forwarded', 'x-real-ip',
    'cf-connecting-ip', 'true-client-ip', 'proxy-authorization', 'x-hop', 'te']) {
    t.same(header(echo, gone), [], `${gone} is removed`)
  }
})

t.test('forwardClientAddress: the app is told the client address', async (t) => {
  const upstream = await startUpstream(t)
  const { origin } = await gate(t, upstream.url, { satisfy: 'any', app: { forwardClientAddress: true } })
  const echo = JSON.parse((await request(`${origin}/echo`, { localAddress: '127.0.0.3', headers: { authorization: ALICE, 'x-forwarded-for': '10.0.0.1' } })).body) as Echo
  t.same(header(echo, 'x-forwarded-for'), ['127.0.0.3'])
  t.same(header(echo, 'x-real-ip'), ['127.0.0.3'])
})

t.test('another user header, or none; without Basic auth the Authorization header is the app\'s', async (t) => {
  const upstream = await startUpstream(t)
  const other = await gate(t, upstream.url, { app: { userHeader: 'X-Webauth-User' } })
  const echo = JSON.parse((await request(`${other.origin}/echo`, { headers: { authorization: ALICE, 'remote-user': 'bob', 'x-webauth-user': 'bob' } })).body) as Echo
  t.same(header(echo, 'x-webauth-user'), ['alice'])
  t.same(header(echo, 'remote-user'), [], 'a client-sent Remote-User is removed whatever the header')

  const none = await gate(t, upstream.url, { app: { userHeader: '' } })
  const silent = JSON.parse((await request(`${none.origin}/echo`, { headers: { authorization: ALICE, 'remote-user': 'bob' } })).body) as Echo
  t.same(header(silent, 'remote-user'), [], 'no user header, and the client\'s removed')

  const open = await gate(t, upstream.url, { basicAuthMode: false })
  const own = JSON.parse((await request(`${open.origin}/echo`, { headers: { authorization: 'Bearer app-token', 'remote-user': 'admin' } })).body) as Echo
  t.same(header(own, 'authorization'), ['Bearer app-token'], 'the gate did not check it: it is the app\'s')
  t.same(header(own, 'remote-user'), [], 'nobody logged in at the gate: no user, and the client\'s removed')
})

t.test('an event stream arrives chunk by chunk: the first before the app writes the last', async (t) => {
  const upstream = await startUpstream(t)
  const { origin } = await gate(t, upstream.url)
  const { port } = new URL(origin)
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path: '/stream', headers: { authorization: ALICE } }, resolve).on('error', reject).end()
  })
  t.equal(response.headers['content-type'], 'text/event-stream')
  await upstream.streamStarted
  const chunks: string[] = []
  response.setEncoding('utf8')
  const first = once(response, 'data')
  upstream.next('data: one\n\n')
  chunks.push(String((await first)[0]))
  t.same(chunks, ['data: one\n\n'], 'the first chunk arrived while the app still holds the rest')
  response.on('data', (chunk: string) => chunks.push(chunk))
  upstream.next('data: two\n\n')
  upstream.next('data: three\n\n', true)
  await once(response, 'end')
  t.equal(chunks.join(''), 'data: one\n\ndata: two\n\ndata: three\n\n')
})

/** An upload the way curl sends a big file: Expect: 100-continue, the body only after the 100. */
function uploadWithExpect (origin: string, size: number, headers: Record<string, string>): Promise<{ status: number, body: string, continued: boolean }> {
  const { port } = new URL(origin)
  return new Promise((resolve, reject) => {
    let continued = false
    const req = httpRequest({ host: '127.0.0.1', port, path: '/upload', method: 'POST', headers: { ...headers, expect: '100-continue', 'content-length': size } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode as number, body: Buffer.concat(chunks).toString(), continued }))
    })
    req.on('continue', () => {
      continued = true
      req.end(Buffer.alloc(size, 120))
    })
    req.on('error', reject)
    req.flushHeaders()
  })
}

t.test('an upload sent with Expect: 100-continue passes the gate and reaches the app whole, without Expect', async (t) => {
  const upstream = await startUpstream(t)
  const { origin } = await gate(t, upstream.url)
  const sent = await uploadWithExpect(origin, 5 * 1024 * 1024, { authorization: ALICE })
  t.ok(sent.continued, 'the client was told to go on')
  t.equal(sent.status, 200)
  const echo = JSON.parse(sent.body) as Echo
  t.equal(echo.bodyBytes, 5 * 1024 * 1024)
  t.same(header(echo, 'expect'), [])
  const refused = await uploadWithExpect(origin, 1024, {})
  t.equal(refused.status, 401, 'without credentials: refused, whether or not the body was sent')
})

t.test('a chunked upload streams through; a body over app.maxBodyMB is refused with 413 before the app sees it', async (t) => {
  const upstream = await startUpstream(t)
  const { origin } = await gate(t, upstream.url, { app: { maxBodyMB: 1 } })
  const { port } = new URL(origin)
  const chunked = (size: number) => new Promise<{ status: number, body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/upload', method: 'PUT', headers: { authorization: ALICE, 'transfer-encoding': 'chunked' } }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (c: string) => { body += c }).on('end', () => resolve({ status: res.statusCode as number, body }))
    })
    req.on('error', reject)
    for (let sent = 0; sent < size; sent += 64 * 1024) req.write(Buffer.alloc(Math.min(64 * 1024, size - sent), 121))
    req.end()
  })
  const small = await chunked(1024 * 1024)
  t.equal(small.status, 200)
  t.equal((JSON.parse(small.body) as Echo).bodyBytes, 1024 * 1024, 'exactly the limit passes')
  const seen = upstream.requests()
  const declared = await request(`${origin}/upload`, { method: 'POST', headers: { authorization: ALICE }, body: Buffer.alloc(1024 * 1024 + 1) })
  t.equal(declared.status, 413)
  t.match(declared.body, 'app.maxBodyMB')
  t.equal(declared.headers['x-content-type-options'], 'nosniff', 'our answer, with our security headers')
  t.equal(upstream.requests(), seen, 'a declared length over the limit never reaches the app')
  t.equal((await chunked(3 * 1024 * 1024)).status, 413, 'a chunked body is cut off at the limit')
})

t.test('a WebSocket goes through the gate to the app, with the user who logged in', async (t) => {
  const upstream = await startUpstream(t)
  const { origin } = await gate(t, upstream.url)
  const ws = origin.replace('http', 'ws')
  const opened = await openSocket(`${ws}/socket?x=1`, { authorization: ALICE, 'remote-user': 'bob' })
  t.equal(opened.first, 'hello alice')
  const socket = opened.ws as WebSocket
  socket.send('ping')
  t.equal(String((await once(socket, 'message'))[0]), 'echo ping')
  socket.close()
  await once(socket, 'close')
})

t.test('a refused client never causes a connection to the app, over HTTP or WebSocket', async (t) => {
  const upstream = await startUpstream(t)
  const { origin } = await gate(t, upstream.url)
  const ws = origin.replace('http', 'ws')
  const { port } = new URL(origin)
  const attempts: Array<[string, () => Promise<number | undefined>]> = [
    ['no credentials', async () => (await request(`${origin}/echo`)).status],
    ['a wrong password', async () => (await request(`${origin}/echo`, { headers: { authorization: basic('alice', 'guess') } })).status],
    ['an address off the whitelist', async () => (await request(`${origin}/echo`, { localAddress: '127.0.0.9', headers: { authorization: ALICE } })).status],
    ['a foreign Host', async () => (await request(`${origin}/echo`, { headers: { authorization: ALICE, host: 'rebind.example' } })).status],
    ['a POST without credentials', async () => (await request(`${origin}/echo`, { method: 'POST', body: 'x'.repeat(100_000) })).status],
    ['a WebSocket without credentials', async () => (await openSocket(`${ws}/socket`)).status],
    ['a WebSocket off the whitelist', async () => (await openSocket(`${ws}/socket`, { authorization: ALICE }, '127.0.0.9')).status],
    ['a WebSocket with a foreign Host', async () => (await openSocket(`${ws}/socket`, { authorization: ALICE, host: 'rebind.example' })).status]
  ]
  for (const [name, attempt] of attempts) t.ok([401, 403].includes(await attempt() as number), `${name}: refused`)
  // The same refused upgrade 50 times at once.
  const many = await Promise.all(Array.from({ length: 50 }, async () => (await openSocket(`${ws}/socket`)).status))
  t.same(new Set(many), new Set([401]))
  // A raw upgrade that hangs up before the answer must not hurt the server.
  const raw = connect(Number(port), '127.0.0.1')
  raw.end('GET /socket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n')
  raw.resume()
  await once(raw, 'close')
  t.equal(upstream.connections(), 0, 'the app never saw a connection')
  t.equal((await request(`${origin}/echo`, { headers: { authorization: ALICE } })).status, 200)
  t.equal(upstream.connections(), 1, 'the first admitted request is the first connection')
})

t.test('/healthz and every path under /_tavern/ are the gate\'s own, never forwarded', async (t) => {
  const upstream = await startUpstream(t)
  const { origin } = await gate(t, upstream.url)
  t.equal((await request(`${origin}/healthz`)).body, 'ok\n')
  for (const path of ['/_tavern/', '/_tavern/login', '/_tavern', '/_tavern?x=1']) {
    t.equal((await request(`${origin}${path}`, { headers: { authorization: ALICE } })).status, 404, path)
  }
  t.equal(upstream.requests(), 0)
  t.equal((await request(`${origin}/robots.txt`, { headers: { authorization: ALICE } })).status, 200, 'robots.txt is the app\'s')
  t.equal(upstream.requests(), 1)
})

t.test('50 requests at once all reach the app and come back to their own client', async (t) => {
  const upstream = await startUpstream(t)
  const { origin } = await gate(t, upstream.url)
  const answers = await Promise.all(Array.from({ length: 50 }, async (_, i) => request(`${origin}/echo/${i}`, { headers: { authorization: ALICE } })))
  answers.forEach((answer, i) => t.equal((JSON.parse(answer.body) as Echo).url, `/echo/${i}`))
})

/** A server on a fixed port that can stop and start again, like an app being restarted. */
async function restartable (t: Test) {
  let server = createHttpServer((_req, res) => res.end('back'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  t.teardown(() => { server.close() })
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections() }),
    start: async () => {
      server = createHttpServer((_req, res) => res.end('back'))
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    }
  }
}

t.test('the app down: 502 naming its address, HTML for browsers; one warning per outage and a line when it is back', async (t) => {
  const app = await restartable(t)
  const { origin, err, out } = await gate(t, app.url)
  await app.stop()
  const text = await request(`${origin}/chat`, { headers: { authorization: ALICE } })
  t.equal(text.status, 502)
  t.match(text.headers['content-type'], 'text/plain')
  t.match(text.body, `Bad Gateway: the app behind tavern-server, at ${app.url}, refused the connection`)
  const html = await request(`${origin}/chat`, { headers: { authorization: ALICE, accept: 'text/html' } })
  t.equal(html.status, 502)
  t.match(html.body, /^<!doctype html>[^]*502 Bad Gateway[^]*app\.upstream in /)
  const socket = await openSocket(`${origin.replace('http', 'ws')}/socket`, { authorization: ALICE })
  t.equal(socket.status, 502, 'a WebSocket too')
  for (const [name, headers] of [['text', text.headers], ['page', html.headers], ['WebSocket', socket.headers]] as const) {
    t.match(headers, { 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'content-security-policy': /default-src 'none'/ }, `${name}: our answer, with our security headers`)
  }
  t.equal(err().split('\n').filter((line) => line.includes('answering 502 Bad Gateway until it is back')).length, 1, 'one warning for three failures')
  await app.start()
  t.equal((await request(`${origin}/chat`, { headers: { authorization: ALICE } })).body, 'back')
  t.match(out(), `The app at ${app.url} answers again.`)
})

t.test('504 when the app does not start answering in time; a stream that keeps sending is never cut', async (t) => {
  const upstream = await startUpstream(t)
  const { origin, err } = await gate(t, upstream.url, { app: { responseTimeoutSeconds: 1 } })
  upstream.routes.set('/slow-stream', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    let sent = 0
    const timer = setInterval(() => {
      res.write(`data: ${++sent}\n\n`)
      if (sent === 5) {
        clearInterval(timer)
        res.end()
      }
    }, 400)
  })
  // Both at once: each waits on its own timers.
  const [slow, stream] = await Promise.all([
    request(`${origin}/hang`, { headers: { authorization: ALICE, accept: 'text/html' } }),
    request(`${origin}/slow-stream`, { headers: { authorization: ALICE } })
  ])
  t.equal(slow.status, 504)
  t.match(slow.body, 'did not start answering within 1 seconds')
  await upstream.hangClosed
  t.match(err(), 'answered 504 Gateway Timeout (app.responseTimeoutSeconds in')
  t.equal(stream.body, 'data: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\ndata: 5\n\n', '2 seconds of stream, past the 1-second limit')
})

t.test('a WebSocket to an app that accepts and never answers gets 504', async (t) => {
  const silent = createNetServer((socket: Socket) => { socket.on('error', () => {}) })
  const { origin } = await gate(t, await listening(t, silent), { app: { responseTimeoutSeconds: 1 } })
  t.equal((await openSocket(`${origin.replace('http', 'ws')}/socket`, { authorization: ALICE })).status, 504)
})

t.test('a client that goes away ends its request to the app', async (t) => {
  const upstream = await startUpstream(t)
  const { origin } = await gate(t, upstream.url)
  const { port } = new URL(origin)
  const req = httpRequest({ host: '127.0.0.1', port, path: '/hang', headers: { authorization: ALICE } })
  req.on('error', () => {})
  req.end()
  while (upstream.requests() === 0) await new Promise((resolve) => setImmediate(resolve))
  req.destroy()
  await upstream.hangClosed
  t.pass('the app saw its request closed')
})

t.test('a kept-alive connection the app dropped is retried once on a fresh one', async (t) => {
  const upstream = await startUpstream(t)
  const seen = new WeakSet<object>()
  upstream.routes.set('/flaky', (req, res) => {
    if (seen.has(req.socket)) {
      req.socket.destroy()
      return
    }
    seen.add(req.socket)
    res.end('fresh')
  })
  const { origin } = await gate(t, upstream.url)
  t.equal((await request(`${origin}/flaky`, { headers: { authorization: ALICE } })).body, 'fresh')
  t.equal((await request(`${origin}/flaky`, { headers: { authorization: ALICE } })).body, 'fresh', 'the dropped connection was not the client\'s problem')
  const upload = await request(`${origin}/flaky`, { method: 'POST', body: 'x', headers: { authorization: ALICE } })
  t.equal(upload.status, 502, 'a request with a body is not sent twice')
})

t.test('an https app with a certificate this computer does not trust: 502 that says so, for HTTP and WebSocket', async (t) => {
  const leaf = await issue(await makeCa())
  const server = createHttpsServer({ key: leaf.key, cert: leaf.cert }, (_req, res) => res.end('secret'))
  const app = await listening(t, server, 'https')
  const { origin } = await gate(t, app)
  const warnings: string[] = []
  const onWarning = (warning: Error & { code?: string }): void => { warnings.push(`${warning.code ?? warning.name}: ${warning.message}`) }
  process.on('warning', onWarning)
  t.teardown(() => { process.off('warning', onWarning) })
  const answer = await request(`${origin}/`, { headers: { authorization: ALICE } })
  t.equal(answer.status, 502)
  t.match(answer.body, 'has an HTTPS certificate this computer does not trust')
  t.match(answer.headers, { 'x-content-type-options': 'nosniff' })
  t.equal((await openSocket(`${origin.replace('http', 'ws')}/`, { authorization: ALICE })).status, 502)
  // The same app by name: the name is the TLS server name (the certificate is still not trusted).
  const byName = await gate(t, app.replace('127.0.0.1', 'localhost'))
  t.equal((await openSocket(`${byName.origin.replace('http', 'ws')}/`, { authorization: ALICE })).status, 502)
  await new Promise((resolve) => setImmediate(resolve))
  t.same(warnings, [], 'no warning: the app at an address is not named as a TLS server name (RFC 6066)')
})

t.test('an upstream on tavern-server\'s own address is refused at start-up', async (t) => {
  await t.rejects(testApp(t, { port: 8123, app: { upstream: 'http://localhost:8123' } }), { code: 'TVS_ERR_CONFIG_INVALID', message: /app\.upstream: http:\/\/localhost:8123 is tavern-server's own address/ })
})


t.test('a stop closes open WebSockets at once instead of waiting for them forever', async (t) => {
  const upstream = await startUpstream(t)
  const { app, origin } = await gate(t, upstream.url)
  const opened = await openSocket(`${origin.replace('http', 'ws')}/socket`, { authorization: ALICE })
  const closed = once(opened.ws as WebSocket, 'close')
  await app.close()
  await closed
  t.pass('the server stopped and the WebSocket was closed')
})

t.test('the app\'s answer reaches the client with the app\'s headers and nothing of the gate\'s', async (t) => {
  const upstream = await startUpstream(t)
  upstream.routes.set('/page', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html', 'x-frame-options': 'SAMEORIGIN', 'cache-control': 'max-age=60', 'content-length': 5 })
    res.end('<p>hi')
  })
  const { origin } = await gate(t, upstream.url)
  const through = await request(`${origin}/page`, { headers: { authorization: ALICE, accept: 'text/html' } })
  const direct = await request(`${upstream.url}/page`)
  const endToEnd = (headers: Record<string, unknown>) => Object.keys(headers).filter((name) => !['connection', 'keep-alive', 'date'].includes(name)).sort()
  t.same(endToEnd(through.headers), endToEnd(direct.headers), 'no security header, no header of any kind added')
  t.equal(through.headers['x-frame-options'], 'SAMEORIGIN', 'the app\'s own, untouched')
  t.equal(through.body, '<p>hi')
})

t.test('a GET with a body reaches the app without it, and without a length to wait for', async (t) => {
  const upstream = await startUpstream(t)
  const { origin } = await gate(t, upstream.url)
  const answer = await request(`${origin}/echo`, { headers: { authorization: ALICE, 'content-length': '7' }, body: 'ignored' })
  t.equal(answer.status, 200)
  const echo = JSON.parse(answer.body) as Echo
  t.equal(echo.bodyBytes, 0)
  t.same(header(echo, 'content-length'), [])
})

t.test('a path with a ".." segment, in any encoding, is refused at the gate with 400', async (t) => {
  const upstream = await startUpstream(t)
  const { origin } = await gate(t, upstream.url)
  const { port } = new URL(origin)
  const raw = (target: string) => new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1')
    let text = ''
    socket.setEncoding('latin1').on('data', (chunk: string) => { text += chunk }).on('end', () => resolve(text)).on('error', reject)
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${ALICE}\r\nConnection: close\r\n\r\n`)
  })
  for (const target of ['/a/../echo', '/%2e%2e/echo', '/a/%2e%2e%2fecho', '/a/%2E%2E', '/..']) {
    const text = await raw(target)
    t.match(text, /^HTTP\/1\.1 400 /, target)
    t.match(text, 'Bad Request: a path with a ".." segment is not forwarded to the app.')
  }
  t.equal(upstream.requests(), 0)
})

t.test('an app answering with a status code HTTP does not have: 502 that says so', async (t) => {
  const odd = createNetServer((socket: Socket) => {
    socket.on('error', () => {})
    socket.once('data', () => { socket.end('HTTP/1.1 600 Odd\r\nContent-Length: 2\r\n\r\nno') })
  })
  const { origin } = await gate(t, await listening(t, odd))
  const answer = await request(`${origin}/`, { headers: { authorization: ALICE } })
  t.equal(answer.status, 502)
  t.match(answer.body, 'answered with a status code that HTTP does not have')
})

t.test('an app that does not take the WebSocket answers the client itself', async (t) => {
  const plain = createHttpServer((_req, res) => { res.writeHead(404, { 'content-type': 'text/plain', 'set-cookie': 'a=1' }).end('no sockets here') })
  const { origin } = await gate(t, await listening(t, plain))
  const answer = await new Promise<{ status: number, body: string, cookie: unknown }>((resolve, reject) => {
    const ws = new WebSocket(`${origin.replace('http', 'ws')}/socket`, { headers: { authorization: ALICE } })
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      let body = ''
      res.setEncoding('utf8').on('data', (c: string) => { body += c }).on('end', () => resolve({ status: res.statusCode as number, body, cookie: res.headers['set-cookie'] }))
    })
    ws.once('error', reject)
  })
  t.same(answer, { status: 404, body: 'no sockets here', cookie: ['a=1'] })
})

t.test('a client that leaves while its WebSocket waits for the app ends the connection to the app', async (t) => {
  let arrived!: (socket: Socket) => void
  const upgradeSent = new Promise<Socket>((resolve) => { arrived = resolve })
  const silent = createNetServer((socket: Socket) => {
    socket.on('error', () => {})
    socket.once('data', () => arrived(socket))
  })
  const { origin } = await gate(t, await listening(t, silent))
  const ws = new WebSocket(`${origin.replace('http', 'ws')}/socket`, { headers: { authorization: ALICE } })
  ws.on('error', () => {})
  const appSide = await upgradeSent
  ws.terminate()
  await once(appSide, 'close')
  t.pass('the gate closed its connection to the app')
})

t.test('a client gone before its request could be sent (a first login still being checked) never reaches the app', async (t) => {
  const upstream = await startUpstream(t)
  const hashed = { ...GATE, basicAuthUser: { username: 'alice', password: await hashPassword('wonderland') } }
  const { origin } = await gate(t, upstream.url, hashed)
  const { port } = new URL(origin)
  // The password check takes a scrypt; the client is gone long before it ends.
  const leaving = connect(Number(port), '127.0.0.1')
  leaving.on('error', () => {})
  leaving.write(`GET /echo/left HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${ALICE}\r\n\r\n`, () => leaving.destroy())
  await once(leaving, 'close')
  // The same credentials wait for the same check, and are let through right after the first.
  const staying = await request(`${origin}/echo/stayed`, { headers: { authorization: ALICE } })
  t.equal((JSON.parse(staying.body) as Echo).url, '/echo/stayed')
  t.equal(upstream.requests(), 1, 'only the client that stayed reached the app')
})

t.test('on a kept-alive connection, a client leaving during its third request ends that request at the app', async (t) => {
  const upstream = await startUpstream(t)
  const { origin } = await gate(t, upstream.url)
  const { agent, connections } = oneConnection()
  for (let i = 0; i < 2; i++) t.equal((await request(`${origin}/echo/${i}`, { agent, headers: { authorization: ALICE } })).status, 200)
  const req = httpRequest(`${origin}/hang`, { agent, headers: { authorization: ALICE } })
  req.on('error', () => {})
  req.end()
  while (upstream.requests() < 3) await new Promise((resolve) => setImmediate(resolve))
  t.equal(connections(), 1, 'all three on one connection')
  agent.destroy()
  await upstream.hangClosed
  t.pass('the app saw its request closed')
})
