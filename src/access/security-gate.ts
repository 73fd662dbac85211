/**
 * The start-up gate (DESIGN.md section 4, step 3): listening on the network needs at least one
 * access control that really keeps strangers out. A whitelist admitting every address, Basic
 * auth with empty or SillyTavern's old default credentials, or user accounts of which one is
 * enabled without a password, does not count.
 */
import type { Config } from '../config/config.js'
import type { IpMatcher } from './ip-rules.js'

export interface GateInput {
  config: Config
  /** The compiled whitelist in force. */
  whitelist: IpMatcher
  /** The address families the server listens on. */
  families: ReadonlyArray<4 | 6>
  /** Networks of this machine's interfaces (`192.168.1.0/24`), for the example fix. */
  lanNetworks?: readonly string[]
  /** With enableUserAccounts: how many accounts are enabled, and which of them have no password. */
  accounts?: { enabled: number, withoutPassword: readonly string[] }
}

export interface GateResult {
  /** The controls that keep strangers out, in words (empty: unprotected). */
  protections: string[]
  /** Why each configured-but-ineffective control does not count. */
  gaps: string[]
}

const FAMILY_NAME = { 4: 'IPv4', 6: 'IPv6' } as const

function whitelistGap (input: GateInput): string | undefined {
  const { config, whitelist, families } = input
  if (!config.whitelistMode) return 'whitelistMode is false'
  const open = families.filter((f) => whitelist.admitsAll(f))
  if (open.length === 0) return undefined
  return `the whitelist admits every ${open.map((f) => FAMILY_NAME[f]).join(' and ')} address`
}

function basicAuthGap (input: GateInput): string | undefined {
  const { config } = input
  if (!config.basicAuthMode) return 'basicAuthMode is false'
  if (config.perUserBasicAuth && config.enableUserAccounts) return accountsGap(input)
  const { username, password } = config.basicAuthUser
  if (username === '' || password === '') {
    return `basicAuthMode is true but basicAuthUser.${username === '' ? 'username' : 'password'} is empty`
  }
  if (username === 'user' && password === 'password') {
    return 'basicAuthUser is SillyTavern\'s old default user/password, which anyone can guess'
  }
  return undefined
}

/** Accounts are switched on: they protect only when every enabled account has a password. */
function accountsGap (input: GateInput): string | undefined {
  const { accounts } = input
  if (accounts === undefined || accounts.enabled === 0) return 'enableUserAccounts is true, but no account is enabled'
  if (accounts.withoutPassword.length > 0) {
    return `enableUserAccounts is true, but these enabled accounts have no password: ${accounts.withoutPassword.join(', ')}`
  }
  return undefined
}

/**
 * Which access controls protect a server that listens on the network.
 * @example assessAccessControl({ config, whitelist, families: [4] }).protections // ['the IP whitelist']
 */
export function assessAccessControl (input: GateInput): GateResult {
  const { config } = input
  const protections: string[] = []
  const gaps: string[] = []
  const note = (gap: string | undefined, protection: string): void => {
    if (gap === undefined) protections.push(protection)
    else gaps.push(gap)
  }
  const passwordGap = basicAuthGap(input)
  const accounts = config.enableUserAccounts ? accountsGap(input) : 'enableUserAccounts is false'
  if (config.satisfy === 'any') {
    // `any` lets whitelisted addresses skip authentication, so only a password keeps strangers out.
    if (passwordGap !== undefined && accounts !== undefined) {
      gaps.push('satisfy is any, which lets whitelisted addresses in without a password and needs a password for everyone else, but no password is set up')
    }
  } else {
    note(whitelistGap(input), 'the IP whitelist')
  }
  note(passwordGap, config.perUserBasicAuth && config.enableUserAccounts ? 'per-user Basic authentication' : 'Basic authentication')
  note(accounts, 'user accounts')
  return { protections, gaps }
}

/** The refusal: what is missing and the exact fixes. */
export function refusalMessage (result: GateResult, input: GateInput): string {
  const { config } = input
  const example = input.lanNetworks?.[0] ?? '192.168.1.0/24'
  return [
    'Refusing to listen on the network with no access control: anyone who can reach this computer could use it.',
    `Why: ${result.gaps.join('; ')}.`,
    `Fix one of these in ${config.configPath}, then start again:`,
    `  - whitelistMode: true, with your devices' addresses in whitelist (for example ${example}), and no 0.0.0.0/0 or *.*.*.* entry;`,
    '  - basicAuthMode: true, with basicAuthUser.username and basicAuthUser.password set (tavern-server hash-password makes a hash to store instead of the password);',
    ...(config.enableUserAccounts && (input.accounts?.withoutPassword.length ?? 0) > 0
      ? [`  - a password on every enabled account: tavern-server users passwd <handle> (for ${input.accounts?.withoutPassword.join(', ')}), or tavern-server users disable <handle>;`]
      : []),
    '  - listen: false, to use it from this computer only.',
    'Or set securityOverride: true (or pass --securityOverride) to start anyway, only on a network where every device is yours.'
  ].join('\n')
}

/** The loud warning when securityOverride starts an unprotected server. */
export function overrideWarning (result: GateResult, port: number): string {
  return [
    '!!! WARNING: securityOverride is on and no access control is effective !!!',
    `Anyone who can reach this computer on port ${port} can use tavern-server (${result.gaps.join('; ')}).`,
    'Turn on a whitelist or a password and set securityOverride: false as soon as you can.'
  ].join('\n')
}
