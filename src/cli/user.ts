/**
 * Who the server runs as, in words for messages ("cannot read ... as nobody (uid 65534)").
 */

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
