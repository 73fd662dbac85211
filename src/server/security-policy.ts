/**
 * The security policy, top to bottom (DESIGN.md section 5). Every check is one `onRequest` hook,
 * so nothing is parsed or read before it passes, and a refusal is answered, logged and counted in
 * one place.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { VerifierBusy } from '../access/basic-auth.js'
import type { BasicAuthChecker } from '../access/basic-auth.js'
import { parseBasic } from '../access/basic-credentials.js'
import { BadForwardedHeader } from '../access/client-address.js'
import type { ClientAddress, ClientAddressResolver, Peer } from '../access/client-address.js'
import { hostName } from '../access/host-guard.js'
import type { HostGuard } from '../access/host-guard.js'
import { parseAddress } from '../access/ip-address.js'
import type { Address } from '../access/ip-address.js'
import type { RuleSource } from '../access/ip-rules.js'
import type { FailureLimiter } from '../access/failure-limiter.js'
import type { IpMatcher } from '../access/ip-rules.js'
import type { Config } from '../config/config.js'
import type { Decision } from '../log/access-log.js'
import { printable } from '../log/access-recorder.js'
import type { AccessRecorder, RequestFacts } from '../log/access-recorder.js'
import { escapeHtml } from './home-page.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking: derived once, used by every check, log line and page. */
    client: ClientAddress
    /** The whitelist rule that admitted the request; undefined when whitelistMode is off. */
    admittedBy: RuleSource | undefined
    /** The authenticated user name, if the request authenticated. */
    user: string | undefined
  }
}

/** HTTP Basic authentication with its brute-force limits. */
export interface BasicAuth {
  checker: BasicAuthChecker
  /** Failed attempts per client address (IPv6 clients per /64 network). */
  byAddress: FailureLimiter
  /** Failed attempts per user name. */
  byUser: FailureLimiter
}

export interface SecurityPolicy {
  config: Config
  resolver: ClientAddressResolver
  /** Undefined when hostWhitelist.enabled is false. */
  hostGuard: HostGuard | undefined
  /** The whitelist in force, replaced whole on reload; undefined when whitelistMode is false. */
  whitelist: { current: IpMatcher } | undefined
  /** Undefined when basicAuthMode is false. */
  basicAuth: BasicAuth | undefined
  recorder: AccessRecorder
}

type Hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void

const PEER = Symbol('tavern-server.peer')
type PeerSocket = Socket & { [PEER]?: Peer }

function facts (request: FastifyRequest, user = request.user): RequestFacts {
  return {
    client: request.client,
    method: request.method,
    path: request.url,
    userAgent: request.headers['user-agent'],
    ...(user === undefined ? {} : { user })
  }
}

/** The key brute-force limits count by: the address, or for IPv6 its /64 (one home network). */
export function limitKey (client: ClientAddress): string {
  return client.parsed.family === 4 ? client.ip : `${client.parsed.value.slice(0, 16)}/64`
}

/** Long made-up user names would make long keys; the first 128 characters tell users apart. */
function userKey (user: string): string {
  return user.slice(0, 128)
}

function authorizationHeaders (raw: readonly string[]): number {
  let count = 0
  for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).length === 13 && (raw[i] as string).toLowerCase() === 'authorization') count++
  return count
}

/** Answers a refusal: a short HTML page for browsers, the same sentence as text for the rest. */
export function refuse (request: FastifyRequest, reply: FastifyReply, status: number, message: string): void {
  const html = (request.headers.accept ?? '').includes('text/html')
  reply.code(status)
  if (html) {
    reply.type('text/html; charset=utf-8').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${status} ${STATUS_CODES[status] as string}</title></head>
<body><p>${escapeHtml(message)}</p></body></html>
`)
  } else {
    reply.type('text/plain; charset=utf-8').send(`${message}\n`)
  }
}

export function registerSecurityPolicy (app: FastifyInstance, policy: SecurityPolicy): void {
  const { config, resolver, hostGuard, whitelist, basicAuth, recorder } = policy
  app.decorateRequest('client', null as unknown as ClientAddress)
  app.decorateRequest('admittedBy', undefined)
  app.decorateRequest('user', undefined)

  /** Refuses a request; `consoleLine` undefined keeps it off the console (still in the access log). */
  const deny = (request: FastifyRequest, reply: FastifyReply, status: number, reason: Decision, message: string, consoleLine: string | undefined, user?: string): void => {
    recorder.refused(facts(request, user), status, reason, consoleLine)
    refuse(request, reply, status, message)
  }
  // With satisfy: any, a whitelisted address needs no password; everyone else must authenticate.
  const passwordCanAdmit = config.satisfy === 'any' && basicAuth !== undefined
  const needsAuth = (request: FastifyRequest): boolean => basicAuth !== undefined &&
    request.routeOptions.url !== '/healthz' && (config.satisfy === 'all' || request.admittedBy === undefined)

  // 0. Who is asking. The peer is parsed once per connection; forwarded headers only count from
  //    a trusted proxy, and a garbage one is a 400, never a 500.
  const clientAddress: Hook = (request, reply, done) => {
    const socket = request.raw.socket as PeerSocket
    let peer = socket[PEER]
    if (peer === undefined) {
      const address = socket.remoteAddress
      /* c8 ignore next 4 -- a socket has no address only once it is destroyed, before any request */
      if (address === undefined) {
        reply.code(400).send()
        return
      }
      // Node writes the peer as an IP address, which always parses.
      peer = resolver.peer(parseAddress(address) as Address)
      socket[PEER] = peer
    }
    try {
      request.client = resolver.resolve(peer, request.headers)
    } catch (error) {
      /* c8 ignore next -- resolve() throws nothing else; anything else is a bug for Fastify's 500 */
      if (!(error instanceof BadForwardedHeader)) throw error
      request.client = peer.direct
      const message = `Bad Request: ${error.message}.`
      deny(request, reply, 400, 'bad-request', message, message)
      return
    }
    done()
  }
  app.addHook('onRequest', clientAddress)

  // 1. Host check: DNS rebinding. Node itself answers HTTP/1.1 without Host with a 400 (RFC 7230
  //    section 5.4); HTTP/1.0 may omit it, and browsers, the only tool of a rebinding attack,
  //    always send it.
  if (hostGuard !== undefined) {
    const hostCheck: Hook = (request, reply, done) => {
      const host = request.headers.host
      if (host === undefined || hostGuard.allows(host)) {
        done()
        return
      }
      const name = hostName(host)
      deny(request, reply, 403, 'host-rejected',
        `Forbidden: the host name "${name}" is not allowed, to protect against DNS rebinding. If you reach this server by that name, add it to hostWhitelist.hosts in ${config.configPath}.`,
        `Forbidden: request for host "${printable(name)}" from ${request.client.ip} (not this server's name). If you reach this server by that name, add it to hostWhitelist.hosts in ${config.configPath}.`)
    }
    app.addHook('onRequest', hostCheck)
  }

  // 2. IP whitelist: the client, and with enableForwardedWhitelist also the proxy it came through.
  if (whitelist !== undefined) {
    const whitelistCheck: Hook = (request, reply, done) => {
      const { client } = request
      const rules = whitelist.current
      const proxyOk = !client.forwarded || !config.enableForwardedWhitelist || rules.matchParsed(client.parsedPeer) !== undefined
      const rule = client.forwarded && !config.enableForwardedWhitelist
        ? rules.matchParsed(client.parsedPeer)
        : rules.matchParsed(client.parsed)
      if (rule !== undefined && proxyOk) {
        request.admittedBy = rule
        done()
        return
      }
      if (passwordCanAdmit) {
        done()
        return
      }
      const details = client.forwarded ? `${client.peer} (forwarded from ${client.ip})` : client.ip
      const message = `Forbidden: Connection attempt from ${details}. If you are attempting to connect, please add your IP address in whitelist or disable whitelist mode in config.yaml in ${config.baseDir}.`
      deny(request, reply, 403, 'forbidden', message, message)
    }
    app.addHook('onRequest', whitelistCheck)
  }

  if (basicAuth !== undefined) {
    const { checker, byAddress, byUser } = basicAuth
    const tooMany = (request: FastifyRequest, reply: FastifyReply, waitMs: number, who: string, user?: string): void => {
      const seconds = Math.ceil(waitMs / 1000)
      reply.header('retry-after', String(seconds))
      deny(request, reply, 429, 'rate-limited',
        `Too Many Requests: too many failed logins ${who}. Try again in ${seconds} seconds.`,
        `Refused a login ${who}: locked out for ${seconds} more seconds after too many failed logins.`, user)
    }
    const challenge = (request: FastifyRequest, reply: FastifyReply, reason: Decision, consoleLine: string | undefined, user?: string): void => {
      reply.header('www-authenticate', 'Basic realm="tavern-server", charset="UTF-8"')
      deny(request, reply, 401, reason,
        'Unauthorized: this server asks for a user name and password. They are set by basicAuthUser.username and basicAuthUser.password in config.yaml on the server.',
        consoleLine, user)
    }
    const failed = (request: FastifyRequest, reply: FastifyReply, user: string | undefined): void => {
      const address = limitKey(request.client)
      const lockedAddress = byAddress.fail(address)
      const lockedUser = user === undefined ? 0 : byUser.fail(userKey(user))
      if (lockedAddress > 0) recorder.warn(`address ${address}`, `Too many failed logins from ${request.client.ip}: locked out for ${lockedAddress / 1000} seconds.`)
      if (lockedUser > 0) recorder.warn(`user ${user as string}`, `Too many failed logins for user "${printable(user)}": locked out for ${lockedUser / 1000} seconds.`)
      challenge(request, reply, 'unauthorized',
        `Unauthorized: wrong user name or password from ${request.client.ip}${user === undefined ? ' (malformed credentials)' : ` (user "${printable(user)}")`}.`, user)
    }

    // 3. Rate limit: an address over its failed-login budget gets 429 before any password check.
    const rateLimit: Hook = (request, reply, done) => {
      if (!needsAuth(request)) {
        done()
        return
      }
      const wait = byAddress.lockedFor(limitKey(request.client))
      if (wait > 0) {
        tooMany(request, reply, wait, `from ${request.client.ip}`)
        return
      }
      done()
    }
    app.addHook('onRequest', rateLimit)

    // 4. Authentication: HTTP Basic (RFC 7617), constant-time, a hash checked once per process.
    const authenticate: Hook = (request, reply, done) => {
      if (!needsAuth(request)) {
        done()
        return
      }
      const header = request.headers.authorization
      if (header !== undefined && authorizationHeaders(request.raw.rawHeaders) > 1) {
        deny(request, reply, 400, 'bad-request', 'Bad Request: more than one Authorization header.', `Bad Request: more than one Authorization header from ${request.client.ip}.`)
        return
      }
      // Credentials that passed before are not a guess: a lock-out of their user name (someone
      // guessing elsewhere) must not lock out the devices already logged in. The address lock
      // (hook 3) still applies to them.
      const known = header === undefined ? undefined : checker.remembered(header)
      if (known !== undefined) {
        request.user = known
        done()
        return
      }
      const credentials = parseBasic(header)
      if (credentials.kind === 'missing' || credentials.kind === 'other-scheme') {
        challenge(request, reply, 'auth-required', undefined)
        return
      }
      if (credentials.kind === 'malformed') {
        failed(request, reply, undefined)
        return
      }
      const { user, password } = credentials
      const wait = byUser.lockedFor(userKey(user))
      if (wait > 0) {
        tooMany(request, reply, wait, `for user "${printable(user)}"`, user)
        return
      }
      checker.verify(header as string, user, password).then((ok) => {
        if (!ok) {
          failed(request, reply, user)
          return
        }
        request.user = user
        done()
      }, (error: unknown) => {
        /* c8 ignore next 4 -- verify() rejects only with VerifierBusy; anything else is a bug for Fastify's 500 */
        if (!(error instanceof VerifierBusy)) {
          done(error as Error)
          return
        }
        reply.header('retry-after', '1')
        deny(request, reply, 503, 'busy', 'Service Unavailable: too many logins are being checked at once. Try again in a second.', `Too many logins being checked at once: answered 503 to ${request.client.ip}.`)
      })
    }
    app.addHook('onRequest', authenticate)
  }

  // Last: the request is admitted. The first one from each address is logged.
  const connectionLog: Hook = (request, _reply, done) => {
    recorder.admitted(request.client.ip, () => facts(request))
    done()
  }
  app.addHook('onRequest', connectionLog)
}
