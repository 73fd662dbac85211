import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { LOCK_FILE, openDataRoot } from '../../src/data/data-root.js'
import { describeOwner } from '../../src/data/process-owner.js'

/** A machine without /proc (macOS, Windows): only process ids can be checked. */
const NO_PROC = '/no/such/proc'

t.test('creates the data root with mode 0700 and takes the lock', async (t) => {
  const path = join(t.testdir({}), 'data', 'nested')
  const root = openDataRoot(path, { pid: 100, isRunning: () => true, procRoot: NO_PROC })
  t.equal(statSync(path).mode & 0o777, 0o700)
  t.equal(readFileSync(join(path, LOCK_FILE), 'utf8'), '{"pid":100}\n')
  t.equal(statSync(join(path, LOCK_FILE)).mode & 0o777, 0o600)
  root.release()
  t.notOk(existsSync(join(path, LOCK_FILE)))
})

t.test('refuses a data root held by a running process', async (t) => {
  const path = t.testdir({ [LOCK_FILE]: '77\n' })
  t.throws(() => openDataRoot(path, { pid: 100, isRunning: (pid) => pid === 77, procRoot: NO_PROC }), {
    code: 'TVS_ERR_DATA_LOCKED',
    message: new RegExp(`in use by another tavern-server \\(process 77\\).*delete ${join(path, LOCK_FILE)}`)
  })
  t.equal(readFileSync(join(path, LOCK_FILE), 'utf8'), '77\n', 'the other process keeps its lock')
})

t.test('takes over a lock whose process is gone', async (t) => {
  const path = t.testdir({ [LOCK_FILE]: '77\n' })
  const root = openDataRoot(path, { pid: 100, isRunning: () => false, procRoot: NO_PROC })
  t.equal(readFileSync(join(path, LOCK_FILE), 'utf8'), '{"pid":100}\n')
  root.release()
})

t.test('a garbled lock file counts as stale', async (t) => {
  const path = t.testdir({ [LOCK_FILE]: 'garbage' })
  openDataRoot(path, { pid: 100, isRunning: () => true }).release()
  t.notOk(existsSync(join(path, LOCK_FILE)))
})

t.test('release leaves a lock that another process took in the meantime', async (t) => {
  const path = t.testdir({})
  const root = openDataRoot(path, { pid: 100, isRunning: () => false, procRoot: NO_PROC })
  writeFileSync(join(path, LOCK_FILE), '200\n')
  root.release()
  t.equal(readFileSync(join(path, LOCK_FILE), 'utf8'), '200\n')
})

t.test('a data root that cannot be created is an error naming it', async (t) => {
  const dir = t.testdir({ file: 'not a folder' })
  t.throws(() => openDataRoot(join(dir, 'file', 'data'), { pid: 1, isRunning: () => false }), {
    code: 'TVS_ERR_DATA_ROOT',
    message: /Cannot use the data root .*file\/data: ENOTDIR/
  })
})

t.test('a lock that cannot be taken over is reported, not deleted by force', async (t) => {
  const dir = t.testdir({ data: { [LOCK_FILE]: { 'a-folder': {} } } })
  t.throws(() => openDataRoot(join(dir, 'data'), { pid: 1, isRunning: () => false }), {
    code: 'TVS_ERR_DATA_LOCKED',
    message: /\(process unknown\)/
  })
})

t.test('a lock naming pid 1 with another start time is stale', async (t) => {
  const path = t.testdir({ [LOCK_FILE]: JSON.stringify({ ...describeOwner(1), start: '1' }) })
  const never = (): boolean => { throw new Error('kill(pid, 0) is not asked where /proc is') }
  const root = openDataRoot(path, { pid: process.pid, isRunning: never })
  t.same(JSON.parse(readFileSync(join(path, LOCK_FILE), 'utf8')), describeOwner(process.pid), 'written with this process\'s start time and boot id')
  root.release()
  t.notOk(existsSync(join(path, LOCK_FILE)))
})

t.test('a lock of a process that really runs holds, whatever kill(pid, 0) would say', async (t) => {
  const path = t.testdir({ [LOCK_FILE]: `${JSON.stringify(describeOwner(process.pid))}\n` })
  t.throws(() => openDataRoot(path, { pid: 100, isRunning: () => false }), { code: 'TVS_ERR_DATA_LOCKED', message: `(process ${process.pid})` })
})

t.test("an older version's lock (a bare process id) holds while that process runs, and not once the id is another's", async (t) => {
  const path = t.testdir({ [LOCK_FILE]: `${process.pid}\n` })
  t.throws(() => openDataRoot(path, { pid: 100, isRunning: () => false }), { code: 'TVS_ERR_DATA_LOCKED' })
  // Written long before this process started: its writer is gone and the id was given again.
  utimesSync(join(path, LOCK_FILE), new Date(2000, 0, 1), new Date(2000, 0, 1))
  openDataRoot(path, { pid: 100, isRunning: () => true }).release()
  t.notOk(existsSync(join(path, LOCK_FILE)))
})
