// @ts-check
// DOM building for the chat page. Text from the server only ever becomes text nodes (textContent), never HTML; agents'
// messages go through markdown.js, which builds elements from a fixed list the same way.

/**
 * @typedef {import('../dist/protocol/events.js').ToolCall} ToolCall
 * @typedef {import('../dist/protocol/events.js').ToolResponse} ToolResponse
 * @typedef {import('../dist/protocol/events.js').InputRequestEvent['content']} InputRequest
 * @typedef {{ node: HTMLElement, name: HTMLElement, body: HTMLElement, to: HTMLElement }} Bubble
 */

/**
 * The element with this id, checked to be of the expected kind.
 * @template {HTMLElement} T
 * @param {string} id
 * @param {{ new (): T, prototype: T }} type
 * @returns {T}
 */
export function byId(id, type) {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`The page has no ${type.name} #${id}`);
  return node;
}

export const log = byId('log', window.HTMLElement);

const EMPTY_TEXT = 'Send a message to start a conversation with the agents.';

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [className]
 * @param {unknown} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** @param {number} slack */
function nearBottom(slack) {
  return log.scrollHeight - log.scrollTop - log.clientHeight < slack;
}

/**
 * Appends to the log, keeping it scrolled to the bottom when the reader was already there.
 * @template {HTMLElement} T
 * @param {T} node
 * @returns {T}
 */
export function append(node) {
  const atBottom = nearBottom(80);
  log.querySelector('.empty')?.remove();
  log.appendChild(node);
  if (atBottom) log.scrollTop = log.scrollHeight;
  return node;
}

/** After text grew inside the last node. */
export function keepScrolled() {
  if (nearBottom(160)) log.scrollTop = log.scrollHeight;
}

export function clearLog() {
  log.replaceChildren(el('p', 'empty', EMPTY_TEXT));
}

/**
 * @param {string} kind
 * @param {string} text
 */
export function note(kind, text) {
  return append(el('div', `note ${kind}`, text));
}

/**
 * A chat bubble: `to` is the muted detail beside the name (recipient), `body` takes the text.
 * @param {string} kind
 * @param {string} name
 * @param {string} [detail]
 * @returns {Bubble}
 */
export function bubble(kind, name, detail) {
  const node = el('article', `msg ${kind}`);
  const head = el('header', 'msg-head');
  const nameEl = el('span', 'msg-name', name);
  const to = el('span', 'msg-to', detail ?? '');
  head.append(nameEl, to);
  const body = el('div', 'msg-body');
  node.append(head, body);
  return { node, name: nameEl, body, to };
}

/** @param {string} text */
function formatArguments(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** @param {string} text */
function preview(text) {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 60 ? line.slice(0, 59) + '…' : line;
}

/**
 * @param {string} kind
 * @param {string} title
 * @param {string} previewText
 * @param {string} meta
 * @param {string} bodyClass
 * @param {string} bodyText
 */
function details(kind, title, previewText, meta, bodyClass, bodyText) {
  const node = el('details', kind);
  const summary = el('summary');
  summary.append(el('span', 'tool-title', title), el('span', 'tool-preview', preview(previewText)));
  node.append(summary, el('div', 'tool-meta', meta), el('pre', bodyClass, bodyText));
  return { node, summary };
}

/**
 * A collapsible tool call with a status badge (suggested → running → done / failed).
 * @param {string} sender
 * @param {string} recipient
 * @param {ToolCall} call
 */
export function toolCallCard(sender, recipient, call) {
  const args = call.function.arguments;
  const { node, summary } = details(
    'tool-call',
    `${sender} calls ${call.function.name}`,
    args,
    `call id ${call.id} · to ${recipient}`,
    'tool-args',
    formatArguments(args),
  );
  const badge = el('span', 'badge', 'suggested');
  summary.appendChild(badge);
  node.dataset.callId = call.id;
  return { node, badge };
}

/**
 * A collapsible tool result.
 * @param {string} name
 * @param {string} sender
 * @param {ToolResponse} response
 */
export function toolResultCard(name, sender, response) {
  const { node } = details(
    'tool-result',
    `Result of ${name}`,
    response.content,
    `call id ${response.tool_call_id} · from ${sender}`,
    'tool-output',
    response.content,
  );
  node.dataset.callId = response.tool_call_id;
  return node;
}

/**
 * A question from the agents (an input request with a prompt), shown in the conversation; the composer answers it.
 * @param {InputRequest} content
 */
export function questionCard(content) {
  const card = el('div', 'prompt');
  card.appendChild(el('div', 'prompt-text', content.prompt || 'Your answer:'));
  return append(card);
}

/**
 * The human's answer, under its question.
 * @param {HTMLElement} card
 * @param {string} shown What to show for it (dots for a password).
 */
export function showAnswer(card, shown) {
  const answer = el('div', 'prompt-answer');
  answer.append(el('span', 'prompt-you', 'You'), document.createTextNode(shown));
  card.appendChild(answer);
  card.classList.add('answered');
}

/**
 * A question the run no longer waits for (it ended first, or the question was answered elsewhere).
 * @param {HTMLElement} card
 */
export function expire(card) {
  card.classList.add('expired');
}

/**
 * The end of a run: why it ended, and a button for a new chat.
 * @param {string} reason
 * @param {string} title
 * @param {string} detail
 * @param {() => void} onNewChat
 */
export function endCard(reason, title, detail, onNewChat) {
  const card = el('section', 'end-state');
  card.dataset.reason = reason;
  card.appendChild(el('strong', 'end-title', title));
  if (detail) card.appendChild(el('span', 'end-detail', detail));
  const again = el('button', 'secondary', 'Start a new chat');
  again.type = 'button';
  again.addEventListener('click', onNewChat);
  card.appendChild(again);
  return append(card);
}
