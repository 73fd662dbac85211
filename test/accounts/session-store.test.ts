import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { Test } from 'tap'
import { MAX_SESSIONS, PER_ACCOUNT, SessionStore, TOUCH_MS } from '../../src/accounts/session-store.js'

const MINUTE = 60_000

function setup (t: Test, options: { idleMs?: number, lifetimeMs?: number, write?: (file: string, text: string) => Promise<void> } = {}) {
  const dir = t.testdir({})
  let now = Date.parse('2026-12-01T10:00:00Z')
  const writes: string[] = []
  const failures: string[] = []
  const file = join(dir, 'sessions.json')
  const make = () => new SessionStore({
    file,
    idleMs: options.idleMs ?? 60 * MINUTE,
    lifetimeMs: options.lifetimeMs ?? 24 * 60 * MINUTE,
    now: () => now,
    write: options.write ?? (async (f, text) => { writes.push(text); writeFileSync(f, text) }),
    failed: (error) => { failures.push(error.message) }
  })
  return { file, make, writes, failures, tick: (ms: number) => { now += ms }, now: () => now }
}

t.test('a session is found by its id; the file holds only a hash of it', async (t) => {
  const { make, file } = setup(t)
  const sessions = make()
  const { id, session } = sessions.create('alice', 'stamp', '10.0.0.5', 'Mozilla/5.0 (Android) Chrome/130')
  t.match(id, /^[A-Za-z0-9_-]{43}$/)
  t.equal(sessions.get(id), session)
  t.equal(sessions.get(`${id}x`), undefined)
  await sessions.flush()
  const text = readFileSync(file, 'utf8')
  t.notMatch(text, id, 'the id itself is never written')
  t.match(text, session.key)
  const again = make()
  t.equal(again.load(), undefined)
  t.match(again.get(id), { handle: 'alice', stamp: 'stamp', address: '10.0.0.5' }, 'a restart keeps the session')
})

t.test('a session ends after its idle time, and after its lifetime however used', async (t) => {
  const { make, tick } = setup(t, { idleMs: 30 * MINUTE, lifetimeMs: 120 * MINUTE })
  const sessions = make()
  const idle = sessions.create('alice', 's', 'a', undefined)
  tick(30 * MINUTE + 1)
  t.equal(sessions.get(idle.id), undefined, 'unused for longer than sessionTimeout')
  t.equal(sessions.size, 0, 'and gone')
  const busy = sessions.create('alice', 's', 'a', undefined)
  for (let i = 0; i < 12; i++) {
    tick(10 * MINUTE)
    const found = sessions.get(busy.id)
    t.ok(found, `still there after ${(i + 1) * 10} minutes of use`)
    sessions.touch(found!, 'a')
  }
  tick(1)
  t.equal(sessions.get(busy.id), undefined, 'past its lifetime')
})

t.test('last seen is kept to the minute: requests do not write the file', async (t) => {
  const { make, tick, writes } = setup(t)
  const sessions = make()
  const { session } = sessions.create('alice', 's', '10.0.0.5', undefined)
  await sessions.flush()
  t.equal(writes.length, 1)
  for (let i = 0; i < 100; i++) sessions.touch(session, '10.0.0.5')
  tick(TOUCH_MS - 1)
  sessions.touch(session, '10.0.0.5')
  await sessions.flush()
  t.equal(writes.length, 1, 'within the minute: nothing to write')
  tick(1)
  sessions.touch(session, '10.0.0.5')
  t.equal(session.lastSeen, Date.parse('2026-12-01T10:01:00Z'))
  sessions.touch(session, '10.0.0.9')
  t.equal(session.address, '10.0.0.9', 'a new address is noted at once')
  await sessions.flush()
  t.equal(writes.length, 2, 'both land in one write')
})

t.test('changes are batched into one write, and a failed write is tried again at the next change', async (t) => {
  let fail = true
  const written: string[] = []
  const { make, failures } = setup(t, { write: async (_file, text) => { if (fail) throw new Error('disk full'); written.push(text) } })
  const sessions = make()
  for (let i = 0; i < 50; i++) sessions.create(`user${i}`, 's', 'a', undefined)
  await sessions.flush()
  t.same(failures, ['disk full'])
  fail = false
  await sessions.flush()
  t.equal(written.length, 1, 'the same changes, written once it works')
  t.equal(JSON.parse(written[0]!).sessions.length, 50)
  await sessions.flush()
  t.equal(written.length, 1, 'nothing changed since')
})

t.test('a change is written by itself within a second', async (t) => {
  let resolve: () => void = () => {}
  const written = new Promise<void>((r) => { resolve = r })
  const { make } = setup(t, { write: async () => { resolve() } })
  // The store's timer does not keep a process alive by itself (the server does): this does.
  const alive = setInterval(() => {}, 1000)
  make().create('alice', 's', 'a', undefined)
  await written
  clearInterval(alive)
  t.pass('written without a flush')
})

t.test('listing, ending one, ending some, moving to a new stamp', async (t) => {
  const { make, tick } = setup(t)
  const sessions = make()
  const a1 = sessions.create('alice', 's', 'a', 'phone').session
  tick(1000)
  const a2 = sessions.create('alice', 's', 'a', 'laptop').session
  const b1 = sessions.create('bob', 's', 'b', undefined).session
  t.same(sessions.list('alice').map((s) => s.device), ['laptop', 'phone'], 'the most recent first')
  t.equal(sessions.byRef('alice', a1.ref), a1)
  t.equal(sessions.byRef('bob', a1.ref), undefined, 'someone else\'s session is not found by ref')
  const generation = sessions.generation
  sessions.end(a1)
  sessions.end(a1)
  t.equal(sessions.generation, generation + 1, 'ending twice counts once')
  t.equal(sessions.endUnless((s) => s.handle !== 'alice'), 1)
  t.same(sessions.list('alice'), [])
  sessions.restamp(b1, 'new')
  t.equal(b1.stamp, 'new')
  t.equal(a2.handle, 'alice')
})

t.test('one person\'s sessions are capped; so is the total', async (t) => {
  const { make, tick } = setup(t)
  const sessions = make()
  const first = sessions.create('alice', 's', 'a', undefined)
  for (let i = 1; i < PER_ACCOUNT; i++) {
    tick(1)
    sessions.create('alice', 's', 'a', undefined)
  }
  t.equal(sessions.list('alice').length, PER_ACCOUNT)
  tick(1)
  sessions.create('alice', 's', 'a', undefined)
  t.equal(sessions.list('alice').length, PER_ACCOUNT)
  t.equal(sessions.get(first.id), undefined, 'the one unused the longest went')
  t.ok(MAX_SESSIONS >= PER_ACCOUNT)
})

t.test('the total is capped: the session unused the longest goes', async (t) => {
  const { make, tick } = setup(t)
  const sessions = make()
  const first = sessions.create('u0', 's', 'a', undefined)
  tick(1)
  const oldest = sessions.create('u1', 's', 'a', undefined)
  for (let i = 2; i < MAX_SESSIONS; i++) sessions.create(`u${i}`, 's', 'a', undefined)
  tick(TOUCH_MS)
  sessions.touch(first.session, 'a')
  sessions.create('late', 's', 'a', undefined)
  t.equal(sessions.size, MAX_SESSIONS)
  t.equal(sessions.get(oldest.id), undefined)
  t.ok(sessions.get(first.id), 'the first one made, but used since, stays')
})

t.test('a sessions file that cannot be used means everyone logs in again, with a warning', async (t) => {
  const { make, file, tick } = setup(t)
  t.equal(make().load(), undefined, 'no file: nobody is logged in')
  for (const [text, warning] of [
    ['{', /is not a sessions file \(.*JSON.*\): everyone has to log in again/],
    ['{"format": 2, "sessions": []}', /expected \{"format": 1/]
  ] as const) {
    writeFileSync(file, text)
    t.match(make().load(), warning)
  }
  const sessions = make()
  const kept = sessions.create('alice', 's', 'a', undefined)
  const expired = sessions.create('bob', 's', 'a', undefined)
  await sessions.flush()
  const data = JSON.parse(readFileSync(file, 'utf8'))
  data.sessions.push({ key: 'broken' }, null)
  data.sessions[1].lastSeen -= 61 * MINUTE
  writeFileSync(file, JSON.stringify(data))
  tick(1)
  const loaded = make()
  t.equal(loaded.load(), undefined)
  t.equal(loaded.size, 1, 'broken and expired records are dropped')
  t.ok(loaded.get(kept.id))
  t.equal(loaded.get(expired.id), undefined)
})

t.test('an unreadable sessions file is reported', async (t) => {
  const dir = t.testdir({ 'sessions.json': {} })
  const sessions = new SessionStore({ file: join(dir, 'sessions.json'), idleMs: 1, lifetimeMs: 1, now: Date.now, write: async () => {}, failed: () => {} })
  t.match(sessions.load(), /^Cannot read .*sessions\.json \(EISDIR.*\): everyone has to log in again\.$/)
})
