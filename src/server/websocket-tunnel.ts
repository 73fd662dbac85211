/**
 * WebSocket (and other) upgrades to the app behind the gate. The Node server's `upgrade` event is
 * routed through Fastify like a request, so the whole gate runs first; an admitted upgrade is
 * then sent to the app, and the client hears the app's own answer: its 101 (with its choice of
 * subprotocol and extensions, its cookies), after which the two sockets become one byte tunnel,
 * or its refusal, or our 502 / 504 when it does not answer. Nothing connects to the app before the
 * gate has said yes.
 */
import { request as httpRequest, ServerResponse } from 'node:http'
import type { IncomingMessage, RequestOptions } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP } from 'node:net'
import type { Socket } from 'node:net'
import { pipeline } from 'node:stream'
import type { Duplex } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { errorPage } from './error-page.js'
import type { RawOwnHeaders } from './own-headers.js'
import { answerHeaders } from './upstream-headers.js'
import type { UpstreamHealth } from './upstream-health.js'

const UPGRADE = Symbol('tavern-server.upgrade')
/** An upgrade request's socket and the bytes that came after its head. */
interface Upgrade { socket: Duplex, head: Buffer }
type UpgradeRequest = IncomingMessage & { [UPGRADE]?: Upgrade }

/** The socket of an upgrade request routed through Fastify, or undefined for a plain request. */
export function upgradeOf (request: IncomingMessage): Upgrade | undefined {
  return (request as UpgradeRequest)[UPGRADE]
}

/**
 * Routes every upgrade through Fastify (the gate, then the route); an answer from the gate (a
 * refusal) goes back on the socket, which then closes. Upgraded connections are no longer the HTTP
 * server's: a stop would wait for them forever, so they close as the stop begins.
 */
export function routeUpgrades (app: FastifyInstance): void {
  const upgraded = new Set<Duplex>()
  app.addHook('preClose', (done) => {
    for (const socket of upgraded) socket.destroy()
    done()
  })
  app.server.on('upgrade', (req: UpgradeRequest, socket: Duplex, head: Buffer) => {
    // Node leaves an upgraded socket without an error handler: a client reset must not crash.
    socket.on('error', () => { socket.destroy() })
    upgraded.add(socket)
    socket.once('close', () => upgraded.delete(socket))
    req[UPGRADE] = { socket, head }
    const res = new ServerResponse(req)
    res.assignSocket(socket as Socket)
    res.shouldKeepAlive = false
    res.once('finish', () => { socket.end() })
    app.routing(req, res)
  })
}

export interface TunnelOptions {
  upstream: URL
  health: UpstreamHealth
  /** How long the app may take to answer the upgrade. */
  timeoutMs: number
  /** The security headers of our own answers (HSTS over TLS where configured). */
  ownHeaders: RawOwnHeaders
}

/** Answers the upgrade with tavern-server's own page (the socket closes after it). */
function answer (res: ServerResponse, own: RawOwnHeaders, status: number, message: string): void {
  const page = errorPage(res.req.headers.accept, status, message)
  res.writeHead(status, { ...own(res.req.socket), 'content-type': page.type, 'content-length': Buffer.byteLength(page.body), 'cache-control': 'no-store' })
  res.end(page.body)
}

/**
 * Sends an admitted upgrade to the app with `headers` (a raw list), and joins the two sockets
 * once the app agrees.
 * @example tunnel(options, request.raw, reply.raw, upgrade, headers)
 */
export function tunnel (options: TunnelOptions, req: IncomingMessage, res: ServerResponse, upgrade: Upgrade, headers: string[]): void {
  const { upstream, health } = options
  const tls = upstream.protocol === 'https:'
  const hostname = upstream.hostname.replace(/^\[|\]$/g, '')
  const requestOptions: RequestOptions = {
    hostname,
    port: upstream.port,
    method: req.method as string,
    path: req.url as string,
    headers: headers as unknown as RequestOptions['headers'],
    // An upgraded connection is the client's alone: no pool.
    agent: false,
    // SNI names a host, never an address (RFC 6066; Node warns about an address, and will ignore it).
    ...(tls && isIP(hostname) === 0 ? { servername: hostname } : {})
  }
  const app = (tls ? httpsRequest : httpRequest)(requestOptions)
  let settled = false
  const settle = (): void => {
    clearTimeout(timer)
    settled = true
  }
  const fail = (status: number, message: string): void => {
    settle()
    app.destroy()
    answer(res, options.ownHeaders, status, message)
  }
  const timer = setTimeout(() => { fail(504, health.timedOut()) }, options.timeoutMs)
  const leave = (): void => {
    if (settled) return
    settle()
    app.destroy()
    upgrade.socket.destroy()
  }
  // The client went away before the app answered: it hung up (an upgraded socket is left half
  // open on the client's FIN, so its end is the sign), or the connection broke.
  upgrade.socket.once('end', leave)
  res.once('close', leave)
  app.on('error', (error: NodeJS.ErrnoException) => {
    if (!settled) fail(502, health.unreachable(error))
  })
  app.on('response', (answered: IncomingMessage) => {
    // The app said no to the upgrade (or answered it as a plain request): its answer, as it is.
    settle()
    health.answered()
    res.writeHead(answered.statusCode as number, answered.statusMessage, answerHeaders(answered.headers))
    pipeline(answered, res, () => {})
  })
  app.on('upgrade', (answered: IncomingMessage, appSocket: Duplex, appHead: Buffer) => {
    settle()
    health.answered()
    const client = upgrade.socket
    let head = `HTTP/1.1 ${answered.statusCode as number} ${answered.statusMessage as string}\r\n`
    for (let i = 0; i < answered.rawHeaders.length; i += 2) head += `${answered.rawHeaders[i] as string}: ${answered.rawHeaders[i + 1] as string}\r\n`
    client.write(`${head}\r\n`)
    client.write(appHead)
    appSocket.write(upgrade.head)
    // From here on, bytes both ways until either side closes.
    appSocket.on('error', () => { client.destroy() })
    appSocket.on('close', () => { client.destroy() })
    client.on('close', () => { appSocket.destroy() })
    appSocket.pipe(client)
    client.pipe(appSocket)
  })
  app.end()
}
