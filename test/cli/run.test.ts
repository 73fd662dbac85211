import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { Test } from 'tap'
import { runCli } from '../../src/cli/run.js'
import type { Outcome } from '../../src/cli/run.js'
import { SERVER_FLAGS, VERSION } from '../../src/cli/program.js'
import { captureIo, HOME_LAN } from '../helpers/io.js'
import { request } from '../helpers/http.js'

async function serving (t: Test, outcome: Outcome) {
  if (outcome.kind !== 'serving') throw new Error(`expected a running server, got exit ${outcome.code}`)
  t.teardown(() => outcome.server.close())
  return outcome.server
}

t.test('--help documents every flag and the exit codes', async (t) => {
  const io = captureIo(t.testdir({}))
  t.same(await runCli(['--help'], io), { kind: 'exit', code: 0 })
  for (const spec of SERVER_FLAGS) t.match(io.out(), `--${spec.flag}`, `--${spec.flag} is documented`)
  t.match(io.out(), /--configPath/)
  t.match(io.out(), /--version/)
  t.match(io.out(), /Exit codes: 0 stopped cleanly, 1 refused or failed to start, 2 bad command line/)
})

t.test('--version prints the package version', async (t) => {
  const io = captureIo(t.testdir({}))
  t.same(await runCli(['--version'], io), { kind: 'exit', code: 0 })
  t.equal(io.out(), `${VERSION}\n`)
})

t.test('a bad flag value exits 2 naming the flag', async (t) => {
  for (const argv of [['--port', 'abc'], ['--port', '70000'], ['--listen=maybe'], ['--listenAddressIPv4', '1.2.3'], ['--enableIPv6=sometimes'], ['--nope'], ['extra']]) {
    const io = captureIo(t.testdir({}))
    t.same(await runCli(argv, io), { kind: 'exit', code: 2 }, argv.join(' '))
    t.match(io.err(), argv[0]!.split('=')[0]!, `${argv.join(' ')} names the flag`)
  }
})

t.test('a mistyped command or flag gets a suggestion, and exit code 2', async (t) => {
  const cases: Array<[string[], string]> = [
    [['check-acess', '1.2.3.4'], "error: unknown command 'check-acess'. Did you mean check-access?"],
    [['hash-pasword'], "error: unknown command 'hash-pasword'. Did you mean hash-password?"],
    [['frobnicate'], "error: unknown command 'frobnicate'. The commands are config, check-access, doctor, hash-password, cert, service, users; `tavern-server --help` says what each does."],
    [['--whitelistMode', 'false'], "error: unknown option '--whitelistMode'. Did you mean --whitelist? (it sets whitelistMode)"],
    [['--whitelistmode=false'], "error: unknown option '--whitelistmode'. Did you mean --whitelist? (it sets whitelistMode)"],
    [['--ssl.enabled'], "error: unknown option '--ssl.enabled'. Did you mean --ssl? (it sets ssl.enabled)"],
    [['--satisfy', 'any'], "error: unknown option '--satisfy': satisfy has no flag; set it in config.yaml, or with the environment variable TAVERN_SATISFY."],
    [['--lisen'], "error: unknown option '--lisen'. Did you mean --listen?"],
    [['--Port', '80'], "error: unknown option '--Port'. Did you mean --port?"],
    [['--frobnicate'], "error: unknown option '--frobnicate'. `tavern-server --help` lists the flags."],
    [['-x'], "error: unknown option '-x'. `tavern-server --help` lists the flags."],
    [['cert', '--forse'], "error: unknown option '--forse'. Did you mean --force?"],
    [['check-access', '1.2.3.4', '--whitelistMode=false'], "error: unknown option '--whitelistMode'. Did you mean --whitelist? (it sets whitelistMode)"]
  ]
  for (const [argv, message] of cases) {
    const io = captureIo(t.testdir({}))
    t.same(await runCli(argv, io), { kind: 'exit', code: 2 }, argv.join(' '))
    t.equal(io.err(), `${message}\n`, argv.join(' '))
  }
})

t.test('messages name the command the way it was started', async (t) => {
  const io = captureIo(t.testdir({}))
  io.invokedAs = 'node server.js'
  t.same(await runCli(['check-acess'], io), { kind: 'exit', code: 2 })
  const help = captureIo(t.testdir({}))
  help.invokedAs = 'npx tavern-server'
  t.same(await runCli(['--help'], help), { kind: 'exit', code: 0 })
  t.match(help.out(), /^Usage: npx tavern-server \[options\] \[command\]/)
  const unknown = captureIo(t.testdir({}))
  unknown.invokedAs = 'node server.js'
  await runCli(['--frobnicate'], unknown)
  t.match(unknown.err(), '`node server.js --help` lists the flags')
})

t.test('SillyTavern\'s own flags that mean nothing here are ignored, with one line saying so', async (t) => {
  const cases: Array<[string[], string[], string]> = [
    [['--autorun', '--version'], ['--version'], '--autorun'],
    [['--disableCsrf=true', '--no-autorun', '--global', 'false', '--version'], ['--version'], '--disableCsrf, --autorun, --global'],
    [['--browserLaunchPort', '8080', '--heartbeatInterval', '30', '--requestProxyBypass', 'localhost', '10.0.0.1', '--corsProxy', '--version'], ['--version'], '--browserLaunchPort, --heartbeatInterval, --requestProxyBypass, --corsProxy']
  ]
  for (const [argv, , named] of cases) {
    const io = captureIo(t.testdir({}))
    t.same(await runCli(argv, io), { kind: 'exit', code: 0 }, argv.join(' '))
    t.equal(io.out(), `${VERSION}\n`)
    t.equal(io.err(), `Ignoring ${named}: SillyTavern flag${named.includes(',') ? 's' : ''} with no meaning for tavern-server.\n`)
  }
  const io = captureIo(t.testdir({ 'config.yaml': 'whitelist: [127.0.0.1]\n' }))
  t.same(await runCli(['--autorun', 'check-access', '127.0.0.1', '--enableKeepAlive'], io), { kind: 'exit', code: 0 }, 'a boolean takes only a true/false word with it')
  t.match(io.out(), /^127\.0\.0\.1 is admitted/)
  const end = captureIo(t.testdir({}))
  t.same(await runCli(['hash-password', '--', '--autorun'], end), { kind: 'exit', code: 2 }, 'nothing after -- is taken')
  t.notMatch(end.err(), /Ignoring/)
})

t.test('SillyTavern\'s flags that mean something here keep working', async (t) => {
  const io = captureIo(t.testdir({}))
  const server = await serving(t, await runCli(['--port', '0', '--listen', '--listenAddressIPv4', '127.0.0.1', '--whitelist', '--basicAuthMode=false', '--autorun'], io))
  t.ok(server.addresses.length > 0)
  t.match(io.out(), /tavern-server is listening on IPv4: 127\.0\.0\.1:/)
})

t.test('starts with defaults and stops cleanly', async (t) => {
  const dir = t.testdir({})
  const io = captureIo(dir)
  const server = await serving(t, await runCli(['--port', '0'], io))
  const port = server.addresses[0]!.port
  t.equal(io.out(), [
    `Created config.yaml with default values at ${join(dir, 'config.yaml')}`,
    `Whitelist: 2 entries from the whitelist key in ${join(dir, 'config.yaml')}.`,
    `tavern-server is listening on IPv4: 127.0.0.1:${port}`,
    `Only this computer can connect (listen is false). To connect from a phone or another computer, set listen: true in ${join(dir, 'config.yaml')}, or start with --listen.`,
    `Exposure: this computer only (127.0.0.1:${port}); plain HTTP; IP whitelist (2 entries), Host check; other devices cannot connect (listen is false).`,
    `Go to: http://127.0.0.1:${port}/`,
    ''
  ].join('\n'))
  t.equal((await request(`http://127.0.0.1:${port}/healthz`)).status, 200)
})

t.test('paths given as flags resolve against the current folder', async (t) => {
  const dir = t.testdir({ site: { 'config.yaml': 'port: 0\n' } })
  const io = captureIo(dir)
  await serving(t, await runCli(['--configPath', 'site/config.yaml', '--dataRoot', 'state'], io))
  t.ok(existsSync(join(dir, 'state', 'tavern-server.lock')), 'the data root is ./state, not site/state')
})

t.test('a start-up failure is one message and exit 1, with no stack trace', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'port: [1\n' })
  const io = captureIo(dir)
  t.same(await runCli([], io), { kind: 'exit', code: 1 })
  t.match(io.err(), new RegExp(`^${join(dir, 'config.yaml')}:2:1: YAML syntax error: `))
  t.notMatch(io.err(), /\n\s+at /)
})

t.test('--debug on an error without a cause prints the code and stack only', async (t) => {
  const io = captureIo(t.testdir({ 'config.yaml': 'whitelistMode: false\n' }))
  t.same(await runCli(['--debug', '--listen', '--port', '0'], io), { kind: 'exit', code: 1 })
  t.match(io.err(), /TVS_ERR_SECURITY_UNPROTECTED\n.*\n\s+at /s)
  t.notMatch(io.err(), /Caused by/)
})

t.test('--debug adds the code and the stack trace', async (t) => {
  const io = captureIo(t.testdir({ 'config.yaml': 'port: [1\n' }))
  t.same(await runCli(['--debug'], io), { kind: 'exit', code: 1 })
  t.match(io.err(), /TVS_ERR_CONFIG_YAML\n.*\n\s+at /s)
  t.match(io.err(), /Caused by: YAMLException/)
})

t.test('listening with no access control refuses to start', async (t) => {
  const io = captureIo(t.testdir({ 'config.yaml': 'whitelist: ["0.0.0.0/0"]\n' }), {}, HOME_LAN)
  t.same(await runCli(['--listen', '--port', '0'], io), { kind: 'exit', code: 1 })
  t.match(io.err(), /^Refusing to listen on the network with no access control/)
  t.match(io.err(), /for example 192\.168\.1\.0\/24/)
  t.notMatch(io.out(), /listening on/)
})

t.test('securityOverride starts anyway, loudly', async (t) => {
  const io = captureIo(t.testdir({}), { TAVERN_SECURITYOVERRIDE: 'true' })
  const server = await serving(t, await runCli(['--listen', '--no-whitelist', '--port', '0', '--listenAddressIPv4', '127.0.0.1'], io))
  t.ok(server.addresses.length > 0)
  t.match(io.err(), /WARNING: securityOverride is on and no access control is effective/)
})

t.test('an invalid whitelist entry refuses start-up naming it', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'whitelist:\n  - 127.0.0.1\n  - localhost\n' })
  const io = captureIo(dir)
  t.same(await runCli(['--port', '0'], io), { kind: 'exit', code: 1 })
  t.match(io.err(), `${join(dir, 'config.yaml')}:3 whitelist entry 2: "localhost": host names are not supported; write the device's IP address (tavern-server check-access <ip> tells whether the server admits an address)`)
})

t.test('an unexpected error says to report it, and shows the stack with --debug', async (t) => {
  const dir = t.testdir({})
  const io = captureIo(dir)
  io.hostname = () => { throw new Error('hostname exploded') }
  t.same(await runCli(['--port', '0'], io), { kind: 'exit', code: 1 })
  t.match(io.err(), 'Unexpected error: hostname exploded\nRun again with --debug')
  const debug = captureIo(dir)
  debug.hostname = () => { throw new Error('hostname exploded') }
  t.same(await runCli(['--port', '0', '--debug'], debug), { kind: 'exit', code: 1 })
  t.match(debug.err(), /Unexpected error: hostname exploded\nError: hostname exploded\n\s+at /)
})

t.test('notices go to stdout and warnings to stderr', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'port: 0\nwhitelistmode: false\n' })
  writeFileSync(join(dir, 'extra'), '')
  const io = captureIo(dir)
  await serving(t, await runCli([], io))
  t.notMatch(io.out(), /does not set|using the default values/, 'keys the file leaves out take their defaults quietly')
  t.match(io.err(), /unknown key whitelistmode; did you mean whitelistMode\?/)
})

t.test('per-user Basic auth with an account without a password is refused once, not warned about and then refused for the same reason', async (t) => {
  const io = captureIo(t.testdir({ 'config.yaml': 'listen: true\nwhitelistMode: false\nbasicAuthMode: true\nenableUserAccounts: true\nperUserBasicAuth: true\n' }))
  t.same(await runCli(['--port', '0'], io), { kind: 'exit', code: 1 })
  t.match(io.err(), /^Refusing to listen/)
  t.equal(io.err().match(/no password/g)?.length, 1, 'the reason once')
  t.match(io.err(), /^ {2}- a password on every enabled account: tavern-server users passwd <handle> \(for admin\)/m, 'and its fix')
  t.notMatch(io.err(), /basicAuthMode: true|basicAuthUser/)
})
