/**
 * A tunnel on this computer is not this computer (issue 15). Tailscale Serve and Funnel,
 * cloudflared and ngrok run beside the server and connect to it from 127.0.0.1, so every visitor
 * they carry arrives from a loopback address, which the default whitelist admits as "this
 * computer". Each of them marks the requests it relays. A request from a loopback peer that
 * carries such a mark, or a forwarded-address header that the trusted-proxy rules did not
 * resolve, is a relayed one: it is judged by the visitor's own address when a trusted proxy
 * resolved one, and otherwise as a client from an address nobody knows, never as this computer.
 *
 * Pure: the peer, the raw headers and the client the resolver made in, a sighting out.
 */
import type { ClientAddress } from './client-address.js'
import type { Address } from './ip-address.js'
import type { IpMatcher, RuleSource } from './ip-rules.js'

export type TunnelName = 'Tailscale Funnel' | 'Tailscale Serve' | 'Cloudflare Tunnel' | 'ngrok' | 'a proxy or tunnel'

export interface TunnelSighting {
  readonly tunnel: TunnelName
  /** The header that gave it away, as tunnels write it (`Tailscale-Funnel-Request`). */
  readonly mark: string
  /**
   * The visitor's own address, when a trusted proxy's header resolved one that is not loopback;
   * undefined when nothing says who is connecting.
   */
  readonly origin: string | undefined
}

/**
 * The headers each tunnel adds to what it relays, in the order they decide when several are there.
 * Tailscale Funnel carries visitors from the internet; Serve carries members of the tailnet and
 * names them; cloudflared passes on Cloudflare's edge headers; ngrok's visitors may send its skip
 * header. Then the headers that say a request was relayed for someone: from a trusted proxy they
 * name the client (client-address.ts); when they did not (the peer is not in trustedProxies, or
 * that header is switched off), all that is known is that someone else is behind the request.
 */
const MARKS: ReadonlyArray<readonly [written: string, tunnel: TunnelName | undefined]> = [
  ['Tailscale-Funnel-Request', 'Tailscale Funnel'],
  ['Tailscale-Ingress-Src', 'Tailscale Funnel'],
  ['Tailscale-User-Login', 'Tailscale Serve'],
  ['Tailscale-User-Name', 'Tailscale Serve'],
  ['CF-Connecting-IP', 'Cloudflare Tunnel'],
  ['Cf-Ray', 'Cloudflare Tunnel'],
  ['Cf-Visitor', 'Cloudflare Tunnel'],
  ['Ngrok-Trace-Id', 'ngrok'],
  ['Ngrok-Skip-Browser-Warning', 'ngrok'],
  // Relay marks: count only when no trusted proxy resolved them.
  ['X-Forwarded-For', undefined],
  ['X-Real-IP', undefined],
  ['Forwarded', undefined],
  ['True-Client-IP', undefined]
]
/** Lower-case name → its place in MARKS. */
const MARK_INDEX = new Map(MARKS.map(([written], i) => [written.toLowerCase(), i]))
const LETTERS = new Set([...MARK_INDEX.keys()].map((name) => name.charCodeAt(0)))

/**
 * The place in MARKS of a header name as the client wrote it, or -1. Every request from this
 * computer passes here, so most names are turned away by their first letter, without making a
 * lower-case copy (a browser's `Connection` and `Cookie` by their second letter).
 */
function markIndex (name: string): number {
  const first = name.charCodeAt(0) | 0x20
  if (!LETTERS.has(first)) return -1
  if (first === 0x63 /* c */ && (name.charCodeAt(1) | 0x20) !== 0x66 /* f */) return -1
  return MARK_INDEX.get(name.toLowerCase()) ?? -1
}

const V6_LOOPBACK = `${'0'.repeat(31)}1`

/** 127.0.0.0/8 or ::1 (IPv4-mapped peers arrive unmapped). */
export function isLoopback (address: Address): boolean {
  return address.family === 4 ? address.value >>> 24 === 127 : address.value === V6_LOOPBACK
}

/** What relayMark() finds in a request with no mark: no tunnel, and no forwarded-address header. */
export const NO_MARK = -1

/**
 * The first of a request's marks, by their order in MARKS (NO_MARK when it has none). Every
 * header a trusted proxy names the client in (client-address.ts) is one of the marks, so a
 * request with none was not forwarded either: its client is its peer.
 * @param rawHeaders the request's names and values as sent (Node's `rawHeaders`)
 */
export function relayMark (rawHeaders: readonly string[]): number {
  let found = MARKS.length
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const index = markIndex(rawHeaders[i] as string)
    if (index !== -1 && index < found) found = index
  }
  return found === MARKS.length ? NO_MARK : found
}

/**
 * What a loopback peer's request with this mark (from relayMark) is: relayed by a tunnel or a
 * proxy on this computer, and for whom. Undefined for a request that is what it looks like: from
 * this computer with no mark, or forwarded by a trusted proxy without any tunnel's marks (a
 * reverse proxy such as nginx, judged as before).
 */
export function relaySighting (found: number, client: ClientAddress): TunnelSighting | undefined {
  if (found === NO_MARK) return undefined
  const [mark, tunnel] = MARKS[found] as (typeof MARKS)[number]
  // A forwarded address that is itself loopback is no visitor's: a tunnel carries other computers.
  if (tunnel !== undefined) return { tunnel, mark, origin: client.forwarded && !isLoopback(client.parsed) ? client.ip : undefined }
  // A trusted proxy named the client (nginx in front, say): judged by that address, as before.
  if (client.forwarded) return undefined
  return { tunnel: 'a proxy or tunnel', mark, origin: undefined }
}

/**
 * Whether a request from this peer was relayed by a tunnel or a proxy on this computer, and for
 * whom: relaySighting() of relayMark() for a loopback peer, undefined for any other.
 * @example tunnelMarks(peer, ['Tailscale-Funnel-Request', '?1'], client) // { tunnel: 'Tailscale Funnel', mark: 'Tailscale-Funnel-Request', origin: undefined }
 */
export function tunnelMarks (peer: Address, rawHeaders: readonly string[], client: ClientAddress): TunnelSighting | undefined {
  return isLoopback(peer) ? relaySighting(relayMark(rawHeaders), client) : undefined
}

/**
 * The whitelist rule that admits a relayed request: the one matching the visitor's own address,
 * never the loopback peer's. With enableForwardedWhitelist the peer must be on the list as well,
 * as for any forwarded request; without it, a tunnel is still no reason to skip the visitor.
 */
export function tunnelRule (sighting: TunnelSighting, client: ClientAddress, rules: IpMatcher, checkPeer: boolean): RuleSource | undefined {
  if (sighting.origin === undefined) return undefined
  if (checkPeer && rules.matchParsed(client.parsedPeer) === undefined) return undefined
  return rules.matchParsed(client.parsed)
}
