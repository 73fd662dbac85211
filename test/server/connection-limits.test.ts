import { createServer } from 'node:http'
import { connect } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import t from 'tap'
import { parseAddress } from '../../src/access/ip-address.js'
import type { Address } from '../../src/access/ip-address.js'
import { addressKey, connectionLimits } from '../../src/server/connection-limits.js'

const key = (text: string): string => addressKey(parseAddress(text) as Address)

t.test('an address is counted by itself, an IPv6 one by its /64', async (t) => {
  t.equal(key('192.168.1.20'), key('::ffff:192.168.1.20'), 'IPv4-mapped IPv6 is the IPv4 address')
  t.not(key('192.168.1.20'), key('192.168.1.21'))
  t.equal(key('2001:db8:1:2::1'), key('2001:db8:1:2:ffff::9'), 'one home network')
  t.not(key('2001:db8:1:2::1'), key('2001:db8:1:3::1'))
})

t.test('connections over the limit are closed at once and reported; a closed one frees its place', async (t) => {
  const refused: string[] = []
  const server = createServer((_request, response) => response.end('ok'))
  connectionLimits({ headersTimeoutMs: 20_000, requestTimeoutMs: 0, maxPerAddress: 2, uncounted: () => false, onRefused: (k, address) => refused.push(`${k} ${address}`) })(server)
  t.equal(server.headersTimeout, 20_000)
  t.equal(server.requestTimeout, 0)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.closeAllConnections(); server.close() })
  const { port } = server.address() as AddressInfo
  const open = (): Promise<Socket> => new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.on('error', () => {})
    socket.once('connect', () => resolve(socket))
  })
  const closed = (socket: Socket): Promise<void> => new Promise((resolve) => {
    if (socket.destroyed) resolve()
    else socket.once('close', () => resolve())
  })
  const serverSide: Socket[] = []
  server.on('connection', (socket: Socket) => { serverSide.push(socket) })
  const first = await open()
  const second = await open()
  const third = await open()
  await closed(third)
  t.same(refused, [`${key('127.0.0.1')} 127.0.0.1`])
  // Once the server has seen a connection close, its place is free again.
  first.destroy()
  second.destroy()
  await Promise.all(serverSide.slice(0, 2).map(closed))
  const fourth = await open()
  const answer = await new Promise<string>((resolve) => {
    let text = ''
    fourth.on('data', (chunk: Buffer) => { text += chunk.toString() })
    fourth.once('end', () => resolve(text))
    fourth.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')
  })
  t.match(answer, /^HTTP\/1\.1 200 OK\r\n[^]*ok$/)
  t.equal(refused.length, 1)
})
