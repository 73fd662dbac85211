/**
 * doctor's checks of who could connect, worked out from the configuration the way the server
 * does: whether it listens on the network and where, whether the start-up gate would let it,
 * whether this computer itself is on the whitelist, and for each address of this computer, whether
 * a device on that network would be admitted, and by which rule.
 */
import { assessAccessControl, refusalMessage } from '../../access/security-gate.js'
import type { IpMatcher } from '../../access/ip-rules.js'
import type { Config } from '../../config/config.js'
import { describeSource } from '../../config/value-source.js'
import { commandLine } from '../../invocation.js'
import type { Binding } from '../../server/listen-plan.js'
import { hostPort } from '../../server/listen-plan.js'
import { kindLabel, surveyAddresses } from '../device-addresses.js'
import type { DeviceAddress, SurveyInput } from '../device-addresses.js'
import { listenAdvice } from '../exposure.js'
import type { Check } from './report.js'

const LOOPBACK = { 4: '127.0.0.1', 6: '::1' } as const
const WILDCARD = new Set(['0.0.0.0', '::'])

function isLoopbackHost (host: string): boolean {
  return host === '::1' || host.startsWith('127.')
}

/** Whether the server would listen on the network, on which addresses and port. */
export function listenChecks (config: Config, bindings: readonly Binding[]): Check[] {
  if (!config.listen) {
    return [{
      id: 'listen',
      status: 'problem',
      class: 'not-listening',
      message: `listen is false (${describeSource(config.sources.listen)}): the server answers this computer only (${bindings.map((b) => hostPort(b.host, config.port)).join(', ')})`,
      fix: listenAdvice(config)
    }]
  }
  const checks: Check[] = []
  for (const binding of bindings) {
    const where = hostPort(binding.host, config.port)
    if (isLoopbackHost(binding.host)) {
      const key = binding.family === 4 ? 'listenAddress.ipv4' : 'listenAddress.ipv6'
      checks.push({
        id: 'listen',
        status: 'problem',
        class: 'not-listening',
        message: `listen is true, but ${key} is ${binding.host} (${describeSource(config.sources[key])}), a loopback address: only this computer can connect on ${where}`,
        fix: `set ${key} to ${binding.family === 4 ? '0.0.0.0' : '::'} (every address) or one address of this computer's network in ${config.configPath}`
      })
    } else {
      checks.push({ id: 'listen', status: 'ok', message: `would listen on ${where}${WILDCARD.has(binding.host) ? ` (every IPv${binding.family} address of this computer)` : ''}` })
    }
  }
  if (config.port === 0) {
    checks.push({
      id: 'listen',
      status: 'warning',
      class: 'not-listening',
      message: 'port is 0, which picks another free port at every start: other devices cannot know it in advance',
      fix: `set port to a number such as 8000 in ${config.configPath} (or start with --port 8000)`
    })
  }
  return checks
}

/** With listen on: would the start-up gate let the server listen (an access control in force)? */
export function gateCheck (config: Config, whitelist: IpMatcher, whitelistAddTo: string, bindings: readonly Binding[], lanNetworks: readonly string[]): Check | undefined {
  if (!config.listen) return undefined
  const input = { config, whitelist, whitelistAddTo, families: bindings.map((b) => b.family), lanNetworks }
  const result = assessAccessControl(input)
  if (result.protections.length > 0) return { id: 'access control', status: 'ok', message: `${result.protections.join(', ')} keep${result.protections.length === 1 ? 's' : ''} strangers out` }
  if (config.securityOverride) {
    return { id: 'access control', status: 'warning', class: 'other', message: `no access control is in force (${result.gaps.join('; ')}); securityOverride lets the server start anyway, open to anyone who can reach it`, fix: 'turn on a whitelist or a password, then set securityOverride: false' }
  }
  const [first, ...rest] = refusalMessage(result, input).split('\n')
  return { id: 'access control', status: 'problem', class: 'not-listening', message: `the server would refuse to start: ${(first as string).replace(/^Refusing/, 'refusing')}`, fix: rest.join(' ').replace(/\s+/g, ' ') }
}

/** Whether this computer itself (127.0.0.1, ::1) gets in: the browser on the server's own screen. */
export function loopbackChecks (config: Config, whitelist: IpMatcher, whitelistAddTo: string, bindings: readonly Binding[], passwordRequired: boolean): Check[] {
  if (!config.whitelistMode) return []
  return [...new Set(bindings.map((b) => b.family))].map((family): Check => {
    const address = LOOPBACK[family]
    const rule = whitelist.match(address)
    if (rule !== undefined) return { id: `this computer ${address}`, status: 'ok', message: `admitted by whitelist entry ${rule.entry} (${rule.source})` }
    if (config.satisfy === 'any' && passwordRequired) {
      return { id: `this computer ${address}`, status: 'warning', class: 'forbidden', message: 'not on the whitelist, so a browser on this computer must give the password (satisfy: any)', fix: `add ${address} to ${whitelistAddTo} to skip the password here` }
    }
    return { id: `this computer ${address}`, status: 'problem', class: 'forbidden', message: 'not on the whitelist: a browser on this computer gets 403 Forbidden', fix: `add ${address} to ${whitelistAddTo}` }
  })
}

function addressCheck (device: DeviceAddress, whitelistAddTo: string): Check {
  const id = `address ${device.name} ${device.address}`
  const message = `${device.url} (${kindLabel(device.kind)}${device.network === undefined ? '' : `, network ${device.network}`}): ${device.rule}`
  if (device.verdict === 'forbidden') return { id, status: 'problem', class: 'forbidden', message, fix: `add ${device.network as string} to ${whitelistAddTo}` }
  if (device.verdict === 'partial') return { id, status: 'warning', class: 'forbidden', message }
  return { id, status: 'ok', message }
}

/** For each address of this computer: would a device on its network be admitted, by which rule. */
export function addressChecks (input: SurveyInput, interfaceError: string | undefined): { checks: Check[], devices: DeviceAddress[] } {
  if (!input.config.listen) return { checks: [], devices: [] }
  if (interfaceError !== undefined) {
    return {
      checks: [{ id: 'addresses', status: 'warning', class: 'not-arriving', message: `cannot list this computer's network addresses (${interfaceError}), so which rule admits devices on its networks is not known`, fix: `find this device's address in its Wi-Fi settings, and a phone's in the phone's; ${commandLine('check-access <the phone\'s address>')} says whether the whitelist admits it` }],
      devices: []
    }
  }
  const devices = surveyAddresses(input)
  if (devices.length === 0) {
    return {
      checks: [{ id: 'addresses', status: 'problem', class: 'not-arriving', message: 'no address of this computer that the server listens on can be reached from another device', fix: `connect this computer to a network, or set listenAddress in ${input.config.configPath} to one of its addresses (0.0.0.0 and :: mean all of them)` }],
      devices
    }
  }
  return { checks: devices.map((d) => addressCheck(d, input.whitelistAddTo)), devices }
}

