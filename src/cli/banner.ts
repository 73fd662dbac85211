/**
 * What the console says once the server listens: where it listens, the address to type on another
 * device (one per interface, with the access rule that applies to it) and a QR code of the first,
 * where connections are logged, the exposure summary, and the `Go to:` line.
 */
import { networkOf } from '../access/ip-rules.js'
import { hostPort } from '../server/listen-plan.js'
import type { Interfaces } from '../server/listen-plan.js'
import type { BoundAddress } from '../server/start.js'
import { deviceLine, surveyAddresses } from './device-addresses.js'
import type { SurveyInput } from './device-addresses.js'
import { exposureLine, listenAdvice } from './exposure.js'

export { listenAdvice }

export interface BannerInput extends SurveyInput {
  /** Why the interfaces could not be listed (Android), when they could not. */
  interfaceProblem?: string | undefined
  /** The number of whitelist entries in force, for the exposure line. */
  whitelistEntries: number
  /**
   * Draws the QR code of the first address (qr-code.ts) when one is to be drawn (drawQrCode), or
   * false; so uqr is loaded only by a start that draws one.
   */
  qrCode: false | ((url: string) => string[])
}

const WILDCARD = new Set(['0.0.0.0', '::'])

function url (scheme: string, host: string, port: number): string {
  return `${scheme}://${hostPort(host, port)}/`
}

/** `tavern-server is listening on IPv6: [::]:8000 IPv4: 0.0.0.0:8000` */
export function listeningLine (addresses: readonly BoundAddress[]): string {
  return 'tavern-server is listening on ' +
    addresses.map((a) => `IPv${a.family}: ${hostPort(a.host, a.port)}`).join(' ')
}

/** The address a browser on this computer opens: loopback when it is bound, else the address. */
export function goToUrl (addresses: readonly BoundAddress[], tls: boolean): string {
  const scheme = tls ? 'https' : 'http'
  const chosen = addresses.find((a) => a.family === 4) ?? addresses[0] as BoundAddress
  const loopback = chosen.family === 4 ? '127.0.0.1' : '::1'
  const host = WILDCARD.has(chosen.host) || chosen.host === loopback ? loopback : chosen.host
  return url(scheme, host, chosen.port)
}

/** All lines, for stdout; `Go to:` last. */
export function banner (input: BannerInput): string[] {
  const lines = [listeningLine(input.addresses)]
  const devices = input.config.listen ? surveyAddresses(input) : []
  if (!input.config.listen) {
    lines.push(`Only this computer can connect (listen is false). To connect from a phone or another computer, ${listenAdvice(input.config)}.`)
  } else {
    if (input.interfaceProblem !== undefined) {
      lines.push(input.interfaceProblem)
    } else if (devices.length === 0) {
      lines.push('No network address of this computer matches the listen address, so other devices cannot connect yet: ' +
        `connect this computer to a network, or set listenAddress in ${input.config.configPath} to one of its addresses (0.0.0.0 and :: mean all of them).`)
    } else {
      lines.push('On another device, open one of:', ...devices.map(deviceLine))
      const first = devices[0] as (typeof devices)[number]
      if (input.qrCode !== false) lines.push(`Or scan this with a phone's camera to open ${first.url}`, ...input.qrCode(first.url))
    }
    lines.push(input.config.logging.enableAccessLog
      ? `Connections are logged to ${input.config.logging.accessLogPath}`
      : 'The access log is off (logging.enableAccessLog: false).')
  }
  lines.push(exposureLine({ ...input, devices }))
  lines.push(`Go to: ${goToUrl(input.addresses, input.tls)}`)
  return lines
}

/** This machine's LAN networks (`192.168.1.0/24`), IPv4 first, for examples in messages. */
export function lanNetworks (interfaces: Interfaces): string[] {
  const found = Object.values(interfaces).flatMap((list) => list ?? [])
    .filter((i) => !i.internal && i.cidr !== null && !i.address.toLowerCase().startsWith('fe80:'))
    .sort((a, b) => (a.family === b.family ? 0 : a.family === 'IPv4' ? -1 : 1))
    .map((i) => networkOf(i.cidr as string))
    .filter((n): n is string => n !== undefined)
  return [...new Set(found)]
}

/**
 * Whether to draw the QR code of the first LAN address (qr-code.ts): `qrCode: auto` (the
 * default) draws it only on a terminal, so a service's journal or a log file does not fill with
 * blocks; true and false (or --qr / --no-qr) decide.
 */
export function drawQrCode (setting: boolean | 'auto', terminal: boolean): boolean {
  return setting === 'auto' ? terminal : setting
}
