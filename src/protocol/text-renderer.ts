import type { AgentEvent, ToolCallEvent, ToolResponseEvent } from './events.js';

/**
 * Renders events as AutoGen 0.2's text output: the strings its `print` calls produce, one per call, so that a
 * websocket sends them as one frame each — byte for byte what upstream sends (see docs/protocol.md).
 *
 * With `color: false` the ANSI escapes are left out but every frame is kept (the stream-start frame is then empty),
 * so a client counting frames sees upstream's framing.
 */
export interface TextRenderOptions {
  /** Add AutoGen's terminal colours (ANSI escapes). Default false. */
  color?: boolean;
}

const SEPARATOR = '\n' + '-'.repeat(80) + '\n';
const RESET = '\x1b[0m';
const COLORS = {
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  blue: '\x1b[34m',
  magenta: '\x1b[35m',
} as const;

type Color = keyof typeof COLORS;

function paint(text: string, color: Color, on: boolean): string {
  return on ? COLORS[color] + text + RESET : text;
}

function header(sender: string, recipient: string, color: boolean): string {
  return `${paint(sender, 'yellow', color)} (to ${recipient}):\n\n`;
}

function renderToolCalls(event: ToolCallEvent, color: boolean, frames: string[]): void {
  for (const call of event.content.tool_calls) {
    const title = `***** Suggested tool call (${call.id}): ${call.function.name} *****`;
    frames.push(paint(title, 'green', color) + '\n');
    frames.push('Arguments: \n' + call.function.arguments + '\n');
    frames.push(paint('*'.repeat(title.length), 'green', color) + '\n');
  }
}

/** AutoGen prints the header once for the message and again for each response, with no closing separator. */
function renderToolResponses(event: ToolResponseEvent, color: boolean, frames: string[]): void {
  const { sender, recipient } = event.content;
  for (const response of event.content.tool_responses) {
    const title = `***** Response from calling tool (${response.tool_call_id}) *****`;
    frames.push(header(sender, recipient, color));
    frames.push(paint(title, 'green', color) + '\n');
    frames.push(response.content + '\n');
    frames.push(paint('*'.repeat(title.length), 'green', color) + '\n');
    frames.push(SEPARATOR);
  }
}

function banner(text: string, color: Color, on: boolean): string {
  return paint(`\n>>>>>>>> ${text}`, color, on) + '\n';
}

/**
 * The text frames of one event, in order; empty when the event has no text form.
 * `stream` events are the hot path: callers may send `event.content.content` directly instead.
 */
export function renderText(event: AgentEvent, options: TextRenderOptions = {}): string[] {
  const color = options.color === true;
  switch (event.type) {
    case 'stream':
      return [event.content.content];
    case 'stream_start':
      return [color ? COLORS.green : ''];
    case 'stream_end':
      return [color ? RESET + '\n\n' : '\n\n'];
    case 'print':
      return [event.content.objects.join(event.content.sep) + event.content.end];
    case 'text': {
      const frames = [header(event.content.sender, event.content.recipient, color)];
      if (event.content.content !== null) frames.push(event.content.content + '\n');
      frames.push(SEPARATOR);
      return frames;
    }
    case 'tool_call': {
      const frames = [header(event.content.sender, event.content.recipient, color)];
      if (event.content.content !== null) frames.push(event.content.content + '\n');
      renderToolCalls(event, color, frames);
      frames.push(SEPARATOR);
      return frames;
    }
    case 'tool_response': {
      const frames = [header(event.content.sender, event.content.recipient, color)];
      renderToolResponses(event, color, frames);
      return frames;
    }
    case 'execute_function':
      return [banner(`EXECUTING FUNCTION ${event.content.func_name}...`, 'magenta', color)];
    case 'execute_code_block': {
      const { code_block_count: index, language } = event.content;
      return [banner(`EXECUTING CODE BLOCK ${index} (inferred language is ${language})...`, 'red', color)];
    }
    case 'generate_code_execution_reply': {
      const languages = event.content.code_block_languages;
      const text =
        languages.length === 1
          ? `EXECUTING CODE BLOCK (inferred language is ${languages[0]})...`
          : `EXECUTING ${languages.length} CODE BLOCKS (inferred languages are [${languages.join(', ')}])...`;
      return [banner(text, 'red', color)];
    }
    case 'using_auto_reply':
      return [banner('USING AUTO REPLY...', 'red', color)];
    case 'no_human_input':
      return [banner('NO HUMAN INPUT RECEIVED.', 'red', color)];
    case 'group_chat_run_chat':
      return [paint(`\nNext speaker: ${event.content.speaker}\n`, 'green', color) + '\n'];
    case 'select_speaker':
      return [
        'Please select the next speaker from the following list:\n',
        ...event.content.agents.map((agent, i) => `${i + 1}: ${agent}\n`),
      ];
    case 'select_speaker_invalid_input':
      return [`Invalid input. Please enter a number between 1 and ${event.content.agents.length}.\n`];
    case 'select_speaker_try_count_exceeded':
      return [`You have tried ${event.content.try_count} times. The next speaker will be selected automatically.\n`];
    case 'group_chat_resume': {
      const { messages, last_speaker_name: name } = event.content;
      return [
        `Prepared group chat with ${messages.length} messages, the last speaker is ${paint(name, 'yellow', color)}\n`,
      ];
    }
    case 'input_request':
      return event.content.prompt === '' ? [] : [event.content.prompt];
    case 'error':
      return [banner(`ERROR: ${event.content.error}`, 'red', color)];
    case 'termination':
      return [banner(`RUN STOPPED (${event.content.reason}): ${event.content.termination_reason}`, 'red', color)];
    case 'post_carryover_processing': {
      const stars = paint('\n' + '*'.repeat(80), 'blue', color) + '\n';
      const frames = [stars, paint('Starting a new chat....', 'blue', color) + '\n'];
      if (event.content.verbose) {
        frames.push(paint('Message:\n' + event.content.message, 'blue', color) + '\n');
        frames.push(paint('Carryover:\n' + event.content.carryover, 'blue', color) + '\n');
      }
      frames.push(stars);
      return frames;
    }
    case 'step_retried':
      return [
        banner(
          `RETRYING: the run moved to another server; the step it was doing runs again (events after ` +
            `${event.content.discard_after} are replaced)`,
          'yellow',
          color,
        ),
      ];
    case 'session':
    case 'reasoning':
    case 'executed_function':
    case 'chat_end':
    case 'usage_summary':
    case 'pong':
    case 'resumed':
    case 'resume_failed':
    case 'run_completion':
      return [];
  }
}
