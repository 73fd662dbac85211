import t from 'tap'
import { SharedChecks } from '../../src/access/shared-checks.js'
import { countTurns } from '../helpers/turns.js'

/** A promise settled from outside. */
function deferred<T> (): { promise: Promise<T>, resolve: (value: T) => void, reject: (error: Error) => void } {
  let resolve!: (value: T) => void
  let reject!: (error: Error) => void
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

t.test('the same key while a check runs joins it: one check, every caller gets its answer', async (t) => {
  const checks = new SharedChecks<string>()
  const work = deferred<string>()
  let started = 0
  const start = (): Promise<string> => { started++; return work.promise }
  t.equal(checks.joined('k'), undefined, 'nothing under way')
  const first = checks.run('k', start)
  const others = Array.from({ length: 9 }, () => checks.run('k', start))
  const joined = checks.joined('k') as Promise<string>
  t.ok(joined instanceof Promise, 'joined() finds the check under way')
  t.equal(checks.joined('other'), undefined, 'another key has none')
  work.resolve('yes')
  t.same(await Promise.all([first, ...others, joined]), Array(11).fill('yes'))
  t.equal(started, 1)
  t.equal(checks.joined('k'), undefined, 'over: forgotten')
  t.equal(await checks.run('k', async () => { started++; return 'again' }), 'again', 'the next one is a new check')
  t.equal(started, 2)
})

t.test('a check that fails fails for every caller, and is forgotten', async (t) => {
  const checks = new SharedChecks<boolean>()
  const work = deferred<boolean>()
  const all = [checks.run('k', () => work.promise), checks.run('k', async () => true), checks.joined('k') as Promise<boolean>]
  work.reject(new Error('busy'))
  for (const result of await Promise.allSettled(all)) t.match(result, { status: 'rejected', reason: { message: 'busy' } })
  t.equal(checks.joined('k'), undefined)
})

t.test('the callers that joined resume one per turn of the event loop, so other sockets are read in between', async (t) => {
  const checks = new SharedChecks<number>()
  const work = deferred<number>()
  const turn = countTurns(t)
  const resumedAt: number[] = []
  const first = checks.run('k', () => work.promise).then(() => resumedAt.push(turn()))
  const joiners = Array.from({ length: 20 }, () => checks.run('k', () => work.promise).then(() => resumedAt.push(turn())))
  work.resolve(1)
  await Promise.all([first, ...joiners])
  t.equal(resumedAt.length, 21)
  t.equal(new Set(resumedAt).size, 21, `each in a turn of its own (turns: ${resumedAt.join(', ')})`)
  t.same(resumedAt, [...resumedAt].sort((a, b) => a - b), 'in the order they joined')
})
