import t from 'tap'
import { hostPort, planListen } from '../../src/server/listen-plan.js'
import { makeConfig } from '../helpers/config.js'
import { HOME_LAN, LOOPBACK_ONLY } from '../helpers/io.js'

t.test('binds loopback only unless listen is on', async (t) => {
  t.same(planListen(makeConfig(), LOOPBACK_ONLY), [{ family: 4, host: '127.0.0.1' }])
  t.same(planListen(makeConfig({ protocol: { ipv6: true } }), LOOPBACK_ONLY), [{ family: 6, host: '::1' }, { family: 4, host: '127.0.0.1' }])
})

t.test('binds listenAddress when listening, IPv6 first', async (t) => {
  t.same(planListen(makeConfig({ listen: true }), HOME_LAN), [{ family: 4, host: '0.0.0.0' }])
  t.same(planListen(makeConfig({ listen: true, protocol: { ipv6: true } }), HOME_LAN), [{ family: 6, host: '::' }, { family: 4, host: '0.0.0.0' }])
  t.same(planListen(makeConfig({ listen: true, protocol: { ipv4: false, ipv6: true }, listenAddress: { ipv6: '[fd00::20]' } }), HOME_LAN), [{ family: 6, host: 'fd00::20' }])
  t.same(planListen(makeConfig({ listen: true, listenAddress: { ipv4: '192.168.1.20' } }), HOME_LAN), [{ family: 4, host: '192.168.1.20' }])
})

t.test('auto keeps the families this machine has', async (t) => {
  const v4only = { lo: [LOOPBACK_ONLY.lo![0]!] }
  t.same(planListen(makeConfig({ protocol: { ipv4: 'auto', ipv6: 'auto' } }), v4only), [{ family: 4, host: '127.0.0.1' }])
  t.same(planListen(makeConfig({ protocol: { ipv4: 'auto', ipv6: 'auto' } }), LOOPBACK_ONLY).map((b) => b.family), [6, 4])
  t.same(planListen(makeConfig({ listen: true, protocol: { ipv4: 'auto', ipv6: 'auto' } }), { gone: undefined, eth0: HOME_LAN.wlan0 }).map((b) => b.family), [6, 4])
})

t.test('no family to listen on is an error that says what to set', async (t) => {
  t.throws(() => planListen(makeConfig({ protocol: { ipv4: false, ipv6: false } }), LOOPBACK_ONLY), {
    code: 'TVS_ERR_LISTEN_NO_FAMILY', message: /protocol\.ipv4 and protocol\.ipv6 are both false/
  })
  t.throws(() => planListen(makeConfig({ protocol: { ipv4: 'auto', ipv6: false } }), {}), {
    code: 'TVS_ERR_LISTEN_NO_FAMILY', message: /protocol is set to auto but this machine has no usable/
  })
})

t.test('prints IPv6 hosts in brackets', async (t) => {
  t.equal(hostPort('::', 8000), '[::]:8000')
  t.equal(hostPort('0.0.0.0', 8000), '0.0.0.0:8000')
})
