/**
 * The security policy, top to bottom (DESIGN.md section 5). The checks run in one `onRequest`
 * hook (`gate`, at the end), so nothing is parsed or read before they pass, a refusal is answered,
 * logged and counted in one place, and an admitted request pays for one hook, not six. What a
 * connection has already shown (its peer, its Host, its login) is kept on the connection, so the
 * next request on it is compared instead of checked again.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { Socket } from 'node:net'
import { VerifierBusy } from '../access/basic-auth.js'
import type { BasicAuthChecker } from '../access/basic-auth.js'
import { parseBasic } from '../access/basic-credentials.js'
import { BadForwardedHeader, DisagreeingForwardedHeaders } from '../access/client-address.js'
import type { ClientAddress, ClientAddressResolver, Peer } from '../access/client-address.js'
import { hostName, validHost } from '../access/host-guard.js'
import type { HostGuard } from '../access/host-guard.js'
import { parseAddress } from '../access/ip-address.js'
import type { Address } from '../access/ip-address.js'
import type { RuleSource } from '../access/ip-rules.js'
import { isLoopback, NO_MARK, relayMark, relaySighting, tunnelRule } from '../access/tunnel-marks.js'
import type { TunnelSighting } from '../access/tunnel-marks.js'
import { Attempt, reserveAttempt } from '../access/failure-limiter.js'
import type { FailureLimiter, Lockouts, Wait } from '../access/failure-limiter.js'
import type { IpMatcher } from '../access/ip-rules.js'
import type { Config } from '../config/config.js'
import type { Decision } from '../log/access-log.js'
import { printable } from '../log/access-recorder.js'
import type { AccessRecorder, RequestFacts } from '../log/access-recorder.js'
import { accountGate } from './account-gate.js'
import { plural } from './login.js'
import type { AccountService } from './account-gate.js'
import type { TunnelSightings } from '../log/tunnel-sightings.js'
import { errorPage } from './error-page.js'
import { lingerOnClose } from './lingering-close.js'
import { ownHeaders } from './own-headers.js'
import { headersCut, MAX_HEADER_LINES, sendContinue } from './node-servers.js'
import type { CookieName } from './upstream-headers.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking: derived once, used by every check, log line and page. */
    client: ClientAddress
    /** The whitelist rule that admitted the request; undefined when whitelistMode is off. */
    admittedBy: RuleSource | undefined
    /** The authenticated user name, if the request authenticated. */
    user: string | undefined
    /** Set when a tunnel or proxy on this computer relayed the request (tunnel-marks.ts). */
    tunnel: TunnelSighting | undefined
  }
}

/** HTTP Basic authentication with its brute-force limits. */
export interface BasicAuth {
  checker: Pick<BasicAuthChecker, 'generation' | 'keyOf' | 'remembered' | 'pending' | 'verify' | 'disabled'>
  /** Failed attempts per client address (IPv6 clients per /64 network). */
  byAddress: FailureLimiter
  /** Failed attempts per user name. */
  byUser: FailureLimiter
  /** What a 401 says about where the credentials come from (default: basicAuthUser). */
  prompt?: string
}

export interface SecurityPolicy {
  config: Config
  resolver: ClientAddressResolver
  /** Undefined when hostWhitelist.enabled is false. */
  hostGuard: HostGuard | undefined
  /**
   * The whitelist in force, replaced whole on reload, and the end of the Forbidden message (what
   * to edit: it names whitelist.txt when that file holds the list); undefined when whitelistMode
   * is false.
   */
  whitelist: { current: IpMatcher, advice: string } | undefined
  /** Undefined when basicAuthMode is false. */
  basicAuth: BasicAuth | undefined
  /** User accounts (sessions, per-user Basic); undefined when enableUserAccounts is false. */
  accounts?: AccountService | undefined
  recorder: AccessRecorder
  /**
   * Cookies the gate reads to authenticate (a login session's): they are the gate's, and are
   * removed from requests forwarded to the app behind it. Read by name at each request: the
   * session cookie's name follows the port the server got (port 0 picks one at listen).
   */
  consumedCookies: readonly CookieName[]
  /** Remembers the tunnels that relayed requests (for the console and doctor). */
  tunnels: TunnelSightings
  /**
   * The end of the Forbidden message for a relayed request whose visitor is unknown: what to
   * change so that such visitors can get in (a password with satisfy: any).
   */
  tunnelAdvice: string
}

type Hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void

/**
 * What one connection has shown so far. A keep-alive connection sends request after request from
 * the same peer with the same Host and credentials: those are checked once and then compared, and
 * its peer's whitelist rule is kept until the whitelist is reloaded.
 */
interface Connection {
  readonly peer: Peer
  /** A loopback peer: its requests may have been relayed by a tunnel on this computer. */
  readonly loopback: boolean
  /** The last Host header the guard allowed on this connection. */
  host: string | undefined
  /** The whitelist that admitted the peer itself, and the rule (a reload makes a new whitelist). */
  admittedBy: { rules: IpMatcher, rule: RuleSource } | undefined
  /** Whether the peer's own admission was recorded (a proxy's forwarded clients always are). */
  recorded: boolean
  /** The last login on this connection (see the authentication check). */
  login: Login | undefined
}
interface Login { header: string, user: string, generation: number }
const CONNECTION = Symbol('tavern-server.connection')
type GateSocket = Socket & { [CONNECTION]?: Connection }

/** Refuses a request; `consoleLine` undefined keeps it off the console (still in the access log). */
export type Deny = (request: FastifyRequest, reply: FastifyReply, status: number, reason: Decision, message: string, consoleLine: string | undefined, user?: string) => false

/**
 * Whether the request is for /healthz, which needs no password (a monitor has none). Read from
 * the raw target: only the exact path is exempt, and only that path reaches the /healthz route.
 */
function forHealth (request: FastifyRequest): boolean {
  const url = request.raw.url as string
  return url === '/healthz' || url.startsWith('/healthz?')
}

export function facts (request: FastifyRequest, user = request.user): RequestFacts {
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

/**
 * The lane a client's password checks wait in (see FairQueue): its address family and network,
 * an IPv4 /24 or an IPv6 /48 (one site: an attacker's many /64s are one lane).
 */
export function checkLane (client: ClientAddress): string {
  const { parsed } = client
  return parsed.family === 4 ? `4${parsed.value >>> 8}` : `6${parsed.value.slice(0, 12)}`
}

/** Long made-up user names would make long keys; the first 128 characters tell users apart. */
export function userKey (user: string): string {
  return user.slice(0, 128)
}

/** How many Authorization headers a request has (Node keeps only the first in `headers`). */
function authorizationHeaders (raw: readonly string[]): number {
  let count = 0
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string
    // The usual spellings first: toLowerCase() makes a new string on every request.
    if (name === 'Authorization' || name === 'authorization' || (name.length === 13 && name.toLowerCase() === 'authorization')) count++
  }
  return count
}

/**
 * Answers a refusal: a short HTML page for browsers, the same sentence as text for the rest. A
 * refused request with a body closes its connection: keeping it open would mean reading the whole
 * body first (Node reads what a kept-alive connection's request left unread), so it closes after
 * the answer, reading no more than lingering-close.ts allows. A refusal without a body keeps the connection (a browser's
 * request after a 401 challenge or a login redirect reuses it).
 */
export function refuse (request: FastifyRequest, reply: FastifyReply, status: number, message: string): void {
  const { headers } = request
  if (headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0')) {
    reply.header('connection', 'close')
    lingerOnClose(request.raw.socket)
  }
  const page = errorPage(headers.accept, status, message)
  reply.code(status).type(page.type).send(page.body)
}

export function registerSecurityPolicy (app: FastifyInstance, policy: SecurityPolicy): void {
  const { config, resolver, hostGuard, whitelist, basicAuth, accounts, recorder } = policy
  app.decorateRequest('client', null as unknown as ClientAddress)
  app.decorateRequest('admittedBy', undefined)
  app.decorateRequest('user', undefined)
  app.decorateRequest('tunnel', undefined)

  // A refusal is our answer, whatever path it is for: it carries our security headers.
  const own = ownHeaders(config.ssl)
  const deny: Deny = (request, reply, status, reason, message, consoleLine, user) => {
    recorder.refused(facts(request, user), status, reason, consoleLine)
    own(request, reply)
    refuse(request, reply, status, message)
    return false
  }
  // With satisfy: any, a whitelisted address needs no password; everyone else must authenticate.
  const passwordCanAdmit = config.satisfy === 'any' && (basicAuth !== undefined || accounts !== undefined)
  const needsAuth = (request: FastifyRequest): boolean =>
    (config.satisfy === 'all' || request.admittedBy === undefined) && !forHealth(request)

  // 0. Who is asking. The peer is parsed once per connection; forwarded headers only count from
  //    a trusted proxy, and a garbage one is a 400, never a 500.
  const identify = (request: FastifyRequest, reply: FastifyReply): Connection | undefined => {
    const socket = request.raw.socket as GateSocket
    let connection = socket[CONNECTION]
    if (connection === undefined) {
      const address = socket.remoteAddress
      /* c8 ignore next 4 -- a socket has no address only once it is destroyed, before any request */
      if (address === undefined) {
        reply.code(400).send()
        return undefined
      }
      // Node writes the peer as an IP address, which always parses.
      const parsed = parseAddress(address) as Address
      connection = { peer: resolver.peer(parsed), loopback: isLoopback(parsed), host: undefined, admittedBy: undefined, recorded: false, login: undefined }
      socket[CONNECTION] = connection
    }
    // Node keeps the first header lines only and drops the rest without a word: what is left may
    // miss the forwarded header a proxy appended after the client's own lines (Go proxies sort
    // them by name). A request cut short is never judged on what remains (node-servers.ts).
    if (headersCut(request.raw.rawHeaders)) {
      request.client = connection.peer.direct
      deny(request, reply, 431, 'bad-request',
        `Request Header Fields Too Large: more than ${MAX_HEADER_LINES} header lines. Send fewer headers.`,
        `Request Header Fields Too Large: more than ${MAX_HEADER_LINES} header lines from ${request.client.ip}; refused before any check.`)
      return undefined
    }
    // A loopback peer may be a tunnel on this computer (tunnel-marks.ts). Its request with no
    // mark names no other client either: the forwarded-address headers are marks too.
    const mark = connection.loopback ? relayMark(request.raw.rawHeaders) : NO_MARK
    if (connection.loopback && mark === NO_MARK) {
      request.client = connection.peer.direct
      return connection
    }
    try {
      request.client = resolver.resolve(connection.peer, request.headers)
      if (connection.loopback) request.tunnel = relaySighting(mark, request.client)
    } catch (error) {
      request.client = connection.peer.direct
      if (error instanceof DisagreeingForwardedHeaders) {
        const message = `Bad Request: ${error.message}. A proxy that sets one of them passes the other on as the client wrote it: turn off the headers your proxy does not set, in forwardedHeaders in ${config.configPath}.`
        deny(request, reply, 400, 'bad-request', message, message)
        return undefined
      }
      /* c8 ignore next -- resolve() throws nothing else; anything else is a bug for Fastify's 500 */
      if (!(error instanceof BadForwardedHeader)) throw error
      const message = `Bad Request: ${error.message}.`
      deny(request, reply, 400, 'bad-request', message, message)
      return undefined
    }
    return connection
  }

  // 1. Host check. Node itself answers HTTP/1.1 without Host with a 400 (RFC 7230 section 5.4);
  //    HTTP/1.0 may omit it. A Host that is no host (and port) is a 400 whatever the guard says:
  //    the app and our pages read it. Then DNS rebinding: browsers, the only tool of a rebinding
  //    attack, always send Host.
  const hostAllowed = (guard: HostGuard | undefined, request: FastifyRequest, reply: FastifyReply, connection: Connection): boolean => {
    const host = request.headers.host
    if (host === undefined || host === connection.host) return true
    if (!validHost(host)) {
      return deny(request, reply, 400, 'bad-request', `Bad Request: the Host header "${printable(host)}" is not a host name or address with an optional port.`,
        `Bad Request: a Host header that is no host name from ${request.client.ip}: "${printable(host)}".`)
    }
    if (guard === undefined || guard.allows(host)) {
      connection.host = host
      return true
    }
    const name = hostName(host)
    return deny(request, reply, 403, 'host-rejected',
      `Forbidden: the host name "${name}" is not allowed, to protect against DNS rebinding. If you reach this server by that name, add it to hostWhitelist.hosts in ${config.configPath}.`,
      `Forbidden: request for host "${printable(name)}" from ${request.client.ip} (not this server's name). If you reach this server by that name, add it to hostWhitelist.hosts in ${config.configPath}.`)
  }

  // 2. IP whitelist: the client, and with enableForwardedWhitelist also the proxy it came through.
  const whitelisted = (rules: IpMatcher, advice: string, request: FastifyRequest, reply: FastifyReply, connection: Connection): boolean => {
    const { client } = request
    // The peer of a connection does not change; the whitelist may (a reload makes a new one).
    const known = connection.admittedBy
    if (known !== undefined && known.rules === rules && !client.forwarded) {
      request.admittedBy = known.rule
      return true
    }
    const proxyOk = !client.forwarded || !config.enableForwardedWhitelist || rules.matchParsed(client.parsedPeer) !== undefined
    // A client the proxy does not name (Forwarded: for=unknown) is at no address on the list,
    // and the proxy's own entry is no reason to admit it either.
    const rule = client.hidden
      ? undefined
      : client.forwarded && !config.enableForwardedWhitelist ? rules.matchParsed(client.parsedPeer) : rules.matchParsed(client.parsed)
    if (rule !== undefined && proxyOk) {
      request.admittedBy = rule
      if (!client.forwarded) connection.admittedBy = { rules, rule }
      return true
    }
    if (passwordCanAdmit) return true
    const details = client.forwarded ? `${client.peer} (forwarded from ${client.hidden ? 'a client the proxy does not name' : client.ip})` : client.ip
    const message = `Forbidden: Connection attempt from ${details}. If you are attempting to connect, ${advice}.`
    return deny(request, reply, 403, 'forbidden', message, message)
  }

  // 2, for a request a tunnel or proxy on this computer relayed (issue 15): the loopback peer is
  //    not the visitor. Judged by the visitor's own address when a trusted proxy resolved it;
  //    otherwise nothing on the whitelist can admit it, and only a password (satisfy: any) can.
  const tunnelWhitelisted = (rules: IpMatcher, advice: string, tunnel: TunnelSighting, request: FastifyRequest, reply: FastifyReply): boolean => {
    const rule = tunnelRule(tunnel, request.client, rules, config.enableForwardedWhitelist)
    if (rule !== undefined) {
      request.admittedBy = rule
      return true
    }
    if (passwordCanAdmit) return true
    const { client } = request
    const message = tunnel.origin === undefined
      ? `Forbidden: Connection attempt from ${client.ip} through ${tunnel.tunnel} on the server (${tunnel.mark}), which does not say who is connecting. ${policy.tunnelAdvice}`
      : `Forbidden: Connection attempt from ${client.peer} (forwarded from ${client.ip}) through ${tunnel.tunnel}. If you are attempting to connect, ${advice}.`
    return deny(request, reply, 403, tunnel.origin === undefined ? 'tunnel-forbidden' : 'forbidden', message, message)
  }

  // 3 and 4. Rate limit, then HTTP Basic (RFC 7617): see basicAuthCheck.
  const authenticate = basicAuth === undefined ? undefined : basicAuthCheck(basicAuth, recorder, deny, needsAuth)
  // 4b. User accounts: the session of the request, or the account of per-user Basic auth (see
  //     account-gate.ts); a browser without a session is sent to the login page.
  const signedIn = accounts === undefined ? undefined : accountGate(app, accounts, { deny, recorder, facts, needsAuth })

  // Last: the request is admitted, and a client waiting for `100 Continue` may send its body.
  // The first one from each address is logged; a connection that has been through this once
  // skips the lookup (unless a proxy's: its clients differ).
  const admit = (request: FastifyRequest, reply: FastifyReply, connection: Connection): void => {
    sendContinue(reply.raw)
    if (!request.client.forwarded) {
      if (connection.recorded) return
      connection.recorded = true
    }
    recorder.admitted(request.client.ip, () => facts(request))
  }

  const gate: Hook = (request, reply, done) => {
    const connection = identify(request, reply)
    if (connection === undefined) return
    if (!hostAllowed(hostGuard, request, reply, connection)) return
    const { tunnel } = request
    if (tunnel !== undefined) policy.tunnels.seen(tunnel)
    if (whitelist !== undefined && !(tunnel === undefined
      ? whitelisted(whitelist.current, whitelist.advice, request, reply, connection)
      : tunnelWhitelisted(whitelist.current, whitelist.advice, tunnel, request, reply))) return
    if (authenticate !== undefined) {
      const passed = authenticate(request, reply, connection)
      if (passed !== true) {
        if (passed !== false) {
          passed.then((ok) => {
            if (!ok || (signedIn !== undefined && !signedIn(request, reply))) return
            admit(request, reply, connection)
            done()
          }, done)
        }
        return
      }
    }
    if (signedIn !== undefined && !signedIn(request, reply)) return
    admit(request, reply, connection)
    done()
  }
  app.addHook('onRequest', gate)
}

/** No lock-out started (a check joined, not counted again). */
const NONE: Lockouts = { address: 0, user: 0 }

/**
 * Rate limit, then HTTP Basic (RFC 7617): an address over its failed-login budget gets 429 before
 * any password check; the check is constant-time, a hash paid once per process. A check reserves
 * an attempt of the address and of the user name before it starts (see reserveAttempt), so
 * guesses sent at once get no more checks than the budget. True lets the request on, false means
 * it was answered, a promise when a password hash has to be checked.
 */
function basicAuthCheck (basicAuth: BasicAuth, recorder: AccessRecorder, deny: Deny, needsAuth: (request: FastifyRequest) => boolean):
(request: FastifyRequest, reply: FastifyReply, connection: Connection) => boolean | Promise<boolean> {
  const { checker, byAddress } = basicAuth
  const prompt = basicAuth.prompt ?? 'They are set by basicAuthUser.username and basicAuthUser.password in config.yaml on the server.'
  const tooMany = (request: FastifyRequest, reply: FastifyReply, wait: Wait, who: string, user?: string): false => {
    const seconds = Math.ceil(wait.ms / 1000)
    reply.header('retry-after', String(seconds))
    if (!wait.lockedOut) {
      return deny(request, reply, 429, 'rate-limited',
        `Too Many Requests: too many logins ${who} are being checked at once. Try again in ${plural(seconds)}.`, undefined, user)
    }
    if (user !== undefined) {
      return deny(request, reply, 429, 'rate-limited',
        `Too Many Requests: too many failed logins for user "${printable(user)}", so its logins are checked one at a time. Try again in ${plural(seconds)}.`, undefined, user)
    }
    return deny(request, reply, 429, 'rate-limited',
      `Too Many Requests: too many failed logins ${who}. Try again in ${seconds} seconds.`,
      `Refused a login ${who}: locked out for ${seconds} more seconds after too many failed logins.`)
  }
  const challenge = (request: FastifyRequest, reply: FastifyReply, reason: Decision, consoleLine: string | undefined, user?: string): false => {
    reply.header('www-authenticate', 'Basic realm="tavern-server", charset="UTF-8"')
    return deny(request, reply, 401, reason,
      `Unauthorized: this server asks for a user name and password. ${prompt}`,
      consoleLine, user)
  }
  const wrong = (request: FastifyRequest, reply: FastifyReply, user: string | undefined, lockouts: Lockouts): false => {
    if (lockouts.address > 0) recorder.warn(`address ${limitKey(request.client)}`, `Too many failed logins from ${request.client.ip}: locked out for ${lockouts.address / 1000} seconds.`)
    if (lockouts.user > 0) recorder.warn(`user ${user as string}`, `Too many failed logins for user "${printable(user)}": locked out for ${lockouts.user / 1000} seconds. Until then its logins are checked one at a time.`)
    return challenge(request, reply, 'unauthorized',
      `Unauthorized: wrong user name or password from ${request.client.ip}${user === undefined ? ' (malformed credentials)' : ` (user "${printable(user)}")`}.`, user)
  }
  const admitted = (request: FastifyRequest, connection: Connection, header: string, user: string): true => {
    request.user = user
    if (!request.client.forwarded) connection.login = { header, user, generation: checker.generation }
    return true
  }
  return (request, reply, connection) => {
    if (!needsAuth(request)) return true
    const wait = byAddress.lockedFor(limitKey(request.client))
    if (wait > 0) return tooMany(request, reply, { ms: wait, lockedOut: true }, `from ${request.client.ip}`)
    const header = request.headers.authorization
    if (header !== undefined && authorizationHeaders(request.raw.rawHeaders) > 1) {
      return deny(request, reply, 400, 'bad-request', 'Bad Request: more than one Authorization header.', `Bad Request: more than one Authorization header from ${request.client.ip}.`)
    }
    // Credentials that passed before are not a guess: a lock-out of their user name (someone
    // guessing elsewhere) must not lock out the devices already logged in. The address lock
    // above still applies to them.
    // A keep-alive connection sends the same header with every request: the connection keeps
    // its last login (until it closes, or the credentials change) and the next request costs a
    // comparison instead of a hash. Not for forwarded requests: a proxy's connection carries
    // other people's requests too.
    const login = connection.login
    if (login !== undefined && login.header === header && login.generation === checker.generation) {
      request.user = login.user
      return true
    }
    const key = header === undefined ? undefined : checker.keyOf(header)
    const known = key === undefined ? undefined : checker.remembered(key)
    if (known !== undefined) return admitted(request, connection, header as string, known)
    const credentials = parseBasic(header)
    if (credentials.kind === 'missing' || credentials.kind === 'other-scheme') return challenge(request, reply, 'auth-required', undefined)
    if (credentials.kind === 'malformed') {
      return wrong(request, reply, undefined, { address: byAddress.fail(limitKey(request.client)), user: 0 })
    }
    const { user, password } = credentials
    // The same header on several connections at once (a browser) is one check, and one attempt.
    const joined = checker.pending(key as string)
    let attempt: Attempt | undefined
    if (joined === undefined) {
      const reserved = reserveAttempt(basicAuth, limitKey(request.client), userKey(user))
      if (!(reserved instanceof Attempt)) {
        return reserved.of === 'address' ? tooMany(request, reply, reserved, `from ${request.client.ip}`) : tooMany(request, reply, reserved, `for user "${printable(user)}"`, user)
      }
      attempt = reserved
    }
    return (joined ?? checker.verify(key as string, user, password, checkLane(request.client))).then((ok) => {
      const lockouts = attempt?.settle(!ok) ?? NONE
      return ok ? admitted(request, connection, header as string, user) : wrong(request, reply, user, lockouts)
    }, (error: unknown) => {
      attempt?.settle(false)
      /* c8 ignore next -- verify() rejects only with VerifierBusy; anything else is a bug for Fastify's 500 */
      if (!(error instanceof VerifierBusy)) throw error
      reply.header('retry-after', '1')
      return deny(request, reply, 503, 'busy', 'Service Unavailable: too many logins are being checked at once. Try again in a second.', `Too many logins being checked at once: answered 503 to ${request.client.ip}.`)
    })
  }
}
