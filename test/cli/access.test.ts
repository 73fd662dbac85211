import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
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
  t.match(out(), 'whitelist reloaded: 2 entries')
  t.notMatch(out(), 'basicAuthUser reloaded')
})

t.test('unchanged credentials are not reloaded, so remembered logins stay', async (t) => {
  const { dir, lifecycle, out } = await testApp(t, { basicAuthMode: true, basicAuthUser: { username: 'me', password: 'one' } })
  writeFileSync(join(dir, 'config.yaml'), 'basicAuthMode: true\nbasicAuthUser:\n  username: me\n  password: one\nwhitelist: ["127.0.0.1"]\n')
  await lifecycle.reload()
  t.equal(out(), 'whitelist reloaded: 1 entries\n')
})
