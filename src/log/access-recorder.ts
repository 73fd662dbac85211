/**
 * Every access decision, recorded: the access log gets one line per decision; the console says
 * `New connection from …` the first time an address is admitted, and prints refusals: the first
 * few per address per minute, then how many more, and within a budget for all addresses
 * together, so a flood or a scan can neither flood the console nor grow memory, and no attempt
 * goes unsaid ("if it is not on the console, it did not reach the server").
 */
import type { Logger } from './console.js'
import { BoundedMap } from './bounded.js'
import { ConsoleBudget } from './console-budget.js'
import type { Timers } from './console-budget.js'
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
  /** A console warning about an event (a lock-out), budgeted per key as refusals are. */
  warn (key: string, line: string): void
}

/** The console's budgets; fixed for users, smaller in tests. */
export interface ConsoleLimits {
  windowMs: number
  /** Refusal lines per address (and warnings per key) per window. */
  perKey: number
  /** Refusal lines (and warnings) for all addresses together per window, summaries included. */
  total: number
  timers?: Timers
}

export const CONSOLE_LIMITS: ConsoleLimits = { windowMs: 60_000, perKey: 5, total: 30 }

/** "in the last minute", "in the last 2 seconds" */
export function lastWindow (windowMs: number): string {
  return windowMs === 60_000 ? 'in the last minute' : `in the last ${windowMs / 1000} seconds`
}

function plural (n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}

/** Addresses remembered for "first request"; a scan beyond this only repeats a console line. */
export const KNOWN_ADDRESSES = 10_000

/** Text from a client, safe to print on a terminal (no control characters, no escapes). */
export function printable (text: string | undefined): string {
  return text === undefined ? '-' : quote(text).slice(1, -1)
}

/**
 * @param log the access log file; undefined when logging.enableAccessLog is false, which also
 *   silences the console lines.
 */
export function createAccessRecorder (log: AccessLog | undefined, logger: Logger, now: () => number = Date.now, limits: ConsoleLimits = CONSOLE_LIMITS): AccessRecorder {
  const known = new BoundedMap<string, true>(KNOWN_ADDRESSES)
  const window = lastWindow(limits.windowMs)
  const budget = (keySummary: (key: string, held: number) => string, totalSummary: (held: number, keys: string) => string): ConsoleBudget => new ConsoleBudget({
    ...limits,
    capacity: KNOWN_ADDRESSES,
    now,
    print: (line) => { logger.warn(line) },
    keySummary,
    totalSummary: (held, keys, more) => totalSummary(held, `${more ? 'more than ' : ''}${keys}`)
  })
  const refusals = budget((ip, held) => `${held} more refused from ${ip} ${window}.`,
    (held, addresses) => `${held} more refused from ${addresses} address${addresses === '1' ? '' : 'es'} ${window}.`)
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
  const warnings = budget((key, held) => `${plural(held, 'more lock-out warning')} for ${key} ${window}.`,
    (held, keys) => `${plural(held, 'more lock-out warning')} for ${keys} addresses or user names ${window}.`)
  const warn = (key: string, line: string): void => { warnings.offer(key, line) }
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
      refusals.offer(facts.client.ip, consoleLine)
    },
    warn
  }
}
