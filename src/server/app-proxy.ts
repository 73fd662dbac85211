/**
 * The app behind the gate (`app.upstream`): every method and path that is not tavern-server's own
 * is forwarded to it, after the whole security policy has admitted the request, and its answer
 * streams back chunk by chunk (a language model's reply arrives as it is written). Request bodies
 * stream too, up to `app.maxBodyMB`. WebSocket upgrades take the same way through the gate (the
 * Node server's `upgrade` event is routed like a request), are forwarded the same way, and once the
 * app agrees become a byte tunnel.
 * Nothing connects to the app before the gate has said yes.
 */
import { Agent as HttpAgent, request as httpRequest, ServerResponse } from 'node:http'
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { pipeline } from 'node:stream'
import type { TLSSocket } from 'node:tls'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config/config.js'
import type { Logger } from '../log/console.js'
import { errorPage } from './error-page.js'
import { isReserved } from './reserved-paths.js'
import type { SecurityPolicy } from './security-policy.js'
import { answerHeaders, forwardHeaders, forwardRules } from './upstream-headers.js'
import type { ForwardRules } from './upstream-headers.js'
import { UpstreamHealth } from './upstream-health.js'

const UPGRADE = Symbol('tavern-server.upgrade')
/** An upgrade request's socket and the bytes that came after its head. */
interface Upgrade { socket: Duplex, head: Buffer }
type UpgradeRequest = IncomingMessage & { [UPGRADE]?: Upgrade }

export interface ProxyOptions {
  config: Config
  policy: SecurityPolicy
  logger: Logger
}

/** Answers with tavern-server's own page (`Connection: close` when the request body is left unread). */
function answer (res: ServerResponse, accept: string | undefined, status: number, message: string, close = false): void {
  const page = errorPage(accept, status, message)
  if (close) res.shouldKeepAlive = false
  res.writeHead(status, { 'content-type': page.type, 'content-length': Buffer.byteLength(page.body), 'cache-control': 'no-store' })
  res.end(page.body)
}

const RETRYABLE = new Set(['ECONNRESET', 'EPIPE'])

class Proxy {
  readonly #upstream: URL
  readonly #tls: boolean
  readonly #rules: ForwardRules
  readonly #health: UpstreamHealth
  readonly #agent: HttpAgent
  readonly #send: typeof httpRequest
  readonly #maxBodyBytes: number
  readonly #maxBodyMB: number
  readonly #timeoutMs: number

  constructor ({ config, policy, logger }: ProxyOptions) {
    const app = config.app
    this.#upstream = new URL(app.upstream as string)
    this.#tls = this.#upstream.protocol === 'https:'
    this.#rules = forwardRules({
      upstream: this.#upstream,
      userHeader: app.userHeader,
      forwardClientAddress: app.forwardClientAddress,
      consumesAuthorization: policy.basicAuth !== undefined,
      consumedCookies: policy.consumedCookies
    })
    this.#health = new UpstreamHealth(this.#upstream.origin, config.configPath, app.responseTimeoutSeconds, logger)
    const agentOptions = { keepAlive: true, scheduling: 'lifo' as const }
    this.#agent = this.#tls ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions)
    this.#send = this.#tls ? httpsRequest : httpRequest
    this.#maxBodyMB = app.maxBodyMB
    this.#maxBodyBytes = app.maxBodyMB * 1024 * 1024
    this.#timeoutMs = app.responseTimeoutSeconds * 1000
  }

  close (): void {
    this.#agent.destroy()
  }

  headers (request: FastifyRequest, upgrade?: string): string[] {
    const raw = request.raw
    return forwardHeaders(this.#rules, {
      rawHeaders: raw.rawHeaders,
      user: request.user,
      // Read only when sent: a Fastify without the gate (the benchmark's baseline) has no client.
      clientIp: this.#rules.forwardClientAddress ? request.client.ip : '',
      tls: (raw.socket as TLSSocket).encrypted === true,
      ...(upgrade === undefined ? {} : { upgrade })
    })
  }

  readonly handle = (request: FastifyRequest, reply: FastifyReply): void => {
    const raw = request.raw as UpgradeRequest
    if (isReserved(raw.url as string)) {
      reply.callNotFound()
      return
    }
    reply.hijack()
    const upgrade = raw[UPGRADE]
    if (upgrade !== undefined) {
      this.#forward(request, reply.raw, this.headers(request, raw.headers.upgrade as string), false, false, upgrade)
      return
    }
    const length = raw.headers['content-length']
    const hasBody = length !== undefined || raw.headers['transfer-encoding'] !== undefined
    if (length !== undefined && Number(length) > this.#maxBodyBytes) {
      answer(reply.raw, request.headers.accept, 413, this.#tooLarge(), true)
      return
    }
    this.#forward(request, reply.raw, this.headers(request), hasBody, true)
  }

  #tooLarge (): string {
    return `Payload Too Large: tavern-server forwards request bodies of up to ${this.#maxBodyMB} MB to the app (app.maxBodyMB).`
  }

  #forward (request: FastifyRequest, res: ServerResponse, headers: string[], hasBody: boolean, mayRetry: boolean, upgrade?: Upgrade): void {
    const raw = request.raw
    const options: RequestOptions = {
      protocol: this.#upstream.protocol,
      hostname: this.#upstream.hostname.replace(/^\[|\]$/g, ''),
      port: this.#upstream.port,
      method: raw.method as string,
      path: raw.url as string,
      headers: headers as unknown as RequestOptions['headers'],
      // An upgraded connection leaves the pool: it gets one of its own.
      agent: upgrade === undefined ? this.#agent : false,
      ...(this.#tls ? { servername: this.#upstream.hostname } : {})
    }
    const upstream: ClientRequest = this.#send(options)
    let settled = false
    const fail = (status: number, message: string): void => {
      clearTimeout(timer)
      settled = true
      upstream.destroy()
      // A refused body is left unread: the connection closes after the answer.
      answer(res, request.headers.accept, status, message, hasBody)
    }
    const timer = setTimeout(() => { fail(504, this.#health.timedOut()) }, this.#timeoutMs)
    res.once('close', () => {
      // The client went away before the whole answer: the app's work is of no use any more.
      if (!res.writableFinished) {
        clearTimeout(timer)
        upstream.destroy()
      }
    })
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (settled) return
      // A kept-alive connection the app closed as it was being reused: Node's advice is to retry
      // once, which is safe for a request without a body that the app never saw.
      if (mayRetry && !hasBody && upstream.reusedSocket && RETRYABLE.has(error.code as string)) {
        clearTimeout(timer)
        settled = true
        this.#forward(request, res, headers, hasBody, false)
        return
      }
      fail(502, this.#health.unreachable(error))
    })
    upstream.on('response', (answered: IncomingMessage) => {
      clearTimeout(timer)
      settled = true
      this.#health.answered()
      res.writeHead(answered.statusCode as number, answered.statusMessage, answerHeaders(answered.rawHeaders))
      // An answer of unknown length may be a stream whose first chunk comes much later: the client
      // gets the headers now (with a known length they go out with the body, in one packet).
      if (answered.headers['content-length'] === undefined) res.flushHeaders()
      // Chunk by chunk: an event stream reaches the client as the app writes it.
      pipeline(answered, res, () => {})
    })
    if (upgrade !== undefined) {
      upstream.on('upgrade', (answered: IncomingMessage, app: Duplex, appHead: Buffer) => {
        clearTimeout(timer)
        settled = true
        this.#health.answered()
        const client = upgrade.socket
        let head = `HTTP/1.1 ${answered.statusCode as number} ${answered.statusMessage as string}\r\n`
        for (let i = 0; i < answered.rawHeaders.length; i += 2) head += `${answered.rawHeaders[i] as string}: ${answered.rawHeaders[i + 1] as string}\r\n`
        client.write(`${head}\r\n`)
        client.write(appHead)
        app.write(upgrade.head)
        // From here on, bytes both ways until either side closes.
        app.on('error', () => { client.destroy() })
        app.on('close', () => { client.destroy() })
        client.on('close', () => { app.destroy() })
        app.pipe(client)
        client.pipe(app)
      })
    }
    if (!hasBody) {
      upstream.end()
      return
    }
    if (raw.headers['content-length'] !== undefined) {
      // Node's parser delivers exactly Content-Length bytes, checked against the limit above.
      raw.pipe(upstream)
      return
    }
    let received = 0
    const onData = (chunk: Buffer): void => {
      received += chunk.length
      if (received > this.#maxBodyBytes) {
        raw.off('data', onData)
        raw.pause()
        if (!settled) fail(413, this.#tooLarge())
        return
      }
      if (!upstream.write(chunk)) raw.pause()
    }
    raw.on('data', onData)
    upstream.on('drain', () => raw.resume())
    raw.on('end', () => upstream.end())
  }
}

/**
 * Forwards everything but tavern-server's own paths to `config.app.upstream`.
 * @example registerProxy(app, { config, policy, logger })
 */
export function registerProxy (app: FastifyInstance, options: ProxyOptions): void {
  const proxy = new Proxy(options)
  // Upgraded connections are no longer the HTTP server's: a stop would wait for them forever.
  // A WebSocket has no end to wait for, so they close as the stop begins.
  const upgraded = new Set<Duplex>()
  app.addHook('preClose', (done) => {
    for (const socket of upgraded) socket.destroy()
    done()
  })
  app.addHook('onClose', (_instance, done) => {
    proxy.close()
    done()
  })
  // Upgrades are routed like requests, so the whole gate runs first; an answer from the gate
  // (a refusal) goes back on the socket, which then closes.
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
  void app.register(async (scope) => {
    // Bodies are the app's: they stream through unread.
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', (_request, _payload, done) => { done(null) })
    scope.all('/*', proxy.handle)
  })
}
