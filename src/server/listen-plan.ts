/**
 * Which sockets to open: one per address family, IPv6 first (as the listening line prints them).
 * `listen: false` binds loopback only; `listen: true` binds listenAddress. `auto` keeps a family
 * when this machine has an address of it.
 */
import type { NetworkInterfaceInfo } from 'node:os'
import type { Config } from '../config/config.js'
import { TVS_ERR_LISTEN_NO_FAMILY } from '../errors.js'

export interface Binding {
  readonly family: 4 | 6
  readonly host: string
}

export type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>

const LOOPBACK = { 4: '127.0.0.1', 6: '::1' } as const

function hasFamily (interfaces: Interfaces, family: 4 | 6, listen: boolean): boolean {
  return Object.values(interfaces).some((list) => (list ?? []).some((i) =>
    i.family === `IPv${family}` && (listen || i.address === LOOPBACK[family])))
}

/**
 * @example planListen(config, os.networkInterfaces()) // [{ family: 4, host: '127.0.0.1' }]
 */
export function planListen (config: Config, interfaces: Interfaces): Binding[] {
  const bindings: Binding[] = []
  for (const family of [6, 4] as const) {
    const setting = config.protocol[family === 4 ? 'ipv4' : 'ipv6']
    const wanted = setting === 'auto' ? hasFamily(interfaces, family, config.listen) : setting
    if (!wanted) continue
    const host = config.listen ? config.listenAddress[family === 4 ? 'ipv4' : 'ipv6'] : LOOPBACK[family]
    bindings.push({ family, host })
  }
  if (bindings.length === 0) {
    const auto = config.protocol.ipv4 === 'auto' || config.protocol.ipv6 === 'auto'
    throw new TVS_ERR_LISTEN_NO_FAMILY(auto
      ? 'protocol is set to auto but this machine has no usable IPv4 or IPv6 address'
      : 'protocol.ipv4 and protocol.ipv6 are both false')
  }
  return bindings
}

/** `[::]:8000` or `0.0.0.0:8000`, as the listening line prints an address. */
export function hostPort (host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
