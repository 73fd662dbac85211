/**
 * What the console says once the server listens: where it listens, the address to type on another
 * device (one per interface, with the access rule that applies to it), where connections are
 * logged, and the `Go to:` line.
 */
import type { Config } from '../config/config.js'
import type { IpMatcher } from '../access/ip-rules.js'
import { compileIpRules, networkOf } from '../access/ip-rules.js'
import { hostPort } from '../server/listen-plan.js'
import type { Interfaces } from '../server/listen-plan.js'
import type { BoundAddress } from '../server/start.js'

export interface BannerInput {
  config: Config
  addresses: readonly BoundAddress[]
  interfaces: Interfaces
  whitelist: IpMatcher
  /** What to add an address to: `whitelist in /srv/config.yaml`, or whitelist.txt when it holds the list. */
  whitelistAddTo: string
  /** The Docker host addresses admitted besides the whitelist (in a container). */
  dockerHosts: readonly string[]
  /** Whether a password is asked (Basic auth or accounts in force). */
  passwordRequired: boolean
  tls: boolean
}

const WILDCARD = new Set(['0.0.0.0', '::'])

function url (scheme: string, host: string, port: number): string {
  return `${scheme}://${hostPort(host, port)}/`
}

/** `tavern-server is listening on IPv6: [::]:8000 IPv4: 0.0.0.0:8000` */
export function listeningLine (addresses: readonly BoundAddress[]): string {
  return 'tavern-server is listening on ' +
    addresses.map((a) => `IPv${a.family}: ${hostPort(a.host, a.port)}`).join(' ')
}

/** The address a browser on this computer opens: loopback when it is bound, else the address. */
export function goToUrl (addresses: readonly BoundAddress[], tls: boolean): string {
  const scheme = tls ? 'https' : 'http'
  const chosen = addresses.find((a) => a.family === 4) ?? addresses[0] as BoundAddress
  const loopback = chosen.family === 4 ? '127.0.0.1' : '::1'
  const host = WILDCARD.has(chosen.host) || chosen.host === loopback ? loopback : chosen.host
  return url(scheme, host, chosen.port)
}

/**
 * How another device on this interface's network gets in. Anything short of "it gets in" ends in
 * what to do about it (issue 11).
 */
function accessRule (input: BannerInput, network: string | undefined): string {
  const { config, whitelist, whitelistAddTo, passwordRequired } = input
  const password = passwordRequired ? 'a password' : undefined
  if (!config.whitelistMode || network === undefined) return password === undefined ? 'open to every device' : `${password} is asked`
  const cover = whitelist.admitsNetwork(network)
  if (config.satisfy === 'any' && password !== undefined) {
    if (cover === 'all') return `whitelisted (${network}): no password needed`
    return `${password} is asked (to skip it, add ${network} to ${whitelistAddTo})`
  }
  const then = password === undefined ? '' : `, then ${password} is asked`
  if (cover === 'all') return `the whitelist admits ${network}${then}`
  if (cover === 'some') {
    // In a container, the part admitted is usually the Docker host, through which the host
    // computer's browser arrives.
    const here = compileIpRules([{ entry: network, source: network }], 'whitelist')
    const docker = input.dockerHosts.filter((a) => here.match(a) !== undefined)
    const admitted = docker.length > 0 ? `the Docker host ${docker.join(', ')} is admitted` : `the whitelist admits only some of ${network}`
    return `${admitted}${then}; to admit another device there, add its address (or all of ${network}) to ${whitelistAddTo}`
  }
  return `not on the whitelist yet: add ${network} to ${whitelistAddTo}`
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

function deviceLines (input: BannerInput): string[] {
  const scheme = input.tls ? 'https' : 'http'
  const lines: string[] = []
  for (const bound of input.addresses) {
    for (const [name, list] of Object.entries(input.interfaces)) {
      for (const info of list ?? []) {
        if (info.internal || info.family !== `IPv${bound.family}`) continue
        if (info.family === 'IPv6' && info.address.toLowerCase().startsWith('fe80:')) continue // needs a zone id
        if (!WILDCARD.has(bound.host) && info.address !== bound.host) continue
        const network = info.cidr === null ? undefined : networkOf(info.cidr)
        lines.push(`  ${url(scheme, info.address, bound.port)}  (${name}: ${accessRule(input, network)})`)
      }
    }
  }
  return lines
}

/** All lines, for stdout. */
export function banner (input: BannerInput): string[] {
  const lines = [listeningLine(input.addresses)]
  if (!input.config.listen) {
    lines.push(`Only this computer can connect (listen is false). To connect from a phone or another computer, ${listenAdvice(input.config)}.`)
  } else {
    const devices = deviceLines(input)
    if (devices.length === 0) {
      lines.push('No network address of this computer matches the listen address, so other devices cannot connect yet: ' +
        `connect this computer to a network, or set listenAddress in ${input.config.configPath} to one of its addresses (0.0.0.0 and :: mean all of them).`)
    } else {
      lines.push('On another device, open one of:', ...devices)
    }
    lines.push(input.config.logging.enableAccessLog
      ? `Connections are logged to ${input.config.logging.accessLogPath}`
      : 'The access log is off (logging.enableAccessLog: false).')
  }
  lines.push(`Go to: ${goToUrl(input.addresses, input.tls)}`)
  return lines
}

/** This machine's LAN networks (`192.168.1.0/24`), IPv4 first, for examples in messages. */
export function lanNetworks (interfaces: Interfaces): string[] {
  const found = Object.values(interfaces).flatMap((list) => list ?? [])
    .filter((i) => !i.internal && i.cidr !== null && !i.address.toLowerCase().startsWith('fe80:'))
    .sort((a, b) => (a.family === b.family ? 0 : a.family === 'IPv4' ? -1 : 1))
    .map((i) => networkOf(i.cidr as string))
    .filter((n): n is string => n !== undefined)
  return [...new Set(found)]
}
