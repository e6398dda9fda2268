// @ts-check
// The conversation as the page shows it: agents' messages (Markdown, streamed or not, each once), tool calls and
// results, who speaks next in a group chat, prints, and the human's own messages. One Transcript per chat; app.js feeds it the session's events.
import { showMarkdown } from './markdown.js';
import { append, bubble, el, keepScrolled, log, note, toolCallCard, toolResultCard } from './view.js';

/**
 * @typedef {import('../dist/protocol/events.js').AgentEvent} AgentEvent
 * @typedef {import('./view.js').Bubble} Bubble
 * @typedef {import('../dist/protocol/events.js').EventOf<
 *   'group_chat_run_chat' | 'select_speaker' | 'select_speaker_invalid_input' |
 *   'select_speaker_try_count_exceeded' | 'group_chat_resume'>} GroupChatEvent
 */
/**
 * @template {AgentEvent['type']} T
 * @typedef {import('../dist/protocol/events.js').EventOf<T>['content']} ContentOf
 */
/**
 * A reply being streamed. Its bubble is rendered again as tokens come, at most once per animation frame.
 * @typedef {object} Stream
 * @property {Bubble} view
 * @property {string | null} agent
 * @property {string} text All tokens so far.
 * @property {number} frame The pending animation frame, 0 for none.
 * @property {number} notBefore No rendering before this time (`performance.now()`).
 * @property {boolean} partial Begun before what the page was shown (no `stream_start`: a replay that starts mid-reply).
 * @property {Reasoning | null} reasoning What the model reasoned before or while replying, if it said.
 */
/**
 * The model's reasoning, collapsed above its reply: apart from the reply, and not part of the message.
 * @typedef {object} Reasoning
 * @property {HTMLDetailsElement} node
 * @property {HTMLElement} summary
 * @property {HTMLElement} text
 * @property {string} content All reasoning so far.
 */

/**
 * What an agent's message shows: without the `TERMINATE` that ends it, which tells the other agent to stop and is not
 * meant for the reader. What was sent is unchanged.
 * @param {string} text
 */
function withoutTerminate(text) {
  return text.replace(/\s*\bTERMINATE\s*$/, '');
}

export class Transcript {
  /** @type {Stream | null} */
  #stream = null;
  /** @type {{ agent: string | null, text: string, view: Bubble, partial: boolean } | null} The last streamed reply. */
  #lastStream = null;
  /** @type {{ text: string, view: Bubble | null } | null} What the human just said. */
  #echo = null;
  /** @type {Map<string, { name: string, badge: HTMLElement }>} Tool calls by id. */
  #calls = new Map();

  /**
   * The human's message, in a bubble of its own.
   * @param {string} text
   */
  userMessage(text) {
    const view = bubble('user', 'You');
    view.body.textContent = text;
    append(view.node);
    this.expectEcho(text, view);
  }

  /**
   * Remember what the human just said, so the agents' echo of it (a text event) is not shown twice.
   * @param {string} text
   * @param {Bubble | null} view
   */
  expectEcho(text, view) {
    this.#echo = text.trim() === '' ? null : { text: text.trim(), view };
  }

  /** @param {{ content: string | null, sender: string, recipient: string }} content */
  text(content) {
    const text = (content.content ?? '').trim();
    if (text === '') return;
    // AutoGen prints a streamed reply again as a message: show it once, in the streamed bubble.
    const streamed = this.#lastStream;
    this.#lastStream = null;
    const sameAgent = streamed && (streamed.agent === null || streamed.agent === content.sender);
    if (streamed && sameAgent && (streamed.text === text || (streamed.partial && text.endsWith(streamed.text)))) {
      streamed.view.to.textContent = `to ${content.recipient}`;
      if (streamed.partial) {
        // Only its end was streamed here: the message has all of it.
        streamed.view.name.textContent = content.sender;
        showMarkdown(streamed.view.body, withoutTerminate(content.content ?? ''));
      }
      return;
    }
    const echo = this.#echo;
    this.#echo = null;
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

  /**
   * @param {ContentOf<'stream_start'>} content
   * @param {boolean} [partial]
   */
  streamStart(content, partial = false) {
    const view = bubble('agent streaming', content.agent ?? content.model);
    view.node.title = `model: ${content.model}`;
    append(view.node);
    /** @type {Stream} */
    const stream = { view, agent: content.agent, text: '', frame: 0, notBefore: 0, partial, reasoning: null };
    this.#stream = stream;
    return stream;
  }

  /** @param {ContentOf<'stream'>} content */
  stream(content) {
    const stream = this.#stream ?? this.streamStart({ agent: null, model: 'model' }, true);
    stream.text += content.content;
    if (stream.frame === 0) stream.frame = window.requestAnimationFrame(() => this.#render(stream));
  }

  /**
   * A piece of the model's reasoning, in a collapsed "Reasoning" section at the top of the reply's bubble.
   * @param {ContentOf<'reasoning'>} content
   */
  reasoning(content) {
    const stream = this.#stream ?? this.streamStart({ agent: null, model: 'model' }, true);
    if (!stream.reasoning) {
      const node = /** @type {HTMLDetailsElement} */ (el('details', 'reasoning'));
      const summary = el('summary', '', 'Reasoning…');
      const text = el('div', 'reasoning-text');
      node.append(summary, text);
      stream.view.body.before(node);
      stream.reasoning = { node, summary, text, content: '' };
    }
    stream.reasoning.content += content.content;
    if (stream.frame === 0) stream.frame = window.requestAnimationFrame(() => this.#render(stream));
  }

  /**
   * Renders the streamed reply so far. Each render parses the whole reply again, so a long reply would make them ever
   * slower: waiting four times as long as the last one took keeps rendering under a fifth of the time, however long
   * the reply, and the page responsive.
   * @param {Stream} stream
   */
  #render(stream) {
    stream.frame = 0;
    const now = window.performance.now();
    if (now < stream.notBefore) {
      stream.frame = window.requestAnimationFrame(() => this.#render(stream));
      return;
    }
    if (stream.reasoning) stream.reasoning.text.textContent = stream.reasoning.content;
    showMarkdown(stream.view.body, withoutTerminate(stream.text));
    stream.notBefore = now + 5 * (window.performance.now() - now);
    keepScrolled();
  }

  /**
   * The run moved to another server and the step in flight runs again there (`step_retried`): the reply streamed so
   * far was that step's first try, and is dropped; the retry streams it again.
   */
  discardStream() {
    const stream = this.#stream;
    this.#stream = null;
    if (!stream) return;
    window.cancelAnimationFrame(stream.frame);
    stream.view.node.remove();
  }

  streamEnd() {
    const stream = this.#stream;
    this.#stream = null;
    if (!stream) return;
    window.cancelAnimationFrame(stream.frame);
    stream.view.node.classList.remove('streaming');
    const shown = withoutTerminate(stream.text);
    const { reasoning } = stream;
    if (reasoning) {
      reasoning.text.textContent = reasoning.content;
      reasoning.summary.textContent = 'Reasoning';
    }
    // A reply that only called tools streams nothing (and one that only says TERMINATE shows nothing): no bubble,
    // unless the model reasoned on the way.
    if (shown.trim() === '' && !reasoning) stream.view.node.remove();
    else showMarkdown(stream.view.body, shown);
    keepScrolled();
    const text = stream.text.trim();
    if (text !== '') this.#lastStream = { agent: stream.agent, text, view: stream.view, partial: stream.partial };
  }

  /** @param {ContentOf<'tool_call'>} content */
  toolCall(content) {
    if (content.content) this.text(content);
    for (const call of content.tool_calls) {
      const { node, badge } = toolCallCard(content.sender, content.recipient, call);
      this.#calls.set(call.id, { name: call.function.name, badge });
      append(node);
    }
  }

  /** @param {ContentOf<'tool_response'>} content */
  toolResponse(content) {
    for (const response of content.tool_responses) {
      const name = this.#calls.get(response.tool_call_id)?.name ?? 'tool';
      append(toolResultCard(name, content.sender, response));
    }
  }

  /**
   * @param {string | null} callId
   * @param {'running' | 'done' | 'failed'} state
   */
  callState(callId, state) {
    const call = callId === null ? undefined : this.#calls.get(callId);
    if (!call) return;
    call.badge.dataset.state = state;
    call.badge.textContent = state === 'running' ? 'running…' : state;
  }

  /**
   * A group chat's own events: who its manager lets speak next (a line above that agent's message), the agents
   * numbered for the person's choice of the next speaker (the question that follows counts them so), a wrong or
   * missing choice, a resumed group chat.
   * @param {GroupChatEvent} event
   */
  groupChat(event) {
    switch (event.type) {
      case 'group_chat_run_chat': {
        const line = el('div', 'note speaker');
        line.append('Next speaker: ', el('strong', 'speaker-name', event.content.speaker));
        append(line);
        break;
      }
      case 'select_speaker': {
        const list = el('ol', 'speaker-choices');
        for (const name of event.content.agents) list.appendChild(el('li', undefined, name));
        const box = el('div', 'note choices');
        box.append(el('div', undefined, 'Please select the next speaker from the following list:'), list);
        append(box);
        break;
      }
      case 'select_speaker_invalid_input':
        note('error', `Invalid input. Please enter a number between 1 and ${event.content.agents.length}.`);
        break;
      case 'select_speaker_try_count_exceeded':
        note(
          'info',
          `You have tried ${event.content.try_count} times. The next speaker will be selected automatically.`,
        );
        break;
      case 'group_chat_resume': {
        const { messages, last_speaker_name: name } = event.content;
        note('info', `Group chat resumed from ${messages.length} messages; the last speaker is ${name}.`);
        break;
      }
    }
  }

  /** @param {ContentOf<'print'>} content */
  print(content) {
    const text = content.objects.join(content.sep) + content.end;
    const last = log.lastElementChild;
    if (last && last.classList.contains('print')) last.appendChild(document.createTextNode(text));
    else append(el('pre', 'print', text));
    keepScrolled();
  }
}
