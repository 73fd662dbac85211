/**
 * The benchmark harness runs end to end: one tiny round of every case, a Markdown report with a
 * row for each. No timing is asserted here; the numbers live in bench/results.md.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { runToExit } from '../helpers/cli.js'

const BENCH = new URL('../../bench/', import.meta.url)

t.test('a quick run measures what it can, says why it cannot measure the rest, and exits 0', async (t) => {
  const dir = t.testdir({})
  const out = join(dir, 'results.md')
  const { CASES } = await import(new URL('cases.js', BENCH).href) as { CASES: Array<{ name: string }> }
  // The app behind the gate has its own test (app.test.ts), so each file stays short.
  const result = await runToExit(['--quick', '--skip', 'proxied', '--out', out], { cwd: dir, script: fileURLToPath(new URL('run.js', BENCH)) })
  t.equal(result.code, 0, result.err)
  const report = readFileSync(out, 'utf8')
  t.equal(result.out, report, 'the report printed is the report written')
  t.match(report, /^# Benchmark results \(quick mode/)
  t.match(report, /\n\| case \| req\/s \| p50 ms \| p99 ms \|/)
  t.match(report, /\n\| bare Fastify \| [\d,]+ \|/)
  for (const { name } of CASES) {
    t.match(report, new RegExp(`\\n\\| ${name.replace(/[+.]/g, '\\$&')} \\| ([\\d,]+|not measured: [^|\\n]+) \\|`), `a row for ${name}`)
  }
  t.match(report, /\n\| start, spawn → listening \(median of \d+\) \| [\d,]+ ms \| [\d,]+ ms \|/)
  t.match(report, /\n\| resident memory after start/)
  t.match(report, /\n\| compile of the 100,000-entry whitelist/)
  t.match(report, /\n## Valid requests during a wrong-password flood/)
  t.match(report, /\nTargets: \d+ hold, \d+ fail, \d+ not measured\.\n$/)
  t.notMatch(report, '## The app behind the gate', 'left out with --skip')
})
