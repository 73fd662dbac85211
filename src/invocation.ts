/**
 * How messages name this program's commands: the way the user started it. From a checkout it is
 * `node server.js hash-password`, through npx `npx tavern-server hash-password`, installed
 * `tavern-server hash-password`; a message naming a command the user does not have is no help
 * (issue 11). The CLI sets it once at start (`setInvocation`); every message that names a
 * sub-command uses `commandLine`.
 */
import { basename, dirname, isAbsolute, relative } from 'node:path'

let invoked = 'tavern-server'

export interface InvocationFacts {
  /** The script node ran (process.argv[1]): a symbolic link is named as the user named it. */
  script: string | undefined
  cwd: string
}

/**
 * The command the user typed to start this program, without its arguments.
 * @example describeInvocation({ script: '/home/me/tavern/server.js', cwd: '/home/me/tavern' }) // 'node server.js'
 */
export function describeInvocation ({ script, cwd }: InvocationFacts): string {
  if (script === undefined || script === '') return 'tavern-server'
  // The installed package's own script, as Windows' command shims run it.
  if (/[\\/]node_modules[\\/]tavern-server[\\/]bin[\\/]tavern-server\.js$/.test(script)) {
    return /[\\/]_npx[\\/]/.test(script) ? 'npx tavern-server' : 'tavern-server'
  }
  // A .js file named on node's command line: server.js from a checkout, or bin/tavern-server.js.
  if (script.endsWith('.js')) {
    const path = relative(cwd, script)
    return `node ${path.startsWith('..') || isAbsolute(path) ? script : path}`
  }
  // The tavern-server link npm makes: on the PATH when installed globally; in node_modules/.bin
  // (npx's cache is one too) when run with npx or from a project, where only npx finds it. The
  // path tells, not npm's environment variables, which any process started under npx inherits.
  const folder = dirname(script)
  const throughNpx = basename(folder) === '.bin' && basename(dirname(folder)) === 'node_modules'
  return throughNpx ? 'npx tavern-server' : 'tavern-server'
}

/** Sets how commands are named from now on (the CLI does, once, at start). */
export function setInvocation (command: string): void {
  invoked = command
}

/**
 * A command line the user can type: this program the way it was started, then `args`.
 * @example commandLine('hash-password') // 'node server.js hash-password' from a checkout
 */
export function commandLine (args = ''): string {
  return args === '' ? invoked : `${invoked} ${args}`
}
