import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { Test } from 'tap'
import { addAccount, setEnabled } from '../../src/accounts/account-changes.js'
import { AccountStore } from '../../src/accounts/account-store.js'
import { idleMs, openAccounts } from '../../src/cli/accounts.js'
import type { Logger } from '../../src/log/console.js'
import { Lifecycle } from '../../src/server/lifecycle.js'
import { makeConfig } from '../helpers/config.js'

const identity = { pid: 1, hostname: 'h', isRunning: () => true }

function capture (): { logger: Logger, lines: string[], next: (pattern: RegExp) => Promise<string> } {
  const lines: string[] = []
  const waiting: Array<{ pattern: RegExp, resolve: (line: string) => void }> = []
  const add = (line: string): void => {
    lines.push(line)
    for (const w of [...waiting]) if (w.pattern.test(line)) { waiting.splice(waiting.indexOf(w), 1); w.resolve(line) }
  }
  const logger = { debug: add, info: add, warn: add, error: add } as unknown as Logger
  return { logger, lines, next: (pattern) => new Promise((resolve) => waiting.push({ pattern, resolve })) }
}

async function open (t: Test, files: Record<string, string> = {}, overrides: Record<string, unknown> = {}, openAccountsModule = openAccounts) {
  const dataRoot = t.testdir(files)
  const lifecycle = new Lifecycle()
  t.teardown(() => lifecycle.close())
  const log = capture()
  const opened = await openAccountsModule({ config: makeConfig({ enableUserAccounts: true, ...overrides }), dataRoot, identity, lifecycle, logger: log.logger, now: Date.now })
  return { ...opened, dataRoot, lifecycle, log }
}

t.test('sessionTimeout: seconds unused, -1 for 400 days, 0 for the lifetime only', async (t) => {
  t.equal(idleMs(makeConfig({ sessionTimeout: 600 })), 600_000)
  t.equal(idleMs(makeConfig({ sessionTimeout: -1 })), 400 * 86_400_000)
  t.equal(idleMs(makeConfig({ sessionTimeout: 0, sessionLifetime: 7200 })), 7_200_000)
})

t.test('the first start makes an admin without a password and says how to set one', async (t) => {
  const { store, lines, warnings, dataRoot } = await open(t)
  t.match(store.get('admin'), { admin: true, enabled: true, password: '' })
  t.match(lines.join('\n'), /created the admin account "admin", without a password\.\nSet its password with: tavern-server users passwd admin/)
  t.same(warnings, ['These enabled accounts have no password, so nobody can log in to them: admin. Set one with tavern-server users passwd <handle>.'])
  const { statSync } = await import('node:fs')
  t.ok(statSync(join(dataRoot, 'admin')).isDirectory())
})

t.test('a later start makes nothing; a broken sessions file is a warning, not a failure', async (t) => {
  const hashed = '$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g'
  const accounts = JSON.stringify({ format: 1, accounts: [{ handle: 'alice', name: 'Alice', created: 1, password: hashed, enabled: true, admin: true, stamp: 's' }] })
  const { lines, warnings, store } = await open(t, { 'sessions.json': '{broken', 'accounts.json': accounts })
  t.same(lines, [])
  t.same(store.list().map((a) => a.handle), ['alice'])
  t.equal(warnings.length, 1)
  t.match(warnings[0], /sessions\.json is not a sessions file/)
})

t.test('changes from another process are taken, and said, with SIGHUP too', async (t) => {
  const { store, sessions, lifecycle, log, dataRoot } = await open(t)
  const cli = new AccountStore({ dataRoot, identity }).load()
  // Waiters go in first: the change may be seen before the writer has even released its lock.
  let seen = log.next(/accounts\.json changed \(accounts: 2\)\./)
  await cli.update((d) => addAccount(d, { handle: 'alice', password: '', admin: false }, 1))
  await seen
  t.ok(store.get('alice'))
  const session = sessions.create('alice', store.get('alice')!.stamp, 'a', undefined).session
  seen = log.next(/changed \(accounts: 2\)/)
  await cli.update((d) => setEnabled(d, 'alice', false))
  await seen
  t.equal(sessions.list('alice').length, 0, 'disabling ended the session')
  t.ok(session)
  const before = log.lines.length
  await lifecycle.reload()
  t.equal(log.lines.length, before, 'a reload with nothing new says nothing')
  seen = log.next(/cannot be used: it is not valid JSON.*The accounts in use stay as they were\./)
  writeFileSync(store.file, 'broken')
  await lifecycle.reload()
  await seen
  t.ok(store.get('alice'), 'the accounts in use stay')
})

t.test('where the file system reports no changes, the file is checked twice a second', async (t) => {
  const { openAccounts: withoutWatch } = await t.mockImport<typeof import('../../src/cli/accounts.js')>('../../src/cli/accounts.js', {
    '../../src/server/file-watch.js': { watchFiles: () => ({ close () {} }) }
  })
  const { store, log, dataRoot } = await open(t, {}, {}, withoutWatch)
  // The poll does not keep a process alive by itself (the server does): this does.
  const alive = setInterval(() => {}, 1000)
  t.teardown(() => clearInterval(alive))
  const seen = log.next(/changed \(accounts: 2\)/)
  await new AccountStore({ dataRoot, identity }).load().update((d) => addAccount(d, { handle: 'bob', password: '', admin: false }, 1))
  await seen
  t.ok(store.get('bob'))
})

t.test('sessions are written when the server stops', async (t) => {
  const { sessions, lifecycle, store, dataRoot } = await open(t)
  sessions.create('admin', store.get('admin')!.stamp, 'a', undefined)
  await lifecycle.close()
  t.equal(JSON.parse(readFileSync(join(dataRoot, 'sessions.json'), 'utf8')).sessions.length, 1)
})

t.test('a sessions file that cannot be written is a warning, and the server goes on', async (t) => {
  // A folder where the file should be: the sessions live on in memory, the write fails and says so.
  const { sessions, lifecycle, store, log } = await open(t, { 'sessions.json': {} } as unknown as Record<string, string>)
  sessions.create('admin', store.get('admin')!.stamp, 'a', undefined)
  await lifecycle.close()
  t.match(log.lines.join('\n'), /Cannot write the sessions file: /)
})
