/**
 * One client address per request, derived once and used everywhere (whitelist, rate limits, logs,
 * error pages): the socket peer, IPv4-mapped IPv6 unmapped; only when the peer is a trusted proxy,
 * the address it forwards. Forwarded headers from any other peer are ignored, so nobody can
 * choose their own address by sending one. From a trusted proxy, every enabled header present
 * must name the same client: a proxy that sets one of them passes the others on as the client
 * wrote them, so a disagreement is refused rather than settled by an order the client can use.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { formatAddress, parseAddress } from './ip-address.js'
import type { Address } from './ip-address.js'
import type { IpMatcher } from './ip-rules.js'

export interface ClientAddress {
  /** The client: the peer, or the address a trusted proxy forwarded; `unknown` when hidden. */
  readonly ip: string
  /** The client's address; the peer's when hidden. */
  readonly parsed: Address
  /** The socket peer. */
  readonly peer: string
  readonly parsedPeer: Address
  /** True when `ip` came from a trusted proxy's header. */
  readonly forwarded: boolean
  /**
   * True when a trusted proxy forwarded the request without naming the client (RFC 7239
   * `for=unknown`, an obfuscated `for=_name`, or an element without `for`): a client at an
   * address nobody knows, which no whitelist entry admits (never the proxy's own address).
   */
  readonly hidden: boolean
}

export interface ForwardedHeaders {
  readonly xRealIp: boolean
  readonly xForwardedFor: boolean
  readonly cfConnectingIp: boolean
  /** RFC 7239's `Forwarded`. */
  readonly forwarded: boolean
}

/** A forwarded header from a trusted proxy that does not hold an address. */
export class BadForwardedHeader extends Error {
  constructor (readonly header: string) {
    super(`The ${header} header from the proxy is not a valid address list`)
  }
}

/** Two forwarded headers from a trusted proxy that name different clients (a 400). */
export class DisagreeingForwardedHeaders extends Error {
  constructor (readonly headers: readonly [string, string], readonly clients: readonly [string, string]) {
    super(`The ${headers[0]} and ${headers[1]} headers from the proxy name different clients (${clients[0]} and ${clients[1]})`)
  }
}

/** A client the proxy does not name (see ClientAddress.hidden). */
const HIDDEN = Symbol('hidden client')
type Hop = Address | typeof HIDDEN

/**
 * One hop as proxies write it: `203.0.113.7`, `203.0.113.7:5678`, `2001:db8::1`,
 * `[2001:db8::1]` or `[2001:db8::1]:443`.
 */
function parseHop (text: string): Address | undefined {
  let hop = text.trim()
  if (hop.startsWith('[')) {
    const close = hop.indexOf(']')
    if (close === -1 || (close !== hop.length - 1 && !/^:\d{1,5}$/.test(hop.slice(close + 1)))) return undefined
    hop = hop.slice(1, close)
  } else if (/^[\d.]+:\d{1,5}$/.test(hop)) {
    hop = hop.slice(0, hop.indexOf(':'))
  }
  return parseAddress(hop)
}

/** RFC 7239 section 6: `unknown`, or `_` and letters, digits, `.`, `_`, `-`. */
const OBFUSCATED = /^(?:unknown|_[\w.-]+)$/i
const NODE_PORT = /^:(?:\d{1,5}|_[\w.-]+)$/

/**
 * A `for=` node of RFC 7239 (section 6): an address (IPv6 in brackets), `unknown` or an
 * obfuscated name, each with an optional port (a number or an obfuscated one).
 */
function parseNode (text: string): Hop | undefined {
  let name = text
  let port = ''
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close === -1) return undefined
    name = text.slice(1, close)
    port = text.slice(close + 1)
  } else {
    const colon = text.indexOf(':')
    if (colon !== -1) {
      name = text.slice(0, colon)
      port = text.slice(colon)
    }
  }
  if (port !== '' && !NODE_PORT.test(port)) return undefined
  if (OBFUSCATED.test(name)) return HIDDEN
  return parseAddress(name)
}

const OWS = /[ \t]*/y
/** A parameter name (RFC 9110 token) and its `=`. */
const NAME = /([!#$%&'*+.^`|~\w-]+)[ \t]*=[ \t]*/y
/** A quoted string, escapes included (RFC 9110 section 5.6.4). */
const QUOTED = /"((?:[^"\\]|\\.)*)"/y
/** An unquoted value; anything but the delimiters (proxies write `for=[::1]:80` unquoted too). */
const BARE = /[^\s",;]+/y

function match (pattern: RegExp, text: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at
  return pattern.exec(text)
}

/**
 * The `for` of each element of a Forwarded header (RFC 7239 section 4), leftmost first: its text,
 * or undefined for an element without one. Empty list elements are skipped (RFC 9110 section
 * 5.6.1). Undefined when the header breaks the syntax or names no element.
 * @example forwardedFors('for="[2001:db8::1]:4711";proto=https, for=192.0.2.1') // ['[2001:db8::1]:4711', '192.0.2.1']
 */
export function forwardedFors (value: string): Array<string | undefined> | undefined {
  const fors: Array<string | undefined> = []
  let at = 0
  let pairs = 0
  let found: string | undefined
  for (;;) {
    at += (match(OWS, value, at) as RegExpExecArray)[0].length
    const char = value[at]
    if (char === undefined || char === ',') {
      if (pairs > 0) fors.push(found)
      pairs = 0
      found = undefined
      if (char === undefined) return fors.length === 0 ? undefined : fors
      at++
      continue
    }
    if (char === ';') {
      at++
      continue
    }
    const name = match(NAME, value, at)
    if (name === null) return undefined
    at += name[0].length
    const quoted = match(QUOTED, value, at)
    const bare = quoted === null ? match(BARE, value, at) : null
    if (quoted === null && bare === null) return undefined
    const text = quoted === null ? (bare as RegExpExecArray)[0] : (quoted[1] as string).replace(/\\(.)/g, '$1')
    at += (quoted ?? bare as RegExpExecArray)[0].length
    pairs++
    if ((name[1] as string).toLowerCase() === 'for') {
      // A parameter occurs at most once per element (section 4): two would mean two clients.
      if (found !== undefined) return undefined
      found = text
    }
    at += (match(OWS, value, at) as RegExpExecArray)[0].length
    const next = value[at]
    if (next !== undefined && next !== ';' && next !== ',') return undefined
  }
}

function single (headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

function same (a: Hop, b: Hop): boolean {
  return a === HIDDEN || b === HIDDEN ? a === b : a.family === b.family && a.value === b.value
}

function show (hop: Hop): string {
  return hop === HIDDEN ? 'unknown' : formatAddress(hop)
}

/** A connection's peer, worked out once per connection. */
export interface Peer {
  /** The client address when nothing is forwarded: the peer itself. */
  readonly direct: ClientAddress
  /** Whether the peer is a trusted proxy, whose forwarded headers count. */
  readonly trusted: boolean
}

export interface ClientAddressResolver {
  peer (address: Address): Peer
  /**
   * Throws BadForwardedHeader for a garbage header from a trusted proxy, and
   * DisagreeingForwardedHeaders for two that name different clients (each a 400).
   */
  resolve (peer: Peer, headers: IncomingHttpHeaders): ClientAddress
}

/**
 * @example createClientAddressResolver(trustedProxies, { xRealIp: true, xForwardedFor: true, cfConnectingIp: false, forwarded: true })
 */
export function createClientAddressResolver (trusted: IpMatcher, enabled: ForwardedHeaders): ClientAddressResolver {
  const one = (name: string, value: string): Address => {
    const client = parseHop(value)
    if (client === undefined) throw new BadForwardedHeader(name)
    return client
  }
  /**
   * Each proxy appends the address it received from; walk back from the nearest hop and stop at
   * the first one not trusted (or hidden): everything left of it could be made up by the client.
   */
  const walk = (hops: ReadonlyArray<string | undefined>, name: string, parse: (text: string) => Hop | undefined): Hop => {
    let client: Hop = HIDDEN
    for (let i = hops.length - 1; i >= 0; i--) {
      const text = hops[i]
      // An element without `for` forwards a client it does not name.
      const hop = text === undefined ? HIDDEN : parse(text)
      if (hop === undefined) throw new BadForwardedHeader(name)
      client = hop
      if (hop === HIDDEN || trusted.matchParsed(hop) === undefined) break
    }
    return client
  }
  /** The first header's client, or a throw when `hop` (from `name`) names another. */
  const agree = (first: Hop | undefined, firstName: string, hop: Hop, name: string): Hop => {
    if (first !== undefined && !same(first, hop)) throw new DisagreeingForwardedHeaders([firstName, name], [show(first), show(hop)])
    return hop
  }

  return {
    peer (address) {
      const text = formatAddress(address)
      return {
        direct: { ip: text, parsed: address, peer: text, parsedPeer: address, forwarded: false, hidden: false },
        trusted: trusted.matchParsed(address) !== undefined
      }
    },
    resolve ({ direct, trusted: isTrusted }, headers) {
      if (!isTrusted) return direct
      // Every enabled header present must name the same client; the first one read names it.
      let client: Hop | undefined
      let from = ''
      const cf = enabled.cfConnectingIp ? single(headers, 'cf-connecting-ip') : undefined
      if (cf !== undefined) {
        client = one('CF-Connecting-IP', cf)
        from = 'CF-Connecting-IP'
      }
      const xff = enabled.xForwardedFor ? single(headers, 'x-forwarded-for') : undefined
      if (xff !== undefined) {
        client = agree(client, from, walk(xff.split(','), 'X-Forwarded-For', parseHop), 'X-Forwarded-For')
        from = 'X-Forwarded-For'
      }
      const forwarded = enabled.forwarded ? single(headers, 'forwarded') : undefined
      if (forwarded !== undefined) {
        const fors = forwardedFors(forwarded)
        if (fors === undefined) throw new BadForwardedHeader('Forwarded')
        client = agree(client, from, walk(fors, 'Forwarded', parseNode), 'Forwarded')
        from = 'Forwarded'
      }
      const real = enabled.xRealIp ? single(headers, 'x-real-ip') : undefined
      if (real !== undefined) client = agree(client, from, one('X-Real-IP', real), 'X-Real-IP')
      if (client === undefined) return direct
      const peer = direct.parsed
      if (client === HIDDEN) return { ip: 'unknown', parsed: peer, peer: direct.ip, parsedPeer: peer, forwarded: true, hidden: true }
      return { ip: formatAddress(client), parsed: client, peer: direct.ip, parsedPeer: peer, forwarded: true, hidden: false }
    }
  }
}
