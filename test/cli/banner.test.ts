import t from 'tap'
import { compileIpRules } from '../../src/access/ip-rules.js'
import { banner, goToUrl, lanNetworks, listenAdvice, listeningLine } from '../../src/cli/banner.js'
import type { BoundAddress } from '../../src/server/start.js'
import type { Config } from '../../src/config/config.js'
import { loadConfig } from '../../src/config/load.js'
import { makeConfig } from '../helpers/config.js'
import { HOME_LAN, LOOPBACK_ONLY } from '../helpers/io.js'
import { decodeTerminalQr } from '../helpers/qr-decode.js'
import { qrCodeLines } from '../../src/cli/qr-code.js'

const rules = (entries: readonly string[]) => compileIpRules(entries.map((entry, i) => ({ entry, source: `whitelist[${i}]` })), 'whitelist')
const extras = (config: Config) => ({ whitelistAddTo: `whitelist in ${config.configPath}`, dockerHosts: [], whitelistEntries: config.whitelist.length, qrCode: false as const })
const v4 = (host: string, port = 8000): BoundAddress => ({ family: 4, host, port })
const v6 = (host: string, port = 8000): BoundAddress => ({ family: 6, host, port })

t.test('the listening line lists IPv6 first, as bound', async (t) => {
  t.equal(listeningLine([v4('127.0.0.1')]), 'tavern-server is listening on IPv4: 127.0.0.1:8000')
  t.equal(listeningLine([v6('::'), v4('0.0.0.0')]), 'tavern-server is listening on IPv6: [::]:8000 IPv4: 0.0.0.0:8000')
})

t.test('Go to: opens loopback when it is bound, else the bound address', async (t) => {
  t.equal(goToUrl([v4('127.0.0.1')], false), 'http://127.0.0.1:8000/')
  t.equal(goToUrl([v6('::'), v4('0.0.0.0')], false), 'http://127.0.0.1:8000/')
  t.equal(goToUrl([v6('::1')], true), 'https://[::1]:8000/')
  t.equal(goToUrl([v4('192.168.1.20', 9000)], false), 'http://192.168.1.20:9000/')
})

t.test('a local-only start says only this computer can connect, and how a phone gets in', async (t) => {
  const config = makeConfig()
  t.same(banner({ config, addresses: [v4('127.0.0.1')], interfaces: HOME_LAN, whitelist: rules(config.whitelist), ...extras(config), passwordRequired: false, tls: false }), [
    'tavern-server is listening on IPv4: 127.0.0.1:8000',
    `Only this computer can connect (listen is false). To connect from a phone or another computer, set listen: true in ${config.configPath}, or start with --listen.`,
    'Exposure: this computer only (127.0.0.1:8000); plain HTTP; IP whitelist (2 entries), Host check; other devices cannot connect (listen is false).',
    'Go to: http://127.0.0.1:8000/'
  ])
})

t.test('how to turn listen on is said where listen was turned off', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'listen: false\n' })
  const load = (env: Record<string, string>, flags = {}) => loadConfig({ cwd: dir, env, flags }).config
  const fromFile = load({})
  t.equal(listenAdvice(fromFile), `set listen: true in ${fromFile.configPath}, or start with --listen`)
  t.equal(listenAdvice(load({ TAVERN_LISTEN: 'no' })), `set TAVERN_LISTEN=true (it overrides ${fromFile.configPath}), or start with --listen`)
  t.equal(listenAdvice(load({}, { listen: { value: false, flag: '--no-listen' } })), 'start without --no-listen (or with --listen)')
})

t.test('listening shows each device address with the rule that applies, and the access log', async (t) => {
  const config = makeConfig({ listen: true, whitelist: ['127.0.0.1', '192.168.0.0/16'] })
  const lines = banner({ config, addresses: [v6('::'), v4('0.0.0.0')], interfaces: HOME_LAN, whitelist: rules(config.whitelist), ...extras(config), passwordRequired: false, tls: false })
  t.same(lines, [
    'tavern-server is listening on IPv6: [::]:8000 IPv4: 0.0.0.0:8000',
    'On another device, open one of:',
    '  http://192.168.1.20:8000/  (wlan0, LAN: admitted by whitelist entry 192.168.0.0/16)',
    '  http://[fd00::20]:8000/  (wlan0, IPv6 LAN: forbidden: not on the whitelist yet; add fd00::/64 to whitelist in ' + config.configPath + ')',
    `Connections are logged to ${config.logging.accessLogPath}`,
    'Exposure: every IPv6 address and every IPv4 address, port 8000; plain HTTP, readable on the network (to encrypt: tavern-server cert, then start with --ssl); IP whitelist (2 entries), Host check; a device on 192.168.1.0/24 (wlan0): admitted by whitelist entry 192.168.0.0/16.',
    'Go to: http://127.0.0.1:8000/'
  ])
})

t.test('the rule text covers partial whitelists, passwords and satisfy any', async (t) => {
  const show = (overrides: Record<string, unknown>, passwordRequired: boolean) => {
    const config = makeConfig({ listen: true, ...overrides })
    return banner({ config, addresses: [v4('0.0.0.0')], interfaces: HOME_LAN, whitelist: rules(config.whitelist), ...extras(config), passwordRequired, tls: true })[2]
  }
  t.match(show({ whitelist: ['192.168.1.100'] }, false), /^ {2}https:\/\/192\.168\.1\.20:8000\/ {2}\(wlan0, LAN: the whitelist admits only some of 192\.168\.1\.0\/24; to admit another device there, add its address \(or all of 192\.168\.1\.0\/24\) to whitelist in \/\S+\/config\.yaml\)$/)
  t.equal(show({ whitelist: ['192.168.1.0/24'] }, true), '  https://192.168.1.20:8000/  (wlan0, LAN: admitted by whitelist entry 192.168.1.0/24, then a password is asked)')
  t.equal(show({ whitelist: ['192.168.1.0/25', '192.168.1.128/25'] }, false), '  https://192.168.1.20:8000/  (wlan0, LAN: the whitelist admits 192.168.1.0/24)', 'entries that cover it together are the whitelist')
  t.equal(show({ whitelistMode: false }, true), '  https://192.168.1.20:8000/  (wlan0, LAN: a password is asked)')
  t.equal(show({ whitelistMode: false }, false), '  https://192.168.1.20:8000/  (wlan0, LAN: open to every device)')
  t.equal(show({ satisfy: 'any', whitelist: ['192.168.1.0/24'] }, true), '  https://192.168.1.20:8000/  (wlan0, LAN: whitelisted (192.168.1.0/24): no password needed)')
  t.match(show({ satisfy: 'any', whitelist: ['127.0.0.1'] }, true), /^ {2}https:\/\/192\.168\.1\.20:8000\/ {2}\(wlan0, LAN: a password is asked \(to skip it, add 192\.168\.1\.0\/24 to whitelist in \/\S+\/config\.yaml\)\)$/)
})

t.test('in a container, the part of the network admitted is the Docker host: said so, with how to admit the rest', async (t) => {
  const config = makeConfig({ listen: true, whitelist: ['127.0.0.1'] })
  const whitelist = rules([...config.whitelist, '192.168.1.1'])
  const lines = banner({ config, addresses: [v4('0.0.0.0')], interfaces: HOME_LAN, whitelist, whitelistAddTo: '/srv/whitelist.txt', dockerHosts: ['192.168.1.1'], whitelistEntries: 1, qrCode: false, passwordRequired: false, tls: false })
  t.equal(lines[2], '  http://192.168.1.20:8000/  (wlan0, LAN: the Docker host 192.168.1.1 is admitted; to admit another device there, add its address (or all of 192.168.1.0/24) to /srv/whitelist.txt)')
})

t.test('a specific listen address lists only its own interface', async (t) => {
  const config = makeConfig({ listen: true, listenAddress: { ipv4: '192.168.1.20' }, logging: { enableAccessLog: false } })
  const lines = banner({ config, addresses: [v4('192.168.1.20')], interfaces: { ...HOME_LAN, eth1: [{ ...HOME_LAN.wlan0![0]!, address: '10.0.0.5', cidr: '10.0.0.5/8' }] }, whitelist: rules(config.whitelist), ...extras(config), passwordRequired: false, tls: false })
  t.equal(lines.filter((l) => l.startsWith('  http')).length, 1)
  t.match(lines, ['tavern-server is listening on IPv4: 192.168.1.20:8000', 'On another device, open one of:', /192\.168\.1\.20/, 'The access log is off (logging.enableAccessLog: false).', /^Exposure: 192\.168\.1\.20, port 8000;/, 'Go to: http://192.168.1.20:8000/'])
})

t.test('says so when no interface can be reached from another device', async (t) => {
  const config = makeConfig({ listen: true })
  const lines = banner({ config, addresses: [v4('0.0.0.0')], interfaces: LOOPBACK_ONLY, whitelist: rules(config.whitelist), ...extras(config), passwordRequired: false, tls: false })
  t.equal(lines[1], 'No network address of this computer matches the listen address, so other devices cannot connect yet: ' +
    `connect this computer to a network, or set listenAddress in ${config.configPath} to one of its addresses (0.0.0.0 and :: mean all of them).`)
})

t.test('skips interfaces Node reports without a network', async (t) => {
  const config = makeConfig({ listen: true })
  const odd = { ...HOME_LAN, ghost: undefined, ppp0: [{ ...HOME_LAN.wlan0![0]!, address: '10.9.9.9', cidr: null }] }
  const lines = banner({ config, addresses: [v4('0.0.0.0')], interfaces: odd, whitelist: rules(config.whitelist), ...extras(config), passwordRequired: true, tls: false })
  t.ok(lines.includes(`  http://10.9.9.9:8000/  (ppp0, VPN: the network here is not known: add the other device's address to whitelist in ${config.configPath}, then a password is asked)`))
  t.same(lanNetworks(odd), ['192.168.1.0/24', 'fd00::/64'])
})

t.test('lists LAN networks, IPv4 first, without link-local ones', async (t) => {
  t.same(lanNetworks(HOME_LAN), ['192.168.1.0/24', 'fd00::/64'])
  t.same(lanNetworks({ a: [HOME_LAN.wlan0![2]!], b: [{ ...HOME_LAN.wlan0![0]!, cidr: '10.0.0.2/8' }, HOME_LAN.wlan0![0]!] }), ['10.0.0.0/8', '192.168.1.0/24', 'fd00::/64'])
  t.same(lanNetworks(LOOPBACK_ONLY), [])
})

t.test('with qrCode on, a QR code of the first LAN address follows the addresses, and reads back as it', async (t) => {
  const config = makeConfig({ listen: true })
  const lines = banner({ config, addresses: [v6('::'), v4('0.0.0.0')], interfaces: HOME_LAN, whitelist: rules(config.whitelist), ...extras(config), qrCode: qrCodeLines, passwordRequired: false, tls: true })
  const at = lines.indexOf('Or scan this with a phone\'s camera to open https://192.168.1.20:8000/')
  t.ok(at > 0, 'the line says which address the code holds')
  const code = lines.slice(at + 1, lines.findIndex((l) => l.startsWith('Connections are logged')))
  t.ok(code.length > 10)
  t.equal(decodeTerminalQr(code), 'https://192.168.1.20:8000/')
})

t.test('no QR code when it is off, when listen is off, or when no address is reachable', async (t) => {
  const scan = (lines: string[]) => lines.some((l) => l.startsWith('Or scan this'))
  const on = makeConfig({ listen: true })
  t.notOk(scan(banner({ config: on, addresses: [v4('0.0.0.0')], interfaces: HOME_LAN, whitelist: rules(on.whitelist), ...extras(on), passwordRequired: false, tls: false })))
  t.notOk(scan(banner({ config: on, addresses: [v4('0.0.0.0')], interfaces: LOOPBACK_ONLY, whitelist: rules(on.whitelist), ...extras(on), qrCode: qrCodeLines, passwordRequired: false, tls: false })))
  const off = makeConfig()
  t.notOk(scan(banner({ config: off, addresses: [v4('127.0.0.1')], interfaces: HOME_LAN, whitelist: rules(off.whitelist), ...extras(off), qrCode: qrCodeLines, passwordRequired: false, tls: false })))
})

t.test('when the interfaces cannot be listed (Android), the hint replaces the addresses', async (t) => {
  const config = makeConfig({ listen: true })
  const lines = banner({ config, addresses: [v4('0.0.0.0')], interfaces: LOOPBACK_ONLY, interfaceProblem: 'Cannot list ...', whitelist: rules(config.whitelist), ...extras(config), qrCode: qrCodeLines, passwordRequired: false, tls: false })
  t.same(lines.slice(1, 3), ['Cannot list ...', `Connections are logged to ${config.logging.accessLogPath}`])
})
