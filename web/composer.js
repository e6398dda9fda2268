// @ts-check
// The composer: the one place to type. It sends the first message, answers the agents' questions (masked when they
// ask for a password) and sends follow-ups after a chat ended; app.js says which, and what Send does with it.
import { byId } from './view.js';

/**
 * What the composer is for now.
 * @typedef {'offline' | 'first' | 'follow_up' | 'question' | 'password' | 'working' | 'ended'} ComposerMode
 */

/** @type {Record<ComposerMode, string>} */
const PLACEHOLDERS = {
  offline: 'Waiting for the connection…',
  first: 'Message the agents…',
  follow_up: 'Send a follow-up…',
  question: 'Answer the question above.',
  password: 'Answer the question above.',
  working: 'The agents are working…',
  ended: 'This chat has ended.',
};

/** Modes in which there is something to send. */
const SENDING = new Set(['first', 'follow_up', 'question', 'password']);
/** Modes in which the agents are mid-run: Stop cancels it. */
const STOPPABLE = new Set(['working', 'question', 'password']);

export class Composer {
  #form = byId('composer', window.HTMLFormElement);
  #message = byId('message', window.HTMLTextAreaElement);
  /** The field that replaces the message's while a password is asked for, so what is typed is never shown. */
  #secret = byId('secret', window.HTMLInputElement);
  #send = byId('send', window.HTMLButtonElement);
  #stop = byId('stop', window.HTMLButtonElement);
  /** @type {ComposerMode} */
  #mode = 'offline';
  /** What the controls showed when the field was last fitted. */
  #layout = '';

  /**
   * @param {{ onSend: (value: string) => void, onStop: () => void }} handlers
   */
  constructor({ onSend, onStop }) {
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!this.#canSend()) return;
      const field = this.#field();
      const value = field.value;
      field.value = '';
      this.#fit();
      onSend(value);
    });
    this.#message.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.#form.requestSubmit();
      }
    });
    this.#message.addEventListener('input', () => {
      this.#fit();
      this.#sync();
    });
    window.addEventListener('resize', () => this.#fit());
    this.#stop.addEventListener('click', onStop);
  }

  /**
   * Shows what the composer is for; called for every event (each streamed token), so it touches the DOM only when
   * something changed.
   * @param {ComposerMode} mode
   * @param {boolean} stopping A cancel was sent.
   */
  show(mode, stopping) {
    const changed = mode !== this.#mode;
    const wasPassword = this.#mode === 'password';
    this.#mode = mode;
    if (changed && (mode === 'password' || wasPassword)) {
      this.#secret.value = '';
      this.#secret.hidden = mode !== 'password';
      this.#message.hidden = mode === 'password';
    }
    const placeholder = PLACEHOLDERS[mode];
    if (this.#field().placeholder !== placeholder) this.#field().placeholder = placeholder;
    const open = SENDING.has(mode);
    this.#message.disabled = !open || mode === 'password';
    this.#secret.disabled = mode !== 'password';
    this.#stop.hidden = !STOPPABLE.has(mode);
    this.#stop.disabled = stopping;
    this.#stop.textContent = stopping ? 'Stopping…' : 'Stop';
    this.#sync();
    if (changed && open) this.#field().focus();
  }

  /** A message may be empty only as an answer to a question (the agent then goes on by itself). */
  #canSend() {
    if (!SENDING.has(this.#mode)) return false;
    return this.#mode === 'question' || this.#mode === 'password' || this.#message.value.trim() !== '';
  }

  #field() {
    return this.#mode === 'password' ? this.#secret : this.#message;
  }

  #sync() {
    this.#send.disabled = !this.#canSend();
    // The placeholder and the buttons beside the field decide how many lines it needs.
    const layout = [this.#mode, this.#send.disabled, this.#stop.hidden, this.#stop.textContent].join('|');
    if (layout !== this.#layout) {
      this.#layout = layout;
      this.#fit();
    }
  }

  /** The field as tall as what it shows, the placeholder included (a narrow screen wraps it), up to 200 px. */
  #fit() {
    const message = this.#message;
    message.style.height = 'auto';
    const borders = message.offsetHeight - message.clientHeight;
    message.style.height = `${Math.min(message.scrollHeight + borders, 200)}px`;
  }
}
