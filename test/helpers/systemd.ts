/**
 * Running a unit's ExecStart as systemd would, without systemd: its user, its environment, its
 * working directory and a ProtectSystem=strict file system (every mount read-only in a private
 * mount namespace, except ReadWritePaths=). Also: reading unit files, a NOTIFY_SOCKET receiver,
 * and whether the tools these tests need are here (each test is skipped with the reason if not).
 */
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN } from './cli.js'

export type Unit = Map<string, Array<[string, string]>>

/** Sections and their `Key=value` lines, in order; comments dropped. */
export function parseUnit (text: string): Unit {
  const unit: Unit = new Map()
  let section: Array<[string, string]> = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[(.+)\]$/.exec(line)
    if (header !== null) {
      section = []
      unit.set(header[1] as string, section)
      continue
    }
    const eq = line.indexOf('=')
    section.push([line.slice(0, eq), line.slice(eq + 1)])
  }
  return unit
}

/** Every value of a key in a section. */
export function values (unit: Unit, section: string, key: string): string[] {
  return (unit.get(section) ?? []).filter(([k]) => k === key).map(([, v]) => v)
}

/** The one value of a key; throws when it is missing. */
export function value (unit: Unit, section: string, key: string): string {
  const found = values(unit, section, key)
  if (found.length === 0) throw new Error(`no ${key}= in [${section}]`)
  return found.at(-1) as string
}

/**
 * Splits a command line or word list as systemd does (systemd.syntax(7), systemd.service(5)):
 * double and single quotes, backslash escapes, "%%" for "%" and the given specifiers, and in
 * ExecStart "$$" for "$".
 */
export function systemdWords (line: string, specifiers: Record<string, string> = {}, exec = false): string[] {
  const expand = (word: string): string => word.replace(/%(.)/g, (_m, c: string) => {
    if (c === '%') return '%'
    const v = specifiers[c]
    if (v === undefined) throw new Error(`specifier %${c} not known to the test`)
    return v
  })
  const words: string[] = []
  let i = 0
  while (i < line.length) {
    while (/\s/.test(line[i] ?? '')) i++
    if (i >= line.length) break
    let word = ''
    while (i < line.length && !/\s/.test(line[i] as string)) {
      const c = line[i] as string
      if (c === '"' || c === '\'') {
        const end = c
        i++
        while (i < line.length && line[i] !== end) {
          if (line[i] === '\\') i++
          word += line[i] as string
          i++
        }
        if (i >= line.length) throw new Error(`unbalanced quote in ${line}`)
        i++
      } else if (c === '\\') {
        word += line[i + 1] as string
        i += 2
      } else {
        word += c
        i++
      }
    }
    const expanded = expand(word)
    words.push(exec ? expanded.replace(/\$\$/g, '$') : expanded)
  }
  return words
}

/** Why `systemd-analyze` cannot be used here, or undefined when it can. */
export function analyzeUnavailable (): string | undefined {
  const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' })
  return probe.error === undefined && probe.status === 0 ? undefined : 'systemd-analyze is not installed (Debian: apt-get install systemd; .ci/run does)'
}

/** Why a unit's command cannot be run as another user in a read-only file system here. */
export function sandboxUnavailable (): string | undefined {
  if (process.getuid?.() !== 0) return 'running a unit\'s command as another user, in a mount namespace, needs root'
  const probe = spawnSync('unshare', ['--mount', 'setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', 'test', '-r', BIN])
  if (probe.error !== undefined) return `unshare and setpriv (util-linux) are needed: ${probe.error.message}`
  return probe.status === 0 ? undefined : `user nobody cannot read ${BIN} in a new mount namespace (a folder above the checkout is private, or namespaces are not permitted)`
}

/** Why a NOTIFY_SOCKET receiver or systemd-notify cannot be had here. */
export function notifyUnavailable (): string | undefined {
  const perl = spawnSync('perl', ['-MSocket', '-e', '1'])
  if (perl.error !== undefined || perl.status !== 0) return 'perl (with Socket) is needed to receive datagrams on a test NOTIFY_SOCKET'
  const notify = spawnSync('systemd-notify', ['--version'])
  return notify.error === undefined && notify.status === 0 ? undefined : 'systemd-notify is not installed (Debian: apt-get install systemd; .ci/run does)'
}

const SANDBOX = `
set -e
wd=$1; shift; n=$1; shift
rw=(); for ((i = 0; i < n; i++)); do rw+=("$1"); shift; done
# ProtectSystem=strict: every mount read-only (the API file systems stay as they are)...
for mp in $(awk '{ print $5 }' /proc/self/mountinfo | sort -u); do
  case "$mp" in /proc*|/sys*|/dev*) continue ;; esac
  mount -o remount,bind,ro "$mp" 2>/dev/null || true
done
# ...except ReadWritePaths=.
for p in "\${rw[@]}"; do mount --bind "$p" "$p"; mount -o remount,bind,rw "$p"; done
cd "$wd"
exec "$@"
`

export interface UnitRun {
  user: string
  group: string
  workingDirectory: string
  writable: readonly string[]
  env: Record<string, string>
  command: readonly string[]
}

/** Spawns a unit's command as systemd would start it (no test-runner recording: a clean environment). */
export function spawnUnit (run: UnitRun): ChildProcess {
  const env = Object.entries({
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin',
    USER: run.user,
    LOGNAME: run.user,
    ...run.env
  }).map(([k, v]) => `${k}=${v}`)
  const command = ['setpriv', `--reuid=${run.user}`, `--regid=${run.group}`, '--clear-groups', 'env', '-i', ...env, ...run.command]
  return spawn('unshare', ['--mount', '--propagation', 'private', 'bash', '-c', SANDBOX, 'sandbox', run.workingDirectory, String(run.writable.length), ...run.writable, ...command], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
}

export interface NotifyReceiver {
  socket: string
  /** Each datagram received, its lines joined with "|". */
  messages: () => string[]
  waitFor: (pattern: RegExp) => Promise<string>
  close: () => void
}

/** A Unix datagram socket that records what is sent to it, as systemd's notify socket does. */
export async function notifyReceiver (): Promise<NotifyReceiver> {
  const dir = mkdtempSync(join(tmpdir(), 'tvs-notify-'))
  chmodSync(dir, 0o755) // the service's user sends to it
  const socket = join(dir, 'notify')
  const perl = spawn('perl', ['-MSocket', '-e', `
    socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!";
    bind($s, pack_sockaddr_un($ARGV[0])) or die "bind: $!";
    chmod 0777, $ARGV[0];
    $| = 1;
    print "bound\\n";
    while (defined(recv($s, my $message, 65536, 0))) { $message =~ s/\\n/|/g; print "$message\\n" }
  `, socket], { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines: string[] = []
  const waiters: Array<{ pattern: RegExp, resolve: (line: string) => void }> = []
  let buffer = ''
  const bound = new Promise<void>((resolve, reject) => {
    perl.on('exit', (code) => { reject(new Error(`the notify receiver exited with ${String(code)}`)) })
    perl.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk
      for (let cut = buffer.indexOf('\n'); cut !== -1; cut = buffer.indexOf('\n')) {
        const line = buffer.slice(0, cut)
        buffer = buffer.slice(cut + 1)
        if (line === 'bound') {
          resolve()
          continue
        }
        lines.push(line)
        for (const w of [...waiters]) {
          if (w.pattern.test(line)) {
            waiters.splice(waiters.indexOf(w), 1)
            w.resolve(line)
          }
        }
      }
    })
  })
  await bound
  return {
    socket,
    messages: () => [...lines],
    waitFor: (pattern) => new Promise((resolve) => {
      const seen = lines.find((line) => pattern.test(line))
      if (seen !== undefined) resolve(seen)
      else waiters.push({ pattern, resolve })
    }),
    close: () => {
      perl.removeAllListeners('exit')
      perl.kill()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
