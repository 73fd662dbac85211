import t from 'tap'
import { runCli } from '../../src/cli/run.js'
import { interfaceHint, readInterfaces } from '../../src/cli/interface-table.js'
import { captureIo, HOME_LAN } from '../helpers/io.js'
import { request } from '../helpers/http.js'

/** What Node does on Android 10 and later (Termux). */
const ANDROID = (): never => { throw new Error('A system error occurred: uv_interface_addresses returned Unknown system error 13 (Unknown system error 13)') }

t.test('reads the table, or falls back to IPv4 loopback with the reason', async (t) => {
  t.same(readInterfaces(() => HOME_LAN), { interfaces: HOME_LAN, error: undefined })
  const failed = readInterfaces(ANDROID)
  t.match(failed.error, /Unknown system error 13/)
  t.same(Object.values(failed.interfaces).flat().map((i) => i?.address), ['127.0.0.1'])
})

t.test('the hint says why and what to type instead', async (t) => {
  t.equal(interfaceHint('boom', 8443, true),
    'Cannot list this computer\'s network addresses (boom; Android 10 and later do not let apps such as Termux read them), so the addresses to type on another device are not shown. ' +
    'Find this device\'s address in its Wi-Fi settings (on Android: Settings, Network, Wi-Fi, the network you are on), then open https://<that address>:8443/ on the other device.')
})

t.test('on Android the server starts with --listen and protocol auto, and says how to find the address', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'protocol:\n  ipv4: auto\n  ipv6: auto\n' })
  const io = captureIo(dir, {}, HOME_LAN)
  io.interfaces = ANDROID
  const outcome = await runCli(['--listen', '--port', '0', '--qr'], io)
  if (outcome.kind !== 'serving') throw new Error(io.err())
  t.teardown(() => outcome.server.close())
  t.same(outcome.server.addresses.map((a) => a.host), ['0.0.0.0'], 'auto: IPv4, which every system has')
  const port = outcome.server.addresses[0]!.port
  t.match(io.out(), `Cannot list this computer's network addresses (A system error occurred: uv_interface_addresses returned Unknown system error 13`)
  t.match(io.out(), `then open http://<that address>:${port}/ on the other device.`)
  t.notMatch(io.out(), 'Or scan this', 'no address, no QR code')
  t.equal((await request(`http://127.0.0.1:${port}/healthz`)).status, 200)
})

t.test('cert on Android makes a certificate for the names, and says so', async (t) => {
  const dir = t.testdir({})
  const io = captureIo(dir)
  io.interfaces = ANDROID
  t.same(await runCli(['cert'], io), { kind: 'exit', code: 0 })
  t.match(io.err(), 'Cannot list this computer\'s network addresses (A system error occurred')
  t.match(io.out(), /Valid for: localhost, tavern-test, tavern-test\.local, 127\.0\.0\.1, ::1\n/)
})
