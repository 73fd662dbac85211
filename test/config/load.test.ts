import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../src/config/load.js'
import type { LoadOptions } from '../../src/config/load.js'
import { KEY_PATHS } from '../../src/config/schema.js'

function load (dir: string, extra: Partial<LoadOptions> = {}): ReturnType<typeof loadConfig> {
  return loadConfig({ cwd: dir, env: {}, ...extra })
}

t.test('first start creates config.yaml from the defaults, comments included', async (t) => {
  const dir = t.testdir({})
  const loaded = load(dir)
  const created = readFileSync(join(dir, 'config.yaml'), 'utf8')
  t.equal(created, readFileSync(DEFAULT_CONFIG_FILE, 'utf8'))
  t.match(created, /# Enforce the IP whitelist/)
  t.same(loaded.notices, [`Created config.yaml with default values at ${join(dir, 'config.yaml')}`])
  t.same(loaded.warnings, [])
  t.equal(loaded.config.port, 8000)
  t.equal(loaded.config.listen, false)
  t.same(loaded.config.whitelist, ['::1', '127.0.0.1'])
})

t.test('every key has a default with a comment above it', async (t) => {
  const text = readFileSync(DEFAULT_CONFIG_FILE, 'utf8').split('\n')
  const loaded = load(t.testdir({}))
  t.ok(loaded.config)
  for (const key of KEY_PATHS) {
    const leaf = key.split('.').at(-1) as string
    const index = text.findIndex((line) => line.trimStart().startsWith(`${leaf}:`))
    t.not(index, -1, `${key} is in default/config.yaml`)
    // A key's comment is on the lines above it, or above its section.
    const above = text.slice(Math.max(0, index - 12), index).some((line) => line.trimStart().startsWith('#'))
    t.ok(above, `${key} has a comment`)
  }
})

t.test('relative paths resolve against the base directory, not the current folder', async (t) => {
  const dir = t.testdir({ site: { 'config.yaml': 'dataRoot: ./state\nssl:\n  certPath: certs/c.pem\n' } })
  const { config } = load(dir, { configPath: 'site/config.yaml' })
  t.equal(config.baseDir, join(dir, 'site'))
  t.equal(config.configPath, join(dir, 'site', 'config.yaml'))
  t.equal(config.dataRoot, join(dir, 'site', 'state'))
  t.equal(config.ssl.certPath, join(dir, 'site', 'certs', 'c.pem'))
  t.equal(config.ssl.keyPath, join(dir, 'site', 'certs', 'privkey.pem'))
  t.equal(config.logging.accessLogPath, join(dir, 'site', 'access.log'))
})

t.test('absolute paths stay as written', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'dataRoot: /var/lib/tavern\n' })
  t.equal(load(dir).config.dataRoot, '/var/lib/tavern')
})

t.test('long bad values are shortened in messages', async (t) => {
  const dir = t.testdir({ 'config.yaml': `port: "${'9'.repeat(100)}"\n` })
  t.throws(() => load(dir), { message: /port: got "9{56}\.\.\.; expected/ })
})

t.test('missing keys use the defaults in memory, quietly, and the file is left alone', async (t) => {
  const text = 'listen: false\nport: 9000\n'
  const dir = t.testdir({ 'config.yaml': text })
  const loaded = load(dir)
  t.equal(loaded.config.port, 9000)
  t.equal(loaded.config.whitelistMode, true)
  t.same(loaded.notices, [], 'a short config.yaml is normal: no wall of missing keys')
  t.same(loaded.warnings, [])
  t.equal(readFileSync(join(dir, 'config.yaml'), 'utf8'), text, 'config.yaml is not rewritten')
})

t.test('an empty config.yaml means all defaults', async (t) => {
  const loaded = load(t.testdir({ 'config.yaml': '# all defaults\n' }))
  t.same(loaded.notices, [])
  t.equal(loaded.config.port, 8000)
})

t.test('every value knows where it came from: default, file and line, environment variable, flag', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'port: 9000\nwhitelist:\n  - 10.0.0.1\n\n  - 10.0.0.2\nlisten: true\n' })
  const { config } = load(dir, {
    env: { SILLYTAVERN_SATISFY: 'any', TAVERN_BASICAUTHMODE: 'yes' },
    flags: { listen: { value: false, flag: '--no-listen' } }
  })
  t.match(config.sources.sessionTimeout, { kind: 'default', file: DEFAULT_CONFIG_FILE })
  t.same(config.sources.port, { kind: 'file', file: join(dir, 'config.yaml'), line: 1 })
  t.same(config.sources.whitelist, { kind: 'file', file: join(dir, 'config.yaml'), line: 2, items: [3, 5] })
  t.same(config.sources.satisfy, { kind: 'env', name: 'SILLYTAVERN_SATISFY' })
  t.same(config.sources.basicAuthMode, { kind: 'env', name: 'TAVERN_BASICAUTHMODE' })
  t.same(config.sources.listen, { kind: 'flag', flag: '--no-listen' })
  t.ok(Object.isFrozen(config.sources), 'frozen with the rest')
})

t.test('a list given through a YAML alias has the alias\'s line for its entries', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'trustedProxies: &mine\n  - 127.0.0.1\nwhitelist: *mine\n' })
  const { config } = load(dir)
  t.same(config.whitelist, ['127.0.0.1'])
  t.same(config.sources.whitelist, { kind: 'file', file: join(dir, 'config.yaml'), line: 3, items: [3] })
  t.same(config.sources.trustedProxies, { kind: 'file', file: join(dir, 'config.yaml'), line: 1, items: [2] })
})

t.test('an environment variable overriding a value the file sets is said, once, with where to look', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'listen: true\nport: 9000\nsatisfy: any\n' })
  const loaded = load(dir, { env: { TAVERN_LISTEN: 'false', TAVERN_PORT: '9000', TAVERN_WHITELISTMODE: 'false' } })
  t.same(loaded.notices, [`Environment variables override ${join(dir, 'config.yaml')}: listen (TAVERN_LISTEN). Run \`tavern-server config\` to see every value and where it comes from.`],
    'not for the same value, nor for a key the file leaves to the default')
})

t.test('a user whitelist replaces the default list, never merged item by item', async (t) => {
  t.same(load(t.testdir({ 'config.yaml': 'whitelist:\n  - 10.0.0.1\n' })).config.whitelist, ['10.0.0.1'])
  t.same(load(t.testdir({ 'config.yaml': 'whitelist: []\n' })).config.whitelist, [])
})

t.test('precedence: flag, then environment, then config.yaml, then defaults', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'port: 9001\nlisten: false\nwhitelistMode: true\n' })
  const env = { TAVERN_PORT: '9002', SILLYTAVERN_PORT: '9003', SILLYTAVERN_LISTEN: 'yes', TAVERN_WHITELISTMODE: '' }
  const fromEnv = load(dir, { env })
  t.equal(fromEnv.config.port, 9002, 'TAVERN_ wins over SILLYTAVERN_ and the file')
  t.equal(fromEnv.config.listen, true, 'SILLYTAVERN_ works as an alias')
  t.equal(fromEnv.config.whitelistMode, true, 'an empty variable counts as not set')
  const fromFlag = load(dir, { env, flags: { port: { value: 9004, flag: '--port' } } })
  t.equal(fromFlag.config.port, 9004)
  t.equal(load(dir).config.port, 9001)
  t.equal(load(dir).config.sessionTimeout, 86400, 'a key the file lacks comes from the defaults')
})

t.test('environment lists are JSON arrays or comma-separated', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'port: 1\n' })
  t.same(load(dir, { env: { TAVERN_WHITELIST: '["10.0.0.0/8","::1"]' } }).config.whitelist, ['10.0.0.0/8', '::1'])
  t.same(load(dir, { env: { TAVERN_WHITELIST: '10.0.0.0/8, 192.168.0.0/16' } }).config.whitelist, ['10.0.0.0/8', '192.168.0.0/16'])
  t.same(load(dir, { env: { TAVERN_HOSTWHITELIST_HOSTS: 'pc.tailnet.ts.net' } }).config.hostWhitelist.hosts, ['pc.tailnet.ts.net'])
})

t.test('a bad boolean in the environment names the variable', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'port: 1\n' })
  t.throws(() => load(dir, { env: { SILLYTAVERN_LISTEN: 'maybe' } }), {
    code: 'TVS_ERR_CONFIG_INVALID',
    message: /environment variable SILLYTAVERN_LISTEN: got "maybe"; expected true or false/
  })
})

t.test('every wrong type is reported at once, with file:line, key, value and expected form', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'port: "abc"\nlisten: maybe\nwhitelist: 5\nlistenAddress:\n  ipv4: 300.1.1.1\n' })
  const error = t.throws(() => load(dir), { code: 'TVS_ERR_CONFIG_INVALID' }) as unknown as Error
  const file = join(dir, 'config.yaml')
  t.match(error.message, /^The configuration has 4 problems:\n/)
  t.match(error.message, `${file}:1: port: got "abc"; expected a whole number from 0 to 65535`)
  t.match(error.message, `${file}:2: listen: got "maybe"; expected true or false`)
  t.match(error.message, `${file}:3: whitelist: got 5; expected a list of text values`)
  t.match(error.message, `${file}:5: listenAddress.ipv4: got "300.1.1.1"; expected an IPv4 address`)
})

t.test('a scalar where a section belongs is a problem naming the section keys', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'protocol: true\n' })
  t.throws(() => load(dir), { message: /config\.yaml:1: protocol: got true; expected a section with the keys ipv4, ipv6/ })
})

t.test('a file that is not key: value lines is a problem', async (t) => {
  const dir = t.testdir({ 'config.yaml': '- listen\n- port\n' })
  t.throws(() => load(dir), { message: /config\.yaml:1: the file must hold "key: value" lines/ })
})

t.test('unknown keys are warnings with a suggestion; SillyTavern-only keys are quiet', async (t) => {
  const dir = t.testdir({
    'config.yaml': 'whitelistmode: false\nlisten: false\nbrowserLaunch:\n  enabled: true\nhostWhitelist:\n  scan: true\nzzzzzzzz: 1\nprotocl:\n  ipv4: true\n'
  })
  const loaded = load(dir)
  const file = join(dir, 'config.yaml')
  t.same(loaded.warnings, [
    `${file}:1: unknown key whitelistmode; did you mean whitelistMode?`,
    `${file}:7: unknown key zzzzzzzz (ignored)`,
    `${file}:9: unknown key protocl.ipv4; did you mean protocol.ipv4?`
  ])
  t.equal(loaded.config.whitelistMode, true, 'the misspelt key does not change whitelistMode')
})

t.test('a password YAML reads as a number works as the user meant', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'basicAuthUser:\n  username: 42\n  password: 0123\n' })
  const { config } = load(dir)
  t.equal(config.basicAuthUser.username, '42')
  t.equal(config.basicAuthUser.password, '0123')
})

t.test('the validated config is frozen all the way down', async (t) => {
  const { config } = load(t.testdir({}))
  t.ok(Object.isFrozen(config))
  t.ok(Object.isFrozen(config.protocol))
  t.ok(Object.isFrozen(config.whitelist))
  t.throws(() => { (config as { port: number }).port = 1 })
})

t.test('app.root and app.upstream are absent unless set', async (t) => {
  const defaults = { userHeader: 'Remote-User', maxBodyMB: 500, responseTimeoutSeconds: 600, forwardClientAddress: false }
  t.same(load(t.testdir({})).config.app, defaults)
  const dir = t.testdir({ public: {}, 'config.yaml': 'app:\n  root: ./public\n' })
  t.same(load(dir).config.app, { root: join(dir, 'public'), ...defaults })
  t.same(load(t.testdir({ 'config.yaml': 'app:\n  upstream: http://127.0.0.1:8001/\n' })).config.app, { upstream: 'http://127.0.0.1:8001', ...defaults })
})

t.test('an explicit --configPath that does not exist is an error naming it', async (t) => {
  const dir = t.testdir({})
  t.throws(() => load(dir, { configPath: 'nope/config.yaml' }), {
    code: 'TVS_ERR_CONFIG_NOT_FOUND',
    message: new RegExp(`The config file ${join(dir, 'nope', 'config.yaml')} does not exist`)
  })
})

t.test('a config path that cannot be read says which path and why', async (t) => {
  const dir = t.testdir({ 'config.yaml': {} })
  t.throws(() => load(dir), {
    code: 'TVS_ERR_CONFIG_READ',
    message: `Cannot read the config file ${join(dir, 'config.yaml')}: it is a folder, not a file (EISDIR).`
  })
})

t.test('a config that cannot be created says where and why', async (t) => {
  const dir = t.testdir({})
  t.throws(() => load(join(dir, 'missing-folder')), {
    code: 'TVS_ERR_CONFIG_CREATE',
    message: /Cannot create .*missing-folder\/config\.yaml: the folder does not exist \(ENOENT\)/
  })
})

t.test('broken shipped defaults are reported, not guessed around', async (t) => {
  const dir = t.testdir({ 'defaults.yaml': 'port: 8000\n', 'config.yaml': 'listen: true\n' })
  t.throws(() => load(dir, { defaultsFile: join(dir, 'defaults.yaml') }), {
    message: /whitelistMode: no value, and .*defaults\.yaml has none either/
  })
  mkdirSync(join(dir, 'unreadable.yaml'))
  t.throws(() => load(dir, { defaultsFile: join(dir, 'unreadable.yaml') }), { code: 'TVS_ERR_CONFIG_READ' })
  writeFileSync(join(dir, 'list.yaml'), '- a\n')
  t.throws(() => load(dir, { defaultsFile: join(dir, 'list.yaml') }), { message: /list\.yaml:1: the file must hold "key: value" lines/ })
})
