import t from 'tap'
import { ConsoleBudget, UNREF_TIMERS } from '../../src/log/console-budget.js'
import type { BudgetOptions } from '../../src/log/console-budget.js'

/** A clock and a timer queue that move only when told. */
function setUp (options: Partial<BudgetOptions> = {}) {
  let now = 0
  const lines: string[] = []
  const timers: Array<{ at: number, run: () => void } | undefined> = []
  const budget = new ConsoleBudget({
    windowMs: 60_000,
    perKey: 2,
    total: 5,
    capacity: 100,
    print: (line) => lines.push(line),
    keySummary: (key, held) => `${held} more from ${key}`,
    totalSummary: (held, keys, more) => `${held} more from ${more ? 'more than ' : ''}${keys} keys`,
    now: () => now,
    timers: {
      set: (run, ms) => timers.push({ at: now + ms, run }) - 1,
      clear: (handle) => { timers[handle as number] = undefined }
    },
    ...options
  })
  /** Moves the clock on, running the timers that come due. */
  const advance = (ms: number): void => {
    const until = now + ms
    for (;;) {
      const next = timers.filter((x) => x !== undefined && x.at <= until).sort((a, b) => a!.at - b!.at)[0]
      if (next === undefined) break
      timers[timers.indexOf(next)] = undefined
      now = next.at
      next.run()
    }
    now = until
  }
  return { budget, lines, advance, pending: () => timers.filter(Boolean).length }
}

t.test('the first lines of a key are printed, the rest summed up when its window ends, with no further line needed', async (t) => {
  const s = setUp()
  for (let i = 1; i <= 5; i++) s.budget.offer('10.0.0.5', `refused ${i}`)
  t.same(s.lines, ['refused 1', 'refused 2'])
  s.advance(59_000)
  t.same(s.lines, ['refused 1', 'refused 2'], 'not before the window ends')
  s.advance(2_000)
  t.same(s.lines, ['refused 1', 'refused 2', '3 more from 10.0.0.5'])
  t.equal(s.pending(), 0, 'nothing held, no timer')
  s.budget.offer('10.0.0.5', 'refused 6')
  t.same(s.lines.at(-1), 'refused 6', 'a new window')
})

t.test('a quiet key sets no timer', async (t) => {
  const s = setUp()
  s.budget.offer('10.0.0.5', 'one')
  t.equal(s.pending(), 0)
})

t.test('many keys share a total budget; the rest is one line with how many keys', async (t) => {
  const s = setUp()
  for (let i = 0; i < 1000; i++) s.budget.offer(`2001:db8::${i.toString(16)}`, `refused ${i}`)
  t.same(s.lines, ['refused 0', 'refused 1', 'refused 2', 'refused 3', 'refused 4'])
  s.advance(61_000)
  t.same(s.lines.slice(5), ['995 more from more than 100 keys'], 'memory for 100 keys, and said so')
  t.equal(s.pending(), 0)
})

t.test('summaries count against the total; one that does not fit joins the total summary', async (t) => {
  const s = setUp({ total: 3 })
  for (let i = 0; i < 4; i++) s.budget.offer('a', `a ${i}`) // 2 printed, 2 held
  s.budget.offer('b', 'b 0') // the 3rd line: the total is spent
  for (let i = 0; i < 3; i++) s.budget.offer('b', `b ${i + 1}`) // 1 held by the total, 2 held by b
  s.advance(61_000)
  // Both key windows and the total end at once: the key summaries open the next total window.
  t.same(s.lines, ['a 0', 'a 1', 'b 0', '1 more from 1 keys', '2 more from a', '2 more from b'])
})

t.test('a key forgotten for room keeps its count, and the count of keys says "more than" past capacity', async (t) => {
  const s = setUp({ capacity: 2, total: 1, perKey: 1 })
  s.budget.offer('a', 'a 0')
  s.budget.offer('a', 'a 1') // held by a
  s.budget.offer('b', 'b 0') // held by the total
  s.budget.offer('c', 'c 0') // a is forgotten: its 1 held line goes to the total
  s.budget.offer('d', 'd 0')
  s.advance(61_000)
  t.same(s.lines, ['a 0', '4 more from more than 2 keys'])
})

t.test('the real timers do not keep the process alive', async (t) => {
  let ran = false
  const handle = UNREF_TIMERS.set(() => { ran = true }, 60_000) as NodeJS.Timeout
  t.notOk(handle.hasRef())
  UNREF_TIMERS.clear(handle)
  t.notOk(ran)
})
