import { CapturingIOStream } from '../capturing-iostream.js';

/** A {@link CapturingIOStream} that says whether code may run, as the console (true) or a server's stream would. */
export class CodeIOStream extends CapturingIOStream {
  readonly allowsCodeExecution: boolean;

  constructor(answers: string[] = [], allowsCodeExecution = true) {
    super(answers);
    this.allowsCodeExecution = allowsCodeExecution;
  }
}
