/**
 * Account handles. Each account has a folder `data/<handle>/`, so a handle is checked before it
 * goes anywhere near the file system. Handles made here are slugs; handles imported from
 * SillyTavern keep their spelling (older versions made non-ASCII ones, and single sign-on into
 * SillyTavern needs the exact handle) as long as they are safe as a folder name everywhere.
 */

export const MAX_HANDLE_LENGTH = 64

const SLUG = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/

/** Why `handle` cannot be a new handle made here, or undefined when it can. */
export function slugProblem (handle: string): string | undefined {
  if (handle === '') return 'it is empty'
  if (handle.length > MAX_HANDLE_LENGTH) return `it is longer than ${MAX_HANDLE_LENGTH} characters`
  if (!SLUG.test(handle)) return 'use only a-z, 0-9 and -, starting and ending with a letter or digit'
  return undefined
}

/** Windows refuses these as file names, whatever follows a dot. */
const WINDOWS_DEVICES = /^(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(?:\..*)?$/i
// Control characters, and what Windows or a shell path would read as a separator or a pattern.
const UNSAFE_CHARACTERS = /[\x00-\x1f\x7f<>:"/\\|?*]/ // eslint-disable-line no-control-regex
/** Files tavern-server keeps in the data root, which a folder of that name would shadow. */
const RESERVED_NAMES = new Set(['accounts.json', 'sessions.json', 'tavern-server.lock'])

/**
 * Why an imported handle is not safe as a folder name, or undefined when it is: not empty, at most
 * 64 characters, no path separators or control characters, not `.`/`..` or hidden (a leading `.`),
 * no leading `_` (SillyTavern's own folders), not a Windows device name, no trailing dot or space,
 * in Unicode normal form C (the same name typed on two systems is the same folder).
 * @example folderProblem('jürgen') // undefined
 */
export function folderProblem (handle: string): string | undefined {
  if (handle === '') return 'it is empty'
  if ([...handle].length > MAX_HANDLE_LENGTH) return `it is longer than ${MAX_HANDLE_LENGTH} characters`
  if (UNSAFE_CHARACTERS.test(handle)) return 'it contains a path separator, a control character or one of < > : " | ? *'
  if (handle.startsWith('.') || handle.startsWith('_')) return 'it starts with . or _'
  if (handle.endsWith('.') || handle.endsWith(' ') || handle.trim() !== handle) return 'it starts or ends with a space, or ends with a dot'
  if (WINDOWS_DEVICES.test(handle)) return 'it is a name Windows reserves for a device'
  if (RESERVED_NAMES.has(handle.toLowerCase())) return 'it is the name of one of tavern-server\'s own files'
  if (handle.normalize('NFC') !== handle) return 'it is not in Unicode normal form C'
  return undefined
}
