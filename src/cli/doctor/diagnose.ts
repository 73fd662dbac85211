/**
 * `tavern-server doctor`: reads the configuration exactly as the server would (without creating
 * anything) and runs every check in turn, so one run answers "why can my phone not connect?"
 * (issue 15). Each check is in a module of its own; this one puts them in order.
 */
import { resolve } from 'node:path'
import { compileIpRules } from '../../access/ip-rules.js'
import type { IpMatcher } from '../../access/ip-rules.js'
import { compileWhitelist } from '../../access/whitelist.js'
import type { LoadedConfig } from '../../config/load.js'
import { isTavernError } from '../../errors.js'
import { commandLine } from '../../invocation.js'
import { planListen } from '../../server/listen-plan.js'
import type { Binding } from '../../server/listen-plan.js'
import { dockerRules, passwordInForce } from '../access.js'
import { lanNetworks } from '../banner.js'
import { readInterfaces } from '../interface-table.js'
import { loadWithFlags } from '../flag-config.js'
import type { ParsedFlags } from '../program.js'
import type { Io } from '../serve.js'
import { configCheck, ignoredDefaultsCheck, whitelistCheck } from './config-checks.js'
import { checkFirewall } from './firewall.js'
import type { FirewallFinding } from './firewall.js'
import { addressChecks, gateCheck, listenChecks, loopbackChecks } from './network-checks.js'
import { portCheck } from './port-check.js'
import type { Check, Report } from './report.js'
import { appCheck, tunnelChecks } from './server-checks.js'
import { tlsChecks } from './tls-check.js'

/** A catalogued error as a problem that keeps the server from starting; anything else is a bug. */
function startProblem (id: string, error: unknown): Check {
  /* c8 ignore next -- loading and compiling throw catalogued errors only; anything else is a bug */
  if (!isTavernError(error)) throw error
  return { id, status: 'problem', class: 'not-listening', message: `the server would refuse to start: ${error.message}` }
}

function firewallCheck (finding: FirewallFinding): Check {
  const id = `firewall ${finding.tool}`
  switch (finding.state) {
    // Every blocking finding comes with the command that opens the port.
    case 'blocks': return { id, status: 'problem', class: 'not-arriving', message: `${finding.detail}: connections from other devices never arrive`, fix: finding.fix as string }
    case 'unreadable': return { id, status: 'warning', class: 'not-arriving', message: `${finding.detail}, so whether it blocks the port is not known`, fix: `run sudo ${commandLine('doctor')} to check the firewall too` }
    case 'allows': return { id, status: 'ok', message: finding.detail }
    case 'inactive': return { id, status: 'info', message: finding.detail }
  }
}

/**
 * @example const report = await diagnose(parsedFlags(command), io)
 */
export async function diagnose (parsed: ParsedFlags, io: Io): Promise<Report> {
  let loaded: LoadedConfig
  try {
    loaded = loadWithFlags(parsed, io, true)
  } catch (error) {
    return { configPath: resolve(io.cwd, parsed.configPath ?? 'config.yaml'), checks: [startProblem('config', error)] }
  }
  const { config, notices } = loaded
  const checks: Check[] = [configCheck(config, notices)]
  const ignored = ignoredDefaultsCheck(config)
  if (ignored !== undefined) checks.push(ignored)

  const docker = await dockerRules(config, io.containerProbe)
  let whitelist: IpMatcher = compileIpRules([], 'whitelist')
  let whitelistAddTo = `whitelist in ${config.configPath}`
  try {
    if (config.whitelistMode) {
      const compiled = compileWhitelist(config, docker.rules)
      whitelist = compiled.matcher
      whitelistAddTo = compiled.list.addTo
    }
    checks.push(whitelistCheck(config))
  } catch (error) {
    checks.push(startProblem('whitelist', error))
  }

  const table = readInterfaces(io.interfaces)
  let bindings: Binding[] = []
  try {
    bindings = planListen(config, table.interfaces)
  } catch (error) {
    checks.push(startProblem('listen', error))
  }
  const lans = lanNetworks(table.interfaces)
  checks.push(...listenChecks(config, bindings))
  const gate = gateCheck(config, whitelist, whitelistAddTo, bindings, lans)
  if (gate !== undefined) checks.push(gate)
  const passwordRequired = passwordInForce(config)
  checks.push(...loopbackChecks(config, whitelist, whitelistAddTo, bindings, passwordRequired))
  const survey = {
    config,
    addresses: bindings.map((b) => ({ ...b, port: config.port })),
    interfaces: table.interfaces,
    whitelist,
    whitelistAddTo,
    dockerHosts: docker.rules.map((r) => r.entry),
    passwordRequired,
    tls: config.ssl.enabled
  }
  const { checks: addresses, devices } = addressChecks(survey, table.error)
  checks.push(...addresses)

  const port = await portCheck(config, bindings, io.host.run)
  checks.push(...port.checks)
  checks.push(...tlsChecks(config, io.user(), devices, io.hostname()))
  if (config.listen) {
    const lan = devices.find((d) => d.network !== undefined)?.network ?? lans[0] ?? '192.168.0.0/16'
    const findings = await checkFirewall(io.host.run, { port: config.port, lan }, io.user())
    checks.push(...(findings.length === 0
      ? [{ id: 'firewall', status: 'info' as const, message: 'no host firewall found (ufw, firewalld, nftables, iptables)' }]
      : findings.map(firewallCheck)))
  }
  const app = await appCheck(config)
  if (app !== undefined) checks.push(app)
  checks.push(...tunnelChecks(config, port.running, passwordRequired))
  return { configPath: config.configPath, checks }
}
