/**
 * The Node servers behind one Fastify app. Fastify manages one server; listening on a second
 * address (IPv6 and IPv4, or two specific addresses) needs a second server answering with the same
 * handler, so both share every hook, route and piece of state.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { CONNECT_REFUSED } from './client-errors.js'

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void

/** Fastify's keep-alive timeout, which it sets only on servers it makes itself. */
export const KEEP_ALIVE_TIMEOUT_MS = 72_000

export class ServerSet {
  readonly servers: Server[] = []
  #handler: RequestHandler | undefined

  /** @param create makes one server (http or https) for the handler. */
  constructor (private readonly create: (handler: RequestHandler) => Server) {}

  /** Fastify's `serverFactory`: the primary server, which Fastify listens on and closes. */
  readonly factory = (handler: RequestHandler): Server => {
    this.#handler = handler
    const server = this.#make(handler)
    this.servers.push(server)
    return server
  }

  #make (handler: RequestHandler): Server {
    const server = this.create(handler)
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS
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
