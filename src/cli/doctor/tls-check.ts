/**
 * doctor's HTTPS check: the certificate and key read and checked exactly as the server does at
 * start (readable, valid, matching, not expired), then whether the certificate covers the address
 * a phone will use: the first LAN address the server lists, and this computer's `.local` name.
 */
import { isTavernError } from '../../errors.js'
import type { Config } from '../../config/config.js'
import { commandLine } from '../../invocation.js'
import { pairWarnings, readTlsPair } from '../../server/tls-pair.js'
import type { DeviceAddress } from '../device-addresses.js'
import type { Check } from './report.js'

export function tlsChecks (config: Config, user: string, devices: readonly DeviceAddress[], hostname: string, now = new Date()): Check[] {
  if (!config.ssl.enabled) {
    return config.listen
      ? [{ id: 'https', status: 'warning', class: 'other', message: 'HTTPS is off: passwords and chats cross the network readable, and phone browsers turn off features such as the clipboard and the microphone', fix: `${commandLine('cert')}, then start with --ssl (or ssl.enabled: true)` }]
      : [{ id: 'https', status: 'info', message: 'HTTPS is off (only this computer can connect, so nothing crosses the network)' }]
  }
  let pair
  try {
    pair = readTlsPair(config.ssl, user, config.configPath, now)
  } catch (error) {
    /* c8 ignore next -- readTlsPair throws catalogued errors only; anything else is a bug */
    if (!isTavernError(error)) throw error
    return [{ id: 'https', status: 'problem', class: 'not-listening', message: `the server would refuse to start: ${error.message}` }]
  }
  const checks: Check[] = [{ id: 'https', status: 'ok', message: `${config.ssl.certPath} and its key are readable and belong together; valid until ${pair.validTo.toISOString().slice(0, 10)}` }]
  for (const warning of pairWarnings(pair, config.ssl.certPath, now)) {
    checks.push({ id: 'https', status: 'warning', class: 'other', message: warning.replace(/^Warning: /, '') })
  }
  const phone = devices[0]
  if (phone !== undefined) {
    const covered = pair.certificate.checkIP(phone.address) !== undefined
    const local = `${hostname}.local`
    const byName = pair.certificate.checkHost(local) !== undefined
    checks.push(covered
      ? { id: 'https', status: 'ok', message: `the certificate covers ${phone.address}, the address a phone will use (${phone.url})` }
      : {
          id: 'https',
          status: 'problem',
          class: 'other',
          message: `the certificate does not cover ${phone.address}, the address a phone will use (${phone.url}): browsers refuse it there${byName ? `; it covers ${local}, so https://${local}:${config.port}/ works where the phone finds .local names` : ''}`,
          fix: `${commandLine('cert --force')} makes a self-signed certificate for this computer's current addresses (a certificate of your own must name ${phone.address})`
        })
  }
  return checks
}
