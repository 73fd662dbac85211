import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { logWrittenAgain } from '../../src/cli/access.js'
import { testApp } from '../helpers/app.js'

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

t.test('a config.yaml broken mid-edit keeps every previous setting', async (t) => {
  const { app, dir, lifecycle, err } = await testApp(t, { whitelist: ['127.0.0.1'] })
  writeFileSync(join(dir, 'config.yaml'), 'whitelist: [127.0.0.2\n')
  await lifecycle.reload()
  t.match(err(), /config\.yaml not reloaded, keeping the previous settings: .*YAML syntax error/)
  t.equal((await app.inject({ url: '/healthz', remoteAddress: '127.0.0.1' })).statusCode, 200)
})

t.test('a broken new password hash keeps the previous credentials', async (t) => {
  const { app, dir, lifecycle, err, out } = await testApp(t, { basicAuthMode: true, basicAuthUser: { username: 'me', password: 'one' } })
  writeFileSync(join(dir, 'config.yaml'), 'basicAuthMode: true\nbasicAuthUser:\n  username: me\n  password: $scrypt$not-a-hash\n')
  await lifecycle.reload()
  t.match(err(), /basicAuthUser not reloaded, keeping the previous credentials: basicAuthUser\.password in .* starts with \$scrypt\$/)
  t.equal((await app.inject({ url: '/', headers: { authorization: basic('me', 'one') } })).statusCode, 200)
  t.match(out(), 'whitelist reloaded: 2 entries from the default whitelist')
  t.notMatch(out(), 'basicAuthUser reloaded')
})

t.test('unchanged credentials are not reloaded, so remembered logins stay', async (t) => {
  const { dir, lifecycle, out } = await testApp(t, { basicAuthMode: true, basicAuthUser: { username: 'me', password: 'one' } })
  writeFileSync(join(dir, 'config.yaml'), 'basicAuthMode: true\nbasicAuthUser:\n  username: me\n  password: one\nwhitelist: ["127.0.0.1"]\n')
  await lifecycle.reload()
  t.equal(out(), `whitelist reloaded: 1 entry from the whitelist key in ${join(dir, 'config.yaml')}\n`)
})

t.test('the reload line says which list is in force, and counts only the entries the user wrote', async (t) => {
  const probe = { inContainer: () => true, resolve: async () => [], defaultGateway: () => '172.17.0.1' }
  const { app, dir, lifecycle, out, access } = await testApp(t, { listen: true, whitelist: ['127.0.0.1'] }, { probe })
  t.match(access.lines, [`Whitelist: 1 entry from the whitelist key in ${join(dir, 'config.yaml')}.`, /^Running in a container: also admitting the Docker host 172\.17\.0\.1/])
  writeFileSync(join(dir, 'whitelist.txt'), '192.168.1.0/24\n10.0.0.0/8\n')
  await lifecycle.reload()
  t.equal(out(), `whitelist reloaded: 2 entries from ${join(dir, 'whitelist.txt')} (it replaces the whitelist key in ${join(dir, 'config.yaml')})\n`, 'the Docker host is not counted')
  const refused = await app.inject({ url: '/', remoteAddress: '127.0.0.1' })
  t.equal(refused.statusCode, 403)
  t.equal(refused.body, `Forbidden: Connection attempt from 127.0.0.1. If you are attempting to connect, please add your IP address to whitelist.txt in ${dir} (it replaces the whitelist in config.yaml), or disable whitelist mode in config.yaml in ${dir}.\n`)
  t.equal(access.whitelistAddTo(), join(dir, 'whitelist.txt'))
})

t.test('with listen off, no Docker host is looked for or admitted', async (t) => {
  let asked = false
  const probe = { inContainer: () => { asked = true; return true }, resolve: async () => [], defaultGateway: () => '172.17.0.1' }
  const { app, access } = await testApp(t, { listen: false }, { probe })
  t.notOk(asked, 'the container probe is not consulted')
  t.same(access.dockerHosts, [])
  t.notMatch(access.lines.join('\n'), /Running in a container/)
  t.equal((await app.inject({ url: '/healthz', remoteAddress: '172.17.0.1' })).statusCode, 403)
})

t.test('the access log written again says how many lines were lost meanwhile', async (t) => {
  t.equal(logWrittenAgain('/x/access.log', 0), 'The access log /x/access.log is written again.')
  t.equal(logWrittenAgain('/x/access.log', 1), 'The access log /x/access.log is written again; 1 line could not be written meanwhile.')
  t.equal(logWrittenAgain('/x/access.log', 3), 'The access log /x/access.log is written again; 3 lines could not be written meanwhile.')
})
