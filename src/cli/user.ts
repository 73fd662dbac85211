/**
 * Who the server runs as, in words for messages ("cannot read ... as nobody (uid 65534)").
 */
import { readFileSync } from 'node:fs'

/**
 * @param read os.userInfo; it throws for a user id with no account (common in containers).
 * @param uid the process's user id; undefined on Windows.
 * @example describeUser(userInfo, process.getuid?.()) // 'me (uid 1000)'
 */
export function describeUser (read: () => { username: string, uid: number }, uid: number | undefined): string {
  try {
    const info = read()
    // Windows reports uid -1.
    return info.uid >= 0 ? `${info.username} (uid ${info.uid})` : info.username
  } catch {
    return `uid ${String(uid)}`
  }
}

/**
 * The account name of a user id, from the password file; undefined when it has none there.
 * @example userNameOf(65534) // 'nobody'
 */
export function userNameOf (uid: number, passwd = '/etc/passwd'): string | undefined {
  let text: string
  try {
    text = readFileSync(passwd, 'utf8')
  } catch {
    return undefined
  }
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':')
    if (id === String(uid) && name !== undefined && name !== '') return name
  }
  return undefined
}
