/**
 * One client address per request, derived once and used everywhere (whitelist, rate limits, logs,
 * error pages): the socket peer, IPv4-mapped IPv6 unmapped; only when the peer is a trusted proxy,
 * the address it forwards. Forwarded headers from any other peer are ignored, so nobody can
 * choose their own address by sending one.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { formatAddress, parseAddress } from './ip-address.js'
import type { Address } from './ip-address.js'
import type { IpMatcher } from './ip-rules.js'

export interface ClientAddress {
  /** The client: the peer, or the address a trusted proxy forwarded. */
  readonly ip: string
  readonly parsed: Address
  /** The socket peer. */
  readonly peer: string
  readonly parsedPeer: Address
  /** True when `ip` came from a trusted proxy's header. */
  readonly forwarded: boolean
}

export interface ForwardedHeaders {
  readonly xRealIp: boolean
  readonly xForwardedFor: boolean
  readonly cfConnectingIp: boolean
}

/** A forwarded header from a trusted proxy that does not hold an address. */
export class BadForwardedHeader extends Error {
  constructor (readonly header: string) {
    super(`The ${header} header from the proxy is not a valid address list`)
  }
}

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

function single (headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value.join(',') : value
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
  /** Throws BadForwardedHeader for a garbage header from a trusted proxy (a 400). */
  resolve (peer: Peer, headers: IncomingHttpHeaders): ClientAddress
}

/**
 * @example createClientAddressResolver(trustedProxies, { xRealIp: true, xForwardedFor: true, cfConnectingIp: false })
 */
export function createClientAddressResolver (trusted: IpMatcher, enabled: ForwardedHeaders): ClientAddressResolver {
  const via = (peer: Address, client: Address): ClientAddress => ({
    ip: formatAddress(client), parsed: client, peer: formatAddress(peer), parsedPeer: peer, forwarded: true
  })
  const one = (peer: Address, name: string, value: string): ClientAddress => {
    const client = parseHop(value)
    if (client === undefined) throw new BadForwardedHeader(name)
    return via(peer, client)
  }

  return {
    peer (address) {
      const text = formatAddress(address)
      return {
        direct: { ip: text, parsed: address, peer: text, parsedPeer: address, forwarded: false },
        trusted: trusted.matchParsed(address) !== undefined
      }
    },
    resolve ({ direct, trusted: isTrusted }, headers) {
      if (!isTrusted) return direct
      const peer = direct.parsed
      // Cloudflare's header names the visitor itself; it wins when enabled.
      const cf = enabled.cfConnectingIp ? single(headers, 'cf-connecting-ip') : undefined
      if (cf !== undefined) return one(peer, 'CF-Connecting-IP', cf)
      const xff = enabled.xForwardedFor ? single(headers, 'x-forwarded-for') : undefined
      if (xff !== undefined) {
        // Each proxy appends the address it received from; walk back from the nearest hop and
        // stop at the first one not trusted: everything left of it could be made up by the client.
        const hops = xff.split(',')
        let client = peer
        for (let i = hops.length - 1; i >= 0; i--) {
          const hop = parseHop(hops[i] as string)
          if (hop === undefined) throw new BadForwardedHeader('X-Forwarded-For')
          client = hop
          if (trusted.matchParsed(hop) === undefined) break
        }
        return via(peer, client)
      }
      const real = enabled.xRealIp ? single(headers, 'x-real-ip') : undefined
      if (real !== undefined) return one(peer, 'X-Real-IP', real)
      return direct
    }
  }
}
