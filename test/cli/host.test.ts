import { existsSync } from 'node:fs'
import { platform } from 'node:os'
import t from 'tap'
import { machineHost, runProgram } from '../../src/cli/host.js'

t.test('runs a program without a shell: its exit code and output', async (t) => {
  t.same(await runProgram('sh', ['-c', 'echo out; echo err >&2; exit 3']), { code: 3, output: 'out\nerr' })
  t.same(await runProgram('true', []), { code: 0, output: '' })
  t.same(await runProgram('sh', ['-c', 'echo "$X"'], { X: 'given' }), { code: 0, output: 'given' })
  const missing = await runProgram('tavern-no-such-program', [])
  t.equal(missing.code, null)
  t.match(missing.output, /ENOENT/)
})

t.test('the real machine: the node binary, the user, the platform, systemd as /run/systemd/system says', async (t) => {
  const host = machineHost('/usr/bin/node', 1000)
  t.equal(host.execPath, '/usr/bin/node')
  t.equal(host.uid, 1000)
  t.equal(host.platform, platform())
  t.equal(host.root, '/')
  t.equal(host.systemd(), existsSync('/run/systemd/system'))
  t.type(host.userName, 'string')
})
