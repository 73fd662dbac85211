import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { Test } from 'tap'
import { openAccessLog } from '../../src/log/access-log.js'
import { createAccessRecorder, KNOWN_ADDRESSES, printable } from '../../src/log/access-recorder.js'
import { createConsoleLogger } from '../../src/log/console.js'

function setUp (t: Test, withLog = true) {
  let out = ''
  let err = ''
  const logger = createConsoleLogger('info', { stdout: { write: (s: string) => { out += s } }, stderr: { write: (s: string) => { err += s } } })
  const path = join(t.testdir({}), 'access.log')
  const log = withLog ? openAccessLog(path, () => {}) : undefined
  let now = Date.parse('2026-11-25T10:00:00.000Z')
  const recorder = createAccessRecorder(log, logger, () => now)
  return {
    recorder,
    out: () => out,
    err: () => err,
    lines: async () => { await log?.close(); return readFileSync(path, 'utf8').split('\n').filter(Boolean) },
    advance: (ms: number) => { now += ms }
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

t.test('every refusal is logged; the console gets one line per address per minute', async (t) => {
  const s = setUp(t)
  for (let i = 0; i < 5; i++) s.recorder.refused(request('10.0.0.5'), 403, 'forbidden', 'Forbidden: 10.0.0.5')
  s.advance(61_000)
  s.recorder.refused({ ...request('10.0.0.5'), user: 'bob' }, 401, 'unauthorized', 'Unauthorized: 10.0.0.5')
  t.equal(s.err(), 'Forbidden: 10.0.0.5\nUnauthorized: 10.0.0.5 (4 more from this address since the last line)\n')
  const lines = await s.lines()
  t.equal(lines.length, 6)
  t.match(lines[5], / user="bob" method=GET path="\/" status=401 reason=unauthorized /)
})

t.test('a scan of distinct addresses keeps memory bounded and the log complete', async (t) => {
  const s = setUp(t, false)
  for (let i = 0; i < KNOWN_ADDRESSES + 5000; i++) { const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`; s.recorder.admitted(ip, () => request(ip)) }
  t.equal(s.out(), '', 'with the access log off, the console says nothing')
})

t.test('printable text for the console', async (t) => {
  t.equal(printable(undefined), '-')
  t.equal(printable('a"b'), 'a\\"b')
})
