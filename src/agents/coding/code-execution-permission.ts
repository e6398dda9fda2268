import { CodeExecutionError } from '../../errors.js';
import { IOStream } from '../../io/iostream.js';

/** What an agent answers, and the error says, when the current IOStream does not allow code execution. */
export const CODE_EXECUTION_REFUSED_MESSAGE =
  'Code execution is not allowed here, so nothing was run. On an agentws server its operator must start it with ' +
  "'agentws serve --allow-code-execution' (the allowCodeExecution option of runServer or attach); an IOStream of " +
  'your own must say allowsCodeExecution: true.';

/** Whether the current IOStream (the connection's, on a server) lets agents run code. */
export function codeExecutionAllowed(): boolean {
  return IOStream.getDefault().allowsCodeExecution === true;
}

/** Throws `CODE_EXECUTION_REFUSED` unless the current IOStream lets agents run code. */
export function assertCodeExecutionAllowed(): void {
  if (!codeExecutionAllowed()) throw new CodeExecutionError('CODE_EXECUTION_REFUSED', CODE_EXECUTION_REFUSED_MESSAGE);
}
