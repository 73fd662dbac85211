import { createHash, randomBytes, scryptSync } from 'node:crypto'
import { join } from 'node:path'
import t from 'tap'
import { parseHash, verifyHash } from '../../src/access/password-hash.js'
import { findStorage, readSillyTavernAccounts } from '../../src/accounts/sillytavern-import.js'

/** A node-persist file as SillyTavern writes it: named by the SHA-256 of the key. */
function record (key: string, value: unknown): [string, string] {
  return [createHash('sha256').update(key).digest('hex'), JSON.stringify({ key, value })]
}

/** A user as SillyTavern stores it, its password hashed SillyTavern's way. */
function user (handle: string, password: string, extra: Record<string, unknown> = {}): [string, string] {
  const salt = randomBytes(16).toString('base64')
  return record(`user:${handle}`, {
    handle, name: handle.toUpperCase(), created: 1_700_000_000_000,
    password: password === '' ? '' : scryptSync(password.normalize(), salt, 64).toString('base64'),
    salt, enabled: true, admin: false, ...extra
  })
}

t.test('accounts come over with their passwords; other keys and broken files are reported or skipped', async (t) => {
  const storage = Object.fromEntries([
    user('alice', 'Pässwörd 1', { admin: true }),
    user('jürgen', 'geheim'),
    user('nopass', ''),
    user('off', 'x', { enabled: false, name: '', created: 'yesterday' }),
    record('avatar:alice', 'data:image/png;base64,AAAA'),
    record('invite:1234', { uses: 1 }),
    ['broken', '{"key": "user:x", "val'],
    ['nokey', '{"value": {}}'],
    ['.hidden', 'not even json'],
    record('user:mismatch', { handle: 'other' }),
    record('user:../evil', { handle: '../evil' }),
    record('user:nohash', { handle: 'nohash', password: 'abc', salt: '' }),
    record('user:nosalt', { handle: 'nosalt', password: 'abc' }),
    user('zed', 'z'),
    user('amy', 'a'),
    record('user:empty', null)
  ])
  const dir = t.testdir({ data: { _storage: storage } })
  const found = await readSillyTavernAccounts(join(dir, 'data'), 2_000_000_000_000)
  t.equal(found.storage, join(dir, 'data', '_storage'))
  t.same(found.accounts.map((a) => a.handle), ['alice', 'amy', 'jürgen', 'nopass', 'zed', 'off'], 'oldest first, then by handle')
  const [alice, , jurgen, nopass, , off] = found.accounts
  t.match(alice, { name: 'ALICE', admin: true, enabled: true, created: 1_700_000_000_000, importedFrom: 'sillytavern' })
  t.ok(await verifyHash('Pässwörd 1', parseHash(alice!.password)!), 'the SillyTavern password works here')
  t.ok(await verifyHash('Pässwörd 1'.normalize('NFD'), parseHash(alice!.password)!), 'typed in another Unicode form too')
  t.notOk(await verifyHash('Pässwörd 2', parseHash(alice!.password)!))
  t.ok(await verifyHash('geheim', parseHash(jurgen!.password)!))
  t.equal(nopass!.password, '', 'no password stays no password (never "any password")')
  t.match(off, { enabled: false, name: 'off', created: 2_000_000_000_000 })
  t.equal(found.problems.length, 7)
  t.match(found.problems.join('\n'), /the password of "nosalt" is not a SillyTavern hash/)
  t.match(found.problems.join('\n'), /broken: not a SillyTavern storage file/)
  t.match(found.problems.join('\n'), /nokey: not a SillyTavern storage file \(no key\)/)
  t.match(found.problems.join('\n'), /the record "user:mismatch" names another handle \("other"\)/)
  t.match(found.problems.join('\n'), /the handle "\.\.\/evil" is not safe as a folder name/)
  t.match(found.problems.join('\n'), /the password of "nohash" is not a SillyTavern hash tavern-server can check/)
  t.match(found.problems.join('\n'), /the record "user:empty" holds no account/)
})

t.test('the folder given may be the data folder, _storage itself, or the installation', async (t) => {
  const dir = t.testdir({ install: { data: { _storage: {} } }, empty: {}, file: 'x' })
  const storage = join(dir, 'install', 'data', '_storage')
  for (const given of [join(dir, 'install'), join(dir, 'install', 'data'), storage]) t.equal(await findStorage(given), storage, given)
  await t.rejects(findStorage(join(dir, 'empty')), { code: 'TVS_ERR_IMPORT_SOURCE', message: /empty: it has no _storage folder\. Give the SillyTavern data folder/ })
  await t.rejects(findStorage(join(dir, 'missing')), { code: 'TVS_ERR_IMPORT_SOURCE', message: /there is no such folder/ })
  await t.rejects(findStorage(join(dir, 'file')), { message: /there is no such folder/ })
})
