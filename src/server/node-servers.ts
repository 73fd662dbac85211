/**
 * The Node servers behind one Fastify app. Fastify manages one server; listening on a second
 * address (IPv6 and IPv4, or two specific addresses) needs a second server answering with the same
 * handler, so both share every hook, route and piece of state.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { CONNECT_REFUSED } from './client-errors.js'
import { NewConnections } from './new-connections.js'

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void

/** The most header lines a request may have; one more is a 431 (see headersCut). */
export const MAX_HEADER_LINES = 1000

/**
 * Whether Node cut the request's header lines short. Past `maxHeadersCount` it drops the rest
 * without a word (`headers` keeps the first ones; `rawHeaders` stops growing once it reaches the
 * limit), so a forwarded header a proxy appended after a client's many lines would be gone. The
 * servers take one line more than MAX_HEADER_LINES: a request that reaches that many was cut, or
 * would have been at the next line.
 */
export function headersCut (rawHeaders: readonly string[]): boolean {
  return rawHeaders.length > MAX_HEADER_LINES * 2
}

/** Fastify's keep-alive timeout, which it sets only on servers it makes itself. */
export const KEEP_ALIVE_TIMEOUT_MS = 72_000

/** Requests that asked for `100 Continue` (RFC 9110 section 10.1.1) and have not had it yet. */
const awaitingContinue = new WeakSet<ServerResponse>()

/**
 * Tells a client that sent `Expect: 100-continue` to send its body. Called by the security
 * policy once it has admitted the request: a refused client is never invited to send one.
 */
export function sendContinue (response: ServerResponse): void {
  if (awaitingContinue.delete(response)) response.writeContinue()
}

export class ServerSet {
  readonly servers: Server[] = []
  #handler: RequestHandler | undefined
  /** One event loop, so one budget of first requests per turn for every server of the set. */
  readonly newConnections = new NewConnections()

  /**
   * @param create makes one server (http or https) for the handler.
   * @param prepare applies limits to each server before it listens (connection-limits.ts).
   */
  constructor (private readonly create: (handler: RequestHandler) => Server, private readonly prepare: (server: Server) => void = () => {}) {}

  /** Fastify's `serverFactory`: the primary server, which Fastify listens on and closes. */
  readonly factory = (handler: RequestHandler): Server => {
    this.#handler = handler
    const server = this.#make(handler)
    this.servers.push(server)
    return server
  }

  #make (handler: RequestHandler): Server {
    const paced: RequestHandler = (request, response) => {
      this.newConnections.admit(request.socket)
      handler(request, response)
    }
    const server = this.create(paced)
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS
    // Set, not left to Node's default (1000 lines, not the 2000 its documentation says), so that
    // headersCut knows where Node stops.
    server.maxHeadersCount = MAX_HEADER_LINES + 1
    this.prepare(server)
    this.newConnections.watch(server)
    // Without a listener Node answers `Expect: 100-continue` with `100 Continue` before any
    // check has run; with one it leaves that to us (sendContinue, once the gate has admitted).
    server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
      awaitingContinue.add(response)
      paced(request, response)
    })
    // Node drops a CONNECT request without a word when nobody listens for it: it goes to the
    // client-error handler instead, to be answered and logged (client-errors.ts).
    server.on('connect', (request: IncomingMessage, socket: Duplex) => {
      server.emit('clientError', Object.assign(new Error('CONNECT request'), { code: CONNECT_REFUSED, target: request.url }), socket)
    })
    return server
  }

  /** Another server for another address, behaving as the primary does. */
  secondary (): Server {
    const [primary] = this.servers
    if (primary === undefined || this.#handler === undefined) {
      throw new Error('ServerSet.secondary() called before Fastify created its server')
    }
    const server = this.#make(this.#handler)
    // Fastify installs its handlers on the primary only (malformed requests answered with 400).
    server.on('clientError', (error: Error, socket: Duplex) => primary.emit('clientError', error, socket))
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (primary.listenerCount('upgrade') > 0) primary.emit('upgrade', request, socket, head)
      else socket.destroy()
    })
    this.servers.push(server)
    return server
  }
}
