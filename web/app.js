// @ts-check
// agentws chat page: one websocket session per chat, in the agentws.v1 JSON protocol (docs/protocol.md).
import { showMarkdown } from './markdown.js';
import {
  append,
  bubble,
  byId,
  clearLog,
  el,
  endCard,
  expire,
  keepScrolled,
  log,
  note,
  promptCard,
  toolCallCard,
  toolResultCard,
} from './view.js';

// Types come from the protocol's built declarations (dist/, which `npm install` builds), checked by
// `tsc -p web/tsconfig.json` in `npm run typecheck`.
/**
 * @typedef {import('../dist/protocol/events.js').AgentEvent} AgentEvent
 * @typedef {AgentEvent['type']} EventType
 * @typedef {import('../dist/protocol/events.js').ClientFrame} ClientFrame
 * @typedef {import('./view.js').Bubble} Bubble
 */
/**
 * @template {EventType} T
 * @typedef {import('../dist/protocol/events.js').EventOf<T>['content']} ContentOf
 */
/**
 * One frame from the server, discriminated by `type`: the `WireFrame` of each event.
 * @typedef {{ [T in EventType]: import('../dist/protocol/events.js').WireFrame<import('../dist/protocol/events.js').EventOf<T>> }[EventType]} Frame
 */
/**
 * A reply being streamed. Its bubble is rendered again as tokens come, at most once per animation frame.
 * @typedef {object} Stream
 * @property {Bubble} view
 * @property {string | null} agent
 * @property {string} text All tokens so far.
 * @property {number} frame The pending animation frame, 0 for none.
 * @property {number} notBefore No rendering before this time (`performance.now()`).
 */
/**
 * State of one chat (one websocket session).
 * @typedef {object} Chat
 * @property {WebSocket} ws
 * @property {Map<string, { kind: 'composer' | 'inline', card: HTMLElement | null }>} pending Input requests not answered yet, by id.
 * @property {Map<string, { name: string, badge: HTMLElement }>} calls Tool calls by id.
 * @property {boolean} started
 * @property {boolean} ended
 * @property {boolean} stopping
 * @property {Stream | null} stream
 * @property {{ agent: string | null, text: string, to: HTMLElement } | null} lastStream The last streamed reply.
 * @property {{ text: string, view: Bubble | null } | null} echo What the human just said.
 */

const statusEl = byId('status', window.HTMLElement);
const usageEl = byId('usage', window.HTMLElement);
const composer = byId('composer', window.HTMLFormElement);
const message = byId('message', window.HTMLTextAreaElement);
const sendButton = byId('send', window.HTMLButtonElement);
const stopButton = byId('stop', window.HTMLButtonElement);

const TOKEN_KEY = 'agentws.token';
const token = readToken();

/** @type {Record<string, string>} */
const TERMINATION_TITLES = {
  cancelled: 'Run cancelled',
  shutdown: 'Server shutting down',
  input_timeout: 'Timed out waiting for your answer',
};

/**
 * The current chat; replaced by `newChat()`.
 * @type {Chat}
 */
let chat;

/** The token from `#token=...`, moved out of the address bar and kept for reloads of this tab only. */
function readToken() {
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
  statusEl.dataset.state = state;
  statusEl.textContent = text;
}

/** @param {'composer' | 'inline'} kind */
function pendingOf(kind) {
  return [...chat.pending.entries()].find(([, p]) => p.kind === kind)?.[0];
}

/** What the composer's controls showed when the field was last fitted. */
let composerLayout = '';

/**
 * The composer sends the first message (before the run starts, or when the server asks with an empty prompt);
 * questions with a prompt are answered in their own inline card.
 */
function updateControls() {
  const open = chat.ws.readyState === WebSocket.OPEN && !chat.ended;
  const composerRequest = pendingOf('composer') !== undefined;
  const inlineRequest = pendingOf('inline') !== undefined;
  const canSend = open && !inlineRequest && (composerRequest || !chat.started);
  message.disabled = !canSend;
  sendButton.disabled = !canSend;
  const placeholder = chat.ended
    ? 'This chat has ended.'
    : inlineRequest
      ? 'Answer the question above.'
      : canSend
        ? 'Message the agents…'
        : 'The agents are working…';
  if (message.placeholder !== placeholder) message.placeholder = placeholder;
  stopButton.hidden = !(open && chat.started);
  stopButton.disabled = chat.stopping;
  stopButton.textContent = chat.stopping ? 'Stopping…' : 'Stop';
  // The placeholder and the buttons beside the field decide how many lines it needs (measured only when they change:
  // this runs for every streamed token).
  const layout = [placeholder, canSend, stopButton.hidden, stopButton.textContent].join('|');
  if (layout !== composerLayout) {
    composerLayout = layout;
    fitMessage();
  }
  if (chat.ended || !open) return;
  if (!chat.started && !inlineRequest) setStatus('ready', 'Ready');
  else if (composerRequest || inlineRequest) setStatus('waiting', 'Waiting for you');
  else setStatus('running', 'Running');
}

/**
 * The field as tall as what it shows, the placeholder included (a narrow screen wraps it), up to 200 px.
 */
function fitMessage() {
  message.style.height = 'auto';
  const borders = message.offsetHeight - message.clientHeight;
  message.style.height = `${Math.min(message.scrollHeight + borders, 200)}px`;
}

/** @param {ClientFrame | string} frame */
function send(frame) {
  if (chat.ws.readyState === WebSocket.OPEN) chat.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
}

/**
 * Remember what the human just said, so the agents' echo of it (a text event) is not shown twice.
 * @param {string} text
 * @param {Bubble | null} view
 */
function expectEcho(text, view) {
  chat.echo = text.trim() === '' ? null : { text: text.trim(), view };
}

/** @param {SubmitEvent} event */
function sendMessage(event) {
  event.preventDefault();
  if (message.disabled) return;
  const value = message.value;
  const id = pendingOf('composer');
  if (id !== undefined) {
    chat.pending.delete(id);
    send({ type: 'input_response', id, value });
  } else {
    // No request yet: a plain frame is kept by the server as the answer to the first one.
    send(value);
  }
  const view = bubble('user', 'You');
  view.body.textContent = value;
  append(view.node);
  expectEcho(value, view);
  message.value = '';
  fitMessage();
  chat.started = true;
  updateControls();
}

/** @param {ContentOf<'input_request'>} content */
function onInputRequest(content) {
  if (!content.password && content.prompt.trim() === '') {
    chat.pending.set(content.id, { kind: 'composer', card: null });
    updateControls();
    message.focus();
    return;
  }
  const card = promptCard(content, (value) => {
    if (!chat.pending.delete(content.id)) return;
    send({ type: 'input_response', id: content.id, value });
    if (!content.password) expectEcho(value, null);
    chat.started = true;
    updateControls();
  });
  chat.pending.set(content.id, { kind: 'inline', card });
  updateControls();
}

/**
 * What an agent's message shows: without the `TERMINATE` that ends it, which tells the other agent to stop and is not
 * meant for the reader. What was sent is unchanged.
 * @param {string} text
 */
function withoutTerminate(text) {
  return text.replace(/\s*\bTERMINATE\s*$/, '');
}

/** @param {{ content: string | null, sender: string, recipient: string }} content */
function onText(content) {
  const text = (content.content ?? '').trim();
  if (text === '') return;
  // AutoGen prints a streamed reply again as a message: show it once, in the streamed bubble.
  const streamed = chat.lastStream;
  chat.lastStream = null;
  if (streamed && (streamed.agent === null || streamed.agent === content.sender) && streamed.text === text) {
    streamed.to.textContent = `to ${content.recipient}`;
    return;
  }
  const echo = chat.echo;
  chat.echo = null;
  if (echo && echo.text === text) {
    if (echo.view) echo.view.to.textContent = `as ${content.sender}, to ${content.recipient}`;
    return;
  }
  const shown = withoutTerminate(content.content ?? '');
  if (shown.trim() === '') return;
  const view = bubble('agent', content.sender, `to ${content.recipient}`);
  showMarkdown(view.body, shown);
  append(view.node);
}

/** @param {ContentOf<'stream_start'>} content */
function onStreamStart(content) {
  const view = bubble('agent streaming', content.agent ?? content.model);
  view.node.title = `model: ${content.model}`;
  append(view.node);
  const stream = { view, agent: content.agent, text: '', frame: 0, notBefore: 0 };
  chat.stream = stream;
  return stream;
}

/** @param {ContentOf<'stream'>} content */
function onStream(content) {
  const stream = chat.stream ?? onStreamStart({ agent: null, model: 'model' });
  stream.text += content.content;
  if (stream.frame === 0) stream.frame = window.requestAnimationFrame(() => renderStream(stream));
}

/**
 * Renders the streamed reply so far. Each render parses the whole reply again, so a long reply would make them ever
 * slower: waiting four times as long as the last one took keeps rendering under a fifth of the time, however long
 * the reply, and the page responsive.
 * @param {Stream} stream
 */
function renderStream(stream) {
  stream.frame = 0;
  const now = window.performance.now();
  if (now < stream.notBefore) {
    stream.frame = window.requestAnimationFrame(() => renderStream(stream));
    return;
  }
  showMarkdown(stream.view.body, withoutTerminate(stream.text));
  stream.notBefore = now + 5 * (window.performance.now() - now);
  keepScrolled();
}

function onStreamEnd() {
  const stream = chat.stream;
  chat.stream = null;
  if (!stream) return;
  window.cancelAnimationFrame(stream.frame);
  stream.view.node.classList.remove('streaming');
  const shown = withoutTerminate(stream.text);
  // A reply that only called tools streams nothing (and one that only says TERMINATE shows nothing): no bubble.
  if (shown.trim() === '') stream.view.node.remove();
  else showMarkdown(stream.view.body, shown);
  keepScrolled();
  const text = stream.text.trim();
  if (text !== '') chat.lastStream = { agent: stream.agent, text, to: stream.view.to };
}

/** @param {ContentOf<'tool_call'>} content */
function onToolCall(content) {
  if (content.content) onText(content);
  for (const call of content.tool_calls) {
    const { node, badge } = toolCallCard(content.sender, content.recipient, call);
    chat.calls.set(call.id, { name: call.function.name, badge });
    append(node);
  }
}

/** @param {ContentOf<'tool_response'>} content */
function onToolResponse(content) {
  for (const response of content.tool_responses) {
    const name = chat.calls.get(response.tool_call_id)?.name ?? 'tool';
    append(toolResultCard(name, content.sender, response));
  }
}

/**
 * @param {string | null} callId
 * @param {'running' | 'done' | 'failed'} state
 */
function setCallState(callId, state) {
  const call = callId === null ? undefined : chat.calls.get(callId);
  if (!call) return;
  call.badge.dataset.state = state;
  call.badge.textContent = state === 'running' ? 'running…' : state;
}

/** @param {ContentOf<'print'>} content */
function onPrint(content) {
  const text = content.objects.join(content.sep) + content.end;
  const last = log.lastElementChild;
  if (last && last.classList.contains('print')) last.appendChild(document.createTextNode(text));
  else append(el('pre', 'print', text));
  keepScrolled();
}

/** @param {ContentOf<'usage_summary'>} summary */
function onUsage(summary) {
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
  onStreamEnd();
  for (const pending of chat.pending.values()) if (pending.card) expire(pending.card);
  chat.pending.clear();
  endCard(reason, title, detail, newChat);
  setStatus(reason === 'completed' ? 'ended' : reason === 'cancelled' ? 'stopped' : 'failed', title);
  updateControls();
}

/** @param {Frame} frame */
function onEvent(frame) {
  if (!['session', 'input_request', 'pong'].includes(frame.type)) chat.started = true;
  switch (frame.type) {
    case 'session':
      statusEl.title = `session ${frame.content.id}`;
      break;
    case 'input_request':
      onInputRequest(frame.content);
      return;
    case 'text':
      onText(frame.content);
      break;
    case 'stream_start':
      onStreamStart(frame.content);
      break;
    case 'stream':
      onStream(frame.content);
      break;
    case 'stream_end':
      onStreamEnd();
      break;
    case 'print':
      onPrint(frame.content);
      break;
    case 'tool_call':
      onToolCall(frame.content);
      break;
    case 'tool_response':
      onToolResponse(frame.content);
      break;
    case 'execute_function':
      setCallState(frame.content.call_id, 'running');
      break;
    case 'executed_function':
      setCallState(frame.content.call_id, frame.content.is_exec_success ? 'done' : 'failed');
      break;
    case 'no_human_input':
      note('info', 'No human input received: the agents go on with an automatic reply.');
      break;
    case 'chat_end': {
      const { sender, recipient, termination_reason: reason } = frame.content;
      note('divider', `Chat between ${sender} and ${recipient} ended: ${reason}`);
      break;
    }
    case 'usage_summary':
      onUsage(frame.content);
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
  updateControls();
}

function connect() {
  const protocols = ['agentws.v1'];
  if (token) protocols.push('agentws.token.' + token);
  const ws = new WebSocket(socketUrl(), protocols);
  /** @type {Chat} */
  const mine = {
    ws,
    pending: new Map(),
    calls: new Map(),
    started: false,
    ended: false,
    stopping: false,
    stream: null,
    lastStream: null,
    echo: null,
  };
  chat = mine;
  setStatus('connecting', 'Connecting…');
  updateControls();
  let opened = false;
  ws.addEventListener('open', () => {
    opened = true;
    if (chat === mine) updateControls();
  });
  ws.addEventListener('message', (event) => {
    if (chat !== mine || typeof event.data !== 'string') return;
    /** @type {Frame} */
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    onEvent(frame);
  });
  ws.addEventListener('close', (event) => {
    if (chat !== mine || chat.ended) return;
    if (opened) end('disconnected', 'Connection lost', `The socket closed (code ${event.code}) before the run ended.`);
    else if (token) end('disconnected', 'Could not connect', 'The server refused the connection: is the token right?');
    else {
      end(
        'disconnected',
        'Could not connect',
        'Is the server running? If it was started with --token, open this page as …/#token=YOUR_TOKEN.',
      );
    }
  });
}

function newChat() {
  if (chat.ws.readyState <= WebSocket.OPEN) chat.ws.close(1000, 'new chat');
  clearLog();
  usageEl.hidden = true;
  connect();
  message.focus();
}

composer.addEventListener('submit', sendMessage);
message.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    composer.requestSubmit();
  }
});
message.addEventListener('input', fitMessage);
window.addEventListener('resize', fitMessage);
stopButton.addEventListener('click', () => {
  if (chat.ended || chat.stopping) return;
  chat.stopping = true;
  send({ type: 'cancel' });
  updateControls();
});
byId('new-chat', window.HTMLButtonElement).addEventListener('click', newChat);

connect();
