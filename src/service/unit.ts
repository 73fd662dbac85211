/**
 * A systemd unit that runs tavern-server for one installation and base directory (issue 16):
 * the exact node binary and package, the base directory as WorkingDirectory, the flags carried
 * into ExecStart, and a sandbox in which the whole system is read-only except the base
 * directory and the data root.
 *
 * Values are escaped for the line they go on (systemd.service(5), systemd.unit(5)): "%" starts a
 * specifier everywhere, "$" an environment variable in ExecStart, and words with spaces or
 * quotes are double-quoted where the line is a list of words.
 */
import { TVS_ERR_SERVICE_FLAG } from '../errors.js'

export interface UnitInput {
  /** A system unit (runs as `user`), or a unit for the user's own systemd user manager. */
  scope: 'system' | 'user'
  /** The base directory: WorkingDirectory, and what the description names. */
  baseDir: string
  /** A file: URL of the README, for Documentation=. */
  documentation: string
  /** ExecStart: the node binary, the script and the flags. */
  command: readonly string[]
  /** System units only: the user the server runs as. */
  user?: string
  /** The folders the server writes (base directory, data root, access log folder). */
  writable: readonly string[]
  /** Every path the server reads (node, the package, certificates, ...), to keep home folders visible when needed. */
  readable: readonly string[]
  port: number
  /** Type=notify (systemd-notify is installed, so the server can say when it listens), else Type=exec. */
  notify: boolean
}

/** Folders that ProtectHome= hides, and those PrivateTmp= replaces. */
const HOMES = ['/home', '/root', '/run/user']
const TEMPORARY = ['/tmp', '/var/tmp']

/**
 * Sandbox lines that need no mount namespace: they work in user units too (NoNewPrivileges makes
 * the seccomp filters possible without privileges). `contrib/tavern-server.service` has them all.
 */
export const FILTERS: readonly string[] = [
  'NoNewPrivileges=yes',
  'RestrictNamespaces=yes',
  'RestrictRealtime=yes',
  'RestrictSUIDSGID=yes',
  'LockPersonality=yes',
  'SystemCallArchitectures=native',
  // AF_NETLINK: os.networkInterfaces() lists the addresses to print for other devices.
  'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK',
  'UMask=0077'
]

/** Namespace-based sandbox lines, for system units. */
export const NAMESPACES: readonly string[] = [
  'PrivateDevices=yes',
  'PrivateMounts=yes',
  'ProtectKernelTunables=yes',
  'ProtectKernelModules=yes',
  'ProtectKernelLogs=yes',
  'ProtectControlGroups=yes',
  'ProtectClock=yes',
  'ProtectHostname=yes',
  'ProtectProc=invisible',
  'RemoveIPC=yes'
]

function refuseControl (value: string): string {
  // A unit line ends at a newline; other control characters have no way through either.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new TVS_ERR_SERVICE_FLAG(`${JSON.stringify(value)} holds a control character (a line break?), which a systemd unit cannot carry. Rename the folder or file.`)
  }
  return value
}

/** For lines that expand specifiers only (WorkingDirectory=, Description=, User=). */
export function escapeSpecifiers (value: string): string {
  return refuseControl(value).replace(/%/g, '%%')
}

/** One word of a word list (ReadWritePaths=, Environment=): quoted when it has to be. */
export function quoteWord (value: string): string {
  const escaped = escapeSpecifiers(value)
  return /^[\w@%+=:,./$-]+$/.test(escaped) ? escaped : `"${escaped.replace(/[\\"]/g, '\\$&')}"`
}

/** One word of ExecStart=, where "$" also expands a variable and a lone ";" ends the command. */
export function execWord (value: string): string {
  return value === ';' ? '\\;' : quoteWord(value.replace(/\$/g, '$$$$'))
}

function under (path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`)
}

/** The folders in `paths` that no other folder in the list contains. */
export function outermost (paths: readonly string[]): string[] {
  const unique = [...new Set(paths)]
  return unique.filter((p) => !unique.some((other) => other !== p && under(p, other)))
}

/**
 * @example renderUnit({ scope: 'system', baseDir: '/srv/tavern', command: ['/usr/bin/node', '/opt/tavern-server/bin/tavern-server.js'], user: 'tavern', ... })
 */
export function renderUnit (input: UnitInput): string {
  const system = input.scope === 'system'
  const lowPort = input.port > 0 && input.port < 1024
  const paths = [...input.readable, ...input.writable]
  const inHome = paths.some((p) => HOMES.some((home) => under(p, home)))
  const inTemporary = paths.some((p) => TEMPORARY.some((tmp) => under(p, tmp)))
  const lines = [
    `# tavern-server for ${input.baseDir}, made by \`tavern-server service\`.`,
    '[Unit]',
    `Description=${escapeSpecifiers(`tavern-server for ${input.baseDir}`)}`,
    `Documentation=${escapeSpecifiers(input.documentation)}`,
    // A listen address must exist before the server binds it.
    'After=network-online.target',
    'Wants=network-online.target',
    '# A setting that stops every start is not retried for ever: five tries, then the unit fails.',
    'StartLimitIntervalSec=60',
    'StartLimitBurst=5',
    '',
    '[Service]',
    ...input.notify
      ? [
          'Type=notify',
          '# The server runs systemd-notify once it listens: READY=1 then comes from a child process.',
          'NotifyAccess=all'
        ]
      : ['Type=exec'],
    ...system && input.user !== undefined ? [`User=${escapeSpecifiers(input.user)}`] : [],
    `WorkingDirectory=${escapeSpecifiers(input.baseDir)}`,
    `ExecStart=${input.command.map(execWord).join(' ')}`,
    // SIGHUP reloads the whitelist, the credentials, the certificate and reopens the access log.
    'ExecReload=/bin/kill -HUP $MAINPID',
    'Restart=on-failure',
    'RestartSec=5s',
    // Exit code 2 is a bad command line: starting again cannot help.
    'RestartPreventExitStatus=2',
    'SyslogIdentifier=tavern-server',
    '',
    '# Sandbox.',
    ...system
      ? [
          '# The whole system is read-only, except the base directory and the data root.',
          'ProtectSystem=strict',
          `ReadWritePaths=${outermost(input.writable).map(quoteWord).join(' ')}`,
          `ProtectHome=${inHome ? 'read-only' : 'yes'}`,
          ...inTemporary ? ['# The server\'s files are in a temporary folder, which PrivateTmp=yes would hide.', 'PrivateTmp=no'] : ['PrivateTmp=yes'],
          ...NAMESPACES,
          '# V8 compiles JavaScript to machine code as it runs: MemoryDenyWriteExecute= would stop it.',
          ...lowPort
            ? [`# Port ${input.port} is below 1024: the one capability needed to bind it.`, 'AmbientCapabilities=CAP_NET_BIND_SERVICE', 'CapabilityBoundingSet=CAP_NET_BIND_SERVICE']
            : ['CapabilityBoundingSet=']
        ]
      : ['# Read-only file systems and private folders need user namespaces in a user unit: left out here.'],
    ...FILTERS,
    '',
    '[Install]',
    `WantedBy=${system ? 'multi-user.target' : 'default.target'}`,
    ''
  ]
  return lines.join('\n')
}
