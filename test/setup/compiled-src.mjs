// Test files import the TypeScript sources (../../src/x.js, for their types); at run time they get
// the JavaScript that `npm test` has just compiled into dist/ instead, the same code the CLI under
// test runs. Compiling the sources again in every test process cost seconds of CPU per file.
// Coverage still reports src/: dist/ carries source maps back to it.
import { existsSync } from 'node:fs'
import { register } from 'node:module'

const root = new URL('../../', import.meta.url).href
if (existsSync(new URL('dist/cli/main.js', root)) && process.env.TAVERN_TEST_SOURCES !== '1') {
  register('./compiled-src-hooks.mjs', import.meta.url, { data: { root } })
}
