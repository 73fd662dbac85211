import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { breakStale, withFileLock } from '../../src/data/file-lock.js'
import { describeOwner } from '../../src/data/process-owner.js'
import type { LockIdentity } from '../../src/data/file-lock.js'

// Where /proc is missing (macOS, Windows): process ids alone, as kill(pid, 0) tells of them.
const me: LockIdentity = { pid: 1000, hostname: 'here', isRunning: (pid) => pid === 1000 || pid === 2000, procRoot: '/no/such/proc' }
const holder = (pid: number, host = 'here') => JSON.stringify({ pid, host, token: 'theirs' })

t.test('holders take turns: concurrent read-modify-writes lose nothing', async (t) => {
  const dir = t.testdir({ 'count.txt': '0' })
  const file = join(dir, 'count.txt')
  const increment = () => withFileLock(`${file}.lock`, me, async () => {
    const n = Number(await readFile(file, 'utf8'))
    await new Promise((resolve) => setImmediate(resolve))
    await writeFile(file, String(n + 1))
  })
  await Promise.all(Array.from({ length: 40 }, increment))
  t.equal(readFileSync(file, 'utf8'), '40')
  t.notOk(existsSync(`${file}.lock`), 'the lock is gone afterwards')
})

t.test('the work\'s result and error come through, and the lock is released either way', async (t) => {
  const lock = join(t.testdir({}), 'x.lock')
  t.equal(await withFileLock(lock, me, async () => 42), 42)
  await t.rejects(withFileLock(lock, me, async () => { throw new Error('boom') }), /boom/)
  t.notOk(existsSync(lock))
})

t.test('a lock left by a process that no longer runs on this host is taken over', async (t) => {
  const lock = join(t.testdir({ 'x.lock': holder(999_999) }), 'x.lock')
  t.match(await withFileLock(lock, me, async () => JSON.parse(readFileSync(lock, 'utf8'))), { pid: 1000, host: 'here' })
  t.notOk(existsSync(lock))
})

t.test('a lock held by a live process is waited for, then refused naming the holder', async (t) => {
  const lock = join(t.testdir({ 'x.lock': holder(2000) }), 'x.lock')
  await t.rejects(withFileLock(lock, me, async () => 'never', { timeoutMs: 50 }), {
    code: 'TVS_ERR_ACCOUNTS_LOCKED',
    message: `The accounts are being changed by process 2000, which did not finish within 0 seconds. Try again; if no tavern-server is running or changing accounts, delete ${lock}.`
  })
  t.equal(readFileSync(lock, 'utf8'), holder(2000), 'a live holder\'s lock is never touched')
})

t.test('with /proc, a lock naming pid 1 with another start time is taken over at once; a live owner holds', async (t) => {
  const here: LockIdentity = { pid: 1000, hostname: 'here', isRunning: () => true }
  const lock = join(t.testdir({ 'x.lock': JSON.stringify({ ...describeOwner(1), start: '1', host: 'here', token: 'theirs' }) }), 'x.lock')
  t.match(await withFileLock(lock, here, async () => JSON.parse(readFileSync(lock, 'utf8')), { timeoutMs: 0 }), { pid: 1000, host: 'here' })
  const live = JSON.stringify({ ...describeOwner(process.pid), host: 'here', token: 'theirs' })
  writeFileSync(lock, live)
  await t.rejects(withFileLock(lock, { ...here, isRunning: () => false }, async () => 'never', { timeoutMs: 30 }), { code: 'TVS_ERR_ACCOUNTS_LOCKED', message: `process ${process.pid}` })
  t.equal(readFileSync(lock, 'utf8'), live)
})

t.test('a lock older than any change takes is taken over, even if its pid runs (reused)', async (t) => {
  const lock = join(t.testdir({ 'x.lock': holder(2000) }), 'x.lock')
  const old = new Date(Date.now() - 60_000)
  utimesSync(lock, old, old)
  t.equal(await withFileLock(lock, me, async () => 'mine'), 'mine')
})

t.test('another host\'s lock is judged by its age only', async (t) => {
  const lock = join(t.testdir({ 'x.lock': holder(999_999, 'elsewhere') }), 'x.lock')
  await t.rejects(withFileLock(lock, me, async () => 'never', { timeoutMs: 30 }), { code: 'TVS_ERR_ACCOUNTS_LOCKED', message: /process 999999/ })
  t.equal(await withFileLock(lock, me, async () => 'mine', { staleMs: 0 }), 'mine')
})

t.test('an empty lock (a crash between create and write) waits until it is old', async (t) => {
  const lock = join(t.testdir({ 'x.lock': '' }), 'x.lock')
  await t.rejects(withFileLock(lock, me, async () => 'never', { timeoutMs: 30 }), { message: /process unknown/ })
  t.equal(await withFileLock(lock, me, async () => 'mine', { staleMs: -1 }), 'mine')
})

t.test('a lock released between the failed create and the look at it is simply taken', async (t) => {
  const lock = join(t.testdir({ 'x.lock': holder(2000) }), 'x.lock')
  const real = await import('node:fs/promises')
  let released = false
  const mocked = await t.mockImport<typeof import('../../src/data/file-lock.js')>('../../src/data/file-lock.js', {
    'node:fs/promises': {
      ...real,
      readFile: async (...args: Parameters<typeof real.readFile>) => {
        if (!released && args[0] === lock) {
          released = true
          await real.unlink(lock)
          throw Object.assign(new Error('gone'), { code: 'ENOENT' })
        }
        return real.readFile(...args)
      }
    }
  })
  t.equal(await mocked.withFileLock(lock, me, async () => 'mine', { timeoutMs: 1000 }), 'mine')
  t.ok(released)
})

t.test('a lock that cannot be read is an error, not a wait', async (t) => {
  const dir = t.testdir({ 'x.lock': {} })
  await t.rejects(withFileLock(join(dir, 'x.lock'), me, async () => 'never'), { code: 'TVS_ERR_ACCOUNTS_WRITE', message: /x\.lock: EISDIR/, cause: { code: 'EISDIR' } })
})

t.test('breaking a stale lock never removes a live one that replaced it meanwhile', async (t) => {
  const lock = join(t.testdir({ 'x.lock': holder(2000) }), 'x.lock')
  await breakStale(lock, holder(999_999))
  t.equal(readFileSync(lock, 'utf8'), holder(2000), 'the live lock is back in place')
  await breakStale(lock, holder(2000))
  t.notOk(existsSync(lock), 'the one judged stale goes')
  await breakStale(lock, holder(2000))
  t.notOk(existsSync(lock), 'nothing to break: nothing happens')
})

t.test('the release leaves a lock that is not ours', async (t) => {
  const lock = join(t.testdir({}), 'x.lock')
  await withFileLock(lock, me, async () => { writeFileSync(lock, holder(2000)) })
  t.equal(readFileSync(lock, 'utf8'), holder(2000))
})

t.test('a folder that does not exist is an error, not a wait', async (t) => {
  await t.rejects(withFileLock(join(t.testdir({}), 'missing', 'x.lock'), me, async () => 'never'), { code: 'TVS_ERR_ACCOUNTS_WRITE', cause: { code: 'ENOENT' } })
})

t.test('a stale lock that cannot be moved aside is an error, not a loop', async (t) => {
  const lock = join(t.testdir({ 'x.lock': holder(999_999) }), 'x.lock')
  const real = await import('node:fs/promises')
  const mocked = await t.mockImport<typeof import('../../src/data/file-lock.js')>('../../src/data/file-lock.js', {
    'node:fs/promises': { ...real, rename: async () => { throw Object.assign(new Error('not permitted'), { code: 'EPERM' }) } }
  })
  await t.rejects(mocked.withFileLock(lock, me, async () => 'never'), { code: 'TVS_ERR_ACCOUNTS_WRITE', cause: { code: 'EPERM' } })
})

t.test('without hard links (FAT, some shares) the lock is created exclusively instead', async (t) => {
  const dir = t.testdir({})
  const lock = join(dir, 'x.lock')
  const real = await import('node:fs/promises')
  const mocked = await t.mockImport<typeof import('../../src/data/file-lock.js')>('../../src/data/file-lock.js', {
    'node:fs/promises': { ...real, link: async () => { throw Object.assign(new Error('not supported'), { code: 'EPERM' }) } }
  })
  t.match(await mocked.withFileLock(lock, me, async () => JSON.parse(readFileSync(lock, 'utf8'))), { pid: 1000 })
  writeFileSync(lock, holder(2000))
  await t.rejects(mocked.withFileLock(lock, me, async () => 'never', { timeoutMs: 30 }), { code: 'TVS_ERR_ACCOUNTS_LOCKED' }, 'and waits for a holder the same way')
  const { readdirSync } = await import('node:fs')
  t.same(readdirSync(dir), ['x.lock'], 'no candidate file is left behind')
})

t.test('a lock file that cannot be made at all is an error', async (t) => {
  const real = await import('node:fs/promises')
  const mocked = await t.mockImport<typeof import('../../src/data/file-lock.js')>('../../src/data/file-lock.js', {
    'node:fs/promises': {
      ...real,
      link: async () => { throw Object.assign(new Error('not supported'), { code: 'EPERM' }) },
      writeFile: async (file: string, ...rest: unknown[]) => {
        if (file.endsWith('x.lock')) throw Object.assign(new Error('read-only'), { code: 'EROFS' })
        return (real.writeFile as (...a: unknown[]) => Promise<void>)(file, ...rest)
      }
    }
  })
  await t.rejects(mocked.withFileLock(join(t.testdir({}), 'x.lock'), me, async () => 'never'), { code: 'TVS_ERR_ACCOUNTS_WRITE', cause: { code: 'EROFS' } })
})
