import t from 'tap'
import { createHostGuard, hostName, ownHostNames } from '../../src/access/host-guard.js'

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
    ['', false]
  ]
  for (const [host, allowed] of table) t.equal(guard.allows(host), allowed, `${host}: ${allowed ? 'allowed' : 'refused'}`)
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
