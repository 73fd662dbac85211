/**
 * What `tavern-server doctor` found: one entry per check, each problem with its fix, sorted into
 * the three things users meet (issue 15, and SillyTavern's own troubleshooting advice): the server
 * does not listen on the network (a setting), the connection arrives and is forbidden (a whitelist
 * entry), or it never arrives (the network or a firewall). What fits none of them (a certificate
 * a phone refuses, an app that does not answer) is "other".
 */
export type Status = 'ok' | 'info' | 'warning' | 'problem'
export type OutcomeClass = 'not-listening' | 'forbidden' | 'not-arriving' | 'other'

interface CheckText {
  /** Short and stable, for scripts: `listen`, `port`, `firewall`, `address wlan0 192.168.1.20`. */
  readonly id: string
  readonly message: string
  /** What to do, for a warning or a problem. */
  readonly fix?: string
}

export type Check = CheckText & (
  | { readonly status: 'ok' | 'info' }
  /** `class`: which of the outcomes a warning or problem leads to. */
  | { readonly status: 'warning' | 'problem', readonly class: OutcomeClass }
)

type Classed = Extract<Check, { class: OutcomeClass }>
const problemsOf = (checks: readonly Check[]): Classed[] => checks.filter((c): c is Classed => c.status === 'problem')

export interface Report {
  readonly configPath: string
  readonly checks: readonly Check[]
}

/**
 * In the order a phone meets them, which is the order to fix them in: nothing arrives while the
 * server does not listen or a firewall drops the connection; only what arrives can be forbidden.
 */
const ORDER: readonly OutcomeClass[] = ['not-listening', 'not-arriving', 'forbidden', 'other']

const OUTCOME_TEXT: Record<OutcomeClass | 'ok', string> = {
  'not-listening': 'the server does not listen on the network: a setting (the first problem above says which, and what to change).',
  forbidden: 'a connection from another device arrives and is forbidden: a whitelist entry (see the fix above).',
  'not-arriving': 'a connection from another device never arrives: the network or a firewall (see the fix above).',
  other: 'other devices can connect, but not everything will work (see the problems above).',
  ok: 'nothing wrong found.'
}

const THEN_TEXT: Record<OutcomeClass, string> = {
  'not-listening': 'the server would not listen on the network',
  'not-arriving': 'connections would not arrive',
  forbidden: 'connections would be forbidden',
  other: 'other problems remain'
}

/** The classes with problems after the outcome's, to say what comes once it is fixed. */
function laterClasses (checks: readonly Check[]): OutcomeClass[] {
  const problems = problemsOf(checks)
  return ORDER.filter((o) => problems.some((c) => c.class === o)).slice(1)
}

/** The outcome: the first class, in ORDER, that has a problem; `ok` when none has. */
export function outcomeOf (checks: readonly Check[]): OutcomeClass | 'ok' {
  const problems = problemsOf(checks)
  return ORDER.find((o) => problems.some((c) => c.class === o)) ?? 'ok'
}

/** 0 when nothing is wrong (warnings allowed), 1 otherwise. */
export function exitCodeOf (checks: readonly Check[]): number {
  return checks.some((c) => c.status === 'problem') ? 1 : 0
}

const LABEL: Record<Status, string> = { ok: 'ok', info: 'info', warning: 'WARNING', problem: 'PROBLEM' }

/** The report for a person: one line per check, a fix indented under it, the outcome last. */
export function renderText (report: Report): string {
  const lines = [`tavern-server doctor: the configuration the server would use, from ${report.configPath}`, '']
  for (const check of report.checks) {
    lines.push(`${LABEL[check.status].padEnd(8)} ${check.id}: ${check.message}`)
    if (check.fix !== undefined) lines.push(`${' '.repeat(9)}Fix: ${check.fix}`)
  }
  const later = laterClasses(report.checks)
  lines.push('', `Outcome: ${OUTCOME_TEXT[outcomeOf(report.checks)]}${later.length === 0 ? '' : ` Once that is fixed, ${later.map((o) => THEN_TEXT[o]).join(', and ')}: see the other problems.`}`)
  return `${lines.join('\n')}\n`
}

/** The same for scripts. */
export function renderJson (report: Report): string {
  const outcome = outcomeOf(report.checks)
  return `${JSON.stringify({ ok: outcome === 'ok', outcome, then: laterClasses(report.checks), summary: OUTCOME_TEXT[outcome], configPath: report.configPath, checks: report.checks }, null, 2)}\n`
}
