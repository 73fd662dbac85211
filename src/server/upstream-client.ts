/**
 * The connections to the app behind the gate: one undici pool, handed to @fastify/reply-from as
 * the object it sends requests through. It adds what reply-from does not do: a request whose
 * client has gone away is abandoned at once, so the app stops working for nobody (reply-from
 * passes no abort signal, and would otherwise hold the request until the app answers).
 */
import type { ServerResponse } from 'node:http'
import { Pool } from 'undici'
import type { Dispatcher } from 'undici'

/**
 * Where the forwarded headers carry the client's response to this client. reply-from copies the
 * headers object with Object.assign, which copies symbol keys too; undici reads string keys only.
 */
export const CLIENT = Symbol('tavern-server.client')

export interface UpstreamClientOptions {
  /** How long the app may take to start answering (undici's headersTimeout). */
  responseTimeoutMs: number
}

type Callback = (error: Error | null, data: Dispatcher.ResponseData) => void

export class UpstreamClient {
  readonly #pool: Pool

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
    const response = (options.headers as Record<symbol, ServerResponse>)[CLIENT] as ServerResponse
    const controller = new AbortController()
    const abandon = (): void => {
      // Closed after the whole answer went out is the normal end, not a client leaving.
      if (!response.writableFinished) controller.abort()
    }
    if (response.closed) abandon()
    else response.once('close', abandon)
    this.#pool.request({ ...options, signal: controller.signal }, callback)
  }

  async close (): Promise<void> {
    await this.#pool.destroy()
  }
}
