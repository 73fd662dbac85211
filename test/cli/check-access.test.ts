import { join } from 'node:path'
import t from 'tap'
import { runCli } from '../../src/cli/run.js'
import { captureIo } from '../helpers/io.js'

t.test('names the whitelist entry that admits an address', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'whitelist:\n  - 127.0.0.1\n  - 192.168.0.0/16\n' })
  const io = captureIo(dir)
  t.same(await runCli(['check-access', '192.168.4.2'], io), { kind: 'exit', code: 0 })
  t.equal(io.out(), `192.168.4.2 is admitted by whitelist entry 192.168.0.0/16 (${join(dir, 'config.yaml')} whitelist[1]).\n`)
})

t.test('says forbidden, with exit code 1, when nothing matches', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'whitelist:\n  - 127.0.0.1\n' })
  const io = captureIo(dir)
  t.same(await runCli(['check-access', '::ffff:10.0.0.5'], io), { kind: 'exit', code: 1 })
  t.equal(io.out(), `10.0.0.5 is forbidden: no whitelist entry matches it (1 entries from ${join(dir, 'config.yaml')}).\n`)
})

t.test('reads the same config as the server, flags included', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'whitelist: []\n' })
  const io = captureIo(dir)
  t.same(await runCli(['check-access', '10.0.0.5', '--no-whitelist'], io), { kind: 'exit', code: 0 })
  t.match(io.out(), /10\.0\.0\.5 is admitted: whitelistMode is false/)
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
  t.match(io.out(), `no whitelist entry matches it (1 entries from ${join(dir, 'whitelist.txt')})`)
  const again = captureIo(dir)
  t.same(await runCli(['check-access', '192.168.1.7'], again), { kind: 'exit', code: 0 })
  t.equal(again.out(), `192.168.1.7 is admitted by whitelist entry 192.168.1.0/24 (${join(dir, 'whitelist.txt')}:2).\n`)
})

t.test('inside a container the Docker host counts too', async (t) => {
  const io = captureIo(t.testdir({}))
  io.containerProbe = { inContainer: () => true, resolve: async () => [], defaultGateway: () => '172.17.0.1' }
  t.same(await runCli(['check-access', '172.17.0.1'], io), { kind: 'exit', code: 0 })
  t.match(io.out(), '172.17.0.1 is admitted by whitelist entry 172.17.0.1 (whitelistDockerHosts (the default gateway)).')
})
