/**
 * One line that says, at a glance, how exposed the server is (issue 15): where it is bound, HTTPS
 * on or off, which access controls are in force, and what a device on the LAN needs to get in.
 */
import type { Config } from '../config/config.js'
import { commandLine } from '../invocation.js'
import { hostPort } from '../server/listen-plan.js'
import type { BoundAddress } from '../server/start.js'
import type { DeviceAddress } from './device-addresses.js'

export interface ExposureInput {
  config: Config
  addresses: readonly BoundAddress[]
  /** The survey of device addresses, LAN first. */
  devices: readonly DeviceAddress[]
  /** The number of whitelist entries in force. */
  whitelistEntries: number
  passwordRequired: boolean
  tls: boolean
}

/**
 * How to let other devices in when listen is off, said where the value came from: a flag or an
 * environment variable would beat an edit of config.yaml.
 * @example listenAdvice(config) // 'set listen: true in /srv/config.yaml, or start with --listen'
 */
export function listenAdvice (config: Config): string {
  const source = config.sources.listen
  if (source.kind === 'flag') return `start without ${source.flag} (or with --listen)`
  if (source.kind === 'env') return `set ${source.name}=true (it overrides ${config.configPath}), or start with --listen`
  return `set listen: true in ${config.configPath}, or start with --listen`
}

const WILDCARD = { '0.0.0.0': 'every IPv4 address', '::': 'every IPv6 address' } as Record<string, string>

function where ({ config, addresses }: ExposureInput): string {
  const port = (addresses[0] as BoundAddress).port
  if (!config.listen) return `this computer only (${addresses.map((a) => hostPort(a.host, a.port)).join(', ')})`
  return `${addresses.map((a) => WILDCARD[a.host] ?? a.host).join(' and ')}, port ${port}`
}

function controls ({ config, whitelistEntries, passwordRequired }: ExposureInput): string {
  const whitelist = config.whitelistMode ? `IP whitelist (${whitelistEntries} entr${whitelistEntries === 1 ? 'y' : 'ies'})` : undefined
  const password = passwordRequired ? 'password (Basic auth)' : undefined
  const parts = whitelist !== undefined && password !== undefined
    ? [config.satisfy === 'any' ? `${whitelist} or ${password} (satisfy: any)` : `${whitelist} and ${password}`]
    : [whitelist ?? password].filter((p): p is string => p !== undefined)
  if (config.hostWhitelist.enabled) parts.push('Host check')
  return parts.length === 0 ? 'no access control' : parts.join(', ')
}

function lanDevice ({ config, devices }: ExposureInput): string {
  // The line above it says how to change that (banner.ts).
  if (!config.listen) return 'other devices cannot connect (listen is false)'
  const first = devices[0]
  if (first === undefined) return 'no address of this computer is reachable from another device: connect it to a network'
  return `a device on ${first.network ?? first.address} (${first.name}): ${first.rule}`
}

/**
 * @example exposureLine(input) // 'Exposure: every IPv4 address, port 8000; HTTPS; IP whitelist (3 entries), Host check; a device on 192.168.1.0/24 (wlan0): admitted by whitelist entry 192.168.1.0/24.'
 */
export function exposureLine (input: ExposureInput): string {
  const https = input.tls
    ? 'HTTPS'
    : input.config.listen
      ? `plain HTTP, readable on the network (to encrypt: ${commandLine('cert')}, then start with --ssl)`
      : 'plain HTTP'
  return `Exposure: ${where(input)}; ${https}; ${controls(input)}; ${lanDevice(input)}.`
}
