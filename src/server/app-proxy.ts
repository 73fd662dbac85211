/**
 * The app behind the gate (`app.upstream`): every method and path that is not tavern-server's own
 * is forwarded to it by @fastify/reply-from (over undici), after the whole security policy has
 * admitted the request, and its answer streams back chunk by chunk (a language model's reply
 * arrives as it is written). Request bodies stream too, up to `app.maxBodyMB`.
 *
 * What stays ours, because it is about the gate rather than about proxying: which headers the app
 * may see (upstream-headers.ts), the body limit, the 502 / 504 pages and the console's outage
 * lines (upstream-health.ts), abandoning a request whose client left (upstream-client.ts), and
 * WebSocket upgrades (websocket-tunnel.ts).
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { Transform } from 'node:stream'
import type { Readable } from 'node:stream'
import type { TLSSocket } from 'node:tls'
import replyFrom from '@fastify/reply-from'
import type { FastifyReplyFromHooks } from '@fastify/reply-from'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Dispatcher } from 'undici'
import type { Config } from '../config/config.js'
import type { Logger } from '../log/console.js'
import { errorPage } from './error-page.js'
import { ownHeaders, rawOwnHeaders } from './own-headers.js'
import type { OwnHeaders } from './own-headers.js'
import { isReserved } from './reserved-paths.js'
import type { SecurityPolicy } from './security-policy.js'
import { CLIENT, UpstreamClient } from './upstream-client.js'
import { answerHeaders, forwardHeaders, forwardRecord, forwardRules } from './upstream-headers.js'
import type { Forwarding, ForwardRules } from './upstream-headers.js'
import { UpstreamHealth } from './upstream-health.js'
import { routeUpgrades, tunnel, upgradeOf } from './websocket-tunnel.js'
import type { TunnelOptions } from './websocket-tunnel.js'

export interface ProxyOptions {
  config: Config
  policy: SecurityPolicy
  logger: Logger
}

/** Methods whose body Fastify does not read (RFC 9110 gives them no meaning): none is forwarded. */
const BODYLESS = new Set(['GET', 'HEAD', 'TRACE'])

/** A chunked request body that went past `app.maxBodyMB`. */
class BodyTooLarge extends Error {}

class Proxy {
  readonly #upstream: URL
  readonly #rules: ForwardRules
  readonly #health: UpstreamHealth
  readonly client: UpstreamClient
  readonly #maxBodyBytes: number
  readonly #tooLarge: string
  readonly #tunnel: TunnelOptions
  readonly #from: FastifyReplyFromHooks
  readonly #own: OwnHeaders

  constructor ({ config, policy, logger }: ProxyOptions) {
    const app = config.app
    this.#upstream = new URL(app.upstream as string)
    this.#rules = forwardRules({
      upstream: this.#upstream,
      userHeader: app.userHeader,
      forwardClientAddress: app.forwardClientAddress,
      consumesAuthorization: policy.basicAuth !== undefined,
      consumedCookies: policy.consumedCookies
    })
    this.#health = new UpstreamHealth(this.#upstream.origin, config.configPath, app.responseTimeoutSeconds, logger)
    const timeoutMs = app.responseTimeoutSeconds * 1000
    this.client = new UpstreamClient(this.#upstream.origin, { responseTimeoutMs: timeoutMs })
    this.#maxBodyBytes = app.maxBodyMB * 1024 * 1024
    this.#tooLarge = `Payload Too Large: tavern-server forwards request bodies of up to ${app.maxBodyMB} MB to the app (app.maxBodyMB).`
    this.#tunnel = { upstream: this.#upstream, health: this.#health, timeoutMs, ownHeaders: rawOwnHeaders(config.ssl) }
    this.#own = ownHeaders(config.ssl)
    this.#from = {
      // One retry, for a request without a body, when a kept-alive connection the app had closed
      // was reused (undici reports UND_ERR_SOCKET). A count above 0 also turns off reply-from's
      // retries of a GET the app answered 503: the app's 503 is the client's to see.
      retriesCount: 1,
      rewriteRequestHeaders: (request) => this.#requestHeaders(request as FastifyRequest) as IncomingHttpHeaders,
      rewriteHeaders: (headers) => answerHeaders(headers),
      onResponse: (_request, reply, res) => { this.#respond(reply as FastifyReply, res.stream) },
      onError: (reply, { error }) => { this.#failed(reply as FastifyReply, error) }
    }
  }

  /** The headers the app receives, from the client's raw ones (see upstream-headers.ts). */
  #requestHeaders (request: FastifyRequest): Record<string | symbol, unknown> {
    const headers: Record<string | symbol, unknown> = forwardRecord(this.#rules, this.#forwarding(request))
    // Fastify reads no body for these methods: the app must not wait for one.
    if (BODYLESS.has(request.raw.method as string)) delete headers['content-length']
    // For upstream-client.ts: a request whose client has gone is abandoned.
    headers[CLIENT] = request.raw.socket
    return headers
  }

  #forwarding (request: FastifyRequest, upgrade?: string): Forwarding {
    const raw = request.raw
    return {
      rawHeaders: raw.rawHeaders,
      user: request.user,
      // Read only when sent.
      clientIp: this.#rules.forwardClientAddress ? request.client.ip : '',
      tls: (raw.socket as TLSSocket).encrypted === true,
      ...(upgrade === undefined ? {} : { upgrade })
    }
  }

  /** A request body, counted against `app.maxBodyMB` when its length is not declared. */
  body (request: FastifyRequest, payload: IncomingMessage): Readable {
    // Node's parser delivers exactly Content-Length bytes, checked against the limit before.
    if (request.headers['content-length'] !== undefined) return payload
    const limit = this.#maxBodyBytes
    let received = 0
    const counted = new Transform({
      transform (chunk: Buffer, _encoding, done) {
        received += chunk.length
        if (received <= limit) {
          done(null, chunk)
          return
        }
        // The rest stays unread; the answer closes the connection.
        payload.unpipe(counted)
        payload.pause()
        done(new BodyTooLarge())
      }
    })
    return payload.pipe(counted)
  }

  readonly handle = (request: FastifyRequest, reply: FastifyReply): void => {
    const raw = request.raw
    if (isReserved(raw.url as string)) {
      reply.callNotFound()
      return
    }
    const upgrade = upgradeOf(raw)
    if (upgrade !== undefined) {
      reply.hijack()
      tunnel(this.#tunnel, raw, reply.raw, upgrade, forwardHeaders(this.#rules, this.#forwarding(request, raw.headers.upgrade as string)))
      return
    }
    const length = raw.headers['content-length']
    if (length !== undefined && Number(length) > this.#maxBodyBytes) {
      this.#page(reply, 413, this.#tooLarge, true)
      return
    }
    try {
      reply.from(undefined, this.#from)
    } catch {
      // reply-from refuses a path with a `..` segment, however encoded, before connecting.
      this.#page(reply, 400, 'Bad Request: a path with a ".." segment is not forwarded to the app.', false)
    }
  }

  #respond (reply: FastifyReply, stream: Readable): void {
    this.#health.answered()
    // reply-from has already answered 502 (a status code HTTP does not have).
    if (reply.sent) {
      stream.destroy()
      return
    }
    // An answer of unknown length may be a stream whose first chunk comes much later: the client
    // gets the headers as the stream starts (with a known length they go out with the body).
    if (reply.getHeader('content-length') === undefined) reply.raw.once('pipe', () => { reply.raw.flushHeaders() })
    void reply.send(stream)
  }

  #failed (reply: FastifyReply, error: Error): void {
    const cause = (error.cause ?? error) as NodeJS.ErrnoException
    if (cause.name === 'AbortError') {
      // The client left (upstream-client.ts): nobody to answer, and the app is not at fault.
      reply.hijack()
      reply.raw.destroy()
      return
    }
    if (cause instanceof BodyTooLarge) {
      this.#page(reply, 413, this.#tooLarge, true)
      return
    }
    // A body the app did not take may be left unread: the connection closes after the answer.
    // (Fastify sets the body, the stream above, only for a request that has one.)
    const hasBody = reply.request.body !== undefined
    if (cause.code === 'UND_ERR_HEADERS_TIMEOUT') this.#page(reply, 504, this.#health.timedOut(), hasBody)
    else this.#page(reply, 502, this.#health.unreachable(cause), hasBody)
  }

  /**
   * Answers with tavern-server's own page, with our security headers as every answer of ours;
   * `close` when the request body may be left unread.
   */
  #page (reply: FastifyReply, status: number, message: string, close: boolean): void {
    const { type, body } = errorPage(reply.request.headers.accept, status, message)
    this.#own(reply.request, reply)
    if (close) reply.header('connection', 'close')
    void reply.code(status).header('content-type', type).header('cache-control', 'no-store').send(body)
  }
}

/**
 * Forwards everything but tavern-server's own paths to `config.app.upstream`.
 * @example registerProxy(app, { config, policy, logger })
 */
export function registerProxy (app: FastifyInstance, options: ProxyOptions): void {
  const proxy = new Proxy(options)
  app.addHook('onClose', async () => { await proxy.client.close() })
  routeUpgrades(app)
  void app.register(async (scope) => {
    await scope.register(replyFrom, {
      base: new URL(options.config.app.upstream as string).origin,
      // reply-from calls request() in its callback form only.
      undici: proxy.client as unknown as { request: Dispatcher['request'] },
      disableRequestLogging: true
    })
    // Bodies are the app's: they stream through unread.
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', (request, payload, done) => { done(null, proxy.body(request, payload)) })
    scope.all('/*', proxy.handle)
  })
}
