/**
 * The addresses another device can type to reach this server, one per interface address, each
 * with what kind of network it is on (LAN, Tailscale, WireGuard, IPv6, ...) and the access rule
 * that applies to a device there. The start-up lines, the QR code, the exposure summary and
 * `doctor` all read this one survey, so they cannot disagree (issue 15).
 */
import ipaddr from 'ipaddr.js'
import type { IpMatcher } from '../access/ip-rules.js'
import { compileIpRules, networkOf } from '../access/ip-rules.js'
import type { Config } from '../config/config.js'
import { hostPort } from '../server/listen-plan.js'
import type { Interfaces } from '../server/listen-plan.js'
import type { BoundAddress } from '../server/start.js'

export interface SurveyInput {
  config: Config
  /** Where the server listens (or would): family, host and port. */
  addresses: readonly BoundAddress[]
  interfaces: Interfaces
  whitelist: IpMatcher
  /** What to add an address to: `whitelist in /srv/config.yaml`, or whitelist.txt when it holds the list. */
  whitelistAddTo: string
  /** The Docker host addresses admitted besides the whitelist (in a container). */
  dockerHosts: readonly string[]
  /** Whether a password is asked (Basic auth with credentials in force). */
  passwordRequired: boolean
  tls: boolean
}

export type AddressKind = 'lan' | 'tailscale' | 'wireguard' | 'vpn' | 'ipv6-lan' | 'ipv6-internet' | 'internet' | 'virtual'

/** In the order they are listed: the LAN first (a phone on the Wi-Fi is the usual case). */
const KIND_LABEL: Record<AddressKind, string> = {
  lan: 'LAN',
  tailscale: 'Tailscale',
  wireguard: 'WireGuard',
  vpn: 'VPN',
  'ipv6-lan': 'IPv6 LAN',
  'ipv6-internet': 'IPv6 global',
  internet: 'public address',
  virtual: 'containers and VMs on this computer'
}
const KIND_ORDER = Object.keys(KIND_LABEL) as AddressKind[]

/** How a device on that network fares: in, in with a password, in for some addresses, refused. */
export type Verdict = 'open' | 'password' | 'admitted' | 'partial' | 'forbidden'

export interface DeviceAddress {
  /** The interface name (`wlan0`). */
  readonly name: string
  readonly kind: AddressKind
  readonly address: string
  /** The URL to type on the other device. */
  readonly url: string
  /** The network devices reaching this address come from (`192.168.1.0/24`), when known. */
  readonly network: string | undefined
  readonly verdict: Verdict
  /** The rule in words, ending in what to do when the device would not get in. */
  readonly rule: string
}

/** Tailscale hands out addresses in its own ranges and routes the whole range over its interface. */
const TAILSCALE = { 4: '100.64.0.0/10', 6: 'fd7a:115c:a1e0::/48' } as const
const TAILSCALE_RULES = compileIpRules([TAILSCALE[4], TAILSCALE[6]].map((entry) => ({ entry, source: 'Tailscale' })), 'Tailscale')
const VIRTUAL_NAME = /^(docker|br-|veth|virbr|podman|cni|flannel|cali|vmnet|vboxnet|lxc|lxd)/
const VPN_NAME = /^(tun|tap|utun|ppp|zt|ipsec|nordlynx|proton)/

function kindOf (name: string, address: string): AddressKind {
  if (TAILSCALE_RULES.match(address) !== undefined || name.startsWith('tailscale')) return 'tailscale'
  if (name.startsWith('wg')) return 'wireguard'
  if (VPN_NAME.test(name)) return 'vpn'
  if (VIRTUAL_NAME.test(name)) return 'virtual'
  const range = ipaddr.parse(address).range()
  if (address.includes(':')) return range === 'uniqueLocal' ? 'ipv6-lan' : 'ipv6-internet'
  return range === 'private' || range === 'linkLocal' ? 'lan' : 'internet'
}

/** IPv6 link-local addresses need a zone id (`%wlan0`) that another device cannot type usefully. */
function unreachable (address: string): boolean {
  return address.includes(':') && ipaddr.parse(address).range() === 'linkLocal'
}

/** The label for a kind: `LAN`, `Tailscale`, ... */
export function kindLabel (kind: AddressKind): string {
  return KIND_LABEL[kind]
}

/**
 * How another device on this network gets in, and what to do when it does not. Anything short of
 * "it gets in" ends in what to do about it (issue 11).
 */
function accessRule (input: SurveyInput, network: string | undefined): { verdict: Verdict, rule: string } {
  const { config, whitelist, whitelistAddTo, passwordRequired } = input
  if (!config.whitelistMode) {
    return passwordRequired ? { verdict: 'password', rule: 'a password is asked' } : { verdict: 'open', rule: 'open to every device' }
  }
  const any = config.satisfy === 'any' && passwordRequired
  if (network === undefined) {
    // Node gives no netmask for some links (point-to-point): which devices are there is unknown.
    return any
      ? { verdict: 'password', rule: `a password is asked (to skip it, add the other device's address to ${whitelistAddTo})` }
      : { verdict: 'partial', rule: `the network here is not known: add the other device's address to ${whitelistAddTo}${passwordRequired ? ', then a password is asked' : ''}` }
  }
  const cover = whitelist.admitsNetwork(network)
  if (any) {
    if (cover === 'all') return { verdict: 'admitted', rule: `whitelisted (${network}): no password needed` }
    return { verdict: 'password', rule: `a password is asked (to skip it, add ${network} to ${whitelistAddTo})` }
  }
  const then = passwordRequired ? ', then a password is asked' : ''
  if (cover === 'all') {
    // One entry covering the whole network is named; several together are "the whitelist".
    const [first] = network.split('/')
    const rule = whitelist.match(first as string)
    const alone = rule !== undefined && compileIpRules([rule], 'whitelist').admitsNetwork(network) === 'all'
    return { verdict: 'admitted', rule: `${alone ? `admitted by whitelist entry ${rule.entry}` : `the whitelist admits ${network}`}${then}` }
  }
  if (cover === 'some') {
    // In a container, the part admitted is usually the Docker host, through which the host
    // computer's browser arrives.
    const here = compileIpRules([{ entry: network, source: network }], 'whitelist')
    const docker = input.dockerHosts.filter((a) => here.match(a) !== undefined)
    const admitted = docker.length > 0 ? `the Docker host ${docker.join(', ')} is admitted` : `the whitelist admits only some of ${network}`
    return { verdict: 'partial', rule: `${admitted}${then}; to admit another device there, add its address (or all of ${network}) to ${whitelistAddTo}` }
  }
  return { verdict: 'forbidden', rule: `forbidden: not on the whitelist yet; add ${network} to ${whitelistAddTo}` }
}

const WILDCARD = new Set(['0.0.0.0', '::'])

/**
 * Every address of this computer that another device can reach while the server listens on
 * `addresses`, LAN first. Loopback and IPv6 link-local addresses are left out.
 * @example surveyAddresses(input)[0].url // 'http://192.168.1.20:8000/'
 */
export function surveyAddresses (input: SurveyInput): DeviceAddress[] {
  const scheme = input.tls ? 'https' : 'http'
  const found: DeviceAddress[] = []
  for (const bound of input.addresses) {
    for (const [name, list] of Object.entries(input.interfaces)) {
      for (const info of list ?? []) {
        if (info.internal || info.family !== `IPv${bound.family}` || unreachable(info.address)) continue
        if (!WILDCARD.has(bound.host) && info.address !== bound.host) continue
        const kind = kindOf(name, info.address)
        const network = kind === 'tailscale' ? TAILSCALE[bound.family] : info.cidr === null ? undefined : networkOf(info.cidr)
        found.push({ name, kind, address: info.address, url: `${scheme}://${hostPort(info.address, bound.port)}/`, network, ...accessRule(input, network) })
      }
    }
  }
  // A stable sort: by kind, IPv4 first within one, then in the order Node lists the interfaces.
  const rank = (d: DeviceAddress): number => KIND_ORDER.indexOf(d.kind) * 2 + (d.address.includes(':') ? 1 : 0)
  return found.sort((a, b) => rank(a) - rank(b))
}

/** The line for one address: `  http://192.168.1.20:8000/  (wlan0, LAN: admitted by whitelist entry 192.168.0.0/16)` */
export function deviceLine (device: DeviceAddress): string {
  return `  ${device.url}  (${device.name}, ${kindLabel(device.kind)}: ${device.rule})`
}
