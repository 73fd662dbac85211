/**
 * The brute-force limits against the spawned CLI over real sockets, as attackers on this
 * computer would try them: many guesses at once from one address, a user name locked from many
 * addresses, and a flood of password checks from many addresses and user names. Every address
 * in 127.0.0.0/8 is another client to the server.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { hashPassword } from '../../src/access/password-hash.js'
import { startCli } from '../helpers/cli.js'
import { request } from '../helpers/http.js'
import type { Response } from '../helpers/http.js'

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
const PASSWORD = 'correct horse'

/** A base directory whose config.yaml asks for `PASSWORD` as a hash, with these lines added. */
async function hashedConfig (dir: string, extra: string): Promise<void> {
  writeFileSync(join(dir, 'config.yaml'), `whitelistMode: false\nbasicAuthMode: true\nbasicAuthUser:\n  username: me\n  password: '${await hashPassword(PASSWORD, 14)}'\n${extra}`)
}

const as = (url: string, localAddress: string, user: string, password: string): Promise<Response> =>
  request(url, { localAddress, headers: { authorization: basic(user, password) } })

t.test('wrong passwords and the right one sent at once from one address: no more checks than the budget', async (t) => {
  const dir = t.testdir({})
  await hashedConfig(dir, 'rateLimiting:\n  basicAuthMaxAttempts: 3\n')
  const cli = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  const guesses = Array.from({ length: 6 }, (_, i) => `guess${i}`)
  const answers = await Promise.all([...guesses, PASSWORD].map((password) => as(cli.url, '127.0.0.5', 'me', password)))
  const wrong = answers.filter((r) => r.status === 401).length
  const right = answers.filter((r) => r.status === 200).length
  const waited = answers.filter((r) => r.status === 429)
  t.ok(wrong + right <= 3, `${wrong} wrong and ${right} right checked: at most the three attempts of the budget`)
  t.equal(waited.length, 7 - wrong - right, 'the others: 429, checked by no hash')
  for (const r of waited) t.match(r.headers['retry-after'], /^\d+$/)
  // The right password was admitted only if it had one of the three attempts; once three wrong
  // ones have used them, the address is locked, the right password too.
  const after = await as(cli.url, '127.0.0.5', 'me', PASSWORD)
  t.equal(after.status, wrong === 3 ? 429 : 200, `then the right password, after ${wrong} failures`)
})

t.test('a user name locked from five addresses: its owner logs in from a new one, and again after a restart', async (t) => {
  const dir = t.testdir({})
  await hashedConfig(dir, '')
  const attack = async (url: string, from: number): Promise<void> => {
    for (let i = 0; i < 5; i++) t.equal((await as(url, `127.0.3.${from + i}`, 'me', `guess${i}`)).status, 401)
  }
  let cli = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  await attack(cli.url, 10)
  await cli.waitForErr(/Too many failed logins for user "me": locked out for 60 seconds\./)
  t.equal((await as(cli.url, '127.0.3.100', 'me', PASSWORD)).status, 200, 'a new device with the right password')
  t.equal((await as(cli.url, '127.0.3.101', 'me', 'guess5')).status, 401, 'a guess from another new address is still checked, and counted')

  cli.child.kill()
  await cli.exited
  cli = await startCli(['--port', '0'], { cwd: dir })
  await attack(cli.url, 20)
  t.equal((await as(cli.url, '127.0.3.102', 'me', PASSWORD)).status, 200, 'after a restart, with nothing remembered')
})

t.test('a flood of guesses from many addresses and user names: a new device still logs in', async (t) => {
  const dir = t.testdir({})
  await hashedConfig(dir, 'rateLimiting:\n  passwordChecksAtOnce: 1\n  passwordChecksWaiting: 4\n')
  const cli = await startCli(['--port', '0'], { cwd: dir })
  t.teardown(async () => { cli.child.kill(); await cli.exited })
  // Two attacking networks (127.0.1.0/24, 127.0.2.0/24); each guess from a new address, for a new
  // user name, so no budget of an address or a name ever runs out.
  let flooding = true
  let sent = 0
  const statuses = new Map<number, number>()
  let busy: (() => void) | undefined
  const full = new Promise<void>((resolve) => { busy = resolve })
  const attacker = async (): Promise<void> => {
    while (flooding) {
      const n = sent++
      const r = await as(cli.url, `127.0.${1 + (n & 1)}.${1 + ((n >> 1) % 250)}`, `user${n}`, 'guess')
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
      // Bounded waiting turns guesses away long before this many.
      if (sent > 400) busy?.()
      if (r.status === 503) {
        if (r.headers['retry-after'] !== '1') statuses.set(-1, 1)
        busy?.()
      }
    }
  }
  const attackers = Array.from({ length: 12 }, attacker)
  await full
  // The queue is full now (a guess was just turned away): the owner arrives from another network.
  const owner = await as(cli.url, '127.0.9.1', 'me', PASSWORD)
  flooding = false
  await Promise.all(attackers)
  t.ok((statuses.get(503) ?? 0) > 0, 'at most 1 + 4 checks at once: the rest are turned away')
  t.equal(owner.status, 200, 'the owner got a place in the queue and in')
  // 429 only if the flood outlasts the budgets of its 500 addresses (five guesses each).
  t.ok([...statuses.keys()].every((status) => [401, 429, 503].includes(status)), `the flood got 401 and 503 with Retry-After: 1, nothing else (${JSON.stringify([...statuses])})`)
  t.equal((await as(cli.url, '127.0.9.2', 'me', PASSWORD)).status, 200, 'the owner\'s credentials now skip the queue')
  t.match(cli.err(), /Too many logins being checked at once: answered 503 to 127\.0\.[12]\.\d+\./)
})
