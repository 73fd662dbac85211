/**
 * A small web app to put behind the gate in tests, on loopback and port 0. It counts the
 * connections it accepts (HTTP and WebSocket alike), so a test can show that a refused client
 * never reached it, and offers:
 *   /echo...   answers JSON: method, url, raw headers and the body's size
 *   /stream    an event stream whose next chunk is written when the test calls `next()`
 *   /hang      never answers
 *   WebSocket  on any path: says "hello <Remote-User>", then echoes every message
 */
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { WebSocketServer } from 'ws'

export interface Echo {
  method: string
  url: string
  rawHeaders: string[]
  bodyBytes: number
}

export interface TestUpstream {
  url: string
  port: number
  /** Connections accepted so far. */
  connections: () => number
  /** Requests seen so far (upgrades included). */
  requests: () => number
  /** Writes the next chunk of the open /stream answers (the last one ends them). */
  next: (chunk: string, last?: boolean) => void
  /** Resolves when a /stream request has arrived. */
  streamStarted: Promise<void>
  /** Resolves when a /hang request has been closed by the other side. */
  hangClosed: Promise<void>
  close: () => Promise<void>
  /** Handlers for other paths, tried before the built-in ones. */
  routes: Map<string, (request: IncomingMessage, response: ServerResponse) => void>
}

export async function startUpstream (t: { teardown: (fn: () => unknown) => void }): Promise<TestUpstream> {
  let connections = 0
  let requests = 0
  const streams: ServerResponse[] = []
  const sockets = new Set<Socket>()
  let streamStarted!: () => void
  let hangClosed!: () => void
  const started = new Promise<void>((resolve) => { streamStarted = resolve })
  const closed = new Promise<void>((resolve) => { hangClosed = resolve })
  const routes = new Map<string, (request: IncomingMessage, response: ServerResponse) => void>()
  const server = createServer((request, response) => {
    requests++
    const route = routes.get((request.url as string).split('?')[0] as string)
    if (route !== undefined) {
      route(request, response)
      return
    }
    if (request.url === '/stream') {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      response.flushHeaders()
      streams.push(response)
      streamStarted()
      return
    }
    if (request.url === '/hang') {
      request.socket.once('close', () => hangClosed())
      return
    }
    let bodyBytes = 0
    request.on('data', (chunk: Buffer) => { bodyBytes += chunk.length })
    request.on('end', () => {
      const echo: Echo = { method: request.method as string, url: request.url as string, rawHeaders: request.rawHeaders, bodyBytes }
      response.setHeader('content-type', 'application/json')
      response.setHeader('set-cookie', ['first=1; Path=/', 'second=2; Path=/'])
      response.end(JSON.stringify(echo))
    })
  })
  server.on('connection', (socket: Socket) => {
    connections++
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  const wss = new WebSocketServer({ noServer: true })
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    requests++
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.send(`hello ${String(request.headers['remote-user'])}`)
      ws.on('message', (data) => { ws.send(`echo ${String(data)}`) })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const close = async (): Promise<void> => {
    for (const client of wss.clients) client.terminate()
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  t.teardown(close)
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: () => connections,
    requests: () => requests,
    next (chunk, last = false) {
      for (const stream of streams) {
        if (last) stream.end(chunk)
        else stream.write(chunk)
      }
    },
    streamStarted: started,
    hangClosed: closed,
    close,
    routes
  }
}
