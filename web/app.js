// agentws chat page: one websocket session per chat, in the agentws.v1 JSON protocol (docs/protocol.md).
import {
  append,
  bubble,
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

const $ = (id) => document.getElementById(id);
const statusEl = $('status');
const usageEl = $('usage');
const composer = $('composer');
const message = $('message');
const sendButton = $('send');
const stopButton = $('stop');

const TOKEN_KEY = 'agentws.token';
const token = readToken();

const TERMINATION_TITLES = {
  cancelled: 'Run cancelled',
  shutdown: 'Server shutting down',
  input_timeout: 'Timed out waiting for your answer',
};

/** State of the current chat (one websocket session); replaced by `newChat()`. */
let chat;

/** The token from `#token=...`, moved out of the address bar and kept for reloads of this tab only. */
function readToken() {
  const match = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  const storage = window.sessionStorage;
  if (match) {
    let value = match[1];
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

function setStatus(state, text) {
  statusEl.dataset.state = state;
  statusEl.textContent = text;
}

function pendingOf(kind) {
  return [...chat.pending.entries()].find(([, p]) => p.kind === kind)?.[0];
}

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
  message.placeholder = chat.ended
    ? 'This chat has ended.'
    : inlineRequest
      ? 'Answer the question above.'
      : canSend
        ? 'Message the agents…'
        : 'The agents are working…';
  stopButton.hidden = !(open && chat.started);
  stopButton.disabled = chat.stopping;
  stopButton.textContent = chat.stopping ? 'Stopping…' : 'Stop';
  if (chat.ended || !open) return;
  if (!chat.started && !inlineRequest) setStatus('ready', 'Ready');
  else if (composerRequest || inlineRequest) setStatus('waiting', 'Waiting for you');
  else setStatus('running', 'Running');
}

function send(frame) {
  if (chat.ws.readyState === WebSocket.OPEN) chat.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
}

/** Remember what the human just said, so the agents' echo of it (a text event) is not shown twice. */
function expectEcho(text, view) {
  chat.echo = text.trim() === '' ? null : { text: text.trim(), view };
}

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
  message.style.height = '';
  chat.started = true;
  updateControls();
}

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
  const view = bubble('agent', content.sender, `to ${content.recipient}`);
  view.body.textContent = content.content;
  append(view.node);
}

function onStreamStart(content) {
  const view = bubble('agent streaming', content.agent ?? content.model);
  view.node.title = `model: ${content.model}`;
  chat.stream = { view, agent: content.agent, text: '' };
  append(view.node);
}

function onStream(content) {
  if (!chat.stream) onStreamStart({ agent: null, model: 'model' });
  chat.stream.view.body.appendChild(document.createTextNode(content.content));
  chat.stream.text += content.content;
  keepScrolled();
}

function onStreamEnd() {
  const stream = chat.stream;
  chat.stream = null;
  if (!stream) return;
  stream.view.node.classList.remove('streaming');
  // A reply that only called tools streams nothing: drop its empty bubble.
  if (stream.text.trim() === '') stream.view.node.remove();
  else chat.lastStream = { agent: stream.agent, text: stream.text.trim(), to: stream.view.to };
}

function onToolCall(content) {
  if (content.content) onText(content);
  for (const call of content.tool_calls) {
    const { node, badge } = toolCallCard(content.sender, content.recipient, call);
    chat.calls.set(call.id, { name: call.function.name, badge });
    append(node);
  }
}

function onToolResponse(content) {
  for (const response of content.tool_responses) {
    const name = chat.calls.get(response.tool_call_id)?.name ?? 'tool';
    append(toolResultCard(name, content.sender, response));
  }
}

function setCallState(callId, state) {
  const call = callId === null ? undefined : chat.calls.get(callId);
  if (!call) return;
  call.badge.dataset.state = state;
  call.badge.textContent = state === 'running' ? 'running…' : state;
}

function onPrint(content) {
  const text = content.objects.join(content.sep) + content.end;
  const last = log.lastElementChild;
  if (last && last.classList.contains('print')) last.appendChild(document.createTextNode(text));
  else append(el('pre', 'print', text));
  keepScrolled();
}

function onUsage(summary) {
  let tokens = 0;
  for (const model of Object.values(summary.models ?? {})) tokens += model.total_tokens ?? 0;
  const cost = summary.total_cost ?? 0;
  usageEl.hidden = false;
  usageEl.textContent = `${tokens.toLocaleString('en')} tokens` + (cost > 0 ? ` · $${cost.toFixed(4)}` : '');
}

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

function onEvent(frame) {
  const content = frame.content ?? {};
  if (!['session', 'input_request', 'pong'].includes(frame.type)) chat.started = true;
  switch (frame.type) {
    case 'session':
      statusEl.title = `session ${content.id}`;
      break;
    case 'input_request':
      onInputRequest(content);
      return;
    case 'text':
      onText(content);
      break;
    case 'stream_start':
      onStreamStart(content);
      break;
    case 'stream':
      onStream(content);
      break;
    case 'stream_end':
      onStreamEnd();
      break;
    case 'print':
      onPrint(content);
      break;
    case 'tool_call':
      onToolCall(content);
      break;
    case 'tool_response':
      onToolResponse(content);
      break;
    case 'execute_function':
      setCallState(content.call_id, 'running');
      break;
    case 'executed_function':
      setCallState(content.call_id, content.is_exec_success ? 'done' : 'failed');
      break;
    case 'no_human_input':
      note('info', 'No human input received: the agents go on with an automatic reply.');
      break;
    case 'chat_end':
      note('divider', `Chat between ${content.sender} and ${content.recipient} ended: ${content.termination_reason}`);
      break;
    case 'usage_summary':
      onUsage(content);
      break;
    case 'error':
      if (content.fatal) end('error', 'Run failed', `${content.error} (${content.code})`);
      else note('error', `${content.error} (${content.code})`);
      break;
    case 'termination':
      end(content.reason, TERMINATION_TITLES[content.reason] ?? 'Run stopped', content.termination_reason);
      break;
    case 'run_completion':
      // The end card says why the last chat ended; the divider just before it would repeat it.
      if (log.lastElementChild?.classList.contains('divider')) log.lastElementChild.remove();
      end('completed', 'Run finished', content.termination_reason ?? '');
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
  const mine = { ws, pending: new Map(), calls: new Map(), started: false, ended: false, stopping: false };
  mine.stream = mine.lastStream = mine.echo = null;
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
message.addEventListener('input', () => {
  message.style.height = 'auto';
  message.style.height = `${Math.min(message.scrollHeight, 200)}px`;
});
stopButton.addEventListener('click', () => {
  if (chat.ended || chat.stopping) return;
  chat.stopping = true;
  send({ type: 'cancel' });
  updateControls();
});
$('new-chat').addEventListener('click', newChat);

connect();
