/**
 * The start-up sequence of DESIGN.md section 4: load and validate the config, open the data root,
 * apply the security gate, build, bind, print where to connect.
 */
import { createServer } from 'node:http'
import type { ContainerProbe } from '../access/docker-hosts.js'
import { assessAccessControl, overrideWarning, refusalMessage } from '../access/security-gate.js'
import type { LoadedConfig } from '../config/load.js'
import { remoteUpstreamWarning } from '../config/app-checks.js'
import { openDataRoot } from '../data/data-root.js'
import { TVS_ERR_SECURITY_UNPROTECTED } from '../errors.js'
import { createConsoleLogger } from '../log/console.js'
import { build } from '../server/build.js'
import type { HealthReport } from '../server/health.js'
import { planListen } from '../server/listen-plan.js'
import type { Interfaces } from '../server/listen-plan.js'
import { Lifecycle } from '../server/lifecycle.js'
import { configuredLimits } from '../server/connection-limits.js'
import { ServerSet } from '../server/node-servers.js'
import { start } from '../server/start.js'
import type { BoundAddress } from '../server/start.js'
import { lazyImport } from '../lazy-import.js'
import { setUpAccess } from './access.js'
import { banner, drawQrCode, lanNetworks } from './banner.js'
import { interfaceHint, readInterfaces } from './interface-table.js'
import { loadWithFlags } from './flag-config.js'
import { VERSION } from './program.js'
import type { Host } from './host.js'
import type { ParsedFlags } from './program.js'

/** Standard input: piped text, or a terminal that can stop echoing. */
export type Stdin = NodeJS.ReadableStream & { isTTY?: boolean, setRawMode?: (raw: boolean) => unknown }

export interface Io {
  stdin: Stdin
  /** `isTTY`: standard output is a terminal (the QR code is drawn there by default). */
  stdout: { write (text: string): unknown, isTTY?: boolean }
  stderr: { write (text: string): unknown }
  env: Readonly<Record<string, string | undefined>>
  cwd: string
  pid: number
  isRunning (pid: number): boolean
  interfaces (): Interfaces
  hostname (): string
  /** Tells whether the server runs in a container, and finds the Docker host there. */
  containerProbe: ContainerProbe
  /** Who the process runs as, for messages: `me (uid 1000)`. */
  user (): string
  /** How the user started the program (`node server.js`), for messages naming a command; default `tavern-server`. */
  invokedAs?: string
  /** The node binary, the user id, systemd, and running programs (service, readiness notice). */
  host: Host
  /**
   * Called with the server once it listens, before its address is printed: whoever is told the
   * server is ready may signal it at once, so the signal handlers go in here.
   */
  serving?: (server: RunningServer) => void
}

export interface RunningServer {
  readonly addresses: readonly BoundAddress[]
  /** Re-reads what can change without a restart (SIGHUP). */
  reload (): Promise<void>
  /** Graceful stop: in-flight requests finish (up to `graceMs`), the data root is released. */
  close (graceMs?: number): Promise<void>
}

function print (stream: Io['stdout'], lines: readonly string[]): void {
  for (const line of lines) stream.write(`${line}\n`)
}

/**
 * @example const running = await serve({ flags: {}, debug: false }, io); await running.close()
 */
export async function serve (parsed: ParsedFlags, io: Io): Promise<RunningServer> {
  const load = (): LoadedConfig => loadWithFlags(parsed, io)
  const { config, notices, warnings } = load()
  print(io.stdout, notices)
  print(io.stderr, warnings)
  const logger = createConsoleLogger(config.logging.minLogLevel, io)

  const dataRoot = openDataRoot(config.dataRoot, { pid: io.pid, isRunning: io.isRunning })
  // A reload step that fails leaves the server as it was: it says so, and SIGHUP tries again.
  const lifecycle = new Lifecycle((what, error) => {
    /* c8 ignore next -- every reload step handles its own failures (access-log.ts, tls.ts, access.ts, accounts.ts); this reports a bug in one, and test/server/lifecycle.test.ts proves the report */
    print(io.stderr, [`Reload: ${what} failed (${error.message}); the server goes on with what it had. Fix it and send SIGHUP to try again.`])
  })
  lifecycle.onClose(() => { dataRoot.release() })
  try {
    // Android (Termux) refuses to list interfaces: a hint, never a crash (issue 15).
    const { interfaces, error: interfaceError } = readInterfaces(io.interfaces)
    const bindings = planListen(config, interfaces)
    // Accounts, HTTPS and the QR code are loaded only when the config turns them on.
    const accountsModule = config.enableUserAccounts ? await lazyImport(() => import('./accounts.js')) : undefined
    const accounts = await accountsModule?.openAccounts({ config, dataRoot: dataRoot.path, identity: { pid: io.pid, hostname: io.hostname(), isRunning: io.isRunning }, lifecycle, logger, now: Date.now })
    print(io.stdout, accounts?.lines ?? [])
    const access = await setUpAccess({
      ...(accounts === undefined ? {} : { accounts }),
      config,
      reloadConfig: () => load().config,
      hostname: io.hostname(),
      probe: io.containerProbe,
      logger,
      lifecycle,
      print: (line) => print(io.stdout, [line]),
      printError: (line) => print(io.stderr, [line])
    })
    print(io.stdout, access.lines)
    const { upstream, root } = config.app
    if (upstream !== undefined) {
      const own = Object.values(interfaces).flatMap((list) => (list ?? []).map((i) => i.address))
      const warning = remoteUpstreamWarning(upstream, own)
      if (warning !== undefined) print(io.stderr, [warning])
      print(io.stdout, [`Behind the gate: the app at ${upstream} (app.upstream)`])
    } else if (root !== undefined) {
      print(io.stdout, [`Behind the gate: the files in ${root} (app.root)`])
    }

    if (config.listen) {
      const gate = {
        config,
        whitelist: access.whitelist(),
        whitelistAddTo: access.whitelistAddTo(),
        families: bindings.map((b) => b.family),
        lanNetworks: lanNetworks(interfaces),
        ...(accounts === undefined || accountsModule === undefined ? {} : { accounts: { enabled: accounts.store.list().filter((a) => a.enabled).length, withoutPassword: accountsModule.withoutPassword(accounts.store) } })
      }
      const result = assessAccessControl(gate)
      if (result.protections.length === 0) {
        if (!config.securityOverride) throw new TVS_ERR_SECURITY_UNPROTECTED(refusalMessage(result, gate))
        print(io.stderr, [overrideWarning(result, config.port)])
      }
    }
    // After the gate: a refusal says it all, without the same reason again just above it.
    print(io.stderr, [...accounts?.warnings ?? [], ...access.warnings])

    // Plain http:// on the HTTPS port is redirected only to a host name the Host guard allows.
    const { hostGuard } = access.policy
    const tls = config.ssl.enabled ? (await lazyImport(() => import('../server/tls.js'))).openTls(config, io.user(), io, hostGuard === undefined ? undefined : (host) => hostGuard.allows(host)) : undefined
    const servers = new ServerSet(tls?.create ?? ((handler) => createServer(handler)), configuredLimits(config, access.policy))
    let addresses: readonly BoundAddress[] = []
    const health = (): HealthReport => ({
      service: 'tavern-server',
      version: VERSION,
      pid: io.pid,
      configPath: config.configPath,
      baseDir: config.baseDir,
      addresses: addresses.map((a) => ({ family: a.family, host: a.host, port: a.port })),
      tls: tls !== undefined,
      tunnels: access.tunnels.list()
    })
    // Only a start that draws a QR code (listening for other devices) loads its generator.
    const qrCode = config.listen && drawQrCode(config.qrCode, io.stdout.isTTY === true) ? (await lazyImport(() => import('./qr-code.js'))).qrCodeLines : false
    const app = await build({ config, logger, serverFactory: servers.factory, policy: access.policy, health })
    const started = await start(app, servers, bindings, config.port)
    // Port 0 chose a port: the session cookie's name carries it.
    access.policy.accounts?.cookie.setPort((started.addresses[0] as BoundAddress).port)
    addresses = started.addresses
    tls?.activate(servers, lifecycle)
    const running: RunningServer = {
      addresses: started.addresses,
      reload: () => lifecycle.reload(),
      async close (graceMs) {
        try {
          await started.close(graceMs)
        } finally {
          await lifecycle.close()
        }
      }
    }
    io.serving?.(running)
    print(io.stdout, banner({
      config,
      addresses: started.addresses,
      interfaces,
      interfaceProblem: interfaceError === undefined ? undefined : interfaceHint(interfaceError, (started.addresses[0] as BoundAddress).port, tls !== undefined),
      whitelist: access.whitelist(),
      whitelistAddTo: access.whitelistAddTo(),
      whitelistEntries: access.whitelistEntries(),
      dockerHosts: access.dockerHosts,
      passwordRequired: access.passwordRequired(),
      tls: tls !== undefined,
      qrCode
    }))
    return running
  } catch (error) {
    await lifecycle.close()
    throw error
  }
}
