/**
 * How to start tavern-server at boot where there is no systemd, for this installation: a crontab
 * @reboot line, a Termux:Boot script on Android, a Windows scheduled task. The README section
 * "Start at boot without systemd" explains each.
 */

export interface Invocation {
  node: string
  script: string
  /** Flags for the server. */
  args: readonly string[]
  baseDir: string
}

/** A word for a POSIX shell. */
export function shellWord (value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, '\'\\\'\'')}'`
}

/** A word for PowerShell, in single quotes. */
function powerShellWord (value: string): string {
  return `'${value.replace(/'/g, '\'\'')}'`
}

function shellCommand (run: Invocation): string {
  return [run.node, run.script, ...run.args].map(shellWord).join(' ')
}

/**
 * @example startAtBoot('linux', { node: '/usr/bin/node', script: '/opt/t/bin/tavern-server.js', args: [], baseDir: '/home/me/tavern' })
 */
export function startAtBoot (platform: string, run: Invocation): string[] {
  const start = `cd ${shellWord(run.baseDir)} && exec ${shellCommand(run)} >> tavern-server.log 2>&1`
  if (platform === 'android') {
    return [
      'With the Termux:Boot app installed (and opened once), save these lines as ~/.termux/boot/tavern-server and run chmod +x on it:',
      '#!/data/data/com.termux/files/usr/bin/sh',
      'termux-wake-lock',
      start
    ]
  }
  if (platform === 'win32') {
    // Windows command lines quote with double quotes; a path with spaces needs them.
    const argument = [run.script, ...run.args].map((a) => /[\s"]/.test(a) ? `"${a.replace(/"/g, '\\"')}"` : a).join(' ')
    return [
      'In a PowerShell window opened with "Run as administrator":',
      `$action = New-ScheduledTaskAction -Execute ${powerShellWord(run.node)} -Argument ${powerShellWord(argument)} -WorkingDirectory ${powerShellWord(run.baseDir)}`,
      '$trigger = New-ScheduledTaskTrigger -AtStartup',
      '$principal = New-ScheduledTaskPrincipal -UserId $env:USERNAME -LogonType S4U',
      '$settings = New-ScheduledTaskSettingsSet -RestartCount 3 -RestartInterval (New-TimeSpan -Minutes 1)',
      '$settings.ExecutionTimeLimit = \'PT0S\'',
      'Register-ScheduledTask -TaskName tavern-server -Action $action -Trigger $trigger -Principal $principal -Settings $settings'
    ]
  }
  return [
    'Run crontab -e and add this line:',
    // cron turns an unescaped % into a line break.
    `@reboot ${start.replace(/%/g, '\\%')}`
  ]
}
