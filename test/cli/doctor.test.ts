import { existsSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { runCli } from '../../src/cli/run.js'
import { DEFAULT_CONFIG_FILE } from '../../src/config/load.js'
import { freePort, runDoctor } from '../helpers/doctor.js'
import { captureIo, HOME_LAN, LOOPBACK_ONLY } from '../helpers/io.js'

const NFT_DROP = 'table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\ttcp dport 22 accept\n\t}\n}\n'
const NFT_OPEN = 'table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}\n'

t.test('the three cases users meet, and nothing wrong', async (t) => {
  const port = await freePort()
  const notListening = await runDoctor(t, { 'config.yaml': '' }, { args: ['--port', port] })
  t.equal(notListening.code, 1)
  t.equal(notListening.outcome, 'not-listening')
  t.match(notListening.check('listen'), { status: 'problem', class: 'not-listening', message: /^listen is false \(the default\): the server answers this computer only \(127\.0\.0\.1:\d+\)$/, fix: /^set listen: true in \S+config\.yaml, or start with --listen$/ })

  const forbidden = await runDoctor(t, { 'config.yaml': 'listen: true\n' }, { args: ['--port', port] })
  t.equal(forbidden.code, 1)
  t.equal(forbidden.outcome, 'forbidden')
  t.match(forbidden.check('address wlan0 192.168.1.20'), { status: 'problem', class: 'forbidden', message: /LAN, network 192\.168\.1\.0\/24\): forbidden: not on the whitelist yet/, fix: /^add 192\.168\.1\.0\/24 to whitelist in \S+config\.yaml$/ })

  const lan = 'listen: true\nwhitelist:\n  - 127.0.0.1\n  - 192.168.0.0/16\n  - fd00::/8\n'
  const notArriving = await runDoctor(t, { 'config.yaml': lan }, { args: ['--port', port], programs: { 'nft list ruleset': { code: 0, output: NFT_DROP } } })
  t.equal(notArriving.code, 1)
  t.equal(notArriving.outcome, 'not-arriving')
  t.match(notArriving.check('firewall nftables'), { status: 'problem', class: 'not-arriving', message: /connections from other devices never arrive$/, fix: new RegExp(`^sudo nft insert rule inet filter input ip saddr 192\\.168\\.1\\.0/24 tcp dport ${port} accept`) })

  const fine = await runDoctor(t, { 'config.yaml': lan }, { args: ['--port', port], programs: { 'nft list ruleset': { code: 0, output: NFT_OPEN } } })
  t.equal(fine.outcome, 'ok')
  t.equal(fine.code, 0, 'warnings (plain HTTP) do not fail')
  t.match(fine.check('https'), { status: 'warning', class: 'other' })
  t.match(fine.check('firewall nftables'), { status: 'ok' })
  t.match(fine.check('address wlan0 192.168.1.20'), { status: 'ok', message: 'http://192.168.1.20:' + port + '/ (LAN, network 192.168.1.0/24): admitted by whitelist entry 192.168.0.0/16' })
})

t.test('the text report: each check, its fix, and the outcome', async (t) => {
  const dir = t.testdir({ 'config.yaml': '' })
  const io = captureIo(dir, {}, HOME_LAN)
  io.host.run = async () => ({ code: null, output: '' })
  t.same(await runCli(['doctor', '--port', await freePort()], io), { kind: 'exit', code: 1 })
  const text = io.out()
  t.match(text, `tavern-server doctor: the configuration the server would use, from ${join(dir, 'config.yaml')}\n\n`)
  t.match(text, /\nPROBLEM {2}listen: listen is false \(the default\): the server answers this computer only \(127\.0\.0\.1:\d+\)\n {9}Fix: set listen: true in /)
  t.match(text, /\nok {7}this computer 127\.0\.0\.1: admitted by whitelist entry 127\.0\.0\.1/)
  t.match(text, /\n\nOutcome: the server does not listen on the network: a setting/)
})

t.test('config: which file is in force; doctor creates nothing', async (t) => {
  const dir = t.testdir({})
  const missing = await runDoctor(t, {}, { dir, args: ['--port', await freePort()] })
  t.match(missing.check('config'), { status: 'info', message: `There is no ${join(dir, 'config.yaml')} yet: the server creates it with the default values when it first starts. Until then, the defaults apply.` })
  t.notOk(existsSync(join(dir, 'config.yaml')), 'not created')
  const present = await runDoctor(t, { 'config.yaml': 'port: 8140\n' })
  t.match(present.check('config'), { status: 'ok', message: /config\.yaml is the config file in force \(relative paths resolve against / })
  const envOnly = await runDoctor(t, {}, { env: { TAVERN_NO_CONFIG_FILE: '1', TAVERN_DATAROOT: '/tmp/x', TAVERN_LOGGING_ENABLEACCESSLOG: 'false' } })
  t.match(envOnly.check('config'), { status: 'info', message: /^no config\.yaml: .*TAVERN_NO_CONFIG_FILE/ })
})

t.test('a default/config.yaml edited after config.yaml is an edit that changes nothing, and says where to make it', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'listen: false\nport: 8000\nsatisfy: all\n', default: { 'config.yaml': 'listen: true\nport: 8000\nwhitelistMode: false\n' } })
  const past = new Date(Date.now() - 3600_000)
  utimesSync(join(dir, 'config.yaml'), past, past)
  const run = await runDoctor(t, {}, { dir })
  t.match(run.check('default/config.yaml'), {
    status: 'warning',
    class: 'not-listening',
    message: `${join(dir, 'default', 'config.yaml')} was changed after ${join(dir, 'config.yaml')} and sets listen: true, but ${join(dir, 'config.yaml')} sets listen: false (${join(dir, 'config.yaml')}:1), and config.yaml wins: the edit changes nothing`,
    fix: `make the change in ${join(dir, 'config.yaml')} (default/config.yaml only holds the defaults for keys config.yaml leaves out)`
  })
  // Older than config.yaml: the defaults as they came, not an edit.
  utimesSync(join(dir, 'default', 'config.yaml'), new Date(Date.now() - 7200_000), new Date(Date.now() - 7200_000))
  t.equal((await runDoctor(t, {}, { dir })).check('default/config.yaml'), undefined)
  t.ok(existsSync(DEFAULT_CONFIG_FILE))
})

t.test('a default/config.yaml with many ignored keys names the first four', async (t) => {
  const keys = 'listen: true\nport: 9000\nwhitelistMode: false\nbasicAuthMode: true\nsatisfy: any\nlogging:\n  minLogLevel: debug\n'
  const dir = t.testdir({ 'config.yaml': 'listen: false\nport: 8000\nwhitelistMode: true\nbasicAuthMode: false\nsatisfy: all\nlogging:\n  minLogLevel: info\n', default: { 'config.yaml': keys } })
  utimesSync(join(dir, 'config.yaml'), new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000))
  t.match((await runDoctor(t, {}, { dir, args: ['--port', await freePort()] })).check('default/config.yaml')?.message, /sets listen: true, whitelistMode: false, basicAuthMode: true, satisfy: any and 1 more, but/)
})

t.test('whitelist.txt replacing the config list is said, as a warning when the config file has its own list', async (t) => {
  const one = await runDoctor(t, { 'config.yaml': 'whitelist:\n  - 10.0.0.0/8\n', 'whitelist.txt': '127.0.0.1\n::1\n' })
  t.match(one.check('whitelist'), { message: /: 2 entries from it are in force, and the entry of the whitelist key in \S+ is not used$/ })
  const both = await runDoctor(t, { 'config.yaml': 'whitelist:\n  - 127.0.0.1\n  - 10.0.0.0/8\n', 'whitelist.txt': '127.0.0.1\n' })
  t.match(both.check('whitelist'), { status: 'warning', class: 'forbidden', message: /whitelist\.txt exists and replaces the whitelist key: 1 entry from it is in force, and the 2 entries of the whitelist key in \S+ are not used$/, fix: /^edit \S+whitelist\.txt, or delete it to use the whitelist key in / })
  t.match((await runDoctor(t, { 'config.yaml': '', 'whitelist.txt': '127.0.0.1\n::1\n' })).check('whitelist'), { status: 'info', message: /2 entries from it are in force$/ })
  t.match((await runDoctor(t, { 'config.yaml': 'whitelistMode: false\nbasicAuthMode: true\n' })).check('whitelist'), { status: 'info', message: /^whitelistMode is false \(\S+:1\): the whitelist admits every address$/ })
  const broken = await runDoctor(t, { 'config.yaml': '', 'whitelist.txt': '127.0.0.1\nlocalhost\n' })
  t.match(broken.check('whitelist'), { status: 'problem', class: 'not-listening', message: /^the server would refuse to start: [^]*whitelist\.txt:2: "localhost"/ })
  t.equal(broken.code, 1)
})

t.test('listen: loopback listen addresses, port 0, no family, and the start-up gate', async (t) => {
  const loopback = await runDoctor(t, { 'config.yaml': 'listen: true\nlistenAddress:\n  ipv4: 127.0.0.1\n' })
  t.match(loopback.check('listen'), { status: 'problem', message: /^listen is true, but listenAddress\.ipv4 is 127\.0\.0\.1 \(\S+:3\), a loopback address/, fix: /^set listenAddress\.ipv4 to 0\.0\.0\.0 \(every address\)/ })
  const zero = await runDoctor(t, { 'config.yaml': 'listen: true\nport: 0\n' })
  t.match(zero.checks.filter((c) => c.id === 'listen'), [{ status: 'ok' }, { status: 'warning', message: /^port is 0/ }])
  t.equal(zero.check('port'), undefined, 'no port to check')
  const none = await runDoctor(t, { 'config.yaml': 'protocol:\n  ipv4: false\n  ipv6: false\n' })
  t.match(none.check('listen'), { status: 'problem', message: /^the server would refuse to start: No address family to listen on/ })
  const open = await runDoctor(t, { 'config.yaml': 'listen: true\nwhitelistMode: false\n' }, { args: ['--port', await freePort()] })
  t.match(open.check('access control'), { status: 'problem', class: 'not-listening', message: 'the server would refuse to start: refusing to listen on the network with no access control: anyone who can reach this computer could use it.', fix: /^Why: whitelistMode is false.* Fix one of these in .* Or set securityOverride: true/ })
  const override = await runDoctor(t, { 'config.yaml': 'listen: true\nwhitelistMode: false\nsecurityOverride: true\n' }, { args: ['--port', await freePort()] })
  t.match(override.check('access control'), { status: 'warning', message: /^no access control is in force \(whitelistMode is false.*\); securityOverride lets the server start anyway/ })
  t.match((await runDoctor(t, { 'config.yaml': 'listen: true\n' })).check('access control'), { status: 'ok', message: 'the IP whitelist keeps strangers out' })
})

t.test('this computer: on the whitelist, or needs the password, or refused', async (t) => {
  const v6 = await runDoctor(t, { 'config.yaml': 'protocol:\n  ipv6: true\nwhitelist:\n  - 127.0.0.1\n' })
  t.match(v6.check('this computer ::1'), { status: 'problem', class: 'forbidden', message: 'not on the whitelist: a browser on this computer gets 403 Forbidden', fix: /^add ::1 to whitelist in / })
  t.match(v6.check('this computer 127.0.0.1'), { status: 'ok' })
  const any = await runDoctor(t, { 'config.yaml': 'whitelist:\n  - 10.0.0.1\nsatisfy: any\nbasicAuthMode: true\nbasicAuthUser:\n  username: me\n  password: pw\n' })
  t.match(any.check('this computer 127.0.0.1'), { status: 'warning', message: /must give the password \(satisfy: any\)$/ })
  t.equal((await runDoctor(t, { 'config.yaml': 'whitelistMode: false\n' })).check('this computer 127.0.0.1'), undefined)
})

t.test('addresses: partial cover, nothing reachable, and interfaces that cannot be listed', async (t) => {
  const partial = await runDoctor(t, { 'config.yaml': 'listen: true\nwhitelist:\n  - 127.0.0.1\n  - 192.168.1.7\n  - fd00::/8\n' }, { args: ['--port', await freePort()] })
  t.match(partial.check('address wlan0 192.168.1.20'), { status: 'warning', class: 'forbidden', message: /the whitelist admits only some of 192\.168\.1\.0\/24/ })
  const alone = await runDoctor(t, { 'config.yaml': 'listen: true\n' }, { interfaces: LOOPBACK_ONLY, args: ['--port', await freePort()] })
  t.match(alone.check('addresses'), { status: 'problem', class: 'not-arriving', message: 'no address of this computer that the server listens on can be reached from another device' })
  t.equal(alone.outcome, 'not-arriving')
  const android = await runDoctor(t, { 'config.yaml': 'listen: true\n' }, { interfaces: () => { throw new Error('Unknown system error 13') }, args: ['--port', await freePort()] })
  t.match(android.check('addresses'), { status: 'warning', message: /^cannot list this computer's network addresses \(Unknown system error 13\)/, fix: /tavern-server check-access <the phone's address> says whether the whitelist admits it$/ })
})

t.test('a config the server would refuse is the one problem reported', async (t) => {
  const run = await runDoctor(t, { 'config.yaml': 'port: abc\n' })
  t.equal(run.code, 1)
  t.equal(run.outcome, 'not-listening')
  t.match(run.checks, [{ id: 'config', status: 'problem', message: /^the server would refuse to start: The configuration has 1 problem:\n {2}- \S+config\.yaml:1: port: got "abc"/ }])
  t.equal(run.checks.length, 1)
})

t.test('a bad command line is exit code 2', async (t) => {
  const io = captureIo(t.testdir({}))
  t.same(await runCli(['doctor', '--jsn'], io), { kind: 'exit', code: 2 })
})

t.test('the outcome is what a phone meets first, and the text says what comes after it', async (t) => {
  const run = await runDoctor(t, { 'config.yaml': 'listen: true\n' }, { args: ['--port', await freePort()], programs: { 'nft list ruleset': { code: 0, output: NFT_DROP } } })
  t.equal(run.outcome, 'not-arriving', 'the firewall drops it before the whitelist could refuse it')
  const dir = t.testdir({ 'config.yaml': 'listen: true\n' })
  const io = captureIo(dir, {}, HOME_LAN)
  io.host.run = async (file, args) => [file, ...args].join(' ') === 'nft list ruleset' ? { code: 0, output: NFT_DROP } : { code: null, output: '' }
  await runCli(['doctor', '--port', await freePort()], io)
  t.match(io.out(), /\nOutcome: a connection from another device never arrives: the network or a firewall \(see the fix above\)\. Once that is fixed, connections would be forbidden: see the other problems\.\n$/)
  const json = await runDoctor(t, { 'config.yaml': 'listen: true\nport: 0\n' }, { programs: { 'nft list ruleset': { code: 0, output: NFT_DROP } } })
  t.equal(json.outcome, 'not-arriving')
})

t.test('listen on IPv6 loopback, two controls in force, an address without a network', async (t) => {
  const v6 = await runDoctor(t, { 'config.yaml': 'listen: true\nprotocol:\n  ipv4: false\n  ipv6: true\nlistenAddress:\n  ipv6: "::1"\n' }, { args: ['--port', await freePort()] })
  t.match(v6.check('listen'), { status: 'problem', message: /^listen is true, but listenAddress\.ipv6 is ::1 /, fix: /^set listenAddress\.ipv6 to :: \(every address\)/ })
  const both = await runDoctor(t, { 'config.yaml': 'listen: true\nbasicAuthMode: true\nbasicAuthUser:\n  username: me\n  password: pw\n' }, {
    args: ['--port', await freePort()],
    interfaces: { ppp0: [{ address: '10.9.9.9', netmask: '255.255.255.255', family: 'IPv4', mac: '', internal: false, cidr: null }] }
  })
  t.match(both.check('access control'), { status: 'ok', message: 'the IP whitelist, Basic authentication keep strangers out' })
  t.match(both.check('address ppp0 10.9.9.9'), { status: 'warning', message: /^http:\/\/10\.9\.9\.9:\d+\/ \(VPN\): the network here is not known: add the other device's address to whitelist in \S+, then a password is asked$/ })
})

t.test('a firewall doctor may not read is a warning saying how to check it', async (t) => {
  const run = await runDoctor(t, { 'config.yaml': 'listen: true\nwhitelist:\n  - 127.0.0.1\n  - 192.168.0.0/16\n  - fd00::/8\n' }, {
    args: ['--port', await freePort()],
    programs: { 'nft list ruleset': { code: 1, output: 'Operation not permitted' } }
  })
  t.match(run.check('firewall nftables'), { status: 'warning', class: 'not-arriving', message: 'cannot read the nftables rules as tester (uid 1000) (Operation not permitted), so whether it blocks the port is not known', fix: 'run sudo tavern-server doctor to check the firewall too' })
  t.equal(run.code, 0)
  const none = await runDoctor(t, { 'config.yaml': 'listen: true\n' }, { args: ['--port', await freePort()] })
  t.match(none.check('firewall'), { status: 'info', message: 'no host firewall found (ufw, firewalld, nftables, iptables)' })
})

t.test('a default/config.yaml that does not parse is left to loading, not reported here', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'listen: false\n', default: { 'config.yaml': 'listen: [\n' } })
  utimesSync(join(dir, 'config.yaml'), new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000))
  t.equal((await runDoctor(t, {}, { dir, args: ['--port', await freePort()] })).check('default/config.yaml'), undefined)
})
