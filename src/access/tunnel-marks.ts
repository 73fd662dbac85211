/**
 * A tunnel on this computer is not this computer (issue 15). Tailscale Serve and Funnel,
 * cloudflared and ngrok run beside the server and connect to it from 127.0.0.1, so every visitor
 * they carry arrives from a loopback address, which the default whitelist admits as "this
 * computer". Each of them marks the requests it relays. A request from a loopback peer that
 * carries such a mark, or a forwarded-address header that the trusted-proxy rules did not
 * resolve, is a relayed one: it is judged by the visitor's own address when a trusted proxy
 * resolved one, and otherwise as a client from an address nobody knows, never as this computer.
 *
 * Pure: the peer, the headers and the client the resolver made in, a sighting out.
 */
import type { IncomingHttpHeaders } from 'node:http'
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
 * The headers each tunnel adds to what it relays, in the order they are looked for. Tailscale
 * Funnel carries visitors from the internet; Serve carries members of the tailnet and names them;
 * cloudflared passes on Cloudflare's edge headers; ngrok's visitors may send its skip header.
 */
const TUNNEL_MARKS: ReadonlyArray<readonly [header: string, written: string, tunnel: TunnelName]> = [
  ['tailscale-funnel-request', 'Tailscale-Funnel-Request', 'Tailscale Funnel'],
  ['tailscale-ingress-src', 'Tailscale-Ingress-Src', 'Tailscale Funnel'],
  ['tailscale-user-login', 'Tailscale-User-Login', 'Tailscale Serve'],
  ['tailscale-user-name', 'Tailscale-User-Name', 'Tailscale Serve'],
  ['cf-connecting-ip', 'CF-Connecting-IP', 'Cloudflare Tunnel'],
  ['cf-ray', 'Cf-Ray', 'Cloudflare Tunnel'],
  ['cf-visitor', 'Cf-Visitor', 'Cloudflare Tunnel'],
  ['ngrok-trace-id', 'Ngrok-Trace-Id', 'ngrok'],
  ['ngrok-skip-browser-warning', 'Ngrok-Skip-Browser-Warning', 'ngrok']
]

/**
 * Headers that say a request was relayed for someone. From a trusted proxy they name the client
 * (client-address.ts); when they did not (the peer is not in trustedProxies, or that header is
 * switched off), all that is known is that someone else is behind the request.
 */
const RELAY_MARKS: ReadonlyArray<readonly [header: string, written: string]> = [
  ['x-forwarded-for', 'X-Forwarded-For'],
  ['x-real-ip', 'X-Real-IP'],
  ['forwarded', 'Forwarded'],
  ['true-client-ip', 'True-Client-IP']
]

const V6_LOOPBACK = `${'0'.repeat(31)}1`

/** 127.0.0.0/8 or ::1 (IPv4-mapped peers arrive unmapped). */
export function isLoopback (address: Address): boolean {
  return address.family === 4 ? address.value >>> 24 === 127 : address.value === V6_LOOPBACK
}

/**
 * Whether a request from this peer was relayed by a tunnel or a proxy on this computer, and for
 * whom. Undefined for a request that is what it looks like: from another address, or from this
 * computer with no mark, or forwarded by a trusted proxy without any tunnel's marks (a reverse
 * proxy such as nginx, judged as before).
 * @example tunnelMarks(peer, { 'tailscale-funnel-request': '?1' }, client) // { tunnel: 'Tailscale Funnel', mark: 'Tailscale-Funnel-Request', origin: undefined }
 */
export function tunnelMarks (peer: Address, headers: IncomingHttpHeaders, client: ClientAddress): TunnelSighting | undefined {
  if (!isLoopback(peer)) return undefined
  // A forwarded address that is itself loopback is no visitor's: a tunnel carries other computers.
  const origin = client.forwarded && !isLoopback(client.parsed) ? client.ip : undefined
  for (const [header, written, tunnel] of TUNNEL_MARKS) {
    if (headers[header] !== undefined) return { tunnel, mark: written, origin }
  }
  // A trusted proxy named the client (nginx in front, say): judged by that address, as before.
  if (client.forwarded) return undefined
  for (const [header, written] of RELAY_MARKS) {
    if (headers[header] !== undefined) return { tunnel: 'a proxy or tunnel', mark: written, origin: undefined }
  }
  return undefined
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
