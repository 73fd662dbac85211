/**
 * HTTP Basic authentication over real sockets, against the spawned CLI.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { spawnCli, startCli } from '../helpers/cli.js'
import { oneConnection, raw, request } from '../helpers/http.js'

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

async function hashOf (password: string, cwd: string): Promise<string> {
  const cli = spawnCli(['hash-password'], { cwd, stdin: `${password}\n` })
  if (await cli.exited !== 0) throw new Error(`hash-password failed: ${cli.err()}`)
  return cli.out().trim()
}

t.test('right, wrong, missing and malformed credentials over sockets; never a 500', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'basicAuthMode: true\nbasicAuthUser:\n  username: me\n  password: "pa:ss wörd"\nrateLimiting:\n  basicAuthMaxAttempts: 0\n' })
  const cli = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  const table: Array<[string, string | undefined, number]> = [
    ['right', basic('me', 'pa:ss wörd'), 200],
    ['wrong', basic('me', 'pa:ss word'), 401],
    ['missing', undefined, 401],
    ['no space', `Basic${Buffer.from('me:x').toString('base64')}`, 401],
    ['bad base64', 'Basic ***', 401],
    ['no colon', `Basic ${Buffer.from('me').toString('base64')}`, 401]
  ]
  for (const [name, authorization, status] of table) {
    const response = await request(cli.url, { headers: authorization === undefined ? {} : { authorization } })
    t.equal(response.status, status, name)
    if (status === 401) t.equal(response.headers['www-authenticate'], 'Basic realm="tavern-server", charset="UTF-8"')
  }
  const binary = Buffer.concat([Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Basic '), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('\r\n\r\n')])
  t.match(await raw(cli.port, binary), /^HTTP\/1\.1 401 /, 'binary bytes')
  t.match(await raw(cli.port, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: ${basic('me', 'pa:ss wörd')}\r\nAuthorization: ${basic('x', 'y')}\r\n\r\n`), /^HTTP\/1\.1 400 /, 'a repeated header')
  for (const [first, second] of [['authorization', 'AUTHORIZATION'], ['AuThOrIzAtIoN', 'Authorization']]) {
    t.match(await raw(cli.port, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${first}: ${basic('me', 'pa:ss wörd')}\r\n${second}: ${basic('x', 'y')}\r\n\r\n`), /^HTTP\/1\.1 400 /, `repeated as ${first} and ${second}`)
  }
  t.match(await raw(cli.port, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Basic ${'A'.repeat(15_000)}\r\n\r\n`), /^HTTP\/1\.1 401 /, 'a huge header')
  t.match(await raw(cli.port, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Basic \u0001\u0002\r\n\r\n'), /^HTTP\/1\.1 400 /, 'control characters (refused by the HTTP parser)')
  t.equal(cli.child.exitCode, null, 'still running')
  t.match(cli.err(), /basicAuthUser\.password is stored in plain text/)
})

t.test('one server whose password changes in config.yaml', async (t) => {
  const dir = t.testdir({})
  const hash = await hashOf('correct horse', dir)
  writeFileSync(join(dir, 'config.yaml'), `basicAuthMode: true\nbasicAuthUser:\n  username: me\n  password: '${hash}'\n`)
  const cli = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  /** Resolves when config.yaml has been reloaded with new credentials for the `n`th time. */
  const reloaded = (n: number) => cli.waitFor(new RegExp(`(?:basicAuthUser reloaded: remembered logins forgotten\\n[^]*){${n}}`))

  t.test('a hash from `tavern-server hash-password` works as the password', async (t) => {
    t.equal((await request(cli.url, { headers: { authorization: basic('me', 'correct horse') } })).status, 200)
    t.equal((await request(cli.url, { headers: { authorization: basic('me', 'correct horse') } })).status, 200, 'again, from memory')
    t.equal((await request(cli.url, { headers: { authorization: basic('me', 'correct horsE') } })).status, 401)
    t.notMatch(cli.err(), /plain text/)
  })

  t.test('a kept-alive connection logged in before is refused once the password changes', async (t) => {
    writeFileSync(join(dir, 'config.yaml'), 'basicAuthMode: true\nbasicAuthUser:\n  username: me\n  password: one\n')
    await reloaded(1)
    const { agent, connections } = oneConnection()
    t.teardown(() => { agent.destroy() })
    const as = async (password: string) => (await request(cli.url, { agent, headers: { authorization: basic('me', password) } })).status
    // The first login checks the password, the next ones are remembered, by the process and then
    // by the connection itself.
    for (let i = 0; i < 3; i++) t.equal(await as('one'), 200)
    writeFileSync(join(dir, 'config.yaml'), 'basicAuthMode: true\nbasicAuthUser:\n  username: me\n  password: two\n')
    await reloaded(2)
    t.equal(await as('one'), 401, 'the old password, on the same connection')
    t.equal(await as('two'), 200)
    t.equal(await as('two'), 200)
    t.equal(await as('one'), 401, 'and again after the new one logged in on it')
    t.equal(connections(), 1, 'every request went over one connection')
  })

  t.test('changing the password in config.yaml applies at once and forgets remembered logins', async (t) => {
    // The password is "two", remembered from the test before.
    t.equal((await request(cli.url, { headers: { authorization: basic('me', 'two') } })).status, 200)
    writeFileSync(join(dir, 'config.yaml'), 'basicAuthMode: true\nbasicAuthUser:\n  username: me\n  password: three\n')
    await reloaded(3)
    t.equal((await request(cli.url, { headers: { authorization: basic('me', 'two') } })).status, 401)
    t.equal((await request(cli.url, { headers: { authorization: basic('me', 'three') } })).status, 200)
  })
})

t.test('five failures: then 429 with Retry-After, and the right password waits too', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'basicAuthMode: true\nbasicAuthUser:\n  username: me\n  password: s3cret\n' })
  const cli = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  for (let i = 0; i < 5; i++) t.equal((await request(cli.url, { headers: { authorization: basic('me', `guess${i}`) } })).status, 401)
  const locked = await request(cli.url, { headers: { authorization: basic('me', 's3cret') } })
  t.equal(locked.status, 429)
  const retryAfter = Number(locked.headers['retry-after'])
  t.ok(retryAfter > 55 && retryAfter <= 60, `Retry-After: ${retryAfter}`)
  await cli.waitForErr(/Too many failed logins from 127\.0\.0\.1: locked out for 60 seconds\./)
})

t.test('satisfy any: no password from a whitelisted address, a password from any other', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'satisfy: any\nbasicAuthMode: true\nbasicAuthUser:\n  username: me\n  password: s3cret\n' })
  const cli = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  t.equal((await request(cli.url, { localAddress: '127.0.0.1' })).status, 200)
  const stranger = await request(cli.url, { localAddress: '127.0.0.2' })
  t.equal(stranger.status, 401)
  t.equal((await request(cli.url, { localAddress: '127.0.0.2', headers: { authorization: basic('me', 's3cret') } })).status, 200)
})

t.test('listening with Basic auth alone passes the start-up gate, and the banner says a password is asked', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'whitelistMode: false\nbasicAuthMode: true\nbasicAuthUser:\n  username: me\n  password: s3cret\n' })
  const cli = await startCli(['--listen', '--listenAddressIPv4', '127.0.0.1', '--port', '0'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  t.match(cli.out(), `tavern-server is listening on IPv4: 127.0.0.1:${cli.port}`)
  t.equal((await request(cli.url, { localAddress: '127.0.0.9' })).status, 401)
})

t.test('hash-password refuses a password on the command line and an empty one', async (t) => {
  const dir = t.testdir({})
  const argv = spawnCli(['hash-password', 'hunter2'], { cwd: dir })
  t.equal(await argv.exited, 2)
  const empty = spawnCli(['hash-password'], { cwd: dir, stdin: '\n' })
  t.equal(await empty.exited, 1)
  t.match(empty.err(), /Empty password: no hash made/)
})
