/**
 * Inside a container the browser on the host reaches the server through the Docker host or
 * gateway address, which a default whitelist blocks (SillyTavern issues #3446, #5210). With
 * `whitelistDockerHosts`, those addresses are admitted, and start-up says which.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RuleSource } from './ip-rules.js'

export interface ContainerProbe {
  inContainer (): boolean
  /** The addresses a name resolves to, or [] when it does not. */
  resolve (name: string): Promise<string[]>
  /** The IPv4 default gateway, from the routing table. */
  defaultGateway (): string | undefined
}

const NAMES = ['host.docker.internal', 'gateway.docker.internal'] as const
const LOOKUP_TIMEOUT_MS = 2000

function readQuietly (file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

/** Linux's /proc/net/route holds the gateway as little-endian hex. */
export function gatewayFromRouteTable (table: string): string | undefined {
  for (const line of table.split('\n').slice(1)) {
    const [, destination, gateway] = line.trim().split(/\s+/)
    if (destination === '00000000' && gateway !== undefined && /^[0-9A-Fa-f]{8}$/.test(gateway) && gateway !== '00000000') {
      const n = Number.parseInt(gateway, 16)
      return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.')
    }
  }
  return undefined
}

/** The probe of the machine the server runs on; `root` is for tests. */
export function createSystemProbe (root = '/'): ContainerProbe {
  const at = (path: string): string => join(root, path)
  return {
    inContainer: () => existsSync(at('.dockerenv')) || existsSync(at('run/.containerenv')) ||
      /docker|containerd|kubepods|libpod/.test(readQuietly(at('proc/1/cgroup'))),
    async resolve (name) {
      // The resolver is loaded only inside a container, where the names are looked up.
      const { lookup } = await import('node:dns/promises')
      let timer: NodeJS.Timeout | undefined
      /* c8 ignore next -- needs a DNS server that never answers */
      const timeout = new Promise<string[]>((resolve) => { timer = setTimeout(() => resolve([]), LOOKUP_TIMEOUT_MS) })
      const answer = lookup(name, { all: true }).then((found) => found.map((a) => a.address), () => [])
      try {
        return await Promise.race([answer, timeout])
      } finally {
        clearTimeout(timer)
      }
    },
    defaultGateway: () => gatewayFromRouteTable(readQuietly(at('proc/net/route')))
  }
}

export const systemProbe = createSystemProbe()

/**
 * The Docker host addresses to admit, and the start-up lines that say so, each ending in what to
 * do about it (`configPath` is where whitelistDockerHosts is set).
 * @example const { rules, lines } = await dockerHostRules(systemProbe, '/srv/config.yaml')
 */
export async function dockerHostRules (probe: ContainerProbe, configPath: string): Promise<{ rules: RuleSource[], lines: string[] }> {
  if (!probe.inContainer()) return { rules: [], lines: [] }
  const found = new Map<string, string>()
  const gateway = probe.defaultGateway()
  if (gateway !== undefined) found.set(gateway, 'the default gateway')
  for (const name of NAMES) {
    for (const address of await probe.resolve(name)) if (!found.has(address)) found.set(address, name)
  }
  if (found.size === 0) {
    return {
      rules: [],
      lines: ['Running in a container, but no Docker host address was found (no default gateway; host.docker.internal does not resolve). ' +
        'If a browser on the host computer is refused, add the address its Forbidden message names to the whitelist.']
    }
  }
  const rules = [...found].map(([entry, what]) => ({ entry, source: `whitelistDockerHosts (${what})` }))
  return {
    rules,
    lines: [
      `Running in a container: also admitting the Docker host ${[...found].map(([a, what]) => `${a} (${what})`).join(', ')}.`,
      `On Docker Desktop that address stands for every device on your network; to admit only the whitelist, set whitelistDockerHosts: false in ${configPath}.`
    ]
  }
}
