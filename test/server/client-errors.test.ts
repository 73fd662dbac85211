import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import type { Socket } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import type { Test } from 'tap'
import { openAccessLog } from '../../src/log/access-log.js'
import { createAccessRecorder } from '../../src/log/access-recorder.js'
import { createConsoleLogger } from '../../src/log/console.js'
import { clientErrorHandler } from '../../src/server/client-errors.js'

/** A connected pair of real sockets: the server's side and the client's. */
async function pair (t: Test, host = '127.0.0.1'): Promise<{ server: Socket, client: Socket, answer: () => Promise<string> }> {
  const listener = createServer()
  listener.listen(0, host)
  await once(listener, 'listening')
  t.teardown(() => { listener.close() })
  const accepted = once(listener, 'connection')
  const client = connect((listener.address() as { port: number }).port, '127.0.0.1')
  const [server] = await accepted as [Socket]
  t.teardown(() => { client.destroy(); server.destroy() })
  let text = ''
  client.on('data', (chunk) => { text += chunk.toString() })
  client.on('error', () => {})
  return { server, client, answer: async () => { await once(client, 'close'); return text } }
}

function setUp (t: Test) {
  let err = ''
  const path = join(t.testdir({}), 'access.log')
  const log = openAccessLog(path, () => {})
  const logger = createConsoleLogger('info', { stdout: { write: () => {} }, stderr: { write: (s: string) => { err += s } } })
  const handle = clientErrorHandler(createAccessRecorder(log, logger))
  return { handle, err: () => err, lines: async () => { await log.close(); return readFileSync(path, 'utf8') } }
}

t.test('headers that never finish: 408, logged as a timeout (an IPv4 client of a dual-stack socket, unmapped)', async (t) => {
  const s = setUp(t)
  const { server, answer } = await pair(t, '::')
  t.equal(server.remoteAddress, '::ffff:127.0.0.1')
  s.handle(Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), server)
  t.match(await answer(), /^HTTP\/1\.1 408 Request Timeout\r\n[^]*Request Timeout: the request did not arrive in time\.\n$/)
  t.match(s.err(), 'Dropped a request from 127.0.0.1: it did not arrive in time (408).')
  t.match(await s.lines(), / client=127\.0\.0\.1 forwarded_from=- user=- method=- path="" status=408 reason=timeout ua=-\n$/)
})

t.test('a client gone mid-request is no refusal; a socket already closed is logged, never written to', async (t) => {
  const s = setUp(t)
  const reset = await pair(t)
  s.handle(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), reset.server)
  const closed = await pair(t)
  closed.server.destroy()
  const error = Object.assign(new Error('Parse Error: Invalid method encountered'), { code: 'HPE_INVALID_METHOD', rawPacket: Buffer.from('\u0000garbage') })
  t.doesNotThrow(() => s.handle(error, closed.server))
  t.equal(await closed.answer(), '')
  const lines = (await s.lines()).split('\n').filter(Boolean)
  t.equal(lines.length, 1)
  t.match(lines[0], / client=- forwarded_from=- user=- method=- path="" status=400 reason=malformed ua=-$/)
  t.match(s.err(), 'Refused a malformed request from - (400, HPE_INVALID_METHOD).')
})

t.test('an error without a code is malformed, named by its message; CONNECT without a target still answers', async (t) => {
  const s = setUp(t)
  const odd = await pair(t)
  s.handle(new Error('something odd'), odd.server)
  t.match(await odd.answer(), /^HTTP\/1\.1 400 Bad Request\r\n/)
  const proxy = await pair(t)
  s.handle(Object.assign(new Error('CONNECT request'), { code: 'TVS_CONNECT' }), proxy.server)
  t.match(await proxy.answer(), /^HTTP\/1\.1 405 Method Not Allowed\r\n/)
  t.match(s.err(), 'Refused a malformed request from 127.0.0.1 (400, something odd).')
  t.match(s.err(), 'Refused a CONNECT request from 127.0.0.1 for -: this server is not a proxy (405).')
})
