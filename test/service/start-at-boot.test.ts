import { spawnSync } from 'node:child_process'
import t from 'tap'
import { shellWord, startAtBoot } from '../../src/service/start-at-boot.js'

const run = { node: '/usr/bin/node', script: '/opt/tavern server/bin/tavern-server.js', args: ['--port', '9000'], baseDir: '/home/me/it\'s 100%' }

t.test('a shell reads every word back as it was', async (t) => {
  for (const word of ['plain', 'two words', 'it\'s', '100%', '$HOME', '`x`', '"q"', 'a\\b', '']) {
    const echoed = spawnSync('sh', ['-c', `printf %s ${shellWord(word)}`], { encoding: 'utf8' }).stdout
    t.equal(echoed, word, JSON.stringify(word))
  }
})

t.test('crontab: an @reboot line that enters the base directory, with % escaped for cron', async (t) => {
  const lines = startAtBoot('linux', run)
  t.equal(lines[0], 'Run crontab -e and add this line:')
  t.equal(lines[1], '@reboot cd \'/home/me/it\'\\\'\'s 100\\%\' && exec /usr/bin/node \'/opt/tavern server/bin/tavern-server.js\' --port 9000 >> tavern-server.log 2>&1')
  t.equal(startAtBoot('darwin', run)[0], lines[0], 'any Unix without systemd')
})

t.test('Termux:Boot: a script with Termux\'s shell and a wake lock', async (t) => {
  const lines = startAtBoot('android', run)
  t.same(lines.slice(1, 3), ['#!/data/data/com.termux/files/usr/bin/sh', 'termux-wake-lock'])
  t.match(lines[3], /^cd '\/home\/me\/it'\\''s 100%' && exec /, 'no cron: % stays')
})

t.test('Windows: a scheduled task at startup, without the 72-hour limit, with paths quoted', async (t) => {
  const lines = startAtBoot('win32', { node: 'C:\\Program Files\\nodejs\\node.exe', script: 'C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules\\tavern-server\\bin\\tavern-server.js', args: ['--listen'], baseDir: 'C:\\Users\\me\\tavern\'s' })
  t.equal(lines[1], '$action = New-ScheduledTaskAction -Execute \'C:\\Program Files\\nodejs\\node.exe\' -Argument \'C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules\\tavern-server\\bin\\tavern-server.js --listen\' -WorkingDirectory \'C:\\Users\\me\\tavern\'\'s\'')
  t.ok(lines.includes('$settings.ExecutionTimeLimit = \'PT0S\''))
  t.match(lines.at(-1), /^Register-ScheduledTask -TaskName tavern-server /)
  const spaced = startAtBoot('win32', { ...run, script: 'C:\\tavern server\\bin\\tavern-server.js', args: ['--dataRoot', 'D:\\my "data"'] })
  t.match(spaced[1], '-Argument \'"C:\\tavern server\\bin\\tavern-server.js" --dataRoot "D:\\my \\"data\\""\'')
})
