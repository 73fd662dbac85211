import { join } from 'node:path'
import t from 'tap'
import { runCli } from '../../src/cli/run.js'
import { captureIo } from '../helpers/io.js'

t.test('names the whitelist entry that admits an address', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'whitelist:\n  - 127.0.0.1\n  - 192.168.0.0/16\n' })
  const io = captureIo(dir)
  t.same(await runCli(['check-access', '192.168.4.2'], io), { kind: 'exit', code: 0 })
  t.equal(io.out(), `192.168.4.2 is admitted by whitelist entry 192.168.0.0/16 (${join(dir, 'config.yaml')}:3 whitelist entry 2).\n` +
    `But listen is false (the default), so only this computer can connect at all: to let other devices in, set listen: true in ${join(dir, 'config.yaml')}, or start with --listen.\n`)
})

t.test('says forbidden, with exit code 1, when nothing matches', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'listen: true\nwhitelist:\n  - 127.0.0.1\n' })
  const io = captureIo(dir)
  t.same(await runCli(['check-access', '::ffff:10.0.0.5'], io), { kind: 'exit', code: 1 })
  t.equal(io.out(), `10.0.0.5 is forbidden: no whitelist entry matches it (1 entry from the whitelist key in ${join(dir, 'config.yaml')}). To admit it, add 10.0.0.5 to whitelist in ${join(dir, 'config.yaml')}.\n`)
})

t.test('reads the same config as the server, flags included', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'whitelist: []\n' })
  const io = captureIo(dir)
  t.same(await runCli(['check-access', '10.0.0.5', '--no-whitelist', '--listen'], io), { kind: 'exit', code: 0 })
  t.equal(io.out(), '10.0.0.5 is admitted: whitelistMode is false (--no-whitelist on the command line), so every address may connect.\n', 'the flag set it, not the file')
  const fromFile = captureIo(t.testdir({ 'config.yaml': 'listen: true\nwhitelistMode: false\n' }))
  t.same(await runCli(['check-access', '10.0.0.5'], fromFile), { kind: 'exit', code: 0 })
  t.match(fromFile.out(), /^10\.0\.0\.5 is admitted: whitelistMode is false \(\S+config\.yaml:2\), so every address may connect\.\n$/)
})

t.test('an argument that is not an address is a command-line error', async (t) => {
  const io = captureIo(t.testdir({}))
  t.same(await runCli(['check-access', 'my-phone'], io), { kind: 'exit', code: 2 })
  t.match(io.err(), /value 'my-phone' is invalid for argument 'ip'\. Expected an IPv4 or IPv6 address\./)
})

t.test('whitelist.txt, when present, is the list it checks', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'whitelist:\n  - 10.0.0.5\n', 'whitelist.txt': '# home\r\n192.168.1.0/24\r\n' })
  const io = captureIo(dir)
  t.same(await runCli(['check-access', '10.0.0.5'], io), { kind: 'exit', code: 1 })
  t.match(io.out(), `no whitelist entry matches it (1 entry from ${join(dir, 'whitelist.txt')} (it replaces the whitelist key in ${join(dir, 'config.yaml')})). To admit it, add 10.0.0.5 to ${join(dir, 'whitelist.txt')}.`)
  const again = captureIo(dir)
  t.same(await runCli(['check-access', '192.168.1.7'], again), { kind: 'exit', code: 0 })
  t.match(again.out(), `192.168.1.7 is admitted by whitelist entry 192.168.1.0/24 (${join(dir, 'whitelist.txt')}:2).\n`)
})

t.test('inside a container the Docker host counts too', async (t) => {
  const io = captureIo(t.testdir({ 'config.yaml': 'listen: true\n' }))
  io.containerProbe = { inContainer: () => true, resolve: async () => [], defaultGateway: () => '172.17.0.1' }
  t.same(await runCli(['check-access', '172.17.0.1'], io), { kind: 'exit', code: 0 })
  t.equal(io.out(), '172.17.0.1 is admitted by whitelist entry 172.17.0.1 (whitelistDockerHosts (the default gateway)).\n')
})

t.test('loopback addresses get no note about listen', async (t) => {
  const io = captureIo(t.testdir({}))
  t.same(await runCli(['check-access', '::1'], io), { kind: 'exit', code: 0 })
  t.match(io.out(), /^::1 is admitted by whitelist entry ::1 \(\S+config\.yaml:\d+ whitelist entry 1\)\.\n$/)
})
