import t from 'tap'
import { compileIpRules } from '../../src/access/ip-rules.js'
import { assessAccessControl, overrideWarning, refusalMessage } from '../../src/access/security-gate.js'
import { loadConfig } from '../../src/config/load.js'
import { makeConfig } from '../helpers/config.js'

function assess (overrides: Record<string, unknown>, families: Array<4 | 6> = [4]) {
  const config = makeConfig({ listen: true, ...overrides })
  const whitelist = compileIpRules(config.whitelist.map((entry, i) => ({ entry, source: `whitelist[${i}]` })), 'whitelist')
  const input = { config, whitelist, families, lanNetworks: ['192.168.1.0/24'], whitelistAddTo: `whitelist in ${config.configPath}` }
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
    ['accounts, not available yet', { whitelistMode: false, enableUserAccounts: true }, [4], []],
    ['per-user Basic auth with accounts, not available yet', { whitelistMode: false, basicAuthMode: true, perUserBasicAuth: true, enableUserAccounts: true }, [4], []],
    ['per-user Basic auth without accounts', { whitelistMode: false, basicAuthMode: true, perUserBasicAuth: true, basicAuthUser: { username: 'me', password: 's3cret' } }, [4], ['Basic authentication']]
  ]
  for (const [name, overrides, families, protections] of table) {
    t.same(assess(overrides, families).result.protections, protections, name)
  }
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

t.test('per-user Basic auth without accounts: the reason once, and no advice to turn on what is on', async (t) => {
  const { input, result } = assess({ whitelistMode: false, basicAuthMode: true, perUserBasicAuth: true, enableUserAccounts: true })
  const message = refusalMessage(result, input)
  t.equal(result.gaps.length, new Set(result.gaps).size, 'no reason repeated')
  t.match(message, /^Why: whitelistMode is false; basicAuthMode is true with perUserBasicAuth, which logs in with user accounts, and there are none; enableUserAccounts is true, but this version of tavern-server does not have user accounts yet\.$/m)
  t.notMatch(message, /basicAuthMode: true/, 'basicAuthMode is already true')
  t.match(message, /^ {2}- perUserBasicAuth: false, so that Basic auth takes basicAuthUser\.username and basicAuthUser\.password \(set both; /m)
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
