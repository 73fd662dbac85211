/**
 * Coverage for the processes the tests start (the command, in test/helpers/cli.ts), at a fraction
 * of what the test runner's own recording costs there.
 *
 * The runner adds its process recorder to every Node process a test spawns. The recorder sends
 * every module the process loads through a loader thread and reads its source map, which doubled
 * the CPU of each start of the command (0.8 → 1.65 CPU-s), and the tests start it hundreds of
 * times. This file does only what the coverage report needs: V8's precise coverage from the first
 * line, and at exit one file in `.tap/coverage/` in the format the recorder writes (the scripts of
 * this package, each compiled file with its source map and line lengths, so the report maps
 * dist/ back to src/). Nothing else changes in the process: no loader thread, no signal handlers.
 *
 *   NODE_OPTIONS=--import=./test/setup/child-coverage.mjs node bin/tavern-server.js
 */
import { randomUUID } from 'node:crypto'
import { Session } from 'node:inspector'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const ROOT = new URL('../../', import.meta.url)
/** The package's own scripts: what the coverage report counts (not tests, benchmarks or dependencies). */
const OWN = [new URL('dist/', ROOT).href, new URL('bin/', ROOT).href, new URL('.ci/', ROOT).href, new URL('server.js', ROOT).href]
const OUT = fileURLToPath(new URL('.tap/coverage/', ROOT))

const session = new Session()
session.connect()
session.post('Profiler.enable')
session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true })

/** The entry of the recorder's `source-map-cache` for a compiled file, or undefined. */
function sourceMap (url) {
  const file = fileURLToPath(url)
  let map
  try {
    map = JSON.parse(readFileSync(`${file}.map`, 'utf8'))
  } catch {
    return undefined
  }
  return {
    lineLengths: readFileSync(file, 'utf8').split(/\n|\u2028|\u2029/).map((line) => line.length),
    data: { ...map, sources: map.sources.map((source) => new URL(source, url).href) }
  }
}

process.on('exit', () => {
  // The inspector answers a session of the main thread synchronously: this runs before exit.
  session.post('Profiler.takePreciseCoverage', (error, coverage) => {
    if (error !== null) return
    const result = coverage.result.filter((script) => OWN.some((own) => script.url === own || (own.endsWith('/') && script.url.startsWith(own))))
    const cache = {}
    for (const script of result) {
      const entry = script.url.endsWith('.js') && script.url.startsWith(OWN[0]) ? sourceMap(script.url) : undefined
      if (entry !== undefined) cache[script.url] = entry
    }
    mkdirSync(OUT, { recursive: true })
    writeFileSync(`${OUT}${randomUUID()}.json`, JSON.stringify({ result, 'source-map-cache': cache }))
  })
})
