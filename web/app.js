// @ts-check
// agentws chat page: one session per chat in the agentws.v1 JSON protocol (docs/protocol.md). The session survives
// dropped connections and reloads of the tab (connection.js, tab-storage.js); the composer (composer.js) sends the
// first message, answers the agents' questions and sends follow-ups; transcript.js shows the conversation.
import { Composer } from './composer.js';
import { SessionLink } from './connection.js';
import { forgetSession, loadSession, readToken, saveSession } from './tab-storage.js';
import { Transcript } from './transcript.js';
import { byId, clearLog, endCard, expire, log, note, questionCard, showAnswer } from './view.js';

// Types come from the protocol's built declarations (dist/, which `npm install` builds), checked by
// `tsc -p web/tsconfig.json` in `npm run typecheck`.
/**
 * @typedef {import('../dist/protocol/events.js').ServerFrame} ServerFrame
 * @typedef {import('../dist/protocol/events.js').InputRequestEvent['content']} InputRequest
 * @typedef {import('../dist/protocol/events.js').UsageSummaryEvent['content']} UsageSummary
 * @typedef {import('./connection.js').LinkOver} LinkOver
 * @typedef {import('./composer.js').ComposerMode} ComposerMode
 */
/**
 * An input request not answered yet. With a card it is a question; without, it asks for the next message.
 * @typedef {{ request: InputRequest, card: HTMLElement | null }} Pending
 */
/**
 * State of one chat (one session).
 * @typedef {object} Chat
 * @property {SessionLink} link
 * @property {Transcript} transcript
 * @property {Pending[]} pending Oldest first: the composer answers the first.
 * @property {string | null} queued A first message sent before the server asked for it.
 * @property {{ id: string, value: string } | null} unconfirmed The last answer sent, until an event follows it: a
 *   drop may have lost it on the way.
 * @property {Set<string>} waiting The input requests the server still waited for when the session was last resumed.
 * @property {boolean} started The human has said something, or the agents have.
 * @property {boolean} ended
 * @property {boolean} stopping
 */

const statusEl = byId('status', window.HTMLElement);
const usageEl = byId('usage', window.HTMLElement);
const token = readToken();

/** @type {Record<string, string>} */
const TERMINATION_TITLES = {
  cancelled: 'Run cancelled',
  shutdown: 'Server shutting down',
  input_timeout: 'Timed out waiting for your answer',
};

/** Why the server would not resume a chat, in the reader's words. */
const RESUME_FAILURES = {
  unknown_session: 'The server does not know this chat (it may have restarted).',
  bad_token: 'The server refused this tab’s key to the chat.',
  expired: 'It has ended, or was left too long: the server no longer keeps it.',
  evicted: 'It is too long to restore: its start no longer fits the server’s log.',
};

/** Events that mean the agents went on: a request still pending then was answered elsewhere (another tab). */
const MOVED_ON = new Set(['text', 'stream_start', 'tool_call', 'using_auto_reply', 'no_human_input', 'chat_end']);

/**
 * The current chat; replaced by `newChat()`.
 * @type {Chat}
 */
let chat;

const composer = new Composer({ onSend: send, onStop: stop });

/** Same host and port as the page, ws: or wss: to match, path `ws` beside the page (`/ws` at the root). */
function socketUrl() {
  const url = new URL('ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  url.search = '';
  return url.href;
}

/**
 * @param {string} state
 * @param {string} text
 */
function setStatus(state, text) {
  if (statusEl.dataset.state === state && statusEl.textContent === text) return;
  statusEl.dataset.state = state;
  statusEl.textContent = text;
}

/** @returns {ComposerMode} */
function composerMode() {
  if (chat.ended) return 'ended';
  if (chat.link.state !== 'live') return 'offline';
  const next = chat.pending[0];
  if (next?.card) return next.request.password ? 'password' : 'question';
  if (next) return chat.started ? 'follow_up' : 'first';
  return chat.started ? 'working' : 'first';
}

/** The composer and the status line, from the chat's state. */
function update() {
  const mode = composerMode();
  composer.show(mode, chat.stopping);
  if (chat.ended) return;
  if (chat.link.state === 'connecting') setStatus('connecting', 'Connecting…');
  else if (chat.link.state === 'reconnecting') setStatus('reconnecting', 'Reconnecting…');
  else if (mode === 'first') setStatus('ready', 'Ready');
  else if (mode === 'follow_up') setStatus('ready', 'Ready for a follow-up');
  else if (mode === 'working') setStatus('running', 'Running');
  else setStatus('waiting', 'Waiting for you');
}

/**
 * Shows an answer: under its question, or as the human's message.
 * @param {Pending} pending
 * @param {string | null} value Null for a password (never kept).
 */
function showAnswered({ request, card }, value) {
  chat.started = true;
  if (!card) {
    if (value) chat.transcript.userMessage(value);
    return;
  }
  showAnswer(card, request.password || value === null ? '•'.repeat(8) : value === '' ? '(no input)' : value);
  if (!request.password && value) chat.transcript.expectEcho(value, null);
}

/**
 * Sends the answer to an input request, kept for this tab first so a reload shows it again.
 * @param {Pending} pending
 * @param {string} value
 */
function answer(pending, value) {
  const { request } = pending;
  chat.pending = chat.pending.filter((p) => p !== pending);
  const saved = chat.link.saved;
  if (saved) {
    saved.answers[request.id] = request.password ? null : value;
    saveSession(saved);
  }
  chat.link.send({ type: 'input_response', id: request.id, value });
  chat.unconfirmed = { id: request.id, value };
}

/** @param {string} value What the composer sends. */
function send(value) {
  const pending = chat.pending[0];
  if (pending) {
    answer(pending, value);
    showAnswered(pending, value);
  } else if (!chat.started) {
    // Not asked yet (the server's code has not called input()): it answers the first request when it comes.
    chat.queued = value;
    chat.transcript.userMessage(value);
    chat.started = true;
  }
  update();
}

function stop() {
  if (chat.ended || chat.stopping) return;
  chat.stopping = true;
  chat.link.send({ type: 'cancel' });
  update();
}

/** @param {InputRequest} request */
function onInputRequest(request) {
  const question = request.password || request.prompt.trim() !== '';
  /** @type {Pending} */
  const pending = { request, card: question ? questionCard(request) : null };
  const answers = chat.link.saved?.answers ?? {};
  const before = Object.hasOwn(answers, request.id) ? answers[request.id] : undefined;
  const lost = chat.waiting.has(request.id);
  if (before !== undefined && (before !== null || !lost)) {
    // The replay after a reload: this tab answered it before. If the answer never arrived, it goes again (a password,
    // which is not kept, is asked for again).
    showAnswered(pending, before);
    if (lost && before !== null) chat.link.send({ type: 'input_response', id: request.id, value: before });
  } else if (chat.queued !== null) {
    const value = chat.queued;
    chat.queued = null;
    answer(pending, value);
    if (pending.card) showAnswered(pending, value);
  } else {
    chat.pending.push(pending);
  }
}

/** @param {UsageSummary} summary */
function showUsage(summary) {
  let tokens = 0;
  for (const model of Object.values(summary.models ?? {})) tokens += model.total_tokens ?? 0;
  const cost = summary.total_cost ?? 0;
  usageEl.hidden = false;
  usageEl.textContent = `${tokens.toLocaleString('en')} tokens` + (cost > 0 ? ` · $${cost.toFixed(4)}` : '');
}

/**
 * @param {string} reason
 * @param {string} title
 * @param {string} detail
 */
function end(reason, title, detail) {
  if (chat.ended) return;
  chat.ended = true;
  chat.transcript.streamEnd();
  for (const pending of chat.pending) if (pending.card) expire(pending.card);
  chat.pending = [];
  endCard(reason, title, detail, newChat);
  setStatus(reason === 'completed' ? 'ended' : reason === 'cancelled' ? 'stopped' : 'failed', title);
  update();
}

/** @param {ServerFrame} frame A session event, each once. */
function onEvent(frame) {
  const { transcript } = chat;
  if (frame.type !== 'input_request') chat.unconfirmed = null;
  if (!['session', 'input_request'].includes(frame.type)) chat.started = true;
  if (MOVED_ON.has(frame.type) && chat.pending.length > 0) {
    for (const pending of chat.pending) if (pending.card) expire(pending.card);
    chat.pending = [];
  }
  switch (frame.type) {
    case 'session':
      statusEl.title = `session ${frame.content.id}`;
      break;
    case 'input_request':
      onInputRequest(frame.content);
      break;
    case 'text':
      transcript.text(frame.content);
      break;
    case 'stream_start':
      transcript.streamStart(frame.content);
      break;
    case 'stream':
      transcript.stream(frame.content);
      break;
    case 'reasoning':
      transcript.reasoning(frame.content);
      break;
    case 'stream_end':
      transcript.streamEnd();
      break;
    case 'print':
      transcript.print(frame.content);
      break;
    case 'tool_call':
      transcript.toolCall(frame.content);
      break;
    case 'tool_response':
      transcript.toolResponse(frame.content);
      break;
    case 'execute_function':
      transcript.callState(frame.content.call_id, 'running');
      break;
    case 'executed_function':
      transcript.callState(frame.content.call_id, frame.content.is_exec_success ? 'done' : 'failed');
      break;
    case 'group_chat_run_chat':
    case 'select_speaker':
    case 'select_speaker_invalid_input':
    case 'select_speaker_try_count_exceeded':
    case 'group_chat_resume':
      transcript.groupChat(frame);
      break;
    case 'step_retried':
      transcript.discardStream();
      note('info', 'The server running this chat changed; the step it was doing runs again.');
      break;
    case 'post_carryover_processing':
      note('info', 'Starting a new chat…');
      break;
    case 'execute_code_block': {
      const { recipient, code_block_count: index, language } = frame.content;
      note('info', `${recipient} runs code block ${index} (${language || 'unknown language'})…`);
      break;
    }
    case 'generate_code_execution_reply': {
      const { recipient, code_block_languages: languages } = frame.content;
      const what = languages.length === 1 ? 'a code block' : `${languages.length} code blocks`;
      note('info', `${recipient} runs ${what} (${languages.map((l) => l || 'unknown language').join(', ')})…`);
      break;
    }
    case 'no_human_input':
      note('info', 'No human input received: the agents go on with an automatic reply.');
      break;
    case 'chat_end': {
      // The run may go on: the agents then ask for a follow-up (an input request with no prompt).
      const { sender, recipient, termination_reason: reason } = frame.content;
      note('divider', `Chat between ${sender} and ${recipient} ended: ${reason}`);
      break;
    }
    case 'usage_summary':
      showUsage(frame.content);
      break;
    case 'error': {
      const { error, code, fatal } = frame.content;
      if (fatal) end('error', 'Run failed', `${error} (${code})`);
      else note('error', `${error} (${code})`);
      break;
    }
    case 'termination': {
      const { reason, termination_reason: detail } = frame.content;
      end(reason, TERMINATION_TITLES[reason] ?? 'Run stopped', detail);
      break;
    }
    case 'run_completion':
      // The end card says why the last chat ended; the divider just before it would repeat it.
      if (log.lastElementChild?.classList.contains('divider')) log.lastElementChild.remove();
      end('completed', 'Run finished', frame.content.termination_reason ?? '');
      break;
    default:
      break;
  }
  update();
}

/** @param {LinkOver} over Why the link stopped before the run ended. */
function onOver(over) {
  switch (over.kind) {
    case 'unreachable':
      if (token) end('disconnected', 'Could not connect', 'The server refused the connection: is the token right?');
      else {
        const hint = 'Is the server running? If it was started with --token, open this page as …/#token=YOUR_TOKEN.';
        end('disconnected', 'Could not connect', hint);
      }
      break;
    case 'lost':
      end('disconnected', 'Connection lost', `The socket closed (code ${over.code}) before the run ended.`);
      break;
    case 'closed':
      end('disconnected', 'Connection closed', `The server closed the connection (code ${over.code}).`);
      break;
    case 'taken_over':
      end('taken_over', 'Continued in another tab', 'Another tab or window opened this chat and holds it now.');
      break;
    case 'gave_up': {
      forgetSession();
      const seconds = Math.round(over.windowMs / 1000);
      end(
        'disconnected',
        'Could not reconnect',
        `The server was out of reach longer than it keeps a chat (${seconds} s).`,
      );
      break;
    }
    case 'resume_failed':
      forgetSession();
      end('gone', 'This chat is no longer available', RESUME_FAILURES[over.reason] ?? over.message);
      break;
  }
}

/** @param {import('./tab-storage.js').SavedSession | null} saved The chat to resume after a reload, if any. */
function start(saved) {
  /** @type {Chat | undefined} */
  let mine;
  /**
   * @template {unknown[]} A
   * @param {(...args: A) => void} handler
   * @returns {(...args: A) => void} The handler, for this chat only (an old link may still report).
   */
  const only =
    (handler) =>
    (...args) => {
      if (chat === mine) handler(...args);
    };
  const link = new SessionLink({
    url: socketUrl(),
    authToken: token,
    saved,
    on: {
      event: only(onEvent),
      state: only(update),
      resumed: only(({ pending_inputs: waiting }) => {
        chat.waiting = new Set(waiting ?? []);
        // An answer sent just before the drop that the server still waits for was lost on the way: again.
        const sent = chat.unconfirmed;
        if (sent && chat.waiting.has(sent.id)) link.send({ type: 'input_response', id: sent.id, value: sent.value });
        update();
      }),
      over: only(onOver),
      partial: only(() => note('info', 'The start of this chat is too long to restore: it goes on from where it was.')),
    },
  });
  mine = {
    link,
    transcript: new Transcript(),
    pending: [],
    queued: null,
    unconfirmed: null,
    waiting: new Set(),
    started: false,
    ended: false,
    stopping: false,
  };
  chat = mine;
  update();
}

function newChat() {
  const old = chat;
  if (!old.ended) {
    const followUp = old.started ? old.pending.find((p) => !p.card) : undefined;
    // Waiting for a follow-up, an empty one ends the run as finished; otherwise the run is stopped.
    old.link.send(followUp ? { type: 'input_response', id: followUp.request.id, value: '' } : { type: 'cancel' });
  }
  old.link.close();
  forgetSession();
  clearLog();
  usageEl.hidden = true;
  statusEl.removeAttribute('title');
  start(null);
}

byId('new-chat', window.HTMLButtonElement).addEventListener('click', newChat);
// Back online: no need to wait for the next try.
window.addEventListener('online', () => chat.link.retryNow());

start(loadSession());
