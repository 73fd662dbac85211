/**
 * The benchmark of the app behind the gate runs end to end in smoke mode: the proxied case beside
 * bare Fastify with the same proxy library and nginx (or the reason nginx is not measured), streaming
 * latency and held event streams (a few: the full run holds a thousand). Each load stops after a
 * hundred answers. No timing is asserted here.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { childCoverage, runToExit, WITHOUT_TEST_RUNNER } from '../helpers/cli.js'

t.test('a smoke run of the proxied section reports every row, measured or with its reason', async (t) => {
  const dir = t.testdir({})
  const out = join(dir, 'results.md')
  // The harness and its clients run without the test runner; tavern-server alone keeps it, so the
  // coverage of the proxied gate is still recorded.
  const result = await runToExit(['--smoke', '--only', 'proxied', '--out', out], {
    cwd: dir,
    script: fileURLToPath(new URL('../../bench/run.js', import.meta.url)),
    prefix: WITHOUT_TEST_RUNNER,
    env: { BENCH_TAVERN_NODE_OPTIONS: childCoverage() }
  })
  t.equal(result.code, 0, result.err)
  const report = readFileSync(out, 'utf8')
  t.match(report, /^# Benchmark results \(smoke mode/)
  t.notMatch(report, '## Throughput', 'only the app section')
  t.match(report, '\n## The app behind the gate\n')
  t.match(report, /\n\| tavern-server \(whitelist \+ Basic auth\), proxied \| ([\d,]+ \| [^|]+ \| [^|]+ \| [^|]+ \| 0 \|) /, 'the gate proxied every request without an error')
  t.match(report, /\n\| bare Fastify \+ @fastify\/reply-from, no gate \| [\d,]+ \|/)
  t.match(report, /\n\| nginx \(allow\/deny \+ auth_basic \+ proxy_pass\)(, nginx\/\S+ \| [\d,]+| \| not measured: nginx not installed \(apt-get install nginx\)) \|/)
  t.match(report, /\n\| streaming: time from the app writing a chunk to the client reading it, p99 \| [\d.,]+ ms through the gate, [\d.,]+ ms directly/)
  t.match(report, /ms directly: -?[\d.,]+ ms added \(p50 [^|]*; median of 1 round; the app on the proxies' core, the client on the other\); through bare reply-from, no gate: p99 [\d.,]+ ms, p50 [\d.,]+ ms, -?[\d.,]+ ms added \|/, 'the same stream through the proxy library alone')
  t.match(report, /\n\| (\d+) event streams open at once through the gate \| \1 of \1 held at once, \1 completed, 0 errors; tavern-server RSS \d+ MB before, \d+ MB while holding them \| all held \| pass \|/)
  t.match(report, /\nTargets: \d+ hold, \d+ fail, \d+ not measured\.\n$/)
})
