import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { compileWhitelist, readWhitelist } from '../../src/access/whitelist.js'
import { makeConfig } from '../helpers/config.js'

t.test('without whitelist.txt the config list is used, each entry with its key index', async (t) => {
  const dir = t.testdir({})
  const config = makeConfig({ whitelist: ['127.0.0.1', '192.168.0.0/16'] }, dir)
  t.same(readWhitelist(config), {
    rules: [{ entry: '127.0.0.1', source: `${config.configPath} whitelist[0]` }, { entry: '192.168.0.0/16', source: `${config.configPath} whitelist[1]` }],
    from: config.configPath
  })
})

t.test('whitelist.txt takes precedence: one entry per line, # comments, CRLF, blank lines', async (t) => {
  const dir = t.testdir({ 'whitelist.txt': '# my devices\r\n127.0.0.1\r\n\r\n  192.168.1.0/24  # the home network\r\n   \r\n::1' })
  const config = makeConfig({ whitelist: ['10.0.0.1'] }, dir)
  const file = join(dir, 'whitelist.txt')
  t.same(readWhitelist(config), {
    rules: [{ entry: '127.0.0.1', source: `${file}:2` }, { entry: '192.168.1.0/24', source: `${file}:4` }, { entry: '::1', source: `${file}:6` }],
    from: file
  })
  const matcher = compileWhitelist(config)
  t.equal(matcher.match('10.0.0.1'), undefined, 'the config list is not used')
  t.equal(matcher.match('192.168.1.9')?.source, `${file}:4`)
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

t.test('extra rules (the Docker hosts) come after the list', async (t) => {
  const matcher = compileWhitelist(makeConfig({ whitelist: ['127.0.0.1'] }, t.testdir({})), [{ entry: '172.17.0.1', source: 'docker' }])
  t.equal(matcher.match('172.17.0.1')?.source, 'docker')
})
