import { mkdirSync, readFileSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { DECISIONS, formatAccessLine, openAccessLog, quote } from '../../src/log/access-log.js'

const time = new Date('2026-11-25T10:00:00.000Z')

t.test('one line per decision, every field in a fixed place', async (t) => {
  t.equal(formatAccessLine({ time, client: '10.0.0.5', method: 'GET', path: '/', status: 403, reason: 'forbidden', userAgent: 'curl/8.5.0' }),
    '2026-11-25T10:00:00.000Z client=10.0.0.5 forwarded_from=- user=- method=GET path="/" status=403 reason=forbidden ua="curl/8.5.0"\n')
  t.equal(formatAccessLine({ time, client: '203.0.113.7', proxy: '127.0.0.1', user: 'me', method: 'POST', path: '/x?y=1', reason: 'allowed' }),
    '2026-11-25T10:00:00.000Z client=203.0.113.7 forwarded_from=127.0.0.1 user="me" method=POST path="/x?y=1" status=- reason=allowed ua=-\n')
})

t.test('client text cannot forge a field or a line', async (t) => {
  t.equal(quote('a"b\\c'), '"a\\"b\\\\c"')
  t.equal(quote('x\ny\r\u001b[31m'), '"x\\x0ay\\x0d\\x1b[31m"')
  t.equal(quote('café ☕'), '"caf\\xe9 \\u{2615}"')
  t.equal(quote('x'.repeat(600)), `"${'x'.repeat(512)}..."`)
  const line = formatAccessLine({ time, client: '10.0.0.5', method: 'GET', path: '/"\nfake', status: 403, reason: 'forbidden', userAgent: 'ua" reason=allowed\n2026 client=1.1.1.1' })
  t.equal(line.split('\n').length, 2, 'one line')
  t.match(line, /reason=forbidden ua="ua\\" reason=allowed\\x0a2026 client=1\.1\.1\.1"\n$/)
})

t.test('appends, and reopens after logrotate moved the file', async (t) => {
  const dir = t.testdir({ 'access.log': 'an older line\n' })
  const path = join(dir, 'access.log')
  const errors: Error[] = []
  const log = openAccessLog(path, (e) => errors.push(e))
  log.write({ time, client: '10.0.0.5', method: 'GET', path: '/', status: 403, reason: 'forbidden' })
  renameSync(path, `${path}.1`)
  await log.reopen()
  log.write({ time, client: '10.0.0.6', method: 'GET', path: '/', status: 403, reason: 'forbidden' })
  await log.close()
  t.match(readFileSync(`${path}.1`, 'utf8'), /^an older line\n.*client=10\.0\.0\.5 /)
  t.match(readFileSync(path, 'utf8'), /^[^\n]*client=10\.0\.0\.6 [^\n]*\n$/)
  t.same(errors, [])
})

t.test('creates missing folders; an unusable path throws at once', async (t) => {
  const dir = t.testdir({})
  const log = openAccessLog(join(dir, 'logs', 'deep', 'access.log'), () => {})
  await log.close()
  await log.close()
  mkdirSync(join(dir, 'a-folder'))
  t.throws(() => openAccessLog(join(dir, 'a-folder'), () => {}), { code: 'EISDIR' })
})

const line = (client: string) => ({ time, client, method: 'GET', path: '/', status: 403, reason: 'forbidden' as const })

t.test('a reopen that fails keeps writing to the file open before, says so once, and tries again', async (t) => {
  const dir = t.testdir({ logs: {} })
  const path = join(dir, 'logs', 'access.log')
  const told: string[] = []
  let clock = 0
  const log = openAccessLog(path, (e, fallback) => told.push(`${fallback}: ${String((e as NodeJS.ErrnoException).code)}`), {
    now: () => clock, retryMs: 1000, onRecovered: (lost) => told.push(`recovered, ${lost} lost`)
  })
  log.write(line('10.0.0.1'))
  // logrotate moved the folder away, and a file took its name: the log cannot be opened there.
  renameSync(join(dir, 'logs'), join(dir, 'logs.1'))
  writeFileSync(join(dir, 'logs'), 'not a folder')
  await log.reopen()
  await log.reopen()
  log.write(line('10.0.0.2'))
  clock += 999
  log.write(line('10.0.0.3'))
  t.same(told, ['previous-file: EEXIST'], 'said once')
  unlinkSync(join(dir, 'logs'))
  clock += 1
  log.write(line('10.0.0.4'))
  await log.close()
  t.same(told, ['previous-file: EEXIST', 'recovered, 0 lost'])
  t.match(readFileSync(join(dir, 'logs.1', 'access.log'), 'utf8'), /^[^\n]*client=10\.0\.0\.1 [^]*client=10\.0\.0\.2 [^]*client=10\.0\.0\.3 [^\n]*\n$/)
  t.match(readFileSync(path, 'utf8'), /^[^\n]*client=10\.0\.0\.4 [^\n]*\n$/)
})

t.test('lines that cannot be written are counted, and the count is told when the file works again', async (t) => {
  const dir = t.testdir({})
  const path = join(dir, 'access.log')
  // A device whose every write fails with ENOSPC: a full disk.
  symlinkSync('/dev/full', path)
  const told: string[] = []
  let clock = 0
  let failed: () => void = () => {}
  const failure = new Promise<void>((resolve) => { failed = resolve })
  const log = openAccessLog(path, (e, fallback) => { told.push(`${fallback}: ${String((e as NodeJS.ErrnoException).code)}`); failed() }, {
    now: () => clock, retryMs: 1000, onRecovered: (lost) => told.push(`recovered, ${lost} lost`)
  })
  log.write(line('10.0.0.1'))
  await failure
  log.write(line('10.0.0.2'))
  t.same(told, ['nowhere: ENOSPC'])
  unlinkSync(path)
  clock += 1000
  log.write(line('10.0.0.3'))
  await log.close()
  t.same(told, ['nowhere: ENOSPC', 'recovered, 2 lost'])
  t.match(readFileSync(path, 'utf8'), /^[^\n]*client=10\.0\.0\.3 [^\n]*\n$/)
})

t.test('the README names every reason', async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const section = readme.slice(readme.indexOf('## The access log'), readme.indexOf('A fail2ban filter'))
  for (const reason of DECISIONS) t.match(section, `\`${reason}\``, reason)
})
