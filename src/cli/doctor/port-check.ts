/**
 * doctor's port check: is the port free where the server would bind it, or held? When held, by
 * whom: a tavern-server for this base directory (then it is running, and doctor asks it about
 * itself), another tavern-server, or another program (named by `ss` where it can).
 */
import { createServer } from 'node:net'
import type { Config } from '../../config/config.js'
import { hostPort } from '../../server/listen-plan.js'
import type { Binding } from '../../server/listen-plan.js'
import type { Runner } from './firewall.js'
import { askHealth } from './http-probe.js'
import type { ServerFacts } from './http-probe.js'
import type { Check } from './report.js'

/** Binds and closes at once: free, or the error the server would meet. */
function tryBind (binding: Binding, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', (error) => resolve(error))
    server.listen({ host: binding.host, port, ipv6Only: binding.family === 6, exclusive: true }, () => {
      server.close(() => resolve(undefined))
    })
  })
}

/** `users:(("python3",pid=4321,fd=3))` in `ss -ltnp` → `python3, process 4321`. */
export function holderOf (ssOutput: string): string | undefined {
  const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(ssOutput)
  return match === null ? undefined : `${match[1] as string}, process ${match[2] as string}`
}

/** Where to ask a server bound to `host`: loopback for the wildcard addresses. */
function askAt (binding: Binding): string {
  return binding.host === '0.0.0.0' ? '127.0.0.1' : binding.host === '::' ? '::1' : binding.host
}

export interface PortReport {
  checks: Check[]
  /** The tavern-server for this base directory, when it is the one holding the port. */
  running: ServerFacts | undefined
}

async function held (config: Config, binding: Binding, run: Runner): Promise<PortReport> {
  const { port } = config
  const where = hostPort(binding.host, port)
  const answer = await askHealth({ host: askAt(binding), port }, config.ssl.enabled)
  if (answer.kind === 'tavern-server') {
    const { facts } = answer
    if (facts.baseDir === config.baseDir) {
      return {
        checks: [{ id: 'port', status: 'ok', message: `port ${port} is held by the tavern-server for this base directory (process ${String(facts.pid)}): it is running and answers ${answer.url}` }],
        running: facts
      }
    }
    return {
      checks: [{ id: 'port', status: 'problem', class: 'not-listening', message: `port ${port} (${where}) is held by another tavern-server (process ${String(facts.pid)}, base directory ${String(facts.baseDir)})`, fix: 'stop that one, or give this one another port with --port (or port in its config.yaml)' }],
      running: undefined
    }
  }
  if (answer.kind === 'tavern-server-other') {
    const refused = answer.status !== 200
    return {
      checks: [refused
        ? { id: 'port', status: 'problem', class: 'forbidden', message: `a tavern-server holds port ${port} and refused this computer's request for ${answer.url}: ${answer.body}`, fix: `add 127.0.0.1 and ::1 to its whitelist (see "this computer" above)` }
        : { id: 'port', status: 'info', message: `a tavern-server holds port ${port} and answers ${answer.url}, without saying for which folder (an older version?)` }],
      running: undefined
    }
  }
  const ss = await run('ss', ['-Hltnp', `sport = :${port}`])
  const holder = ss.code === 0 ? holderOf(ss.output) : undefined
  return {
    checks: [{
      id: 'port',
      status: 'problem',
      class: 'not-listening',
      message: `port ${port} (${where}) is held by another program${holder === undefined ? '' : ` (${holder})`}${answer.kind === 'other-program' ? `: ${answer.detail}` : ''}, so the server cannot listen there`,
      fix: 'stop that program, or choose another port with --port (or port in config.yaml)'
    }],
    running: undefined
  }
}

/**
 * @example const { checks, running } = await portCheck(config, bindings, io.host.run)
 */
export async function portCheck (config: Config, bindings: readonly Binding[], run: Runner): Promise<PortReport> {
  const { port } = config
  if (port === 0) return { checks: [], running: undefined }
  for (const binding of bindings) {
    const error = await tryBind(binding, port)
    if (error === undefined) continue
    if (error.code === 'EADDRINUSE') return held(config, binding, run)
    const key = binding.family === 4 ? 'listenAddress.ipv4' : 'listenAddress.ipv6'
    const check: Check = error.code === 'EADDRNOTAVAIL'
      ? { id: 'port', status: 'problem', class: 'not-listening', message: `cannot listen on ${hostPort(binding.host, port)}: this computer has no address ${binding.host}`, fix: `set ${key} in ${config.configPath} to one of this computer's addresses, or to ${binding.family === 4 ? '0.0.0.0' : '::'} for all of them` }
      /* c8 ignore next -- EACCES needs a user other than root, and other errors are rare */
      : { id: 'port', status: 'problem', class: 'not-listening', message: `cannot listen on ${hostPort(binding.host, port)}: ${error.code === 'EACCES' ? 'ports below 1024 need administrator rights' : error.message}`, fix: 'choose a port from 1024 up with --port (or port in config.yaml)' }
    return { checks: [check], running: undefined }
  }
  return { checks: [{ id: 'port', status: 'ok', message: `port ${port} is free on ${bindings.map((b) => hostPort(b.host, port)).join(' and ')}` }], running: undefined }
}
