import t from 'tap'
import { createHostGuard, hostName, ownHostNames, validHost } from '../../src/access/host-guard.js'

t.test('admits the names that mean this server, and nothing else', async (t) => {
  const guard = createHostGuard(ownHostNames('My-PC.home.arpa'), ['tavern.example.org', '.ts.net', ''])
  const table: Array<[string, boolean]> = [
    ['localhost', true],
    ['localhost:8000', true],
    ['LOCALHOST.', true],
    ['app.localhost:8000', true],
    ['127.0.0.1:8000', true],
    ['192.168.1.20', true],
    ['[::1]:8000', true],
    ['[fd00::20]', true],
    ['my-pc.home.arpa:8000', true],
    ['my-pc', true],
    ['my-pc.local', true],
    ['tavern.example.org', true],
    ['pc.tailnet.ts.net:443', true],
    ['ts.net', true],
    ['evil.example', false],
    ['localhost.evil.example', false],
    ['notts.net', false],
    ['tavern.example.org.evil.example', false],
    ['[not-an-ip]', false],
    ['[::1]evil.example', false],
    ['localhost:evil.example', false],
    ['127.0.0.1:80.evil.example', false],
    ['localhost:99999', false],
    ['localhost:65535', true],
    ['', false]
  ]
  for (const [host, allowed] of table) t.equal(guard.allows(host), allowed, `${host}: ${allowed ? 'allowed' : 'refused'}`)
})

t.test('reads a Host header strictly: an RFC 3986 host and an optional port up to 65535', async (t) => {
  const table: Array<[string, boolean]> = [
    ['localhost', true],
    ['localhost:0', true],
    ['localhost:', true],
    ['LocalHost:65535', true],
    ['my_pc.local.', true],
    ['caf%C3%A9.example', true],
    ['127.0.0.1:8000', true],
    ['[::1]', true],
    ['[::ffff:127.0.0.1]:443', true],
    ['', false],
    [':8000', false],
    ['localhost:65536', false],
    ['localhost:123456', false],
    ['localhost:80:80', false],
    ['localhost:evil.example', false],
    ['127.0.0.1:80.evil.example', false],
    ['[::1]evil.example', false],
    ['[::1', false],
    ['[evil.example]', false],
    ['[v1.fe]', false],
    ['[abc]', false],
    ['[1.2.3.4]', false],
    ['[1:2]', false],
    ['evil.example/@x', false],
    ['user@evil.example', false],
    ['a b', false],
    ['bad%zz', false]
  ]
  for (const [host, valid] of table) t.equal(validHost(host), valid, `${JSON.stringify(host)}: ${valid ? 'valid' : 'invalid'}`)
})

t.test('reads the name out of a Host header', async (t) => {
  t.equal(hostName('Example.COM:8080'), 'example.com')
  t.equal(hostName('[::1]:8000'), '[::1]')
  t.equal(hostName('example.com.'), 'example.com')
})

t.test('own names include the short name and the .local name', async (t) => {
  t.same(ownHostNames('vm'), ['vm', 'vm.local'])
  t.same(ownHostNames('Box.lan'), ['box.lan', 'box', 'box.local'])
})
