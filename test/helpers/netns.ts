/**
 * Throwaway network namespaces for tests that need a fixed port (8000 is always free inside a new
 * namespace) or LAN-like addresses (veth pairs between namespaces). Each is created by the test
 * and deleted in its teardown; where the machine does not allow it, the test is skipped with the
 * reason. Nothing here reaches outside the namespaces.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'

export interface Netns {
  readonly name: string
  /** Runs a command inside the namespace and returns its stdout. */
  run (command: string, ...args: string[]): string
  /** The prefix that runs a program inside the namespace: ['ip', 'netns', 'exec', name]. */
  readonly prefix: readonly string[]
}

/** Why namespaces cannot be used here, or undefined when they can. */
export function netnsUnavailable (): string | undefined {
  const probe = `tvs-probe-${randomBytes(3).toString('hex')}`
  const made = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' })
  if (made.error !== undefined) return `network namespaces need iproute2 (${made.error.message})`
  if (made.status !== 0) return `network namespaces are not permitted here: ${made.stderr.trim()}`
  spawnSync('ip', ['netns', 'del', probe])
  return undefined
}

export function createNetns (teardown: (fn: () => void) => void): Netns {
  const name = `tvs-${randomBytes(4).toString('hex')}`
  execFileSync('ip', ['netns', 'add', name])
  teardown(() => { spawnSync('ip', ['netns', 'del', name]) })
  const run = (command: string, ...args: string[]): string =>
    execFileSync('ip', ['netns', 'exec', name, command, ...args], { encoding: 'utf8' })
  run('ip', 'link', 'set', 'lo', 'up')
  return { name, run, prefix: ['ip', 'netns', 'exec', name] }
}

/**
 * Connects two namespaces with a veth pair and gives each end an address (CIDR form).
 * @example link(server, '192.168.77.1/24', phone, '192.168.77.20/24')
 */
export function link (a: Netns, aAddress: string, b: Netns, bAddress: string): void {
  const suffix = randomBytes(3).toString('hex')
  const aIf = `va${suffix}`
  const bIf = `vb${suffix}`
  execFileSync('ip', ['link', 'add', aIf, 'netns', a.name, 'type', 'veth', 'peer', 'name', bIf, 'netns', b.name])
  for (const [ns, dev, address] of [[a, aIf, aAddress], [b, bIf, bAddress]] as const) {
    ns.run('ip', 'addr', 'add', address, 'dev', dev)
    ns.run('ip', 'link', 'set', dev, 'up')
  }
}

/** An HTTP GET from inside a namespace (curl), as status and body. */
export function nsGet (ns: Netns, url: string, ...curlArgs: string[]): { status: number, body: string } {
  const out = ns.run('curl', '-s', '-g', '--max-time', '10', '-w', '\n%{http_code}', ...curlArgs, url)
  const cut = out.lastIndexOf('\n')
  return { status: Number(out.slice(cut + 1)), body: out.slice(0, cut) }
}
