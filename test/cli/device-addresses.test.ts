import type { NetworkInterfaceInfo } from 'node:os'
import t from 'tap'
import { compileIpRules } from '../../src/access/ip-rules.js'
import { deviceLine, surveyAddresses } from '../../src/cli/device-addresses.js'
import type { SurveyInput } from '../../src/cli/device-addresses.js'
import type { Interfaces } from '../../src/server/listen-plan.js'
import { makeConfig } from '../helpers/config.js'
import { HOME_LAN } from '../helpers/io.js'

const v4 = (address: string, cidr: string | null): NetworkInterfaceInfo => ({ address, netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:02', internal: false, cidr })
const v6 = (address: string, cidr: string): NetworkInterfaceInfo => ({ address, netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:02', internal: false, cidr, scopeid: 0 })

/** A laptop with everything: Wi-Fi, Tailscale, WireGuard, Docker, a public IPv6 and a public IPv4. */
const EVERYTHING: Interfaces = {
  docker0: [v4('172.17.0.1', '172.17.0.1/16')],
  tailscale0: [v4('100.101.102.103', '100.101.102.103/32'), v6('fd7a:115c:a1e0::53', 'fd7a:115c:a1e0::53/128')],
  wg0: [v4('10.8.0.2', '10.8.0.2/24')],
  eth1: [v4('203.0.113.7', '203.0.113.7/24')],
  ...HOME_LAN,
  wlan1: [v6('2001:db8:1:2::20', '2001:db8:1:2::20/64'), v6('fe80::99', 'fe80::99/64')]
}

function input (overrides: Record<string, unknown>, extra: Partial<SurveyInput> = {}): SurveyInput {
  const config = makeConfig({ listen: true, ...overrides })
  return {
    config,
    addresses: [{ family: 6, host: '::', port: 8000 }, { family: 4, host: '0.0.0.0', port: 8000 }],
    interfaces: EVERYTHING,
    whitelist: compileIpRules(config.whitelist.map((entry, i) => ({ entry, source: `whitelist[${i}]` })), 'whitelist'),
    whitelistAddTo: 'whitelist in config.yaml',
    dockerHosts: [],
    passwordRequired: false,
    tls: false,
    ...extra
  }
}

t.test('lists every reachable address once, LAN first, each with its kind; skips loopback and link-local', async (t) => {
  const lines = surveyAddresses(input({ whitelist: ['127.0.0.1', '192.168.0.0/16', '100.64.0.0/10'] })).map(deviceLine)
  t.same(lines, [
    '  http://192.168.1.20:8000/  (wlan0, LAN: admitted by whitelist entry 192.168.0.0/16)',
    '  http://100.101.102.103:8000/  (tailscale0, Tailscale: admitted by whitelist entry 100.64.0.0/10)',
    '  http://[fd7a:115c:a1e0::53]:8000/  (tailscale0, Tailscale: forbidden: not on the whitelist yet; add fd7a:115c:a1e0::/48 to whitelist in config.yaml)',
    '  http://10.8.0.2:8000/  (wg0, WireGuard: forbidden: not on the whitelist yet; add 10.8.0.0/24 to whitelist in config.yaml)',
    '  http://[fd00::20]:8000/  (wlan0, IPv6 LAN: forbidden: not on the whitelist yet; add fd00::/64 to whitelist in config.yaml)',
    '  http://[2001:db8:1:2::20]:8000/  (wlan1, IPv6 global: forbidden: not on the whitelist yet; add 2001:db8:1:2::/64 to whitelist in config.yaml)',
    '  http://203.0.113.7:8000/  (eth1, public address: forbidden: not on the whitelist yet; add 203.0.113.0/24 to whitelist in config.yaml)',
    '  http://172.17.0.1:8000/  (docker0, containers and VMs on this computer: forbidden: not on the whitelist yet; add 172.17.0.0/16 to whitelist in config.yaml)'
  ])
})

t.test('a Tailscale address is judged for the whole Tailscale range, not its /32', async (t) => {
  const [tailscale] = surveyAddresses(input({ whitelist: ['100.101.102.0/24'] }, { addresses: [{ family: 4, host: '100.101.102.103', port: 8000 }] }))
  t.equal(tailscale?.network, '100.64.0.0/10')
  t.equal(tailscale?.verdict, 'partial', 'a /24 of it admits only some devices on the tailnet')
})

t.test('verdicts: open, password, admitted, partial, forbidden', async (t) => {
  const verdict = (overrides: Record<string, unknown>, passwordRequired: boolean) =>
    surveyAddresses(input(overrides, { passwordRequired, interfaces: HOME_LAN, addresses: [{ family: 4, host: '0.0.0.0', port: 8000 }] }))[0]?.verdict
  t.equal(verdict({ whitelistMode: false }, false), 'open')
  t.equal(verdict({ whitelistMode: false }, true), 'password')
  t.equal(verdict({ whitelist: ['192.168.1.0/24'] }, false), 'admitted')
  t.equal(verdict({ whitelist: ['192.168.1.7'] }, false), 'partial')
  t.equal(verdict({ whitelist: ['127.0.0.1'] }, false), 'forbidden')
  t.equal(verdict({ whitelist: ['127.0.0.1'], satisfy: 'any' }, true), 'password')
})

t.test('HTTPS addresses are https:// URLs', async (t) => {
  t.equal(surveyAddresses(input({}, { tls: true, interfaces: HOME_LAN }))[0]?.url, 'https://192.168.1.20:8000/')
})
