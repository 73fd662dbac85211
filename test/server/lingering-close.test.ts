import { createServer, connect } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import t from 'tap'
import type { Test } from 'tap'
import { lingerOnClose } from '../../src/server/lingering-close.js'

/** A server whose one connection lingers with these bounds; resolves with both ends. */
async function pair (t: Test, ms: number, bytes: number): Promise<{ server: Socket, client: Socket }> {
  const listener = createServer()
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { listener.close() })
  const accepted = new Promise<Socket>((resolve) => listener.once('connection', resolve))
  // Half-open, as an uploading client is: it keeps sending after the server's end.
  const client = connect({ port: (listener.address() as AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true })
  client.on('error', () => {})
  const server = await accepted
  lingerOnClose(server, ms, bytes)
  return { server, client }
}

function ended (socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.once('end', () => resolve()))
}

t.test('after the answer the server ends its side and reads on, then closes once a client sends more than the bound', async (t) => {
  const { server, client } = await pair(t, 60_000, 1000)
  let answer = ''
  client.on('data', (chunk: Buffer) => { answer += chunk.toString() })
  server.write('refused\n')
  ;(server as Socket & { destroySoon: () => void }).destroySoon()
  await ended(client)
  t.equal(answer, 'refused\n', 'the answer, then the end of the server\'s side')
  t.notOk(server.destroyed, 'still reading')
  client.write(Buffer.alloc(2000))
  await new Promise((resolve) => server.once('close', resolve))
  t.pass('closed after more than 1000 bytes')
})

t.test('a client that keeps its side open is cut after the time bound', async (t) => {
  const { server, client } = await pair(t, 50, 1_000_000)
  server.resume()
  ;(server as Socket & { destroySoon: () => void }).destroySoon()
  await ended(client)
  client.write('a little')
  await new Promise((resolve) => server.once('close', resolve))
  t.pass('closed after 50 ms')
})
