import { createHash, randomBytes, scryptSync } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import t from 'tap'
import type { Test } from 'tap'
import { parseHash, verifyHash } from '../../src/access/password-hash.js'
import { accountTable } from '../../src/cli/commands/users.js'
import { runCli } from '../../src/cli/run.js'
import { captureIo, terminal } from '../helpers/io.js'

/** Runs `tavern-server users ...` in `dir`, with `input` piped in. */
async function users (dir: string, args: string[], input?: string) {
  const io = captureIo(dir)
  if (input !== undefined) io.stdin = Readable.from([input])
  const outcome = await runCli(['users', ...args], io)
  // Without the notice about the keys the short config.yaml of these tests leaves to the defaults.
  return { code: outcome.kind === 'exit' ? outcome.code : -1, out: io.out().replace(/^.* does not set .*; using the default values\.\n/, ''), err: io.err() }
}

function base (t: Test, config = 'enableUserAccounts: true\n', files: Record<string, unknown> = {}): string {
  return t.testdir({ 'config.yaml': config, ...files })
}

function accounts (dir: string): Array<Record<string, unknown>> {
  return JSON.parse(readFileSync(join(dir, 'data', 'accounts.json'), 'utf8')).accounts
}

t.test('add, list, and the password from standard input, never from the arguments', async (t) => {
  const dir = base(t)
  t.match(await users(dir, ['list']), { code: 0, out: /^No accounts in .*accounts\.json\.\n$/ })
  const added = await users(dir, ['add', 'alice', '--name', 'Alice A', '--admin'], 'pässwörd:1\n')
  t.equal(added.code, 0, added.err)
  t.match(added.out, /^Added the admin account "alice"\. Its folder is .*data\/alice\.\nA running tavern-server takes the change within a second\.\n$/)
  t.ok(existsSync(join(dir, 'data', 'alice')))
  const [alice] = accounts(dir)
  t.match(alice, { handle: 'alice', name: 'Alice A', admin: true, enabled: true })
  t.ok(await verifyHash('pässwörd:1', parseHash(alice!.password as string)!))
  t.match((await users(dir, ['add', 'bob', '--no-password'])).out, /Added the account "bob", without a password\./)
  const listed = await users(dir, ['list'])
  t.equal(listed.out, 'HANDLE  NAME     ROLE   STATE    PASSWORD\nalice   Alice A  admin  enabled  set\nbob     bob      user   enabled  none\n')
  const typed = await users(dir, ['add', 'carol', 'hunter2'])
  t.equal(typed.code, 2, 'a password argument is refused')
  t.equal(typed.err, 'error: users add takes one argument, the handle: it never reads the password from the command line, where it would stay in the shell history and the process list. ' +
    'Run `tavern-server users add carol` and type the password when asked, or pipe it in: echo "$PASSWORD" | tavern-server users add carol\n')
  t.match(await users(dir, ['passwd', 'alice', 'hunter2']), { code: 2, err: /^error: users passwd takes one argument, the handle: .* \| tavern-server users passwd alice\n$/ })
  t.match(await users(dir, ['enable', 'alice', 'bob']), { code: 2, err: /too many arguments/ }, 'the other commands take their arguments only')
  t.equal(accounts(dir).length, 2, 'nothing was added')
})

t.test('before the first start, passwd admin makes the first admin with that password', async (t) => {
  const dir = base(t)
  const made = await users(dir, ['passwd', 'admin'], 'first pw\n')
  t.match(made, { code: 0, out: /^Created the admin account "admin" with this password\. Its folder is / })
  t.match(accounts(dir), [{ handle: 'admin', name: 'Admin', admin: true, enabled: true }])
  t.match(await users(dir, ['passwd', 'bob'], 'x\n'), { code: 1, err: /no account with the handle "bob"/ })
  const other = base(t)
  t.match(await users(other, ['passwd', 'alice'], 'x\n'), { code: 1, err: /no account with the handle "alice"/, out: '' }, 'only the first admin is made this way')
})

t.test('a new password is asked twice on a terminal, without echo', async (t) => {
  const dir = base(t)
  const io = captureIo(dir)
  io.stdin = terminal(['s3cret\r', 's3cret\r'])
  t.same(await runCli(['users', 'add', 'alice'], io), { kind: 'exit', code: 0 })
  t.equal(io.err(), 'New password for alice: \nNew password for alice again: \n')
  const differ = captureIo(dir)
  differ.stdin = terminal(['one\r', 'two\r'])
  t.same(await runCli(['users', 'passwd', 'alice'], differ), { kind: 'exit', code: 1 })
  t.match(differ.err(), 'The two passwords differ: nothing changed.')
})

t.test('what add refuses: bad handles, a taken one, an empty password', async (t) => {
  const dir = base(t)
  await users(dir, ['add', 'alice'], 'pw\n')
  for (const [args, input, message] of [
    [['add', '../etc'], 'pw\n', /The handle "\.\.\/etc" cannot be used: use only a-z, 0-9 and -/],
    [['add', 'Alice'], 'pw\n', /cannot be used/],
    [['add', 'x'.repeat(65)], 'pw\n', /longer than 64 characters/],
    [['add', 'alice'], 'pw\n', /An account with the handle "alice" exists already\./],
    [['add', 'bob'], '\n', /Empty password: nothing changed\./]
  ] as const) {
    const result = await users(dir, [...args], input)
    t.equal(result.code, 1, args.join(' '))
    t.match(result.err, message)
  }
  t.equal(accounts(dir).length, 1)
})

t.test('passwd, enable, disable, promote, demote, remove; the last admin stays', async (t) => {
  const dir = base(t)
  await users(dir, ['add', 'root', '--admin'], 'pw\n')
  await users(dir, ['add', 'alice'], 'pw\n')
  const stamp = accounts(dir)[1]!.stamp
  t.match(await users(dir, ['passwd', 'alice'], 'new pw\n'), { code: 0, out: /^Changed the password of "alice"; its sessions have ended\./ })
  t.not(accounts(dir)[1]!.stamp, stamp, 'the stamp changed: sessions end')
  t.ok(await verifyHash('new pw', parseHash(accounts(dir)[1]!.password as string)!))
  t.match(await users(dir, ['passwd', 'nobody'], 'x\n'), { code: 1, err: /There is no account with the handle "nobody"\./ })
  t.match(await users(dir, ['passwd', 'alice'], '\n'), { code: 1, err: /Empty password/ })
  for (const [command, said, field, value] of [
    ['disable', '"alice" is disabled; its sessions have ended.', 'enabled', false],
    ['enable', '"alice" is enabled.', 'enabled', true],
    ['promote', '"alice" is an admin now.', 'admin', true],
    ['demote', '"alice" is no longer an admin.', 'admin', false]
  ] as const) {
    const result = await users(dir, [command, 'alice'])
    t.match(result, { code: 0, out: said }, command)
    t.equal(accounts(dir)[1]![field], value)
  }
  for (const command of ['remove', 'disable', 'demote']) {
    t.match(await users(dir, [command, 'root']), { code: 1, err: /"root" is the last enabled admin account/ }, command)
  }
  t.match(await users(dir, ['remove', 'alice']), { code: 0, out: /"alice" is removed \(its folder stays\)/ })
  t.ok(existsSync(join(dir, 'data', 'alice')))
  t.match(await users(dir, ['enable', 'alice']), { code: 1, err: /no account with the handle "alice"/ })
})

t.test('with accounts off, changes are kept for when they are on', async (t) => {
  const dir = base(t, 'enableUserAccounts: false\n')
  t.match((await users(dir, ['add', 'alice'], 'pw\n')).out, /enableUserAccounts is false in .*config\.yaml: accounts are used once it is true\./)
  t.match((await users(dir, ['list'])).out, /alice/)
  const empty = base(t, 'enableUserAccounts: false\n')
  t.match((await users(empty, ['list'])).out, /No accounts in .*\(enableUserAccounts is false\.\)/)
})

t.test('a data root that cannot be made, and a folder that cannot be, are clear errors', async (t) => {
  const dir = base(t, 'dataRoot: ./taken\n', { taken: 'a file' })
  t.match(await users(dir, ['list']), { code: 1, err: /Cannot use the data root .*taken/ })
  const other = base(t)
  await users(other, ['list'])
  writeFileSync(join(other, 'data', 'alice'), 'in the way')
  const added = await users(other, ['add', 'alice'], 'pw\n')
  t.equal(added.code, 0)
  t.match(added.err, /The folder of "alice" could not be made: .*exists and is not a folder/)
  t.match(added.out, 'Its folder could not be made.')
})

function stRecord (key: string, value: unknown): [string, string] {
  return [createHash('sha256').update(key).digest('hex'), JSON.stringify({ key, value })]
}
function stUser (handle: string, password: string, admin = false): [string, string] {
  const salt = randomBytes(16).toString('base64')
  return stRecord(`user:${handle}`, { handle, name: handle, created: 1, password: password === '' ? '' : scryptSync(password, salt, 64).toString('base64'), salt, enabled: true, admin })
}

t.test('import: passwords kept, accounts without one flagged, a second run skips what exists', async (t) => {
  const dir = base(t, 'enableUserAccounts: true\n', {
    st: { data: { _storage: Object.fromEntries([stUser('default-user', '', true), stUser('jürgen', 'geheim'), stUser('alice', 'pw'), ['junk', '{']]) } }
  })
  await users(dir, ['add', 'alice'], 'mine\n')
  const first = await users(dir, ['import', join(dir, 'st')])
  t.equal(first.code, 0, first.err)
  t.match(first.out, `Read 3 accounts from ${join(dir, 'st', 'data', '_storage')}.`)
  t.match(first.out, /Imported 2:\n {2}default-user \(default-user\), admin: NO PASSWORD, nobody can log in to it until one is set: tavern-server users passwd default-user\n {2}jürgen \(jürgen\)\n/)
  t.match(first.out, 'Skipped 1 that exist here already: alice')
  t.match(first.out, /Not imported \(1\):\n {2}junk: not a SillyTavern storage file/)
  t.ok(existsSync(join(dir, 'data', 'jürgen')))
  const jurgen = accounts(dir).find((a) => a.handle === 'jürgen')
  t.ok(await verifyHash('geheim', parseHash(jurgen!.password as string)!))
  t.ok(await verifyHash('mine', parseHash(accounts(dir).find((a) => a.handle === 'alice')!.password as string)!), 'an existing account is left as it was')
  const again = await users(dir, ['import', join(dir, 'st', 'data')])
  t.match(again.out, 'Skipped 3 that exist here already: alice, default-user, jürgen')
  t.notMatch(again.out, 'Imported')
  t.match((await users(dir, ['list'])).out, /jürgen +jürgen +user +enabled +set \(from SillyTavern\)/)
  t.match(await users(dir, ['import', join(dir, 'nowhere')]), { code: 1, err: /Cannot import accounts from .*nowhere: there is no such folder/ })
})

t.test('import: one disabled account; config warnings go to stderr', async (t) => {
  const [name, text] = stUser('off', 'pw')
  const record = JSON.parse(text)
  record.value.enabled = false
  const dir = base(t, 'enableUserAccounts: true\nwhitelistmode: true\n', { st: { _storage: { [name]: JSON.stringify(record) } } })
  const result = await users(dir, ['import', join(dir, 'st', '_storage')])
  t.match(result.out, /Read 1 account from .*\nImported 1:\n {2}off \(off\), disabled\n/)
  t.match(result.err, /unknown key whitelistmode; did you mean whitelistMode\?/)
})

t.test('the table lines up non-ASCII names', async (t) => {
  t.equal(accountTable([{ handle: 'jürgen', name: 'Jü', created: 1, password: '', enabled: false, admin: false, stamp: 's' }]),
    'HANDLE  NAME  ROLE  STATE     PASSWORD\njürgen  Jü    user  disabled  none')
})
