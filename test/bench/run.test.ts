/**
 * The benchmark harness runs end to end: the smoke run (the cases marked smoke, fractions of a
 * second each), a Markdown report with a row for each. It proves the script works, in seconds;
 * no timing is asserted here, the numbers live in bench/results.md.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { runToExit, WITHOUT_TEST_RUNNER } from '../helpers/cli.js'

const BENCH = new URL('../../bench/', import.meta.url)

function row (name: string): RegExp {
  return new RegExp(`\\n\\| ${name.replace(/[+.]/g, '\\$&')} \\| ([\\d,]+|not measured: [^|\\n]+) \\|`)
}

t.test('a smoke run measures the smoke cases, says why it cannot measure what it cannot, and exits 0', async (t) => {
  const dir = t.testdir({})
  const out = join(dir, 'results.md')
  const { CASES } = await import(new URL('cases.js', BENCH).href) as { CASES: Array<{ name: string, smoke?: boolean }> }
  // Without the test runner's loader and coverage in every server and client it starts.
  const result = await runToExit(['--smoke', '--skip', 'proxied', '--out', out], { cwd: dir, script: fileURLToPath(new URL('run.js', BENCH)), prefix: WITHOUT_TEST_RUNNER })
  t.equal(result.code, 0, result.err)
  const report = readFileSync(out, 'utf8')
  t.equal(result.out, report, 'the report printed is the report written')
  t.match(report, /^# Benchmark results \(smoke mode/)
  t.match(report, /\n\| case \| req\/s \| p50 ms \| p99 ms \|/)
  t.match(report, /\n\| bare Fastify \| [\d,]+ \|/)
  t.ok(CASES.some((c) => c.smoke !== true), 'some cases are left out of the smoke run')
  for (const { name, smoke } of CASES) {
    if (smoke === true) t.match(report, row(name), `a row for ${name}`)
    else t.notMatch(report, row(name), `no row for ${name}`)
  }
  t.match(report, /\| not measured: quick run of every case \(a quick run with --only measures it\) \|/, 'head to head only for the control')
  t.match(report, /\n\| start, spawn → listening \(median of \d+\) \| [\d,.]+ ms \| [\d,.]+ ms \|/)
  t.match(report, /\n\| `--help`, spawn → exit \(median of \d+\), beside `node -e 0` \| [\d,.]+ ms \| [\d,.]+ ms \(node -e 0\) \| [\d.]+ \|/)
  t.match(report, /\n\| resident memory after start \(no access control\) \| [\d,]+ MB/)
  t.match(report, /\n\| compile of the 2,000-entry whitelist/)
  t.match(report, /\n## Valid requests during a wrong-password flood/)
  t.match(report, /\n## Logged-in users during a burst of logins\n[\s\S]*\n\| during 10 logins at once \| /)
  t.match(report, /\nTargets: \d+ hold, \d+ fail, \d+ not measured\.\n$/)
  t.notMatch(report, '## The app behind the gate', 'left out with --skip')
})
