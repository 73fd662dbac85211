/**
 * Times the whitelist compile in a fresh process, cold, as at start-up: reads the entries (not
 * timed), loads dist/access/ip-rules.js, then times compileIpRules alone. Prints one JSON line.
 *
 *   node bench/lib/compile-worker.js entries.json
 */
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'

const entries = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8'))
const rules = entries.map((entry, i) => ({ entry, source: `config.yaml whitelist[${i}]` }))
const { compileIpRules } = await import('../../dist/access/ip-rules.js')
const started = performance.now()
const matcher = compileIpRules(rules, 'whitelist')
const ms = performance.now() - started
// The list admits the measuring client and not its neighbour; anything else means a bad list.
const sane = matcher.match('127.0.0.1') !== undefined && matcher.match('127.0.0.2') === undefined
process.stdout.write(`${JSON.stringify({ ms, entries: entries.length, sane })}\n`)
