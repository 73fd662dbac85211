/**
 * The connections to the app behind the gate: one undici pool, handed to @fastify/reply-from as
 * the object it sends requests through. It adds what reply-from does not do: a request whose
 * client has gone away is abandoned at once, so the app stops working for nobody (reply-from
 * passes no abort signal, and would otherwise hold the request until the app answers).
 */
import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import { Pool } from 'undici'
import type { Dispatcher } from 'undici'

/**
 * Where the forwarded headers carry the client's connection to this client. reply-from copies the
 * headers object with Object.assign, which copies symbol keys too; undici reads string keys only.
 */
export const CLIENT = Symbol('tavern-server.client')

export interface UpstreamClientOptions {
  /** How long the app may take to start answering (undici's headersTimeout). */
  responseTimeoutMs: number
}

type Callback = (error: Error | null, data: Dispatcher.ResponseData) => void

/** The client left before the app answered; named as undici names its own aborts. */
export class ClientGone extends Error {
  override name = 'AbortError'
  constructor () {
    super('the client closed the connection before the app answered')
  }
}

export class UpstreamClient {
  readonly #pool: Pool
  readonly #signals = new WeakMap<Socket, EventEmitter>()

  constructor (origin: string, options: UpstreamClientOptions) {
    this.#pool = new Pool(origin, {
      // As many connections as there are requests: 1,000 open event streams hold 1,000 (a limit
      // would queue the next request behind streams that never end).
      connections: null,
      // Only the wait for the first byte counts. A reply that keeps streaming is never cut, and a
      // model may pause for minutes between two parts of its answer.
      headersTimeout: options.responseTimeoutMs,
      bodyTimeout: 0
    })
  }

  /** What reply-from calls for every attempt (a retry included). */
  request (options: Dispatcher.RequestOptions, callback: Callback): void {
    const socket = (options.headers as Record<symbol, Socket>)[CLIENT] as Socket
    if (socket.destroyed) {
      // Gone before the request could be sent (a retry after the client left, or a first login
      // still being checked when it hung up): the app never hears of it.
      callback(new ClientGone(), undefined as unknown as Dispatcher.ResponseData)
      return
    }
    // reply-from made this object for this call alone.
    options.signal = this.#signal(socket)
    this.#pool.request(options, callback)
  }

  /**
   * One signal per client connection, raised when it closes: undici ends whatever request of the
   * connection is still going (a kept-alive connection that closes between requests has none).
   * Per connection rather than per request, as this runs for every request: undici then only
   * adds and removes its listener.
   */
  #signal (socket: Socket): EventEmitter {
    let signal = this.#signals.get(socket)
    if (signal === undefined) {
      const made = new EventEmitter()
      // Pipelined requests each listen at once.
      made.setMaxListeners(0)
      socket.once('close', () => made.emit('abort'))
      this.#signals.set(socket, made)
      signal = made
    }
    return signal
  }

  async close (): Promise<void> {
    await this.#pool.destroy()
  }
}
