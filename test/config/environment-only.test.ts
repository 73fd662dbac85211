import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { ENVIRONMENT_SOURCE } from '../../src/config/environment-only.js'
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../src/config/load.js'

const load = (cwd: string, env: Record<string, string>, configPath?: string): ReturnType<typeof loadConfig> =>
  loadConfig({ cwd, env, ...configPath === undefined ? {} : { configPath } })

t.test('TAVERN_NO_CONFIG_FILE=1: no config.yaml read or made; the defaults, then the environment', async (t) => {
  const dir = t.testdir({ cwd: {} })
  const cwd = join(dir, 'cwd')
  const loaded = load(cwd, { TAVERN_NO_CONFIG_FILE: '1', TAVERN_DATAROOT: join(dir, 'data'), TAVERN_LOGGING_ACCESSLOGPATH: join(dir, 'access.log'), TAVERN_PORT: '9100', TAVERN_WHITELIST: '10.0.0.0/8,::1' })
  t.same(readdirSync(cwd), [], 'nothing written to the working directory')
  t.same(loaded.notices, [])
  t.same(loaded.warnings, [])
  t.equal(loaded.config.configPath, ENVIRONMENT_SOURCE, 'messages say where settings come from')
  t.equal(loaded.config.baseDir, cwd)
  t.equal(loaded.config.port, 9100)
  t.same(loaded.config.whitelist, ['10.0.0.0/8', '::1'])
  t.equal(loaded.config.dataRoot, join(dir, 'data'))
  t.equal(loaded.config.listen, false, 'a default')
})

t.test('under systemd, StateDirectory= is the base directory and LogsDirectory= gets the access log', async (t) => {
  const cwd = t.testdir({})
  const env = { TAVERN_NO_CONFIG_FILE: 'yes', STATE_DIRECTORY: '/var/lib/tavern-server:/var/lib/other', LOGS_DIRECTORY: '/var/log/tavern-server' }
  const { config } = load(cwd, env)
  t.equal(config.baseDir, '/var/lib/tavern-server', 'the first of several folders')
  t.equal(config.dataRoot, '/var/lib/tavern-server/data')
  t.equal(config.ssl.certPath, '/var/lib/tavern-server/certs/cert.pem')
  t.equal(config.logging.accessLogPath, '/var/log/tavern-server/access.log')
  t.equal(load(cwd, { ...env, TAVERN_LOGGING_ACCESSLOGPATH: 'logs/a.log' }).config.logging.accessLogPath, '/var/lib/tavern-server/logs/a.log', 'a variable wins, relative to the base directory')
  const stateOnly = load(cwd, { TAVERN_NO_CONFIG_FILE: 'on', STATE_DIRECTORY: 'state' }).config
  t.equal(stateOnly.logging.accessLogPath, join(cwd, 'state', 'access.log'), 'without LogsDirectory=, in the state directory')
  t.same(readdirSync(cwd), [])
})

t.test('without a state directory the data root and the access log must be named, all problems at once', async (t) => {
  const cwd = t.testdir({})
  t.throws(() => load(cwd, { TAVERN_NO_CONFIG_FILE: 'true', TAVERN_PORT: 'x' }), {
    code: 'TVS_ERR_CONFIG_INVALID',
    message: /^The configuration has 3 problems:\n {2}- environment variable TAVERN_PORT: got "x".*\n {2}- TAVERN_NO_CONFIG_FILE is set, so nothing is written to the working directory \S+: set TAVERN_DATAROOT \(or --dataRoot\).*\n {2}- .*set TAVERN_LOGGING_ACCESSLOGPATH .*LogsDirectory=\.$/
  })
  t.throws(() => load(cwd, { TAVERN_NO_CONFIG_FILE: 'true', TAVERN_LOGGING_ENABLEACCESSLOG: 'false' }), { message: /has 1 problem:\n.*TAVERN_DATAROOT/ })
  const logsOnly = load(cwd, { TAVERN_NO_CONFIG_FILE: 'true', TAVERN_DATAROOT: '/srv/d', LOGS_DIRECTORY: '/var/log/t' })
  t.equal(logsOnly.config.logging.accessLogPath, '/var/log/t/access.log')
  const flags = loadConfig({ cwd, env: { TAVERN_NO_CONFIG_FILE: 'true', TAVERN_LOGGING_ACCESSLOGPATH: '/var/log/t.log' }, flags: { dataRoot: { value: '/srv/d', flag: '--dataRoot' } } })
  t.equal(flags.config.dataRoot, '/srv/d', 'a flag names it too')
  t.same(readdirSync(cwd), [])
})

t.test('a config.yaml in the working directory is not read, and a warning says so', async (t) => {
  const cwd = t.testdir({ 'config.yaml': 'port: 9999\n' })
  const loaded = load(cwd, { TAVERN_NO_CONFIG_FILE: '1', STATE_DIRECTORY: '/var/lib/t' })
  t.equal(loaded.config.port, 8000)
  t.same(loaded.warnings, [`TAVERN_NO_CONFIG_FILE is set, so ${join(cwd, 'config.yaml')} is not read. Unset TAVERN_NO_CONFIG_FILE to use it.`])
})

t.test('--configPath with TAVERN_NO_CONFIG_FILE is a contradiction; a bad switch value names the variable; off means off', async (t) => {
  const cwd = t.testdir({ 'my.yaml': 'port: 9001\n' })
  t.throws(() => load(cwd, { TAVERN_NO_CONFIG_FILE: '1' }, 'my.yaml'), { code: 'TVS_ERR_CONFIG_ENV_ONLY', message: /^--configPath my\.yaml names a config file, and TAVERN_NO_CONFIG_FILE=1 says there is none/ })
  t.throws(() => load(cwd, { TAVERN_NO_CONFIG_FILE: 'please' }), { code: 'TVS_ERR_CONFIG_ENV_ONLY', message: 'Environment variable TAVERN_NO_CONFIG_FILE: got "please"; expected true or false (also yes/no, on/off, 1/0).' })
  for (const off of ['0', 'false', 'no', '']) {
    t.equal(load(cwd, { TAVERN_NO_CONFIG_FILE: off }, 'my.yaml').config.port, 9001, `"${off}"`)
  }
})

t.test('defaults without a data root: both problems are reported, nothing breaks', async (t) => {
  const dir = t.testdir({ 'defaults.yaml': readFileSync(DEFAULT_CONFIG_FILE, 'utf8').replace(/\ndataRoot: .*\n/, '\n') })
  t.throws(() => loadConfig({ cwd: dir, env: { TAVERN_NO_CONFIG_FILE: '1', TAVERN_LOGGING_ENABLEACCESSLOG: 'false' }, defaultsFile: join(dir, 'defaults.yaml') }), {
    message: /has 2 problems:\n {2}- dataRoot: no value, .*\n {2}- .*TAVERN_DATAROOT/
  })
})
