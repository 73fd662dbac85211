/**
 * `tavern-server config`: every value in force and where it came from, secrets hidden.
 */
import { join } from 'node:path'
import t from 'tap'
import { configReport, showValue, valueAt } from '../../src/cli/config-report.js'
import { runCli } from '../../src/cli/run.js'
import { loadConfig } from '../../src/config/load.js'
import { KEY_PATHS } from '../../src/config/schema.js'
import { captureIo } from '../helpers/io.js'

const HASH = '$scrypt$ln=15,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g'

t.test('prints every key with its value and where it came from: default, file:line, environment variable, flag', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'port: 8140\nbasicAuthUser:\n  username: me\n  password: hunter2\n' })
  const io = captureIo(dir, { TAVERN_SSL_KEYPASSPHRASE: 'open sesame', SILLYTAVERN_SATISFY: 'any' })
  t.same(await runCli(['config', '--no-listen', '--dataRoot', 'state'], io), { kind: 'exit', code: 0 })
  const out = io.out()
  const line = (key: string) => out.split('\n').find((l) => l.startsWith(`${key}: `))
  t.match(out, `# The configuration tavern-server uses, from ${join(dir, 'config.yaml')}\n`)
  t.match(line('port'), /^port: 8140 +# config\.yaml:1$/)
  t.match(line('listen'), /^listen: false +# --no-listen on the command line$/)
  t.match(line('dataRoot'), new RegExp(`^dataRoot: ${join(dir, 'state')} +# --dataRoot on the command line$`))
  t.match(line('satisfy'), /^satisfy: any +# environment variable SILLYTAVERN_SATISFY$/)
  t.match(line('whitelist'), /^whitelist: \[::1, 127\.0\.0\.1\] +# default$/)
  t.match(line('listenAddress.ipv6'), /^listenAddress\.ipv6: '::' +# default$/)
  t.match(line('app.root'), /^app\.root: '' +# default$/)
  t.match(line('basicAuthUser.username'), /^basicAuthUser\.username: me +# config\.yaml:3$/)
  t.match(line('basicAuthUser.password'), /^basicAuthUser\.password: \(hidden\) +# config\.yaml:4$/)
  t.match(line('ssl.keyPassphrase'), /^ssl\.keyPassphrase: \(hidden\) +# environment variable TAVERN_SSL_KEYPASSPHRASE$/)
  t.notMatch(out, /hunter2|open sesame/, 'no secret is printed')
  for (const key of KEY_PATHS) t.ok(line(key), `${key} is listed`)
  t.equal(io.err(), '', 'nothing else: the report alone, on stdout')
})

t.test('whitelist.txt, when it exists, is listed as the list in force', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'whitelist: [10.0.0.1]\n', 'whitelist.txt': '127.0.0.1\n# LAN\n192.168.1.0/24\n' })
  const io = captureIo(dir)
  t.same(await runCli(['config'], io), { kind: 'exit', code: 0 })
  t.match(io.out(), /\nwhitelist: \[10\.0\.0\.1\] +# config\.yaml:1; not in force: whitelist\.txt replaces it\nwhitelist\.txt: 2 entries +# \S+whitelist\.txt; in force\n/)
  const off = captureIo(t.testdir({ 'config.yaml': 'whitelistMode: false\n', 'whitelist.txt': '127.0.0.1\n' }))
  t.same(await runCli(['config'], off), { kind: 'exit', code: 0 })
  t.match(off.out(), /\nwhitelist\.txt: 1 entry +# \S+whitelist\.txt; in force when whitelistMode is true\n/)
})

t.test('warnings about the file go to stderr, the report to stdout', async (t) => {
  const io = captureIo(t.testdir({ 'config.yaml': 'whitelistmode: false\n' }))
  t.same(await runCli(['config'], io), { kind: 'exit', code: 0 })
  t.match(io.err(), /unknown key whitelistmode; did you mean whitelistMode\?/)
  t.match(io.out(), /^# The configuration/)
})

t.test('values are shown as config.yaml would hold them; secrets never', async (t) => {
  t.equal(showValue('basicAuthUser.password', ''), "''", 'an empty password is shown as empty: nobody can log in')
  t.equal(showValue('basicAuthUser.password', HASH), '(hidden: a scrypt hash)')
  t.equal(showValue('ssl.keyPassphrase', 'x'), '(hidden)')
  t.equal(showValue('whitelist', Array.from({ length: 12 }, (_, i) => `10.0.0.${i}`)), '[10.0.0.0, 10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5, 10.0.0.6, 10.0.0.7, 10.0.0.8, 10.0.0.9, …] (12 entries)')
  t.equal(showValue('port', 8000), '8000')
  t.equal(showValue('protocol.ipv4', 'auto'), 'auto')
})

t.test('reads values from the nested config by key path', async (t) => {
  const { config } = loadConfig({ cwd: t.testdir({ 'config.yaml': 'app:\n  upstream: http://127.0.0.1:8001\n' }), env: {} })
  t.equal(valueAt(config, 'protocol.ipv4'), true)
  t.equal(valueAt(config, 'app.upstream'), 'http://127.0.0.1:8001')
  t.equal(valueAt(config, 'app.root'), '', 'absent means not set')
  t.match(configReport(config, undefined), /\napp\.upstream: http:\/\/127\.0\.0\.1:8001 +# config\.yaml:2\n/)
})
