import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { addAccount, insertAccount, setEnabled } from '../../src/accounts/account-changes.js'
import { AccountStore } from '../../src/accounts/account-store.js'
import type { LockIdentity } from '../../src/data/file-lock.js'

const identity: LockIdentity = { pid: 1, hostname: 'here', isRunning: () => true }
const add = (handle: string) => (draft: Parameters<typeof addAccount>[0]) => addAccount(draft, { handle, password: '', admin: false }, 1)

t.test('no file is no accounts; the first change writes it, readable by its owner only', async (t) => {
  const dir = t.testdir({})
  const store = new AccountStore({ dataRoot: dir, identity }).load()
  t.equal(store.size, 0)
  const generation = store.generation
  const made = await store.update(add('alice'))
  t.equal(made.handle, 'alice')
  t.equal(store.get('alice'), made)
  t.equal(statSync(store.file).mode & 0o777, 0o600)
  t.ok(store.generation > generation)
  t.same(new AccountStore({ dataRoot: dir, identity }).load().list().map((a) => a.handle), ['alice'])
  t.notOk(existsSync(store.lockFile), 'the lock is released')
})

t.test('a refused change writes nothing', async (t) => {
  const dir = t.testdir({})
  const store = new AccountStore({ dataRoot: dir, identity }).load()
  await store.update(add('alice'))
  const before = readFileSync(store.file, 'utf8')
  await t.rejects(store.update(add('alice')), { code: 'TVS_ERR_ACCOUNT_EXISTS' })
  t.equal(readFileSync(store.file, 'utf8'), before)
  t.same(store.list().map((a) => a.handle), ['alice'])
})

t.test('two writers (the server and a users command) never lose each other\'s changes', async (t) => {
  const dir = t.testdir({})
  const server = new AccountStore({ dataRoot: dir, identity }).load()
  const cli = new AccountStore({ dataRoot: dir, identity: { ...identity, pid: 2 } }).load()
  await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? server : cli).update(add(`user-${i}`))))
  const expected = Array.from({ length: 20 }, (_, i) => `user-${i}`).sort()
  t.same(new AccountStore({ dataRoot: dir, identity }).load().list().map((a) => a.handle).sort(), expected)
  t.ok(await server.reload() || server.size === 20, 'the server takes the other\'s changes')
  t.same(server.list().map((a) => a.handle).sort(), expected)
})

t.test('reload takes another process\'s change once, and tells the listeners', async (t) => {
  const dir = t.testdir({})
  const server = new AccountStore({ dataRoot: dir, identity }).load()
  const cli = new AccountStore({ dataRoot: dir, identity }).load()
  let told = 0
  server.onChange(() => { told++ })
  t.equal(await server.reload(), false, 'nothing changed yet')
  const before = await server.fingerprint()
  await cli.update(add('alice'))
  t.not(await server.fingerprint(), before)
  t.equal(await server.reload(), true)
  t.equal(await server.reload(), false)
  t.equal(told, 1)
  t.ok(server.get('alice'))
})

t.test('a broken accounts file stops start-up and changes, names the file, and is left alone', async (t) => {
  const dir = t.testdir({ 'accounts.json': '{"format": 1, "accounts": [{"handle": "../x"}]}' })
  t.throws(() => new AccountStore({ dataRoot: dir, identity }).load(), {
    code: 'TVS_ERR_ACCOUNTS_FILE',
    message: new RegExp(`^The accounts file ${join(dir, 'accounts.json').replace(/[.]/g, '\\.')} cannot be used: accounts\\[0\\] \\("\\.\\./x"\\): the handle cannot be used`)
  })
  const store = new AccountStore({ dataRoot: t.testdir({}), identity }).load()
  writeFileSync(store.file, 'not json')
  await t.rejects(store.update(add('bob')), { code: 'TVS_ERR_ACCOUNTS_FILE' })
  await t.rejects(store.reload(), { code: 'TVS_ERR_ACCOUNTS_FILE' })
  t.equal(readFileSync(store.file, 'utf8'), 'not json')
})

t.test('an accounts file that cannot be read is an error naming it', async (t) => {
  const dir = t.testdir({ 'accounts.json': {} })
  t.throws(() => new AccountStore({ dataRoot: dir, identity }).load(), { code: 'TVS_ERR_ACCOUNTS_FILE', message: /EISDIR/ })
  const store = new AccountStore({ dataRoot: t.testdir({}), identity }).load()
  mkdirSync(store.file)
  await t.rejects(store.reload(), { code: 'TVS_ERR_ACCOUNTS_FILE' })
  t.equal(await store.fingerprint() === 'none', false)
})

t.test('a failed write is reported and changes nothing', async (t) => {
  const dir = t.testdir({})
  const { AccountStore: Mocked } = await t.mockImport<typeof import('../../src/accounts/account-store.js')>('../../src/accounts/account-store.js', {
    'write-file-atomic': { default: async () => { throw new Error('ENOSPC: no space left on device') } }
  })
  const store = new Mocked({ dataRoot: dir, identity }).load()
  await t.rejects(store.update(add('alice')), { code: 'TVS_ERR_ACCOUNTS_WRITE', message: /^Cannot write .*accounts\.json: ENOSPC: no space left on device\. Nothing was changed\.$/ })
  t.equal(store.size, 0)
  t.notOk(existsSync(store.file))
})

t.test('temporary files of killed writers are cleared; other files stay', async (t) => {
  const candidate = `accounts.json.lock.${'a1'.repeat(12)}`
  const fresh = `accounts.json.lock.${'b2'.repeat(12)}`
  const dir = t.testdir({ 'accounts.json.123456': 'half', 'accounts.json.bak': 'mine', [candidate]: 'old', [fresh]: 'a waiter\'s', 'accounts.json.lock.x': 'other' })
  const { utimesSync } = await import('node:fs')
  const old = new Date(Date.now() - 120_000)
  utimesSync(join(dir, candidate), old, old)
  const store = new AccountStore({ dataRoot: dir, identity }).load()
  await store.update(add('alice'))
  t.notOk(existsSync(join(dir, 'accounts.json.123456')))
  t.notOk(existsSync(join(dir, candidate)), 'a lock candidate older than any wait')
  t.ok(existsSync(join(dir, fresh)), 'a recent candidate may be a live waiter\'s')
  t.ok(existsSync(join(dir, 'accounts.json.bak')))
  t.ok(existsSync(join(dir, 'accounts.json.lock.x')))
})

t.test('a handle typed in another Unicode form finds the account', async (t) => {
  const store = new AccountStore({ dataRoot: t.testdir({}), identity }).load()
  await store.update((draft) => insertAccount(draft, { handle: 'jürgen', name: 'J', created: 1, password: '', enabled: true, admin: false, stamp: 's' }))
  t.equal(store.find('ju\u0308rgen')?.handle, 'jürgen')
  t.equal(store.find('jürgen')?.handle, 'jürgen')
  t.equal(store.find('juergen'), undefined)
  await store.update((draft) => setEnabled(draft, 'jürgen', false))
  t.equal(store.get('jürgen')?.enabled, false)
})

t.test('each account gets its own folder, made once', async (t) => {
  const dir = t.testdir({ taken: 'a file' })
  const store = new AccountStore({ dataRoot: dir, identity }).load()
  const folder = await store.makeFolder('alice')
  t.equal(statSync(folder).mode & 0o777, 0o700)
  t.equal(await store.makeFolder('alice'), folder, 'again: it exists')
  await t.rejects(store.makeFolder('taken/x'), { code: 'ENOTDIR' })
  await t.rejects(store.makeFolder('taken'), /taken exists and is not a folder/)
})
