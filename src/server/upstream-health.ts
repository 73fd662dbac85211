/**
 * When the app behind the gate does not answer: what to tell the client (502 or 504, naming the
 * app's address and what to check), and what to tell the console: one warning when an outage
 * starts, not one per request, and one line when the app answers again.
 */
import type { Logger } from '../log/console.js'

/** Why a connection to the app failed, in words, from the error Node or undici reports. */
export function failureReason (error: NodeJS.ErrnoException): string {
  const code = error.code ?? ''
  if (code === 'ECONNREFUSED') return 'refused the connection (it is not running, or listens on another port)'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'cannot be found (its host name does not resolve)'
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `cannot be reached (${code})`
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'cannot be reached (it did not accept a connection within 10 seconds)'
  // UND_ERR_SOCKET is undici's word for a connection closed under a request.
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || error.message === 'socket hang up') return 'closed the connection without answering'
  // @fastify/reply-from's answer to a status code outside 100-599, which no client can be given.
  if (code === 'FST_REPLY_FROM_BAD_GATEWAY') return 'answered with a status code that HTTP does not have'
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return `has an HTTPS certificate this computer does not trust (${code})`
  if (/^ERR_(SSL|TLS)_/.test(code)) return `failed the HTTPS handshake (${code}; does it speak https?)`
  return `could not be reached (${code === '' ? error.message : code})`
}

export class UpstreamHealth {
  #down = false

  constructor (
    private readonly origin: string,
    private readonly configPath: string,
    private readonly timeoutSeconds: number,
    private readonly logger: Logger
  ) {}

  /** The 502 sentence for a failed connection; the console hears of it once per outage. */
  unreachable (error: NodeJS.ErrnoException): string {
    const reason = failureReason(error)
    this.#fail(`The app at ${this.origin} ${reason}: answering 502 Bad Gateway until it is back. Check that it is running, and app.upstream in ${this.configPath}.`)
    return `Bad Gateway: the app behind tavern-server, at ${this.origin}, ${reason}. Check that it is running and that app.upstream in ${this.configPath} has its address and port.`
  }

  /** The 504 sentence when the app did not start answering in time. */
  timedOut (): string {
    this.#fail(`The app at ${this.origin} did not start answering within ${this.timeoutSeconds} seconds: answered 504 Gateway Timeout (app.responseTimeoutSeconds in ${this.configPath}).`)
    return `Gateway Timeout: the app behind tavern-server, at ${this.origin}, did not start answering within ${this.timeoutSeconds} seconds. It may be busy or stuck; the limit is app.responseTimeoutSeconds in ${this.configPath}.`
  }

  /** The app answered: an outage, if there was one, is over. */
  answered (): void {
    if (!this.#down) return
    this.#down = false
    this.logger.info(`The app at ${this.origin} answers again.`)
  }

  #fail (line: string): void {
    if (this.#down) return
    this.#down = true
    this.logger.warn(line)
  }
}
