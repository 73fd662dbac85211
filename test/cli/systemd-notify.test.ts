import t from 'tap'
import type { ProgramResult } from '../../src/cli/host.js'
import { notifyReady } from '../../src/cli/systemd-notify.js'

function recorder (result: ProgramResult): { run: (file: string, args: readonly string[]) => Promise<ProgramResult>, calls: string[][] } {
  const calls: string[][] = []
  return { calls, run: async (file, args) => { calls.push([file, ...args]); return result } }
}

t.test('without NOTIFY_SOCKET nothing is run', async (t) => {
  for (const env of [{}, { NOTIFY_SOCKET: '' }]) {
    const { run, calls } = recorder({ code: 0, output: '' })
    await notifyReady(env, run, 'status', () => t.fail('no warning'))
    t.same(calls, [])
  }
})

t.test('with NOTIFY_SOCKET: systemd-notify --ready with the status line', async (t) => {
  const { run, calls } = recorder({ code: 0, output: '' })
  await notifyReady({ NOTIFY_SOCKET: '/run/systemd/notify' }, run, 'tavern-server is listening on IPv4: 0.0.0.0:8000', () => t.fail('no warning'))
  t.same(calls, [['systemd-notify', '--ready', '--status=tavern-server is listening on IPv4: 0.0.0.0:8000']])
})

t.test('a missing or failing systemd-notify is a warning saying what it means', async (t) => {
  const warnings: string[] = []
  await notifyReady({ NOTIFY_SOCKET: '@x' }, recorder({ code: null, output: 'spawn systemd-notify ENOENT' }).run, 's', (line) => warnings.push(line))
  await notifyReady({ NOTIFY_SOCKET: '@x' }, recorder({ code: 1, output: 'Failed to notify init system: Permission denied' }).run, 's', (line) => warnings.push(line))
  t.same(warnings, [
    'NOTIFY_SOCKET is set, but systemd-notify could not be run (spawn systemd-notify ENOENT), so systemd is not told that the server is ready. Install it (on Debian it comes with the systemd package), or use Type=exec in the unit.',
    'systemd-notify --ready failed, so systemd is not told that the server is ready: Failed to notify init system: Permission denied'
  ])
})
