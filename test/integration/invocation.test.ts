/**
 * Messages name commands the way the user started the real program (issue 11).
 */
import { symlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import t from 'tap'
import { BIN, runToExit, SERVER_JS } from '../helpers/cli.js'

t.test('messages name the command the way it was started: node server.js, npx tavern-server, tavern-server', async (t) => {
  const dir = t.testdir({ node_modules: { '.bin': {} }, bin: {} })
  symlinkSync(BIN, join(dir, 'node_modules', '.bin', 'tavern-server'))
  symlinkSync(BIN, join(dir, 'bin', 'tavern-server'))
  const cases: Array<[string, string, string]> = [
    // From a checkout; the command reads nothing and writes nothing before it refuses.
    [SERVER_JS, dirname(SERVER_JS), 'node server.js'],
    [join(dir, 'node_modules', '.bin', 'tavern-server'), dir, 'npx tavern-server'],
    [join(dir, 'bin', 'tavern-server'), dir, 'tavern-server']
  ]
  for (const [script, cwd, named] of cases) {
    const result = await runToExit(['hash-password', 'hunter2'], { cwd, script })
    t.equal(result.code, 2, named)
    t.match(result.err, `Run \`${named} hash-password\` and type the password when asked, or pipe it in: echo "$PASSWORD" | ${named} hash-password\n`, named)
    t.notMatch(result.err, /hunter2/)
  }
})
