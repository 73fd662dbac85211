import t from 'tap'
import { compileIpRules } from '../../src/access/ip-rules.js'
import { assessAccessControl, overrideWarning, refusalMessage } from '../../src/access/security-gate.js'
import { makeConfig } from '../helpers/config.js'

type Accounts = { enabled: number, withoutPassword: string[] }

function assess (overrides: Record<string, unknown>, families: Array<4 | 6> = [4], accounts?: Accounts) {
  const config = makeConfig({ listen: true, ...overrides })
  const whitelist = compileIpRules(config.whitelist.map((entry, i) => ({ entry, source: `whitelist[${i}]` })), 'whitelist')
  const input = { config, whitelist, families, lanNetworks: ['192.168.1.0/24'], ...(accounts === undefined ? {} : { accounts }) }
  return { input, result: assessAccessControl(input) }
}

t.test('which access controls count when listening', async (t) => {
  const table: Array<[string, Record<string, unknown>, Array<4 | 6>, string[]]> = [
    ['the default whitelist', {}, [4], ['the IP whitelist']],
    ['a LAN whitelist', { whitelist: ['192.168.1.0/24'] }, [6, 4], ['the IP whitelist']],
    ['no whitelist, no password', { whitelistMode: false }, [4], []],
    ['a whitelist of 0.0.0.0/0', { whitelist: ['0.0.0.0/0'] }, [4], []],
    ['0.0.0.0/0 while IPv6 is filtered, listening on both', { whitelist: ['0.0.0.0/0', '::1'] }, [6, 4], []],
    ['0.0.0.0/0 listening on IPv6 only', { whitelist: ['0.0.0.0/0', '::1'] }, [6], ['the IP whitelist']],
    ['a whitelist of ::/0 on IPv6', { whitelist: ['::/0'] }, [6], []],
    ['a whitelist of *.*.*.*', { whitelist: ['*.*.*.*'] }, [4], []],
    ['Basic auth with credentials', { whitelistMode: false, basicAuthMode: true, basicAuthUser: { username: 'me', password: 's3cret' } }, [4], ['Basic authentication']],
    ['Basic auth with an empty password', { whitelistMode: false, basicAuthMode: true, basicAuthUser: { username: 'me', password: '' } }, [4], []],
    ['Basic auth with an empty username', { whitelistMode: false, basicAuthMode: true, basicAuthUser: { username: '', password: 'x' } }, [4], []],
    ['Basic auth with SillyTavern\'s old defaults', { whitelistMode: false, basicAuthMode: true, basicAuthUser: { username: 'user', password: 'password' } }, [4], []],
    ['whitelist and Basic auth', { basicAuthMode: true, basicAuthUser: { username: 'me', password: 's3cret' } }, [4], ['the IP whitelist', 'Basic authentication']],
    ['satisfy any without a password', { satisfy: 'any' }, [4], []],
    ['satisfy any with Basic auth', { satisfy: 'any', basicAuthMode: true, basicAuthUser: { username: 'me', password: 's3cret' } }, [4], ['Basic authentication']],
    ['per-user Basic auth without accounts', { whitelistMode: false, basicAuthMode: true, perUserBasicAuth: true, basicAuthUser: { username: 'me', password: 's3cret' } }, [4], ['Basic authentication']]
  ]
  for (const [name, overrides, families, protections] of table) {
    t.same(assess(overrides, families).result.protections, protections, name)
  }
})

const NO_ACCOUNTS_GAP = /^((?!enableUserAccounts).)*$/

t.test('user accounts count only when every enabled account has a password, and the gaps say which do not', async (t) => {
  const accountsOn = { whitelistMode: false, enableUserAccounts: true }
  const perUser = { ...accountsOn, basicAuthMode: true, perUserBasicAuth: true }
  const table: Array<[string, Record<string, unknown>, Accounts | undefined, string[], RegExp]> = [
    ['accounts, all with a password', accountsOn, { enabled: 2, withoutPassword: [] }, ['user accounts'], NO_ACCOUNTS_GAP],
    ['accounts, one without a password', accountsOn, { enabled: 2, withoutPassword: ['admin'] }, [], /these enabled accounts have no password: admin/],
    ['accounts, none enabled', accountsOn, { enabled: 0, withoutPassword: [] }, [], /no account is enabled/],
    ['accounts, not counted', accountsOn, undefined, [], /no account is enabled/],
    ['per-user Basic auth, all with a password', perUser, { enabled: 1, withoutPassword: [] }, ['per-user Basic authentication', 'user accounts'], NO_ACCOUNTS_GAP],
    ['per-user Basic auth, one without a password', perUser, { enabled: 2, withoutPassword: ['bob', 'eve'] }, [], /no password: bob, eve/],
    ['satisfy any with accounts, all with a password', { ...accountsOn, whitelistMode: true, satisfy: 'any' }, { enabled: 1, withoutPassword: [] }, ['user accounts'], NO_ACCOUNTS_GAP],
    ['satisfy any with accounts, one without', { ...accountsOn, whitelistMode: true, satisfy: 'any' }, { enabled: 1, withoutPassword: ['admin'] }, [], /satisfy is any.*no password is set up/]
  ]
  for (const [name, overrides, accounts, protections, gaps] of table) {
    const { result } = assess(overrides, [4], accounts)
    t.same(result.protections, protections, name)
    t.match(result.gaps.join('; '), gaps, `${name}: the gaps`)
  }
})

t.test('the refusal names the accounts without a password and the command that fixes them', async (t) => {
  const { input, result } = assess({ whitelistMode: false, enableUserAccounts: true }, [4], { enabled: 2, withoutPassword: ['admin', 'bob'] })
  const message = refusalMessage(result, input)
  t.match(message, /Why: .*enableUserAccounts is true, but these enabled accounts have no password: admin, bob\./)
  t.match(message, /a password on every enabled account: tavern-server users passwd <handle> \(for admin, bob\)/)
  t.notMatch(refusalMessage(assess({ whitelistMode: false }).result, assess({ whitelistMode: false }).input), /users passwd/, 'no accounts line when accounts are off')
  const uncounted = assess({ whitelistMode: false, enableUserAccounts: true })
  t.notMatch(refusalMessage(uncounted.result, uncounted.input), /users passwd/, 'nor when nobody counted the accounts')
})

t.test('the refusal says what is missing and lists the exact fixes', async (t) => {
  const { input, result } = assess({ whitelist: ['0.0.0.0/0'], basicAuthMode: true, basicAuthUser: { username: 'user', password: 'password' } })
  const message = refusalMessage(result, input)
  t.match(message, /^Refusing to listen on the network with no access control/)
  t.match(message, /Why: the whitelist admits every IPv4 address; basicAuthUser is SillyTavern's old default user\/password, which anyone can guess; enableUserAccounts is false\./)
  t.match(message, `Fix one of these in ${input.config.configPath}`)
  t.match(message, /whitelistMode: true, with your devices' addresses in whitelist \(for example 192\.168\.1\.0\/24\)/)
  t.match(message, /basicAuthMode: true, with basicAuthUser\.username and basicAuthUser\.password set/)
  t.match(message, /listen: false/)
  t.match(message, /securityOverride: true \(or pass --securityOverride\)/)
})

t.test('the override warning is loud and names the port', async (t) => {
  const { result } = assess({ whitelistMode: false })
  t.match(overrideWarning(result, 8123), /WARNING: securityOverride is on.*\nAnyone who can reach this computer on port 8123/s)
})

t.test('the example network falls back when the machine has none', async (t) => {
  const { input, result } = assess({ whitelistMode: false })
  t.match(refusalMessage(result, { ...input, lanNetworks: [] }), /for example 192\.168\.1\.0\/24/)
})
