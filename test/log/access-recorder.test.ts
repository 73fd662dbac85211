import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { Test } from 'tap'
import { openAccessLog } from '../../src/log/access-log.js'
import { CONSOLE_LIMITS, createAccessRecorder, KNOWN_ADDRESSES, lastWindow, printable } from '../../src/log/access-recorder.js'
import type { ConsoleLimits } from '../../src/log/access-recorder.js'
import { createConsoleLogger } from '../../src/log/console.js'

function setUp (t: Test, withLog = true, limits?: ConsoleLimits) {
  let out = ''
  let err = ''
  const logger = createConsoleLogger('info', { stdout: { write: (s: string) => { out += s } }, stderr: { write: (s: string) => { err += s } } })
  const path = join(t.testdir({}), 'access.log')
  const log = withLog ? openAccessLog(path, () => {}) : undefined
  let now = Date.parse('2026-11-25T10:00:00.000Z')
  const timers: Array<() => void> = []
  const recorder = createAccessRecorder(log, logger, () => now, { ...limits ?? CONSOLE_LIMITS, timers: { set: (run) => timers.push(run), clear: () => {} } })
  return {
    recorder,
    out: () => out,
    err: () => err,
    lines: async () => { await log?.close(); return readFileSync(path, 'utf8').split('\n').filter(Boolean) },
    /** Moves the clock on and runs the timers set so far (each is set for a window's end). */
    advance: (ms: number) => { now += ms; for (const run of timers.splice(0)) run() }
  }
}

const request = (ip: string, ua = 'Mozilla/5.0') => ({ client: { ip, peer: ip, forwarded: false }, method: 'GET', path: '/', userAgent: ua })

t.test('the first admitted request from an address is a console line and a log line', async (t) => {
  const s = setUp(t)
  s.recorder.admitted('192.168.1.5', () => request('192.168.1.5'))
  s.recorder.admitted('192.168.1.5', () => request('192.168.1.5'))
  s.recorder.admitted('203.0.113.7', () => ({ ...request('203.0.113.7', 'x\u001b[2J'), client: { ip: '203.0.113.7', peer: '127.0.0.1', forwarded: true } }))
  t.equal(s.out(), 'New connection from 192.168.1.5; User Agent: Mozilla/5.0\nNew connection from 203.0.113.7; User Agent: x\\x1b[2J\n')
  t.same(await s.lines(), [
    '2026-11-25T10:00:00.000Z client=192.168.1.5 forwarded_from=- user=- method=GET path="/" status=- reason=allowed ua="Mozilla/5.0"',
    '2026-11-25T10:00:00.000Z client=203.0.113.7 forwarded_from=127.0.0.1 user=- method=GET path="/" status=- reason=allowed ua="x\\x1b[2J"'
  ])
})

t.test('every refusal is logged; the console prints the first five per address, then says how many more when the minute ends', async (t) => {
  const s = setUp(t)
  for (let i = 0; i < 8; i++) s.recorder.refused(request('127.0.0.5'), 403, 'forbidden', `Forbidden: 127.0.0.5 (${i})`)
  s.recorder.refused({ ...request('127.0.0.5'), user: 'bob' }, 401, 'unauthorized', undefined)
  t.equal(s.err(), [0, 1, 2, 3, 4].map((i) => `Forbidden: 127.0.0.5 (${i})\n`).join(''))
  s.advance(61_000)
  t.equal(s.err().split('\n').at(-2), '3 more refused from 127.0.0.5 in the last minute.', 'on a timer: no further request needed')
  const lines = await s.lines()
  t.equal(lines.length, 9)
  t.match(lines[8], / user="bob" method=GET path="\/" status=401 reason=unauthorized /)
})

t.test('a flood from many addresses prints the total budget, then one line', async (t) => {
  const s = setUp(t, true, { windowMs: 2000, perKey: 1, total: 3 })
  for (let i = 0; i < 4; i++) s.recorder.refused(request(`2001:db8::${i}`), 403, 'forbidden', `Forbidden: 2001:db8::${i}`)
  t.equal(s.err(), 'Forbidden: 2001:db8::0\nForbidden: 2001:db8::1\nForbidden: 2001:db8::2\n')
  s.advance(3000)
  t.match(s.err(), /Forbidden: 2001:db8::2\n1 more refused from 1 address in the last 2 seconds\.\n$/)
  // Addresses are counted in bounded memory: past it, "more than".
  for (let i = 0; i < KNOWN_ADDRESSES + 10; i++) s.recorder.refused(request(`2001:db8::1:${i.toString(16)}`), 403, 'forbidden', 'Forbidden')
  s.advance(3000)
  t.match(s.err(), new RegExp(`\\n${KNOWN_ADDRESSES + 7} more refused from more than ${KNOWN_ADDRESSES} addresses in the last 2 seconds\\.\\n$`))
})

t.test('lock-out warnings: the first five per key, then a count', async (t) => {
  const s = setUp(t)
  for (let i = 0; i < 7; i++) s.recorder.warn('address 10.0.0.5', `Too many failed logins from 10.0.0.5 (${i})`)
  for (let i = 0; i < 6; i++) s.recorder.warn('user bob', `Too many failed logins for user bob (${i})`)
  for (let i = 0; i < 30; i++) s.recorder.warn(`user u${i}`, `Too many failed logins for user u${i}`)
  s.advance(61_000)
  const err = s.err().split('\n')
  t.equal(err.filter((l) => l.startsWith('Too many')).length, 30, '5 for the address, 5 for bob, then the total budget of 30')
  t.match(s.err(), '1 more lock-out warning for user bob in the last minute.')
  t.match(s.err(), '2 more lock-out warnings for address 10.0.0.5 in the last minute.')
  t.match(s.err(), '10 more lock-out warnings for 10 addresses or user names in the last minute.')
  t.equal(lastWindow(1000), 'in the last 1 seconds')
})

t.test('a scan of distinct addresses keeps memory bounded and the log complete', async (t) => {
  const s = setUp(t, false)
  for (let i = 0; i < KNOWN_ADDRESSES + 5000; i++) { const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`; s.recorder.admitted(ip, () => request(ip)) }
  s.recorder.refused(request('10.0.0.1'), 403, 'forbidden', 'Forbidden: 10.0.0.1')
  t.equal(s.out() + s.err(), '', 'with the access log off, the console says nothing')
})

t.test('printable text for the console', async (t) => {
  t.equal(printable(undefined), '-')
  t.equal(printable('a"b'), 'a\\"b')
})
