import type { AddressInfo } from 'node:net'
import t from 'tap'
import { hashPassword } from '../../src/access/password-hash.js'
import { attemptsAllowed } from '../../src/cli/access.js'
import { testApp } from '../helpers/app.js'
import { makeConfig } from '../helpers/config.js'
import { raw } from '../helpers/http.js'

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
const CHALLENGE = 'Basic realm="tavern-server", charset="UTF-8"'

function clock () {
  let now = Date.parse('2026-11-25T10:00:00Z')
  return { now: () => now, tick: (ms: number) => { now += ms } }
}

async function basicApp (t: Tap, overrides: Record<string, unknown> = {}, now?: () => number) {
  return testApp(t, { basicAuthMode: true, basicAuthUser: { username: 'me', password: 's3cret' }, ...overrides }, now === undefined ? {} : { now })
}
type Tap = Parameters<typeof testApp>[0]

t.test('right, wrong, missing and malformed credentials', async (t) => {
  const { app } = await basicApp(t)
  const table: Array<[string, Record<string, string | string[]>, number]> = [
    ['right', { authorization: basic('me', 's3cret') }, 200],
    ['scheme in lower case', { authorization: `basic ${Buffer.from('me:s3cret').toString('base64')}` }, 200],
    ['wrong password', { authorization: basic('me', 'nope') }, 401],
    ['wrong user', { authorization: basic('you', 's3cret') }, 401],
    ['missing', {}, 401],
    ['another scheme', { authorization: 'Bearer x' }, 401],
    ['no colon', { authorization: `Basic ${Buffer.from('mes3cret').toString('base64')}` }, 401],
    ['bad base64', { authorization: 'Basic %%%' }, 401],
    ['empty', { authorization: '' }, 401],
    ['huge', { authorization: `Basic ${'QUFB'.repeat(2000)}` }, 401]
  ]
  for (const [name, headers, status] of table) {
    const response = await app.inject({ url: '/', headers })
    t.equal(response.statusCode, status, name)
    if (status === 401) {
      t.equal(response.headers['www-authenticate'], CHALLENGE, `${name}: challenge`)
      t.match(response.body, /basicAuthUser\.username and basicAuthUser\.password in config\.yaml/)
    }
  }
})

t.test('a password YAML reads as a number works as typed; UTF-8 and colons too', async (t) => {
  const { app } = await testApp(t, {}, { files: {} })
  await app.close()
  const numeric = await basicApp(t, { basicAuthUser: { username: 'me', password: 1234 } })
  t.equal((await numeric.app.inject({ url: '/', headers: { authorization: basic('me', '1234') } })).statusCode, 200)
  const unicode = await basicApp(t, { basicAuthUser: { username: 'Zoë', password: 'a:b✓' } })
  t.equal((await unicode.app.inject({ url: '/', headers: { authorization: basic('Zoë', 'a:b✓') } })).statusCode, 200)
})

t.test('a hashed password works, and /healthz needs no password', async (t) => {
  const { app } = await basicApp(t, { basicAuthUser: { username: 'me', password: await hashPassword('s3cret', 10) } })
  t.equal((await app.inject({ url: '/', headers: { authorization: basic('me', 's3cret') } })).statusCode, 200)
  t.equal((await app.inject({ url: '/', headers: { authorization: basic('me', 'S3cret') } })).statusCode, 401)
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200)
  t.equal((await app.inject({ url: '/healthz?probe=1' })).statusCode, 200, 'with a query too')
  for (const url of ['/healthz/', '/HEALTHZ', '/health%7A', '/healthzz', '//healthz', '/robots.txt?/healthz']) {
    t.equal((await app.inject({ url })).statusCode, 401, `${url} is not /healthz and needs the password`)
  }
})

t.test('five failures lock the address out; then 429 with Retry-After, even for the right password', async (t) => {
  const c = clock()
  const { app, config } = await basicApp(t, {}, c.now)
  const from = (remoteAddress: string, authorization: string) => app.inject({ url: '/', remoteAddress, headers: { authorization } })
  for (let i = 0; i < 5; i++) t.equal((await from('127.0.0.1', basic('me', `guess${i}`))).statusCode, 401, `failure ${i + 1}`)
  c.tick(1500)
  const locked = await from('127.0.0.1', basic('me', 's3cret'))
  t.equal(locked.statusCode, 429)
  t.equal(locked.headers['retry-after'], '59')
  t.match(locked.body, /^Too Many Requests: too many failed logins from 127\.0\.0\.1\. Try again in 59 seconds\./)
  t.equal((await from('127.0.0.1', '')).statusCode, 429, 'no way around it without credentials either')
  c.tick(58_500)
  t.equal((await from('127.0.0.1', basic('me', 's3cret'))).statusCode, 200, 'back in once the window has passed')
  t.equal(config.rateLimiting.basicAuthMaxAttempts, 5)
})

t.test('the lock-out grows for repeated offenders', async (t) => {
  const c = clock()
  const { app } = await basicApp(t, {}, c.now)
  const retryAfter = async () => {
    for (let i = 0; i < 5; i++) await app.inject({ url: '/', headers: { authorization: basic('me', 'x') } })
    return (await app.inject({ url: '/', headers: { authorization: basic('me', 'x') } })).headers['retry-after']
  }
  t.equal(await retryAfter(), '60')
  c.tick(60_000)
  t.equal(await retryAfter(), '120')
  c.tick(120_000)
  t.equal(await retryAfter(), '240')
})

t.test('a valid login from another address does not unlock a locked one', async (t) => {
  const c = clock()
  const { app } = await basicApp(t, { whitelistMode: false }, c.now)
  for (let i = 0; i < 5; i++) await app.inject({ url: '/', remoteAddress: '10.0.0.5', headers: { authorization: basic('admin', `g${i}`) } })
  t.equal((await app.inject({ url: '/', remoteAddress: '10.0.0.6', headers: { authorization: basic('me', 's3cret') } })).statusCode, 200)
  t.equal((await app.inject({ url: '/', remoteAddress: '10.0.0.5', headers: { authorization: basic('admin', 'g6') } })).statusCode, 429)
})

t.test('interleaving a valid login buys no extra guesses', async (t) => {
  const c = clock()
  const { app } = await basicApp(t, { whitelistMode: false }, c.now)
  const guess = (password: string) => app.inject({ url: '/', remoteAddress: '10.0.0.7', headers: { authorization: basic('me', password) } })
  for (let i = 0; i < 4; i++) await guess(`wrong${i}`)
  t.equal((await guess('s3cret')).statusCode, 200, 'the right password still works before the limit')
  t.equal((await guess('wrong4')).statusCode, 401, 'the fifth failure')
  t.equal((await guess('wrong5')).statusCode, 429, 'the success reset nothing')
})

t.test('a user name under attack from many addresses is checked one at a time, and its owner still gets in', async (t) => {
  const c = clock()
  const { app, err } = await basicApp(t, { whitelistMode: false }, c.now)
  for (let i = 0; i < 5; i++) await app.inject({ url: '/', remoteAddress: `10.1.0.${i}`, headers: { authorization: basic('me', `g${i}`) } })
  t.match(err(), 'Too many failed logins for user "me": locked out for 60 seconds. Until then its logins are checked one at a time.')
  t.equal((await app.inject({ url: '/', remoteAddress: '10.1.0.99', headers: { authorization: basic('me', 's3cret') } })).statusCode, 200, 'the right password from an address that is not locked')
  t.equal((await app.inject({ url: '/', remoteAddress: '10.1.0.98', headers: { authorization: basic('me', 'g6') } })).statusCode, 401, 'a guess is still checked, and counted')
  t.equal((await app.inject({ url: '/', remoteAddress: '10.1.0.99', headers: { authorization: basic('other', 'x') } })).statusCode, 401, 'other names are not locked')
})

t.test('a locked user name gets one check at a time: the others are told to wait a second', async (t) => {
  const { app } = await basicApp(t, { whitelistMode: false, basicAuthUser: { username: 'me', password: await hashPassword('s3cret', 14) } })
  for (let i = 0; i < 5; i++) await app.inject({ url: '/', remoteAddress: `10.4.0.${i}`, headers: { authorization: basic('me', `g${i}`) } })
  const at = await Promise.all([1, 2, 3].map((i) => app.inject({ url: '/', remoteAddress: `10.5.${i}.1`, headers: { authorization: basic('me', `h${i}`) } })))
  t.same(at.map((r) => r.statusCode).sort(), [401, 429, 429], 'three guesses at once from three addresses: one is checked')
  const waiting = at.filter((r) => r.statusCode === 429)
  for (const r of waiting) {
    t.equal(r.headers['retry-after'], '1')
    t.match(r.body, 'too many failed logins for user "me", so its logins are checked one at a time. Try again in 1 second.')
  }
})

t.test('the same header sent at once on several connections is one check and one attempt', async (t) => {
  const { app } = await basicApp(t, { whitelistMode: false, rateLimiting: { basicAuthMaxAttempts: 2 }, basicAuthUser: { username: 'me', password: await hashPassword('s3cret', 14) } })
  const at = (remoteAddress: string, password: string, n: number) => Promise.all(Array.from({ length: n }, () => app.inject({ url: '/', remoteAddress, headers: { authorization: basic('me', password) } })))
  t.same((await at('10.7.0.1', 'guess', 4)).map((r) => r.statusCode), [401, 401, 401, 401], 'four at once: one failure of the two allowed')
  t.equal((await at('10.7.0.1', 'guess2', 1))[0]?.statusCode, 401, 'the second failure')
  t.equal((await at('10.7.0.1', 's3cret', 1))[0]?.statusCode, 429, 'locked')
  t.same((await at('10.7.1.1', 's3cret', 3)).map((r) => r.statusCode), [200, 200, 200], 'the right password at once on three connections')
})

t.test('guesses sent at once from one address get no more checks than the budget', async (t) => {
  const { app } = await basicApp(t, { whitelistMode: false, basicAuthUser: { username: 'me', password: await hashPassword('s3cret', 12) } })
  const at = await Promise.all(Array.from({ length: 8 }, (_, i) => app.inject({ url: '/', remoteAddress: '10.6.0.1', headers: { authorization: basic('me', `g${i}`) } })))
  const checked = at.filter((r) => r.statusCode === 401).length
  t.ok(checked <= 5, `${checked} checked`)
  t.equal(at.filter((r) => r.statusCode === 429 && r.headers['retry-after'] !== undefined).length, 8 - checked, 'the rest: 429 with Retry-After')
  t.match(at.find((r) => r.statusCode === 429)?.body, /too many (logins from 10\.6\.0\.1 are being checked at once|failed logins from 10\.6\.0\.1)/)
})

t.test('IPv6 clients are counted per /64: rotating addresses in one network buys nothing', async (t) => {
  const c = clock()
  const { app } = await basicApp(t, { whitelistMode: false }, c.now)
  for (let i = 1; i <= 5; i++) await app.inject({ url: '/', remoteAddress: `2001:db8:1:2::${i}`, headers: { authorization: basic(`user${i}`, 'x') } })
  t.equal((await app.inject({ url: '/', remoteAddress: '2001:db8:1:2::99', headers: { authorization: basic('me', 's3cret') } })).statusCode, 429)
  t.equal((await app.inject({ url: '/', remoteAddress: '2001:db8:1:3::1', headers: { authorization: basic('me', 's3cret') } })).statusCode, 200)
})

t.test('a device already logged in keeps working while its user name is locked; a new one logs in too', async (t) => {
  const c = clock()
  const { app } = await basicApp(t, { whitelistMode: false }, c.now)
  t.equal((await app.inject({ url: '/', remoteAddress: '10.2.0.1', headers: { authorization: basic('me', 's3cret') } })).statusCode, 200)
  for (let i = 0; i < 5; i++) await app.inject({ url: '/', remoteAddress: `10.3.0.${i}`, headers: { authorization: basic('me', `g${i}`) } })
  t.equal((await app.inject({ url: '/', remoteAddress: '10.2.0.1', headers: { authorization: basic('me', 's3cret') } })).statusCode, 200, 'the guessing elsewhere does not lock out the owner')
  t.equal((await app.inject({ url: '/', remoteAddress: '10.2.0.2', headers: { authorization: `Basic  ${Buffer.from('me:s3cret').toString('base64')}` } })).statusCode, 200, 'a login not seen before is checked')
})

t.test('rateLimiting.basicAuthMaxAttempts: 0 turns the limit off', async (t) => {
  const { app } = await basicApp(t, { rateLimiting: { basicAuthMaxAttempts: 0 } })
  for (let i = 0; i < 20; i++) t.equal((await app.inject({ url: '/', headers: { authorization: basic('me', 'x') } })).statusCode, 401)
})

t.test('satisfy any: whitelisted addresses need no password; others must authenticate', async (t) => {
  const { app } = await basicApp(t, { satisfy: 'any' })
  const home = await app.inject({ url: '/', remoteAddress: '127.0.0.1' })
  t.equal(home.statusCode, 200)
  t.match(home.body, /Admitted by the whitelist entry <code>127\.0\.0\.1<\/code>/)
  t.equal((await app.inject({ url: '/', remoteAddress: '127.0.0.2' })).statusCode, 401, 'not whitelisted: asked for a password')
  t.equal((await app.inject({ url: '/', remoteAddress: '127.0.0.2', headers: { authorization: basic('me', 's3cret') } })).statusCode, 200)
})

t.test('satisfy all: a whitelisted address still needs the password, a stranger gets 403 first', async (t) => {
  const { app } = await basicApp(t)
  t.equal((await app.inject({ url: '/', remoteAddress: '127.0.0.1' })).statusCode, 401)
  const stranger = await app.inject({ url: '/', remoteAddress: '127.0.0.2', headers: { authorization: basic('me', 's3cret') } })
  t.equal(stranger.statusCode, 403, 'the whitelist comes first: a stranger never reaches the password check')
})

t.test('every refusal is an access-log line with the user name; lock-outs are console warnings', async (t) => {
  const c = clock()
  const { app, config, err, lifecycle } = await basicApp(t, {}, c.now)
  await app.inject({ url: '/' })
  for (let i = 0; i < 6; i++) await app.inject({ url: '/', headers: { authorization: basic('bob', 'x') } })
  await lifecycle.close()
  const { readFileSync } = await import('node:fs')
  const lines = readFileSync(config.logging.accessLogPath, 'utf8').split('\n').filter(Boolean)
  t.match(lines[0], /user=- method=GET path="\/" status=401 reason=auth-required/)
  t.match(lines[1], /user="bob" method=GET path="\/" status=401 reason=unauthorized/)
  t.match(lines[6], /status=429 reason=rate-limited/)
  t.match(err(), 'Unauthorized: wrong user name or password from 127.0.0.1 (user "bob").')
  t.match(err(), 'Too many failed logins from 127.0.0.1: locked out for 60 seconds.')
  t.match(err(), 'Too many failed logins for user "bob": locked out for 60 seconds.')
  t.equal(err().split('\n').filter((l) => l.startsWith('Unauthorized')).length, 5, 'console lines are budgeted: the first five per address')
})

t.test('a repeated Authorization header is a 400', async (t) => {
  // Over a socket: inject() cannot send a header twice (it folds the values into one line).
  const { app } = await basicApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const answer = await raw(port, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: ${basic('me', 's3cret')}\r\nAuthorization: ${basic('me', 'x')}\r\n\r\n`)
  t.match(answer, /^HTTP\/1\.1 400 /)
  t.match(answer, /more than one Authorization header/)
})

t.test('start-up warns about a plain-text password and about credentials nobody can use', async (t) => {
  t.match((await basicApp(t)).access.warnings, [/basicAuthUser\.password is stored in plain text in .*config\.yaml\. Run `tavern-server hash-password`/])
  t.match((await basicApp(t, { basicAuthUser: { username: 'me', password: '' } })).access.warnings, [/nobody can log in until both are set/])
  t.match((await basicApp(t, { perUserBasicAuth: true, enableUserAccounts: true })).access.warnings, [/perUserBasicAuth is on but no enabled account has a password/])
  t.same((await basicApp(t, { basicAuthUser: { username: 'me', password: await hashPassword('x', 10) } })).access.warnings, [])
})

t.test('a password that looks hashed but is not stops start-up', async (t) => {
  await t.rejects(basicApp(t, { basicAuthUser: { username: 'me', password: '$scrypt$broken' } }), { code: 'TVS_ERR_AUTH_HASH' })
})

t.test('too many password checks at once are answered 503, and not counted as failures', async (t) => {
  const { app } = await basicApp(t, { whitelistMode: false, basicAuthUser: { username: 'me', password: await hashPassword('s3cret', 10) } })
  const responses = await Promise.all(Array.from({ length: 260 }, (_, i) =>
    app.inject({ url: '/', remoteAddress: `10.${i >> 8}.${i & 255}.1`, headers: { authorization: basic(`u${i}`, 'x') } })))
  const busy = responses.filter((r) => r.statusCode === 503)
  t.ok(busy.length > 0, `${busy.length} answered busy`)
  t.equal(busy[0]!.headers['retry-after'], '1')
  t.ok(responses.every((r) => r.statusCode === 401 || r.statusCode === 503))
})

t.test('Basic auth and the login page share one budget: the smaller limit, 0 being no limit', async (t) => {
  const table: Array<[Record<string, unknown>, number]> = [
    [{ rateLimiting: { basicAuthMaxAttempts: 3, accountsLoginMaxAttempts: 7 } }, 3],
    [{ enableUserAccounts: true, rateLimiting: { basicAuthMaxAttempts: 3, accountsLoginMaxAttempts: 7 } }, 7],
    [{ enableUserAccounts: true, basicAuthMode: true, rateLimiting: { basicAuthMaxAttempts: 3, accountsLoginMaxAttempts: 7 } }, 3],
    [{ enableUserAccounts: true, basicAuthMode: true, rateLimiting: { basicAuthMaxAttempts: 9, accountsLoginMaxAttempts: 7 } }, 7],
    [{ enableUserAccounts: true, basicAuthMode: true, rateLimiting: { basicAuthMaxAttempts: 0, accountsLoginMaxAttempts: 7 } }, 7],
    [{ enableUserAccounts: true, basicAuthMode: true, rateLimiting: { basicAuthMaxAttempts: 4, accountsLoginMaxAttempts: 0 } }, 4],
    [{ enableUserAccounts: true, basicAuthMode: true, rateLimiting: { basicAuthMaxAttempts: 0, accountsLoginMaxAttempts: 0 } }, 0]
  ]
  for (const [overrides, allowed] of table) t.equal(attemptsAllowed(makeConfig(overrides)), allowed, JSON.stringify(overrides))
})
