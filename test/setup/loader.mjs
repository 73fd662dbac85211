// Loads the test files, written in TypeScript, without a TypeScript loader in every test process.
//
// - Test files import the TypeScript sources (../../src/x.js, for their types); at run time they
//   get the JavaScript that `npm test` has just compiled into dist/ instead, the same code the CLI
//   under test runs. Coverage still reports src/: dist/ carries source maps back to it.
//   `TAVERN_TEST_SOURCES=1` loads src/ itself instead.
// - Test files themselves (test/, bench/) are turned into JavaScript once, by TypeScript's
//   transpiler, and kept in node_modules/.cache/tavern-tests/ under a hash of their text, so a
//   test process reads JavaScript and never loads TypeScript (which cost ~3 CPU-seconds per
//   process with tap's own loader). The package.json sets TAP_TYPE_STRIP_ONLY=1 for the test
//   processes: tap then leaves TypeScript to this loader.
import { existsSync } from 'node:fs'
import { register } from 'node:module'

const root = new URL('../../', import.meta.url).href
const dist = existsSync(new URL('dist/cli/main.js', root)) && process.env.TAVERN_TEST_SOURCES !== '1'
register('./loader-hooks.mjs', import.meta.url, { data: { root, dist } })
