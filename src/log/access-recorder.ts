/**
 * Every access decision, recorded: the access log gets one line per decision; the console says
 * `New connection from …` the first time an address is admitted, and prints refusals, one per
 * address per minute, so a flood or a scan cannot flood the console or grow memory.
 */
import type { Logger } from './console.js'
import { BoundedMap, createConsoleThrottle } from './bounded.js'
import { quote } from './access-log.js'
import type { AccessLog, Decision } from './access-log.js'

export interface RequestFacts {
  client: { ip: string, peer: string, forwarded: boolean }
  method: string
  path: string
  userAgent: string | undefined
  user?: string
}

export interface AccessRecorder {
  /** An admitted request: recorded the first time its client address is seen. */
  admitted (ip: string, facts: () => RequestFacts): void
  /**
   * A refused request: always in the access log; on the console (unless `consoleLine` is
   * undefined), throttled per address.
   */
  refused (facts: RequestFacts, status: number, reason: Decision, consoleLine: string | undefined): void
  /** A console warning about an event (a lock-out), at most one per key per minute. */
  warn (key: string, line: string): void
}

/** Addresses remembered for "first request"; a scan beyond this only repeats a console line. */
export const KNOWN_ADDRESSES = 10_000
const CONSOLE_WINDOW_MS = 60_000

/** Text from a client, safe to print on a terminal (no control characters, no escapes). */
export function printable (text: string | undefined): string {
  return text === undefined ? '-' : quote(text).slice(1, -1)
}

/**
 * @param log the access log file; undefined when logging.enableAccessLog is false, which also
 *   silences the console lines.
 */
export function createAccessRecorder (log: AccessLog | undefined, logger: Logger, now: () => number = Date.now): AccessRecorder {
  const known = new BoundedMap<string, true>(KNOWN_ADDRESSES)
  const throttle = createConsoleThrottle(CONSOLE_WINDOW_MS, KNOWN_ADDRESSES, now)
  const write = (facts: RequestFacts, status: number | undefined, reason: Decision): void => {
    log?.write({
      time: new Date(now()),
      client: facts.client.ip,
      ...(facts.client.forwarded ? { proxy: facts.client.peer } : {}),
      ...(facts.user === undefined ? {} : { user: facts.user }),
      method: facts.method,
      path: facts.path,
      ...(status === undefined ? {} : { status }),
      reason,
      ...(facts.userAgent === undefined ? {} : { userAgent: facts.userAgent })
    })
  }
  const events = createConsoleThrottle(CONSOLE_WINDOW_MS, KNOWN_ADDRESSES, now)
  const warn = (key: string, line: string): void => {
    if (events(key) !== undefined) logger.warn(line)
  }
  if (log === undefined) return { admitted () {}, refused () {}, warn }
  return {
    admitted (ip, describe) {
      if (known.has(ip)) return
      known.set(ip, true)
      const facts = describe()
      logger.info(`New connection from ${facts.client.ip}; User Agent: ${printable(facts.userAgent)}`)
      write(facts, undefined, 'allowed')
    },
    refused (facts, status, reason, consoleLine) {
      write(facts, status, reason)
      if (consoleLine === undefined) return
      const held = throttle(facts.client.ip)
      if (held !== undefined) logger.warn(held === 0 ? consoleLine : `${consoleLine} (${held} more from this address since the last line)`)
    },
    warn
  }
}
