/**
 * What one client may cost the server: how long it may take to send a request, and how many
 * connections its address may hold at once. Without these, slow clients (a request head sent a
 * byte at a time, or never) keep their connections for minutes, and a thousand of them use up the
 * process's open files: everyone else's connections then fail.
 */
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import type { Address } from '../access/ip-address.js'
import { parseAddress } from '../access/ip-address.js'
import type { Config } from '../config/config.js'
import type { SecurityPolicy } from './security-policy.js'

export interface ConnectionLimits {
  /** Time from a connection's start (a later request's first byte) to a whole request head. */
  headersTimeoutMs: number
  /** Time to receive a whole request, body included; 0 = none. Never applies to the answer. */
  requestTimeoutMs: number
  /** Connections an address (an IPv6 /64) may hold at once; 0 = no limit. */
  maxPerAddress: number
  /** Peers that are not counted: proxies and tunnels, whose visitors all share their address. */
  uncounted: (address: Address) => boolean
  /** Told of each connection closed for being over the limit (with the key it was counted by). */
  onRefused: (key: string, address: string) => void
}

/** How often Node looks for requests over their time (its default, 30 s, makes 20 s into 50). */
export const CHECK_INTERVAL_MS = 1000

/** The key an address is counted by: itself, or its /64 for IPv6 (one home network). */
export function addressKey (address: Address): string {
  return address.family === 4 ? String(address.value) : `${address.value.slice(0, 16)}/64`
}

/**
 * @returns a function that applies the limits to a server before it listens (the counts are shared
 *   by every server it is applied to).
 * @example const prepare = connectionLimits(limits); prepare(http.createServer(handler))
 */
export function connectionLimits (limits: ConnectionLimits): (server: Server) => void {
  const open = new Map<string, number>()
  const count = (socket: Socket): void => {
    // A socket accepted by a listening server has its peer's address; Node writes it as an IP.
    const text = socket.remoteAddress as string
    const address = parseAddress(text) as Address
    if (limits.uncounted(address)) return
    const key = addressKey(address)
    const held = open.get(key) ?? 0
    if (held >= limits.maxPerAddress) {
      // Closed before Node's HTTP or TLS handling reads a byte of it.
      socket.destroy()
      limits.onRefused(key, text)
      return
    }
    open.set(key, held + 1)
    socket.once('close', () => {
      const left = (open.get(key) as number) - 1
      if (left === 0) open.delete(key)
      else open.set(key, left)
    })
  }
  return (server) => {
    server.headersTimeout = limits.headersTimeoutMs
    server.requestTimeout = limits.requestTimeoutMs
    // Read by Node when the server starts listening.
    ;(server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = CHECK_INTERVAL_MS
    if (limits.maxPerAddress > 0) server.prependListener('connection', count)
  }
}

const LOCAL = new Set(['127.0.0.1', '::1'])

/** The limits set in config.yaml (`connections`), with the policy's trusted proxies uncounted. */
export function configuredLimits (config: Config, policy: Pick<SecurityPolicy, 'resolver' | 'recorder'>): (server: Server) => void {
  const { headersTimeoutSeconds, requestTimeoutSeconds, maxPerAddress } = config.connections
  return connectionLimits({
    headersTimeoutMs: headersTimeoutSeconds * 1000,
    requestTimeoutMs: requestTimeoutSeconds * 1000,
    maxPerAddress,
    // Tunnels and proxies on this computer connect from 127.0.0.1 or ::1 (other loopback
    // addresses are clients that chose them, and are counted).
    uncounted (address) {
      const peer = policy.resolver.peer(address)
      return peer.trusted || LOCAL.has(peer.direct.ip)
    },
    onRefused (key, address) {
      policy.recorder.warn(`connections ${key}`, `Too many connections from ${address}: more than ${maxPerAddress} at once (connections.maxPerAddress); closing the extra ones.`)
    }
  })
}
