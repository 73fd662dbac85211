import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { compileWhitelist, describeWhitelist, forbiddenAdvice, readWhitelist } from '../../src/access/whitelist.js'
import { loadConfig } from '../../src/config/load.js'
import { makeConfig } from '../helpers/config.js'

t.test('without whitelist.txt the config list is used, each entry counted from 1 with its own line', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'port: 0\nwhitelist:\n  - 127.0.0.1\n  # the home network\n  - 192.168.0.0/16\n' })
  const config = loadConfig({ cwd: dir, env: {} }).config
  t.same(readWhitelist(config), {
    rules: [{ entry: '127.0.0.1', source: `${config.configPath}:3 whitelist entry 1` }, { entry: '192.168.0.0/16', source: `${config.configPath}:5 whitelist entry 2` }],
    file: undefined,
    from: `the whitelist key in ${config.configPath}`,
    addTo: `whitelist in ${config.configPath}`
  })
  t.equal(forbiddenAdvice(config, readWhitelist(config)), `please add your IP address in whitelist or disable whitelist mode in config.yaml in ${dir}`)
})

t.test('the default list, and a list from the environment, say so', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'port: 0\n' })
  const defaults = loadConfig({ cwd: dir, env: {} }).config
  t.match(readWhitelist(defaults), {
    rules: [{ entry: '::1', source: 'the default whitelist entry 1' }, { entry: '127.0.0.1', source: 'the default whitelist entry 2' }],
    from: `the default whitelist (${defaults.configPath} has no whitelist key)`,
    addTo: `whitelist in ${defaults.configPath}`
  })
  const env = loadConfig({ cwd: dir, env: { TAVERN_WHITELIST: '10.0.0.0/8, 192.168.1.5' } }).config
  const list = readWhitelist(env)
  t.match(list, {
    rules: [{ entry: '10.0.0.0/8', source: 'environment variable TAVERN_WHITELIST, whitelist entry 1' }, { entry: '192.168.1.5', source: 'environment variable TAVERN_WHITELIST, whitelist entry 2' }],
    from: 'environment variable TAVERN_WHITELIST',
    addTo: `the environment variable TAVERN_WHITELIST (it overrides ${env.configPath})`
  })
  t.equal(forbiddenAdvice(env, list), `please add your IP address to the environment variable TAVERN_WHITELIST (it overrides the whitelist in config.yaml), or disable whitelist mode in config.yaml in ${dir}`)
})

t.test('whitelist.txt takes precedence: one entry per line, # comments, CRLF, blank lines', async (t) => {
  const dir = t.testdir({ 'whitelist.txt': '# my devices\r\n127.0.0.1\r\n\r\n  192.168.1.0/24  # the home network\r\n   \r\n::1' })
  const config = makeConfig({ whitelist: ['10.0.0.1'] }, dir)
  const file = join(dir, 'whitelist.txt')
  const list = readWhitelist(config)
  t.same(list, {
    rules: [{ entry: '127.0.0.1', source: `${file}:2` }, { entry: '192.168.1.0/24', source: `${file}:4` }, { entry: '::1', source: `${file}:6` }],
    file,
    from: `${file} (it replaces the whitelist key in ${config.configPath})`,
    addTo: file
  })
  const whitelist = compileWhitelist(config)
  t.equal(whitelist.matcher.match('10.0.0.1'), undefined, 'the config list is not used')
  t.equal(whitelist.matcher.match('192.168.1.9')?.source, `${file}:4`)
  t.equal(describeWhitelist(whitelist), `3 entries from ${file} (it replaces the whitelist key in ${config.configPath})`)
  t.equal(forbiddenAdvice(config, list), `please add your IP address to whitelist.txt in ${dir} (it replaces the whitelist in config.yaml), or disable whitelist mode in config.yaml in ${dir}`)
})

t.test('an invalid line names the file and line', async (t) => {
  const dir = t.testdir({ 'whitelist.txt': '127.0.0.1\nmy-phone\n' })
  t.throws(() => compileWhitelist(makeConfig({}, dir)), { code: 'TVS_ERR_ACCESS_INVALID_ENTRY', message: `${join(dir, 'whitelist.txt')}:2: "my-phone": host names are not supported` })
})

t.test('a whitelist.txt that exists but cannot be read refuses, never falls back', async (t) => {
  const dir = t.testdir({})
  mkdirSync(join(dir, 'whitelist.txt'))
  t.throws(() => readWhitelist(makeConfig({}, dir)), { code: 'TVS_ERR_WHITELIST_READ', message: new RegExp(`^Cannot read ${join(dir, 'whitelist.txt')}: EISDIR`) })
})

t.test('extra rules (the Docker hosts) come after the list, and are not counted as entries the user wrote', async (t) => {
  const config = makeConfig({ whitelist: ['127.0.0.1'] }, t.testdir({}))
  const whitelist = compileWhitelist(config, [{ entry: '172.17.0.1', source: 'docker' }])
  t.equal(whitelist.matcher.match('172.17.0.1')?.source, 'docker')
  t.equal(describeWhitelist(whitelist), `1 entry from the whitelist key in ${config.configPath}`)
})
