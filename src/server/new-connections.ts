/**
 * The first requests of new connections, a few per turn of the event loop. Node reads every
 * socket that is readable in the same poll phase, and hands each one's bytes to its parser and
 * on to the handler there and then: 200 logins sent at once on 200 new connections were parsed,
 * routed and checked back to back, holding the loop for 40–60 ms on one core while the requests
 * of people already connected waited (the benchmark's logged-in client measured a p99 of up to
 * 60 ms during such a burst, against 4 ms without pacing).
 *
 * Once `perTurn` first requests have come in one turn, every other new connection that has not
 * sent one yet stops reading (Node's `pause()`, which stops the socket's reads, so the event
 * loop skips it for the rest of the poll phase) and waits in line; `perTurn` of them read again
 * at each later turn. A connection that has had its first request is never held again: the
 * requests of people already connected, on their kept-alive connections, go first. HTTPS
 * connections are paced once their handshake is done.
 */
import type { IncomingMessage, Server } from 'node:http'
import type { Socket } from 'node:net'
import { Server as TlsServer } from 'node:tls'

/** A page load opens up to six connections at once (a browser's limit per host), so eight. */
export const FIRST_REQUESTS_PER_TURN = 8

export class NewConnections {
  /** New connections reading, that have not had their first request. */
  readonly #reading = new Set<Socket>()
  /** New connections held, first come first resumed (a Set keeps insertion order). */
  readonly #held = new Set<Socket>()
  /** First requests in this turn. */
  #admitted = 0
  #ticking = false

  constructor (private readonly perTurn = FIRST_REQUESTS_PER_TURN) {}

  /** New connections not past their first request yet, reading or held. */
  get size (): number {
    return this.#reading.size + this.#held.size
  }

  /** Paces the new connections of `server` (call before it listens). */
  watch (server: Server): void {
    server.on(server instanceof TlsServer ? 'secureConnection' : 'connection', this.#connected)
    // An upgraded connection (a WebSocket) is the tunnel's from then on, never to be held. Only
    // while someone else listens for upgrades: with no listener, Node answers an upgrade request
    // as a plain one (and the set's second server hands upgrades to the first only if it listens).
    const forget = (request: IncomingMessage): void => this.#forget(request.socket)
    const others = (): number => server.listeners('upgrade').filter((listener) => listener !== forget).length
    server.on('newListener', (event: string | symbol, listener: unknown) => {
      if (event === 'upgrade' && listener !== forget && others() === 0) server.prependListener('upgrade', forget)
    })
    server.on('removeListener', (event: string | symbol, listener: unknown) => {
      if (event === 'upgrade' && listener !== forget && others() === 0) server.removeListener('upgrade', forget)
    })
  }

  /** Called with each request's socket before the request is handled. */
  admit (socket: Socket): void {
    if (!this.#reading.delete(socket)) return
    if (this.#admitted++ === 0) this.#schedule()
    if (this.#admitted >= this.perTurn) {
      for (const waiting of this.#reading) this.#hold(waiting)
      this.#reading.clear()
    }
  }

  readonly #connected = (socket: Socket): void => {
    if (socket.destroyed) return
    socket.once('close', () => this.#forget(socket))
    if (this.#held.size === 0 && this.#admitted < this.perTurn) {
      this.#reading.add(socket)
      return
    }
    // Node's HTTP server has just set this socket reading again in a tick to come (its 'data'
    // listener resumes the stream), which would undo a pause now: hold it later in this turn,
    // still before the event loop next reads.
    this.#held.add(socket)
    setImmediate(() => {
      if (this.#held.has(socket)) this.#hold(socket)
    })
  }

  #forget (socket: Socket): void {
    this.#reading.delete(socket)
    this.#held.delete(socket)
  }

  #hold (socket: Socket): void {
    socket.pause()
    this.#held.add(socket)
    this.#schedule()
  }

  #schedule (): void {
    if (this.#ticking) return
    this.#ticking = true
    setImmediate(this.#turn)
  }

  /** A new turn: the budget again, and the next few held connections read. */
  readonly #turn = (): void => {
    this.#admitted = 0
    let resumed = 0
    for (const socket of this.#held) {
      if (resumed === this.perTurn) break
      this.#held.delete(socket)
      this.#reading.add(socket)
      socket.resume()
      resumed++
    }
    this.#ticking = this.#held.size > 0
    if (this.#ticking) setImmediate(this.#turn)
  }
}
