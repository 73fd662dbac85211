import { unlinkSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { Test } from 'tap'
import { describeOwner, ownerRuns, parseOwner } from '../../src/data/process-owner.js'

/** /proc/<pid>/stat for a process in `state` that started `start` ticks after boot. */
function statLine (pid: number, state: string, start: string): string {
  const after = [state, ...Array.from({ length: 18 }, (_, i) => String(i)), start, '0', '0'].join(' ')
  // A command name with a space and a parenthesis in it, as a process may name itself.
  return `${pid} (node (x) y) ${after}\n`
}

function fakeProc (t: Test, processes: Record<number, [string, string]>) {
  return t.testdir({
    self: { stat: statLine(9, 'R', '1') },
    stat: 'cpu 1 2 3\nbtime 1764000000\nprocesses 5\n',
    sys: { kernel: { random: { boot_id: 'boot-a\n' } } },
    ...Object.fromEntries(Object.entries(processes).map(([pid, [state, start]]) => [pid, { stat: statLine(Number(pid), state, start) }]))
  })
}
const never = { isRunning: () => { throw new Error('not asked where /proc is') } }

t.test('an owner is its process id, its start tick and the boot id', async (t) => {
  const procRoot = fakeProc(t, { 42: ['S', '5555'] })
  t.same(describeOwner(42, procRoot), { pid: 42, start: '5555', boot: 'boot-a' })
  t.same(describeOwner(43, procRoot), { pid: 43 }, 'no such process: the id alone')
  const real = describeOwner(process.pid)
  t.match(real, { pid: process.pid, start: /^\d+$/, boot: /^[0-9a-f-]{36}$/ }, 'this process, from the real /proc')
  t.ok(ownerRuns(real, never, Date.now()))
})

t.test('a lock holds only while its very process runs', async (t) => {
  const procRoot = fakeProc(t, { 42: ['S', '5555'], 43: ['Z', '5555'], 1: ['S', '7'] })
  const probe = { ...never, procRoot }
  t.ok(ownerRuns({ pid: 42, start: '5555', boot: 'boot-a' }, probe, 0))
  t.notOk(ownerRuns({ pid: 42, start: '5556', boot: 'boot-a' }, probe, 0), 'the id now belongs to a later process')
  t.notOk(ownerRuns({ pid: 1, start: '99999', boot: 'boot-a' }, probe, 0), 'pid 1, with another start time')
  t.notOk(ownerRuns({ pid: 42, start: '5555', boot: 'boot-b' }, probe, 0), 'written before the machine restarted')
  t.notOk(ownerRuns({ pid: 43, start: '5555', boot: 'boot-a' }, probe, 0), 'killed, not reaped yet (a zombie)')
  t.notOk(ownerRuns({ pid: 44, start: '5555', boot: 'boot-a' }, probe, 0), 'gone')
})

t.test("an older lock's bare process id holds while a process that started before it runs", async (t) => {
  // Booted at 1764000000 s; process 42 started 55.55 s later.
  const procRoot = fakeProc(t, { 42: ['S', '5555'] })
  const probe = { ...never, procRoot }
  const started = (1764000000 + 55.55) * 1000
  t.ok(ownerRuns({ pid: 42 }, probe, started + 2000), 'written by that process')
  t.notOk(ownerRuns({ pid: 42 }, probe, started - 2000), 'written before that process started: by another one')
  const noBootTime = fakeProc(t, { 42: ['S', '5555'] })
  unlinkSync(join(noBootTime, 'stat'))
  t.ok(ownerRuns({ pid: 42 }, { ...never, procRoot: noBootTime }, 0), 'without a boot time it holds')
})

t.test('without /proc (macOS, Windows) the process id is all there is', async (t) => {
  const procRoot = t.testdir({})
  t.same(describeOwner(42, procRoot), { pid: 42 })
  t.ok(ownerRuns({ pid: 42, start: '1', boot: 'x' }, { isRunning: (pid) => pid === 42, procRoot }, 0))
  t.notOk(ownerRuns({ pid: 43 }, { isRunning: (pid) => pid === 42, procRoot }, 0))
})

t.test('lock files of both formats are read; anything else is no owner', async (t) => {
  t.same(parseOwner('77\n'), { pid: 77 })
  t.same(parseOwner('{"pid":77,"start":"12","boot":"b"}\n'), { pid: 77, start: '12', boot: 'b' })
  t.same(parseOwner('{"pid":77,"start":12}'), { pid: 77 })
  for (const text of ['', 'garbage', 'null', '{"pid":"77"}', '{"pid":7.5}', '[]']) t.equal(parseOwner(text), undefined, JSON.stringify(text))
})
