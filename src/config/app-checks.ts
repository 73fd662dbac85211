/**
 * Checks of the `app` keys that look at more than one value, or at the disk: what is served
 * behind the gate must be one thing, must exist, and must not be tavern-server itself.
 */
import { statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import type { FlatConfig } from './schema.js'

/** Where a key's value came from, as `file:line: key` or `--flag`. */
export type WhereOf = (key: 'app.root' | 'app.upstream') => string

/** Host names that always mean this machine. */
function isLoopbackName (host: string): boolean {
  const name = host.toLowerCase()
  return name === 'localhost' || name.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(name) ||
    name === '[::1]' || name === '0.0.0.0' || name === '[::]' || name === '[::ffff:127.0.0.1]'
}

/**
 * Whether the upstream is tavern-server's own listening address: every request would come back
 * to the gate, which would forward it again, without end.
 */
export function loopsToItself (upstream: string, flat: Pick<FlatConfig, 'port' | 'listen' | 'listenAddress.ipv4' | 'listenAddress.ipv6'>): boolean {
  const url = new URL(upstream)
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port)
  if (flat.port === 0 || port !== flat.port) return false
  const host = url.hostname.toLowerCase()
  // Not listening, tavern-server has loopback; listening, it has the listen addresses, and every
  // address of this machine (loopback included) when one of them is a wildcard.
  if (!flat.listen) return isLoopbackName(host)
  const ipv4 = flat['listenAddress.ipv4']
  const ipv6 = `[${flat['listenAddress.ipv6']}]`
  return host === ipv4 || host === ipv6 || (isLoopbackName(host) && (ipv4 === '0.0.0.0' || ipv6 === '[::]'))
}

/** The problems, each a line for the configuration error. */
export function appProblems (flat: FlatConfig, baseDir: string, whereOf: WhereOf): string[] {
  const root = flat['app.root']
  const upstream = flat['app.upstream']
  const problems: string[] = []
  if (root !== '' && upstream !== '') {
    problems.push(`${whereOf('app.root')} and ${whereOf('app.upstream')} are both set; choose one: app.root serves a folder, app.upstream forwards to a running web app`)
  }
  if (root !== '') {
    const folder = isAbsolute(root) ? root : resolve(baseDir, root)
    let isFolder = false
    try {
      isFolder = statSync(folder).isDirectory()
    } catch { /* reported below */ }
    if (!isFolder) problems.push(`${whereOf('app.root')}: ${folder} is not a folder that exists; create it, or correct the path`)
  }
  if (upstream !== '' && loopsToItself(upstream, flat)) {
    problems.push(`${whereOf('app.upstream')}: ${upstream} is tavern-server's own address, so every request would come back to it; point it at the app's port (for SillyTavern, the port in its own config.yaml), not tavern-server's port ${flat.port}`)
  }
  return problems
}

/**
 * A warning when the app is on another machine over plain http: what travels between the two is
 * readable by anyone on the way, passwords and chats included.
 * @param ownAddresses this machine's network addresses
 */
export function remoteUpstreamWarning (upstream: string, ownAddresses: readonly string[]): string | undefined {
  const url = new URL(upstream)
  if (url.protocol === 'https:' || isLoopbackName(url.hostname)) return undefined
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (ownAddresses.some((a) => a.toLowerCase() === host)) return undefined
  return `app.upstream ${upstream} is not on this computer: traffic between tavern-server and it is not encrypted (use https:// if it can).`
}
