import t from 'tap'
import { compileIpRules } from '../../src/access/ip-rules.js'
import { assessAccessControl, overrideWarning, refusalMessage } from '../../src/access/security-gate.js'
import { loadConfig } from '../../src/config/load.js'
import { makeConfig } from '../helpers/config.js'

type Accounts = { enabled: number, withoutPassword: string[] }

function assess (overrides: Record<string, unknown>, families: Array<4 | 6> = [4], accounts?: Accounts) {
  const config = makeConfig({ listen: true, ...overrides })
  const whitelist = compileIpRules(config.whitelist.map((entry, i) => ({ entry, source: `whitelist[${i}]` })), 'whitelist')
  const input = { config, whitelist, families, lanNetworks: ['192.168.1.0/24'], whitelistAddTo: `whitelist in ${config.configPath}`, ...(accounts === undefined ? {} : { accounts }) }
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
  t.match(refusalMessage(uncounted.result, uncounted.input), /^ {2}- an enabled account with a password: tavern-server users add <handle> or tavern-server users enable <handle>;$/m,
    'with no enabled account, the fix is one')
  const counted = assess({ whitelistMode: false, enableUserAccounts: true }, [4], { enabled: 1, withoutPassword: [] })
  t.notMatch(refusalMessage(counted.result, counted.input), /users (passwd|add)/, 'nor when every account has a password')
})

t.test('the refusal says what is missing and lists the fixes that apply', async (t) => {
  const { input, result } = assess({ whitelist: ['0.0.0.0/0'], basicAuthMode: true, basicAuthUser: { username: 'user', password: 'password' } })
  const message = refusalMessage(result, { ...input, whitelistAddTo: '/srv/whitelist.txt' })
  t.equal(message, [
    'Refusing to listen on the network with no access control: anyone who can reach this computer could use it.',
    'Why: the whitelist admits every IPv4 address; basicAuthUser is SillyTavern\'s old default user/password, which anyone can guess; enableUserAccounts is false.',
    `Fix one of these in ${input.config.configPath}, then start again:`,
    '  - your devices\' addresses in /srv/whitelist.txt (for example 192.168.1.0/24) instead of the entries that admit every address (0.0.0.0/0, *.*.*.*, ::/0);',
    '  - a basicAuthUser.username and basicAuthUser.password of your own instead of SillyTavern\'s old user/password (tavern-server hash-password makes a hash to store instead of the password);',
    '  - listen: false, to use it from this computer only.',
    'Or set securityOverride: true (or pass --securityOverride) to start anyway, only on a network where every device is yours.'
  ].join('\n'))
})

t.test('each fix fits the configuration as it is', async (t) => {
  const fixes = (overrides: Record<string, unknown>) => {
    const { input, result } = assess(overrides)
    return refusalMessage(result, input).split('\n').filter((l) => l.startsWith('  - '))
  }
  t.match(fixes({ whitelistMode: false }), [/^ {2}- whitelistMode: true, with your devices' addresses in whitelist \(for example 192\.168\.1\.0\/24\)/, /^ {2}- basicAuthMode: true, with basicAuthUser\.username and basicAuthUser\.password set/])
  t.match(fixes({ whitelistMode: false, basicAuthMode: true, basicAuthUser: { username: 'me', password: '' } }), [/whitelistMode: true/, /^ {2}- both basicAuthUser\.username and basicAuthUser\.password set/])
  t.match(fixes({ satisfy: 'any' }), [/^ {2}- satisfy: all, so that the whitelist keeps out the addresses it does not list/, /basicAuthMode: true/])
})

t.test('per-user Basic auth with accounts lacking passwords: the reason once, and no advice about the shared credentials', async (t) => {
  const { input, result } = assess({ whitelistMode: false, basicAuthMode: true, perUserBasicAuth: true, enableUserAccounts: true }, [4], { enabled: 2, withoutPassword: ['admin'] })
  const message = refusalMessage(result, input)
  t.equal(result.gaps.length, new Set(result.gaps).size, 'no reason repeated')
  t.match(message, /^Why: whitelistMode is false; enableUserAccounts is true, but these enabled accounts have no password: admin\.$/m)
  t.notMatch(message, /basicAuthMode: true|basicAuthUser/, 'basicAuthMode is already true, and the shared credentials are not used')
  t.match(message, /^ {2}- a password on every enabled account: tavern-server users passwd <handle> \(for admin\), or tavern-server users disable <handle>;$/m)
})

t.test('a setting made by an environment variable or a flag is named as such: editing config.yaml would not change it', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'port: 0\n' })
  const config = loadConfig({ cwd: dir, env: { TAVERN_WHITELISTMODE: 'false' }, flags: { listen: { value: true, flag: '--listen' } } }).config
  const input = { config, whitelist: compileIpRules([], 'whitelist'), families: [4] as Array<4 | 6>, whitelistAddTo: 'whitelist' }
  const message = refusalMessage(assessAccessControl(input), input)
  t.match(message, /^Why: whitelistMode is false \(environment variable TAVERN_WHITELISTMODE\); basicAuthMode is false; /m)
  t.match(message, /^ {2}- listen: false, to use it from this computer only; it is now set by --listen on the command line\.$/m)
})

t.test('the override warning is loud and names the port', async (t) => {
  const { result } = assess({ whitelistMode: false })
  t.match(overrideWarning(result, 8123), /WARNING: securityOverride is on.*\nAnyone who can reach this computer on port 8123/s)
})

t.test('the example network falls back when the machine has none', async (t) => {
  const { input, result } = assess({ whitelistMode: false })
  t.match(refusalMessage(result, { ...input, lanNetworks: [] }), /for example 192\.168\.1\.0\/24/)
})
