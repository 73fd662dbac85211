import t from 'tap'
import { commandLine, describeInvocation, setInvocation } from '../src/invocation.js'

t.test('names the command the way the user started the program', async (t) => {
  const cases: Array<[string, { script: string | undefined, cwd: string }, string]> = [
    ['from a checkout', { script: '/home/me/tavern/server.js', cwd: '/home/me/tavern' }, 'node server.js'],
    ['from a checkout, by npm start (npm runs it in the checkout)', { script: '/home/me/tavern/server.js', cwd: '/home/me/tavern' }, 'node server.js'],
    ['from the folder above a checkout', { script: '/home/me/tavern/server.js', cwd: '/home/me' }, 'node tavern/server.js'],
    ['from elsewhere', { script: '/home/me/tavern/server.js', cwd: '/srv/data' }, 'node /home/me/tavern/server.js'],
    ['the bin script itself', { script: '/home/me/tavern/bin/tavern-server.js', cwd: '/home/me/tavern' }, 'node bin/tavern-server.js'],
    ['installed globally', { script: '/usr/local/bin/tavern-server', cwd: '/home/me' }, 'tavern-server'],
    ['through npx', { script: '/root/.npm/_npx/587cf523/node_modules/.bin/tavern-server', cwd: '/home/me' }, 'npx tavern-server'],
    ['a project\'s node_modules/.bin', { script: '/home/me/site/node_modules/.bin/tavern-server', cwd: '/home/me/site' }, 'npx tavern-server'],
    ['a global link, run from a process npx started', { script: '/usr/bin/tavern-server', cwd: '/home/me' }, 'tavern-server'],
    ['the installed package run by a Windows command shim', { script: 'C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules\\tavern-server\\bin\\tavern-server.js', cwd: 'C:\\Users\\me' }, 'tavern-server'],
    ['the same through npx', { script: 'C:\\Users\\me\\AppData\\Local\\npm-cache\\_npx\\1a2b\\node_modules\\tavern-server\\bin\\tavern-server.js', cwd: 'C:\\Users\\me' }, 'npx tavern-server'],
    ['no script (a REPL)', { script: undefined, cwd: '/home/me' }, 'tavern-server'],
    ['an empty script', { script: '', cwd: '/home/me' }, 'tavern-server']
  ]
  for (const [name, facts, expected] of cases) t.equal(describeInvocation(facts), expected, name)
})

t.test('command lines use the name set at start', async (t) => {
  t.teardown(() => setInvocation('tavern-server'))
  t.equal(commandLine('cert --force'), 'tavern-server cert --force')
  setInvocation('node server.js')
  t.equal(commandLine('hash-password'), 'node server.js hash-password')
  t.equal(commandLine(), 'node server.js')
})
