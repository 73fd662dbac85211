import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { lazyImport } from '../src/lazy-import.js'

const ROOT = dirname(fileURLToPath(new URL('../package.json', import.meta.url)))

t.test('gives the module that loads', async (t) => {
  const path = await lazyImport(() => import('node:path'))
  t.equal(path.join('a', 'b'), 'a/b')
})

t.test('a file of the installation that is missing is TVS_ERR_INSTALL_INCOMPLETE, naming it and the installation', async (t) => {
  // Node's own error (the test runner's module hooks would hand over theirs, without its code);
  // test/integration/lazy-loading.test.ts has the real one, from a copy of the installation.
  const missing = Object.assign(new Error("Cannot find module '/opt/tavern/dist/cli/serve.js' imported from /opt/tavern/dist/cli/run.js"), { code: 'ERR_MODULE_NOT_FOUND' })
  const error = await lazyImport(async () => { throw missing }).then(() => undefined, (e: unknown) => e as Error & { code: string })
  t.equal(error?.code, 'TVS_ERR_INSTALL_INCOMPLETE')
  t.equal(error?.message, `A part of tavern-server is missing: Cannot find module '/opt/tavern/dist/cli/serve.js' imported from /opt/tavern/dist/cli/run.js. The installation in ${ROOT} is incomplete, or was changed while this command ran: install it again (from a checkout: npm install, which also rebuilds dist/).`)
  t.equal(error?.cause, missing)
})

t.test('a package that a package requires and is missing is the same error, without the require stack', async (t) => {
  const error = await lazyImport(async () => createRequire(import.meta.url)('no-such-package-here') as unknown).then(() => undefined, (e: unknown) => e as Error & { code: string })
  t.equal(error?.code, 'TVS_ERR_INSTALL_INCOMPLETE')
  t.match(error?.message, /^A part of tavern-server is missing: Cannot find module 'no-such-package-here'\. The installation/)
  t.notMatch(error?.message, 'Require stack')
})

t.test('any other failure passes unchanged', async (t) => {
  const failure = Object.assign(new Error('broken'), { code: 'ERR_SOMETHING' })
  await t.rejects(lazyImport(async () => { throw failure }), failure)
})
