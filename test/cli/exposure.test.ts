import t from 'tap'
import { compileIpRules } from '../../src/access/ip-rules.js'
import { surveyAddresses } from '../../src/cli/device-addresses.js'
import { exposureLine } from '../../src/cli/exposure.js'
import type { BoundAddress } from '../../src/server/start.js'
import { makeConfig } from '../helpers/config.js'
import { HOME_LAN, LOOPBACK_ONLY } from '../helpers/io.js'

function line (overrides: Record<string, unknown>, options: { passwordRequired?: boolean, tls?: boolean, addresses?: BoundAddress[], interfaces?: typeof HOME_LAN } = {}) {
  const config = makeConfig(overrides)
  const addresses = options.addresses ?? [{ family: 4, host: config.listen ? '0.0.0.0' : '127.0.0.1', port: 8000 }]
  const whitelist = compileIpRules(config.whitelist.map((entry) => ({ entry, source: entry })), 'whitelist')
  const survey = { config, addresses, interfaces: options.interfaces ?? HOME_LAN, whitelist, whitelistAddTo: 'whitelist in config.yaml', dockerHosts: [], passwordRequired: options.passwordRequired ?? false, tls: options.tls ?? false }
  const devices = config.listen ? surveyAddresses(survey) : []
  return exposureLine({ ...survey, devices, whitelistEntries: config.whitelist.length })
}

t.test('says where, HTTPS or not, the controls, and what a LAN device needs, in one line', async (t) => {
  t.equal(line({ listen: true, whitelist: ['127.0.0.1', '192.168.1.0/24'] }, { tls: true, passwordRequired: true }),
    'Exposure: every IPv4 address, port 8000; HTTPS; IP whitelist (2 entries) and password (Basic auth), Host check; a device on 192.168.1.0/24 (wlan0): admitted by whitelist entry 192.168.1.0/24, then a password is asked.')
  t.equal(line({ listen: true, satisfy: 'any', whitelist: ['127.0.0.1'], hostWhitelist: { enabled: false } }, { passwordRequired: true }),
    'Exposure: every IPv4 address, port 8000; plain HTTP, readable on the network (to encrypt: tavern-server cert, then start with --ssl); IP whitelist (1 entry) or password (Basic auth) (satisfy: any); a device on 192.168.1.0/24 (wlan0): a password is asked (to skip it, add 192.168.1.0/24 to whitelist in config.yaml).')
  t.equal(line({ listen: true, whitelistMode: false, hostWhitelist: { enabled: false } }),
    'Exposure: every IPv4 address, port 8000; plain HTTP, readable on the network (to encrypt: tavern-server cert, then start with --ssl); no access control; a device on 192.168.1.0/24 (wlan0): open to every device.')
  t.equal(line({ listen: true, whitelistMode: false }, { passwordRequired: true, addresses: [{ family: 6, host: '::', port: 8000 }, { family: 4, host: '192.168.1.20', port: 8000 }] }),
    'Exposure: every IPv6 address and 192.168.1.20, port 8000; plain HTTP, readable on the network (to encrypt: tavern-server cert, then start with --ssl); password (Basic auth), Host check; a device on 192.168.1.0/24 (wlan0): a password is asked.')
})

t.test('listening on no reachable address, or on this computer only', async (t) => {
  t.match(line({ listen: true }, { interfaces: LOOPBACK_ONLY }), /; no address of this computer is reachable from another device: connect it to a network\.$/)
  const ppp = { ppp0: [{ address: '10.9.9.9', netmask: '255.255.255.255', family: 'IPv4' as const, mac: '', internal: false, cidr: null }] }
  t.match(line({ listen: true }, { interfaces: ppp }), /; a device on 10\.9\.9\.9 \(ppp0\): the network here is not known: add the other device's address to whitelist in config\.yaml\.$/, 'no network known: the address')
  t.match(line({ listen: true, satisfy: 'any' }, { interfaces: ppp, passwordRequired: true }), /\(ppp0\): a password is asked \(to skip it, add the other device's address to whitelist in config\.yaml\)\.$/)
  t.equal(line({}), 'Exposure: this computer only (127.0.0.1:8000); plain HTTP; IP whitelist (2 entries), Host check; other devices cannot connect (listen is false).')
})
