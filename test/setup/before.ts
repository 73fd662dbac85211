/**
 * Runs once before the test files. It starts preparing the real SillyTavern (install from the npm
 * registry, first compile) in a background process when the cache does not have it yet, so that
 * work overlaps the other test files; the tests that need it wait for it
 * (test/helpers/sillytavern.ts).
 */
import { spawn } from 'node:child_process'
import { mkdirSync, openSync } from 'node:fs'
import { setPriority } from 'node:os'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { prefixed } from '../helpers/cli.js'
import { preparationState, prepareLog, sillyTavernHome } from '../helpers/sillytavern.js'

if (preparationState() === 'none') {
  const home = sillyTavernHome()
  mkdirSync(dirname(home), { recursive: true })
  const out = openSync(`${home}.background.log`, 'w')
  // Only the project's loader (for TypeScript): the runner's process recording and coverage must
  // not follow a process that outlives the run (prefixed: the runner puts them back into every
  // process it sees spawned, so filtering the environment is not enough; NODE_OPTIONS and
  // NODE_V8_COVERAGE go there, the runner's own settings here).
  const loader = `--import=${new URL('loader.mjs', import.meta.url).href}`
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('TAP')) env[k] = v
  }
  const child = spawn(...prefixed(false, process.execPath, [loader, fileURLToPath(new URL('prepare-sillytavern.ts', import.meta.url))]), {
    detached: true,
    env,
    stdio: ['ignore', out, out]
  })
  // At the lowest priority: the tests get the CPU first, and the preparation (a minute of CPU on
  // a fresh machine) fills the moments they leave it idle, waiting on timers, sockets and
  // browsers. Its npm and SillyTavern processes inherit the priority.
  try {
    setPriority(child.pid as number, 19)
  } catch {
    // Where the priority cannot be changed, the preparation runs at the normal one.
  }
  child.unref()
  console.log(`# preparing SillyTavern in the background (log: ${prepareLog(home)})`)
}
