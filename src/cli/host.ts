/**
 * What the service command and the readiness notice need from the machine: the node binary, who
 * runs this process, whether systemd manages the machine, and running a program (systemctl,
 * systemd-notify). Tests pass their own.
 */
import { existsSync } from 'node:fs'
import { platform, userInfo } from 'node:os'

export interface ProgramResult {
  /** The exit code; null when the program could not be started or was killed. */
  code: number | null
  /** Standard output and error, or why the program could not be started. */
  output: string
}

export interface Host {
  /** The node binary running this process. */
  execPath: string
  /** This process's user id; undefined on Windows. */
  uid: number | undefined
  /** This process's user name, when the user id has an account. */
  userName: string | undefined
  platform: string
  /** Where the file system starts: "/" (tests give a folder of their own). */
  root: string
  /** Whether systemd manages this machine: /run/systemd/system exists (sd_booted(3)). */
  systemd (): boolean
  /** Runs a program to completion, without a shell. */
  run (file: string, args: readonly string[], env?: Readonly<Record<string, string | undefined>>): Promise<ProgramResult>
}

function currentUserName (): string | undefined {
  try {
    return userInfo().username
  /* c8 ignore start -- only a user id without an account (many containers) gets here; the tests
     that run as one (test/integration/tls.test.ts) run the command without coverage recording */
  } catch {
    return undefined
  }
  /* c8 ignore stop */
}

export async function runProgram (file: string, args: readonly string[], env?: Readonly<Record<string, string | undefined>>): Promise<ProgramResult> {
  // Loaded when a program is run (service, systemd's readiness notice), not at every start.
  const { execFile } = await import('node:child_process')
  return await new Promise((resolve) => {
    execFile(file, args, { encoding: 'utf8', timeout: 60_000, ...(env === undefined ? {} : { env }) }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim()
      if (error === null) {
        resolve({ code: 0, output })
        return
      }
      // Not started (ENOENT) or killed (the timeout): no exit code, and the reason if it said nothing.
      const code = typeof error.code === 'number' ? error.code : null
      resolve({ code, output: code === null && output === '' ? error.message : output })
    })
  })
}

/** The real machine. */
export function machineHost (execPath: string, uid: number | undefined): Host {
  return {
    execPath,
    uid,
    userName: currentUserName(),
    platform: platform(),
    root: '/',
    systemd: () => existsSync('/run/systemd/system'),
    run: runProgram
  }
}
