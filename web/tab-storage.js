// @ts-check
// What the page keeps for this tab only, in sessionStorage: never in the URL (it would leak into history, logs and
// Referer) nor in localStorage (which other tabs share and which outlives the tab). A reload of the tab finds it; a
// new tab starts afresh. (Chromium's "Duplicate tab" copies sessionStorage: the copy resumes the same chat and takes it
// over, and the first tab says so.)

/**
 * The chat this tab is in: what it needs to resume it after a drop or a reload.
 * @typedef {object} SavedSession
 * @property {string} id The session id.
 * @property {string} token The session's resume token (a secret, like a password).
 * @property {number} windowMs How long the server keeps the session after a drop (`resume_window_ms`).
 * @property {number} lastSeq The last session event the page has shown.
 * @property {Record<string, string | null>} answers What the human answered, by input request id (null for a
 *   password, which is never stored): after a reload the replay holds the agents' events only.
 */

const TOKEN_KEY = 'agentws.token';
// Per page path: two pages mounted on one origin talk to two endpoints.
const SESSION_KEY = `agentws.session:${location.pathname}`;

/** The server's token from `#token=...`, moved out of the address bar and kept for reloads of this tab only. */
export function readToken() {
  const match = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  const storage = window.sessionStorage;
  if (match) {
    let value = match[1] ?? '';
    try {
      value = decodeURIComponent(value);
    } catch {
      // Not percent-encoded after all: use it as written.
    }
    storage.setItem(TOKEN_KEY, value);
    window.history.replaceState(null, '', location.pathname + location.search);
    return value;
  }
  return storage.getItem(TOKEN_KEY) ?? '';
}

/** @returns {SavedSession | null} The chat this tab was in, if any. */
export function loadSession() {
  try {
    const saved = JSON.parse(window.sessionStorage.getItem(SESSION_KEY) ?? 'null');
    const valid =
      typeof saved?.id === 'string' &&
      typeof saved.token === 'string' &&
      Number.isFinite(saved.windowMs) &&
      Number.isInteger(saved.lastSeq) &&
      typeof saved.answers === 'object' &&
      saved.answers !== null;
    return valid ? saved : null;
  } catch {
    return null;
  }
}

/** @param {SavedSession} saved */
export function saveSession(saved) {
  try {
    window.sessionStorage.setItem(SESSION_KEY, JSON.stringify(saved));
  } catch {
    // Storage full or disabled: the chat goes on, it just cannot be restored after a reload.
  }
}

export function forgetSession() {
  window.sessionStorage.removeItem(SESSION_KEY);
}
