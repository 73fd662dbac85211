/**
 * The benchmark of the app behind the gate runs end to end in quick mode: the proxied case beside
 * bare Fastify with the same proxy library and nginx (or the reason nginx is not measured), streaming
 * latency and a thousand held event streams. No timing is asserted here.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { runToExit } from '../helpers/cli.js'

t.test('a quick run of the proxied section reports every row, measured or with its reason', async (t) => {
  const dir = t.testdir({})
  const out = join(dir, 'results.md')
  const result = await runToExit(['--quick', '--only', 'proxied', '--out', out], { cwd: dir, script: fileURLToPath(new URL('../../bench/run.js', import.meta.url)) })
  t.equal(result.code, 0, result.err)
  const report = readFileSync(out, 'utf8')
  t.match(report, /^# Benchmark results \(quick mode/)
  t.notMatch(report, '## Throughput', 'only the app section')
  t.match(report, '\n## The app behind the gate\n')
  t.match(report, /\n\| tavern-server \(whitelist \+ Basic auth\), proxied \| ([\d,]+ \| [^|]+ \| [^|]+ \| [^|]+ \| 0 \|) /, 'the gate proxied every request without an error')
  t.match(report, /\n\| bare Fastify \+ @fastify\/reply-from, no gate \| [\d,]+ \|/)
  t.match(report, /\n\| nginx \(allow\/deny \+ auth_basic \+ proxy_pass\)(, nginx\/\S+ \| [\d,]+| \| not measured: nginx not installed \(apt-get install nginx\)) \|/)
  t.match(report, /\n\| streaming: time from the app writing a chunk to the client reading it, p99 \| [\d.,]+ ms through the gate, [\d.,]+ ms directly/)
  t.match(report, /ms directly: [^|]*; through bare reply-from, no gate: p99 [\d.,]+ ms, p50 [\d.,]+ ms \|/, 'the same stream through the proxy library alone')
  t.match(report, /\n\| 1,000 event streams open at once through the gate \| 1,000 of 1,000 held at once, 1,000 completed, 0 errors; tavern-server RSS \d+ MB before, \d+ MB while holding them \| all held \| pass \|/)
  t.match(report, /\nTargets: \d+ hold, \d+ fail, \d+ not measured\.\n$/)
})
