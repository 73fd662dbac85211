import t from 'tap'
import { escapeSpecifiers, execWord, outermost, quoteWord, renderUnit } from '../../src/service/unit.js'
import { parseUnit, systemdWords, value, values } from '../helpers/systemd.js'

t.test('words are quoted only when they have to be, and read back as they were', async (t) => {
  const cases = ['/srv/tavern', '/srv/my tavern', '/srv/100%', '/srv/"quoted"', '/srv/back\\slash', '/srv/it\'s', '/srv/ünïcode']
  for (const word of cases) {
    t.same(systemdWords(quoteWord(word)), [word], word)
    t.same(systemdWords(execWord(`${word}/$HOME`), {}, true), [`${word}/$HOME`], `${word} in ExecStart`)
  }
  t.equal(quoteWord('/srv/tavern'), '/srv/tavern')
  t.equal(quoteWord('/srv/100%'), '/srv/100%%')
  t.equal(execWord('$HOME'), '$$HOME')
  t.equal(execWord(';'), '\\;', 'a lone ; would end the command')
  t.equal(escapeSpecifiers('100% sure'), '100%% sure')
})

t.test('a value with a line break cannot go into a unit: a coded error says so', async (t) => {
  for (const bad of ['/srv/a\nb', '/srv/a\rb', '/srv/a\u0000b', '/srv/a\u007fb']) {
    t.throws(() => quoteWord(bad), { code: 'TVS_ERR_SERVICE_FLAG' }, JSON.stringify(bad))
  }
})

t.test('only the outermost of nested writable folders is listed', async (t) => {
  t.same(outermost(['/srv/t', '/srv/t/data', '/srv/t', '/srv/tx', '/var/log/t']), ['/srv/t', '/srv/tx', '/var/log/t'])
})

t.test('a user unit has no User= line even when given one, and no sandbox that needs namespaces', async (t) => {
  const unit = parseUnit(renderUnit({
    scope: 'user',
    baseDir: '/home/me/tavern',
    documentation: 'file:///opt/t/README.md',
    command: ['/usr/bin/node', '/opt/t/bin/tavern-server.js'],
    user: 'me',
    writable: ['/home/me/tavern'],
    readable: [],
    port: 8000,
    notify: false
  }))
  t.same(values(unit, 'Service', 'User'), [])
  t.same(values(unit, 'Service', 'ReadWritePaths'), [])
  t.equal(value(unit, 'Service', 'Type'), 'exec')
  t.equal(value(unit, 'Service', 'WorkingDirectory'), '/home/me/tavern')
})

t.test('port 0 (any free port) needs no capability', async (t) => {
  const unit = parseUnit(renderUnit({
    scope: 'system', baseDir: '/srv/t', documentation: 'file:///opt/t/README.md', command: ['/usr/bin/node'], user: 'tavern', writable: ['/srv/t'], readable: [], port: 0, notify: true
  }))
  t.equal(value(unit, 'Service', 'CapabilityBoundingSet'), '')
  t.same(values(unit, 'Service', 'AmbientCapabilities'), [])
})

t.test('PrivateTmp= is on unless the server\'s files are in a temporary folder', async (t) => {
  const unit = (readable: string[]) => parseUnit(renderUnit({
    scope: 'system', baseDir: '/srv/t', documentation: 'file:///opt/t/README.md', command: ['/usr/bin/node'], user: 'tavern', writable: ['/srv/t'], readable, port: 0, notify: true
  }))
  t.equal(value(unit(['/opt/t/bin/tavern-server.js']), 'Service', 'PrivateTmp'), 'yes')
  t.equal(value(unit(['/tmp/t/bin/tavern-server.js']), 'Service', 'PrivateTmp'), 'no', 'the package in /tmp')
  t.equal(value(unit(['/var/tmp/t/bin/tavern-server.js']), 'Service', 'PrivateTmp'), 'no', 'the package in /var/tmp')
})
