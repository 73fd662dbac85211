import { createServer } from 'node:https'
import type { Server } from 'node:https'
import { once } from 'node:events'
import { connect } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import t from 'tap'
import type { Test } from 'tap'
import { createHostGuard } from '../../src/access/host-guard.js'
import { answerPlainHttp, plainHttpAnswer } from '../../src/server/tls-plain-http.js'
import { request } from '../helpers/http.js'
import { httpsGet } from '../helpers/https.js'
import { issue, makeCa } from '../helpers/pki.js'

const ca = await makeCa()
const leaf = await issue(ca)

async function tlsServer (t: Test, timeoutMs?: number): Promise<{ server: Server, port: number }> {
  const server = createServer({ cert: leaf.cert, key: leaf.key }, (_req, res) => res.end('secret\n'))
  answerPlainHttp(server, undefined, timeoutMs)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  }))
  return { server, port: (server.address() as AddressInfo).port }
}

/** Sends `chunks` one by one and resolves with everything received until the server closes. */
function raw (port: number, ...chunks: Array<string | Buffer>): Promise<{ data: string, socket: Socket }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let data = ''
    socket.on('data', (chunk) => { data += chunk.toString('latin1') })
    socket.on('error', () => {})
    socket.on('close', () => resolve({ data, socket }))
    const send = (): void => {
      const next = chunks.shift()
      if (next !== undefined) socket.write(next, send)
    }
    socket.on('connect', send)
  })
}

t.test('the answer redirects to the same address over https when the request names its host', async (t) => {
  const cases: Array<[string, string | undefined]> = [
    ['GET /chat?x=1 HTTP/1.1\r\nHost: 192.168.1.20:8000\r\n\r\n', 'https://192.168.1.20:8000/chat?x=1'],
    ['GET / HTTP/1.1\r\nhost:  [fd00::20]:8000 \r\n\r\n', 'https://[fd00::20]:8000/'],
    ['POST /api HTTP/1.1\r\nHost: my-pc.local\r\nContent-Length: 0\r\n\r\n', 'https://my-pc.local/api'],
    ['GET http://example.com/ HTTP/1.1\r\nHost: my-pc\r\n\r\n', 'https://my-pc/'],
    ['GET /caf\xe9 HTTP/1.1\r\nHost: my-pc\r\n\r\n', 'https://my-pc/'],
    ['GET / HTTP/1.0\r\n\r\n', undefined],
    ['GET / HTTP/1.1\r\nHost: evil.example/@x\r\n\r\n', undefined],
    ['GET / HTTP/1.1\r\nHost: a b\r\n\r\n', undefined],
    ['GET / HTTP/1.1\r\nHost: [::1]evil.example\r\n\r\n', undefined],
    ['GET / HTTP/1.1\r\nHost: localhost:evil.example\r\n\r\n', undefined],
    ['GET / HTTP/1.1\r\nHost: 127.0.0.1:80.evil.example\r\n\r\n', undefined],
    ['GET / HTTP/1.1\r\nHost: localhost:99999\r\n\r\n', undefined],
    ['\x00\x01 garbage', undefined]
  ]
  for (const [head, location] of cases) {
    const answer = plainHttpAnswer(head)
    if (location === undefined) {
      t.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/, JSON.stringify(head))
      t.notMatch(answer, /Location/)
      t.match(answer, /\r\n\r\nThis port speaks HTTPS only: use https:\/\/ instead of http:\/\/ in the address\.\n$/)
    } else {
      t.match(answer, `HTTP/1.1 307 Temporary Redirect\r\nLocation: ${location}\r\n`, JSON.stringify(head))
      t.match(answer, `\r\n\r\nThis port speaks HTTPS only: use ${location} instead.\n`)
    }
    t.match(answer, /Content-Type: text\/plain; charset=utf-8\r\nContent-Length: \d+\r\nCache-Control: no-store\r\nConnection: close\r\n/)
  }
})

t.test('a redirect names only a host the Host guard allows', async (t) => {
  const guard = createHostGuard(['my-pc'], [])
  const allows = (host: string): boolean => guard.allows(host)
  t.match(plainHttpAnswer('GET /x HTTP/1.1\r\nHost: my-pc:8000\r\n\r\n', allows), 'Location: https://my-pc:8000/x\r\n')
  const refused = plainHttpAnswer('GET /x HTTP/1.1\r\nHost: evil.example\r\n\r\n', allows)
  t.match(refused, /^HTTP\/1\.1 400 Bad Request\r\n/)
  t.notMatch(refused, /Location|evil/)
})

t.test('plain HTTP to the TLS port gets the answer in plain HTTP; TLS on the same port still works', async (t) => {
  const { port } = await tlsServer(t)
  const response = await request(`http://127.0.0.1:${port}/chat`)
  t.equal(response.status, 307)
  t.equal(response.headers.location, `https://127.0.0.1:${port}/chat`)
  t.equal(response.body, `This port speaks HTTPS only: use https://127.0.0.1:${port}/chat instead.\n`)
  t.equal((await httpsGet(`https://127.0.0.1:${port}/`, { ca: ca.cert })).body, 'secret\n')
})

t.test('a request head arriving in pieces is answered once complete', async (t) => {
  const { port } = await tlsServer(t)
  const { data } = await raw(port, 'G', 'ET /x HTTP/1.1\r\n', 'Host: pc:1\r\n', '\r\n')
  t.match(data, /^HTTP\/1\.1 307 Temporary Redirect\r\nLocation: https:\/\/pc:1\/x\r\n/)
})

t.test('something that is not HTTP gets a 400 once it fills the head limit', async (t) => {
  const { port } = await tlsServer(t)
  const { data } = await raw(port, Buffer.alloc(9000, 'x'))
  t.match(data, /^HTTP\/1\.1 400 Bad Request\r\n/)
})

t.test('a connection that never completes its first bytes is dropped after the timeout', async (t) => {
  const { port } = await tlsServer(t, 50)
  t.equal((await raw(port)).data, '', 'nothing sent')
  t.equal((await raw(port, 'GET / HTTP/1.1\r\n')).data, '', 'half a request head')
})

t.test('garbage after a handshake byte, and resets, do not crash the server', async (t) => {
  const { port } = await tlsServer(t)
  const garbage = await raw(port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0xff]))
  t.notMatch(garbage.data, /HTTP/, 'TLS answers with an alert, not HTTP')
  await new Promise<void>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.resetAndDestroy()
      resolve()
    })
  })
  t.equal((await httpsGet(`https://127.0.0.1:${port}/`, { ca: ca.cert })).body, 'secret\n', 'still serving')
})

t.test('a graceful stop does not wait for connections that have sent nothing yet', { timeout: 10_000 }, async (t) => {
  const { server, port } = await tlsServer(t, 3_600_000)
  const accepted = once(server, 'connection')
  const silent = connect(port, '127.0.0.1')
  silent.on('error', () => {})
  await accepted
  // Were the first-bytes stage not idle, close() would wait out the hour and the test time out.
  const closed = new Promise((resolve) => silent.on('close', resolve))
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await closed
  t.pass('closed at once')
})

t.test('a graceful stop does not wait for a plain-HTTP client that keeps its end open', { timeout: 10_000 }, async (t) => {
  const { server, port } = await tlsServer(t, 3_600_000)
  const client = connect({ port, host: '127.0.0.1', allowHalfOpen: true })
  client.on('error', () => {})
  let answer = ''
  client.on('data', (chunk) => { answer += chunk.toString() })
  const answered = once(client, 'end')
  client.write('GET / HTTP/1.1\r\nHost: pc\r\n\r\n')
  await answered
  t.match(answer, /^HTTP\/1\.1 307 /)
  t.teardown(() => client.destroy())
  // Were the answered connection not idle, close() would wait for the client to close its end.
  await new Promise<void>((resolve) => server.close(() => resolve()))
  t.pass('closed at once')
})
