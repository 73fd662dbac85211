import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { connect } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import { Server as TlsServer, connect as tlsConnect } from 'node:tls'
import t from 'tap'
import type { Test } from 'tap'
import { connectionLimits } from '../../src/server/connection-limits.js'
import { FIRST_REQUESTS_PER_TURN, NewConnections } from '../../src/server/new-connections.js'
import { ServerSet } from '../../src/server/node-servers.js'
import { issue, makeCa } from '../helpers/pki.js'
import { countTurns } from '../helpers/turns.js'

/** A request handled: in which turn of the event loop, and which client sent it. */
interface Served { turn: number, client: string }

interface Paced {
  port: number
  pacing: NewConnections
  served: Served[]
  /** Resolves once the server has seen `n` new connections (after a TLS handshake, for HTTPS). */
  connections: (n: number) => Promise<void>
}

/**
 * A server whose handler notes the turn each request is handled in and answers with the path
 * (the client's name). A chain of immediates counts the turns.
 */
async function paced (t: Test, make: (handler: (request: IncomingMessage, response: ServerResponse) => void) => Server, pacing: NewConnections, admit = true): Promise<Paced> {
  const turn = countTurns(t)
  const served: Served[] = []
  const server = make((request, response) => {
    if (admit) pacing.admit(request.socket)
    served.push({ turn: turn(), client: (request.url as string).slice(1) })
    response.end(request.url)
  })
  pacing.watch(server)
  let seen = 0
  const waiters: Array<{ n: number, resolve: () => void }> = []
  server.on(server instanceof TlsServer ? 'secureConnection' : 'connection', () => {
    seen++
    for (const waiter of waiters.filter((w) => w.n <= seen)) waiter.resolve()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  return {
    port: (server.address() as AddressInfo).port,
    pacing,
    served,
    connections: (n) => new Promise((resolve) => {
      if (seen >= n) resolve()
      else waiters.push({ n, resolve })
    })
  }
}

function open (port: number, tlsCa?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tlsCa === undefined
      ? connect(port, '127.0.0.1', () => resolve(socket))
      : tlsConnect({ port, host: '127.0.0.1', ca: tlsCa, servername: 'localhost' }, () => resolve(socket))
    socket.once('error', reject)
  })
}

/** Sends a request on `socket` and resolves with the whole answer once the server closes. */
function ask (socket: Socket, client: string, close = true): Promise<string> {
  return new Promise((resolve) => {
    let text = ''
    const onData = (chunk: Buffer): void => {
      text += chunk.toString()
      if (!close && text.endsWith(`/${client}`)) {
        socket.off('data', onData)
        resolve(text)
      }
    }
    socket.on('data', onData)
    socket.once('close', () => resolve(text))
    socket.write(`GET /${client} HTTP/1.1\r\nHost: localhost\r\n${close ? 'Connection: close\r\n' : ''}\r\n`)
  })
}

/** How many first requests were handled in each turn that handled any. */
function perTurn (served: readonly Served[]): number[] {
  const counts = new Map<number, number>()
  for (const { turn } of served) counts.set(turn, (counts.get(turn) ?? 0) + 1)
  return [...counts.values()]
}

/** Opens `n` connections, waits until the server has them all, then sends every request at once. */
async function burst (server: Paced, n: number, tlsCa?: string, before = 0): Promise<string[]> {
  const sockets = await Promise.all(Array.from({ length: n }, () => open(server.port, tlsCa)))
  await server.connections(before + n)
  return Promise.all(sockets.map((socket, i) => ask(socket, `c${i}`)))
}

t.test('past its budget in a turn, new connections wait and are answered a few per turn', async (t) => {
  const server = await paced(t, (handler) => createServer(handler), new NewConnections(4))
  const answers = await burst(server, 40)
  t.equal(answers.filter((a, i) => a.startsWith('HTTP/1.1 200') && a.endsWith(`/c${i}`)).length, 40, 'every client has its own answer')
  const counts = perTurn(server.served)
  t.ok(counts.every((n) => n <= 4), `at most 4 first requests per turn (${counts.join(' ')})`)
  t.ok(counts.length >= 10, `40 requests over ${counts.length} turns`)
  t.equal(server.pacing.size, 0, 'every connection forgotten once closed')
})

t.test('without pacing the same burst is handled in one or two turns (what the budget prevents)', async (t) => {
  const server = await paced(t, (handler) => createServer(handler), new NewConnections(4), false)
  await burst(server, 40)
  t.ok(perTurn(server.served).length <= 2, `turns: ${perTurn(server.served).join(' ')}`)
})

t.test('a connection past its first request is never held: its requests go first', async (t) => {
  const server = await paced(t, (handler) => createServer(handler), new NewConnections(2))
  const kept = await open(server.port)
  t.match(await ask(kept, 'kept-1', false), /\/kept-1$/)
  const sockets = await Promise.all(Array.from({ length: 30 }, () => open(server.port)))
  await server.connections(31)
  const fresh = sockets.map((socket, i) => ask(socket, `c${i}`))
  const second = ask(kept, 'kept-2', false)
  await Promise.all([...fresh, second])
  const firstTurn = Math.min(...server.served.filter((s) => s.client.startsWith('c')).map((s) => s.turn))
  const keptTurn = server.served.find((s) => s.client === 'kept-2')?.turn as number
  const lastTurn = Math.max(...server.served.map((s) => s.turn))
  t.ok(keptTurn <= firstTurn + 1, `the kept connection's request in turn ${keptTurn}, the burst's first in ${firstTurn}, its last in ${lastTurn}`)
  t.ok(lastTurn - firstTurn >= 10, 'the burst itself was spread')
  kept.destroy()
})

t.test('a connection that arrives while others wait goes behind them', async (t) => {
  const pacing = new NewConnections(2)
  const server = await paced(t, (handler) => createServer(handler), pacing)
  const sockets = await Promise.all(Array.from({ length: 20 }, () => open(server.port)))
  await server.connections(20)
  const answers = sockets.map((socket, i) => ask(socket, `c${i}`))
  // Once the burst has started, while most of it waits, a latecomer connects and asks at once.
  const late = new Promise<string>((resolve) => {
    const check = (): void => {
      if (server.served.length === 0) {
        setImmediate(check)
        return
      }
      void open(server.port).then((socket) => ask(socket, 'late')).then(resolve)
    }
    check()
  })
  await Promise.all([...answers, late])
  const lateTurn = server.served.find((s) => s.client === 'late')?.turn as number
  const others = server.served.filter((s) => s.client !== 'late').map((s) => s.turn)
  t.ok(lateTurn >= Math.max(...others), `the latecomer in turn ${lateTurn}, the others by turn ${Math.max(...others)}`)
})

t.test('connections that close before asking, and upgraded ones, are forgotten', async (t) => {
  const pacing = new NewConnections(2)
  const server = await paced(t, (handler) => createServer(handler), pacing)
  const upgraded: Socket[] = []
  // The first request's handler sees the budget; the upgrade is the tunnel's from then on.
  const raw = await new Promise<Server>((resolve) => {
    const s = createServer()
    pacing.watch(s)
    t.equal(s.listenerCount('upgrade'), 0, 'no upgrade listener of its own: Node answers upgrades as plain requests')
    const passing = (): void => {}
    s.on('upgrade', passing)
    t.equal(s.listenerCount('upgrade'), 2, 'one beside an upgrade listener')
    s.off('upgrade', passing)
    t.equal(s.listenerCount('upgrade'), 0, 'and gone with it')
    s.on('upgrade', (_request, socket: Socket) => {
      upgraded.push(socket)
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n')
    })
    s.listen(0, '127.0.0.1', () => resolve(s))
  })
  t.teardown(() => {
    raw.closeAllConnections()
    raw.close()
  })
  const silent = await Promise.all(Array.from({ length: 5 }, () => open(server.port)))
  await server.connections(5)
  t.equal(pacing.size, 5, 'five new connections watched')
  await Promise.all(silent.map((socket) => new Promise((resolve) => {
    socket.once('close', resolve)
    socket.end()
  })))
  // The server sees each close once it reads the end of its stream.
  while (pacing.size > 0) await new Promise((resolve) => setTimeout(resolve, 5))
  t.pass('closed without a request: forgotten')
  const client = await open((raw.address() as AddressInfo).port)
  const switched = new Promise<string>((resolve) => client.once('data', (chunk: Buffer) => resolve(chunk.toString())))
  client.write('GET /ws HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n')
  t.match(await switched, /^HTTP\/1.1 101/)
  t.equal(upgraded.length, 1)
  t.equal(pacing.size, 0, 'the upgraded connection, still open, is no longer watched')
  client.destroy()
})

t.test('HTTPS connections are paced once their handshake is done', async (t) => {
  const ca = await makeCa()
  const leaf = await issue(ca)
  const server = await paced(t, (handler) => createHttpsServer({ key: leaf.key, cert: leaf.cert }, handler), new NewConnections(3))
  const answers = await burst(server, 24, ca.cert)
  t.equal(answers.filter((a, i) => a.startsWith('HTTP/1.1 200') && a.endsWith(`/c${i}`)).length, 24)
  const counts = perTurn(server.served)
  t.ok(counts.every((n) => n <= 3) && counts.length >= 8, `per turn: ${counts.join(' ')}`)
})

t.test('the servers of a set share one budget of eight per turn', async (t) => {
  const turn = countTurns(t)
  const set = new ServerSet((handler) => createServer(handler))
  const served: number[] = []
  const handler = (_request: IncomingMessage, response: ServerResponse): void => {
    served.push(turn())
    response.end('ok')
  }
  const primary = set.factory(handler)
  const secondary = set.secondary()
  const listening = (s: Server): Promise<number> => new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)))
  const ports = [await listening(primary), await listening(secondary)]
  t.teardown(() => {
    for (const s of set.servers) {
      s.closeAllConnections()
      s.close()
    }
  })
  const sockets = await Promise.all(Array.from({ length: 40 }, (_, i) => open(ports[i % 2] as number)))
  while (set.newConnections.size < 40) await new Promise((resolve) => setTimeout(resolve, 5))
  await Promise.all(sockets.map((socket, i) => ask(socket, `c${i}`)))
  const counts = perTurn(served.map((turn) => ({ turn, client: '' })))
  t.equal(served.length, 40)
  t.ok(counts.every((n) => n <= FIRST_REQUESTS_PER_TURN) && counts.length >= 40 / FIRST_REQUESTS_PER_TURN, `per turn: ${counts.join(' ')}`)
})

t.test('a connection the connection limit has closed is not watched', async (t) => {
  const pacing = new NewConnections(2)
  const server = await paced(t, (handler) => {
    const made = createServer(handler)
    connectionLimits({ headersTimeoutMs: 20_000, requestTimeoutMs: 0, maxPerAddress: 1, uncounted: () => false, onRefused: () => {} })(made)
    return made
  }, pacing)
  const first = await open(server.port)
  const second = await open(server.port)
  await new Promise((resolve) => second.once('close', resolve))
  await server.connections(2)
  t.equal(pacing.size, 1, 'only the connection kept')
  first.destroy()
})
