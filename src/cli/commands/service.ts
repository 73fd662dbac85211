/**
 * `tavern-server service`: a systemd unit that starts this installation at boot, with the flags
 * given here, from this base directory (issue 16). It prints the unit; `--install` writes it,
 * reloads systemd and says how to enable and start it. Without systemd it says so, and how to
 * start at boot otherwise.
 */
import { chownSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Command } from 'commander'
import { InvalidArgumentError } from 'commander'
import type { Config } from '../../config/config.js'
import {
  TVS_ERR_SERVICE_EXISTS, TVS_ERR_SERVICE_FLAG, TVS_ERR_SERVICE_NO_SYSTEMD, TVS_ERR_SERVICE_RELOAD,
  TVS_ERR_SERVICE_ROOT_USER, TVS_ERR_SERVICE_WRITE
} from '../../errors.js'
import { lazyImport } from '../../lazy-import.js'
import { parsedFlags, SERVER_FLAGS } from '../program.js'
import type { ParsedFlags } from '../program.js'
import type { Io } from '../serve.js'
import { userNameOf } from '../user.js'
import type { CommandContext } from './index.js'

const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const SCRIPT = join(PACKAGE_ROOT, 'bin', 'tavern-server.js')
export const README = join(PACKAGE_ROOT, 'README.md')

interface ServiceOptions {
  install?: true
  user?: true
  name?: string
  runAs?: string
  destdir?: string
  force?: true
}

function unitName (text: string): string {
  const name = text.replace(/\.service$/, '')
  if (!/^[\w:.-]+$/.test(name) || name.startsWith('-') || name.length > 200) {
    throw new InvalidArgumentError('Expected a unit name of letters, digits and _ : . - (for example tavern-server).')
  }
  return name
}

/** The flags given to this command, to be given to the server in ExecStart. */
function serverArgs (parsed: ParsedFlags, cwd: string): string[] {
  if (parsed.flags['ssl.keyPassphrase'] !== undefined) {
    throw new TVS_ERR_SERVICE_FLAG('--keyPassphrase would be written into the unit file, which every user can read. Leave it out: set TAVERN_SSL_KEYPASSPHRASE in a file only root can read and name it with EnvironmentFile= (systemctl edit), or keep the key unencrypted with mode 0600.')
  }
  const args: string[] = []
  for (const spec of SERVER_FLAGS) {
    const value = parsed.flags[spec.key]?.value
    if (value === undefined) continue
    args.push(...value === true ? [`--${spec.flag}`] : value === false ? [`--${spec.flag}=false`] : [`--${spec.flag}`, String(value)])
  }
  if (parsed.configPath !== undefined) args.push('--configPath', resolve(cwd, parsed.configPath))
  if (parsed.debug) args.push('--debug')
  return args
}

const isRoot = (user: string): boolean => user === 'root' || user === '0'

/** A user name or id systemd accepts in User= (systemd.exec(5)). */
function userName (text: string): string {
  if (!/^(\d+|[A-Za-z_][\w.-]{0,31})$/.test(text)) throw new InvalidArgumentError('Expected a user name (letters, digits, _ . -, not starting with a digit or -) or a user id.')
  return text
}

/** Who the system service runs as: never root. */
function serviceUser (options: ServiceOptions, io: Io, baseDir: string): string {
  if (options.runAs !== undefined) {
    if (isRoot(options.runAs)) throw new TVS_ERR_SERVICE_ROOT_USER('--run-as root: tavern-server service does not make a service that runs as root. Name a user that can write the base directory, or make one: useradd --system --home-dir /var/lib/tavern-server tavern')
    return options.runAs
  }
  const { uid, userName } = io.host
  if (uid !== 0) return userName ?? String(uid)
  const sudoUser = io.env.SUDO_USER
  if (sudoUser !== undefined && sudoUser !== '' && !isRoot(sudoUser)) return sudoUser
  const owner = statSync(baseDir).uid
  if (owner !== 0) return userNameOf(owner) ?? String(owner)
  throw new TVS_ERR_SERVICE_ROOT_USER(`The service would run as root: this command runs as root (not through sudo) and ${baseDir} belongs to root. Name the user it should run as with --run-as <user> (that user must be able to write ${baseDir}), or run this command as that user.`)
}

/**
 * A config.yaml made on first start under `sudo` belongs to the user who called sudo, who edits it
 * from then on, not to root.
 */
function giveBack (created: string | undefined, io: Io): void {
  const { SUDO_UID: uid = '', SUDO_GID: gid = '' } = io.env
  if (created !== undefined && io.host.uid === 0 && /^\d+$/.test(uid) && /^\d+$/.test(gid)) chownSync(created, Number(uid), Number(gid))
}

/** The service does not see this shell's environment: say which settings stay behind. */
function environmentLeftOut (io: Io): { env: Record<string, string | undefined>, names: string[] } {
  const env: Record<string, string | undefined> = {}
  const names: string[] = []
  for (const [name, value] of Object.entries(io.env)) {
    if (!/^(TAVERN|SILLYTAVERN)_/.test(name)) env[name] = value
    else if (value !== undefined && value !== '') names.push(name)
  }
  return { env, names }
}

function unitFile (options: ServiceOptions, name: string, io: Io, root: string | undefined): string {
  if (options.user !== true) return join(root ?? io.host.root, 'etc', 'systemd', 'system', `${name}.service`)
  const xdg = io.env.XDG_CONFIG_HOME
  const config = xdg !== undefined && isAbsolute(xdg) ? xdg : join(io.env.HOME ?? homedir(), '.config')
  return join(root ?? '/', config, 'systemd', 'user', `${name}.service`)
}

function readQuietly (file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

async function writeUnit (file: string, text: string, options: ServiceOptions): Promise<boolean> {
  const existing = readQuietly(file)
  if (existing === text) return false
  if (existing !== undefined && options.force !== true) throw new TVS_ERR_SERVICE_EXISTS(file)
  const { default: writeFileAtomic } = await import('write-file-atomic')
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o755 })
    writeFileAtomic.sync(file, text, { mode: 0o644 })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const denied = code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
    const hint = denied && options.user !== true ? ' Run it as root (sudo tavern-server service --install), or add --user for a service of your own.' : ''
    throw new TVS_ERR_SERVICE_WRITE(file, (error as Error).message, hint, { cause: error })
  }
  return true
}

interface Unit { text: string, user?: string, notes: string[] }

async function makeUnit (options: ServiceOptions, config: Config, args: string[], io: Io): Promise<Unit> {
  const system = options.user !== true
  if (!system && options.runAs !== undefined) {
    throw new TVS_ERR_SERVICE_FLAG('--run-as and --user: a user service runs as the user whose systemd runs it. Leave out one of the two.')
  }
  const user = system ? serviceUser(options, io, config.baseDir) : undefined
  const notes: string[] = []
  if (!system && config.port > 0 && config.port < 1024) {
    notes.push(`Port ${config.port} is below 1024, which a user service cannot bind. Choose a port from 1024 up (--port), or make a system service (leave out --user).`)
  }
  const notify = (await io.host.run('systemd-notify', ['--version'])).code === 0
  const { renderUnit } = await lazyImport(() => import('../../service/unit.js'))
  const text = renderUnit({
    scope: system ? 'system' : 'user',
    baseDir: config.baseDir,
    documentation: pathToFileURL(README).href,
    command: [io.host.execPath, SCRIPT, ...args],
    ...user === undefined ? {} : { user },
    writable: [config.baseDir, config.dataRoot, ...config.logging.enableAccessLog ? [dirname(config.logging.accessLogPath)] : []],
    readable: [io.host.execPath, PACKAGE_ROOT, ...config.ssl.enabled ? [config.ssl.certPath, config.ssl.keyPath] : [], ...config.app.root === undefined ? [] : [config.app.root]],
    port: config.port,
    notify
  })
  return { text, ...user === undefined ? {} : { user }, notes }
}

function nextSteps (options: ServiceOptions, name: string, root: string | undefined, io: Io): string[] {
  const system = options.user !== true
  const systemctl = system ? 'systemctl' : 'systemctl --user'
  // Whoever ran this through sudo types the next commands in their own shell.
  const sudo = system && io.env.SUDO_USER !== undefined ? 'sudo ' : ''
  const unit = `${name}.service`
  const start = [`  ${sudo}${systemctl} enable ${unit}`, `  ${sudo}${systemctl} start ${unit}`]
  if (root !== undefined) {
    return [`Not reloading systemd: the unit was written below ${root}. On the system that runs from it:`, `  ${sudo}${systemctl} daemon-reload`, ...start]
  }
  return [
    `systemd has read it (${systemctl} daemon-reload). To start it at every ${system ? 'boot' : 'login'}, and now:`,
    ...start,
    ...system ? [] : [`To start it at boot, before you log in: loginctl enable-linger ${io.host.userName ?? '$USER'}`],
    `Its output: ${sudo}journalctl ${system ? '' : '--user '}-u ${unit} -f`
  ]
}

export function registerService (program: Command, { io, finish }: CommandContext): void {
  program.command('service')
    .description('print a systemd unit that starts tavern-server at boot from this folder, with the flags given here; --install writes it and reloads systemd')
    .option('--install', 'write the unit to /etc/systemd/system (with --user: ~/.config/systemd/user) and run systemctl daemon-reload')
    .option('--user', 'a service for your own systemd user manager, which needs no root')
    .option('--name <name>', 'the unit name (default: tavern-server)', unitName)
    .option('--run-as <user>', 'the user the server runs as (default: you; under sudo, the user who called sudo)', userName)
    .option('--destdir <dir>', 'write the unit below this folder as if it were / (for system images and tests): systemd is neither checked nor reloaded')
    .option('--force', 'replace a unit file that has other content')
    .action(async (options: ServiceOptions, command: Command) => {
      const parsed = parsedFlags(command)
      const args = serverArgs(parsed, io.cwd)
      const root = options.destdir === undefined ? undefined : resolve(io.cwd, options.destdir)
      if (root === undefined && !io.host.systemd()) {
        const baseDir = dirname(resolve(io.cwd, parsed.configPath ?? 'config.yaml'))
        const { startAtBoot } = await lazyImport(() => import('../../service/start-at-boot.js'))
        const example = startAtBoot(io.host.platform, { node: io.host.execPath, script: SCRIPT, args, baseDir })
        throw new TVS_ERR_SERVICE_NO_SYSTEMD(README, `\nFor this installation. ${example.join('\n')}`)
      }
      // The service will not have this shell's TAVERN_ variables: the unit is made without them.
      const left = environmentLeftOut(io)
      const configFile = resolve(io.cwd, parsed.configPath ?? 'config.yaml')
      const existed = existsSync(configFile)
      const { loadConfig } = await lazyImport(() => import('../../config/load.js'))
      const { config, notices, warnings } = loadConfig({
        cwd: io.cwd,
        env: left.env,
        flags: parsed.flags,
        ...(parsed.configPath === undefined ? {} : { configPath: parsed.configPath })
      })
      giveBack(existed ? undefined : configFile, io)
      const name = options.name ?? 'tavern-server'
      const unit = await makeUnit(options, config, args, io)
      const notes = [...notices, ...warnings, ...unit.notes]
      if (left.names.length > 0) {
        notes.push(`Not carried into the service, which does not see this shell's environment: ${left.names.join(', ')}. Give them as flags here, put them in ${config.configPath}, or add Environment= lines with systemctl edit ${name}.`)
      }
      // stdout carries the unit itself (tavern-server service > tavern-server.service): notes go to stderr.
      for (const line of notes) io.stderr.write(`${line}\n`)
      if (options.install !== true) {
        io.stdout.write(unit.text)
        finish({ kind: 'exit', code: 0 })
        return
      }
      const file = unitFile(options, name, io, root)
      const written = await writeUnit(file, unit.text, options)
      if (root === undefined) {
        const reload = await io.host.run('systemctl', [...options.user === true ? ['--user'] : [], 'daemon-reload'])
        if (reload.code !== 0) throw new TVS_ERR_SERVICE_RELOAD(file, `systemctl${options.user === true ? ' --user' : ''} daemon-reload`, reload.output === '' ? `exit code ${String(reload.code)}` : reload.output)
      }
      const runs = unit.user === undefined ? '' : `, running as ${unit.user}`
      io.stdout.write([
        `${written ? 'Wrote' : 'Unchanged:'} ${file} (tavern-server for ${config.baseDir}${runs}).`,
        ...nextSteps(options, name, root, io),
        ''
      ].join('\n'))
      finish({ kind: 'exit', code: 0 })
    })
}
