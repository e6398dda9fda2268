/**
 * A custom on-connect module without a model: it echoes what the client says and asks for more until the client
 * sends an empty line or "exit". Shows `iostream.input()` with a prompt (JSON clients get an `input_request`), and
 * that `IOStream.getDefault()` is this connection's stream anywhere inside onConnect.
 *
 * Run it:   npx agentws serve --on-connect examples/echo-agent.mjs
 * Talk:     printf 'hello\nworld\n' | npx agentws connect
 */
import { IOStream } from 'agentws';

const MAX_TURNS = 10;

export async function onConnect(iostream) {
  let said = await iostream.input();
  for (let turn = 1; turn <= MAX_TURNS; turn++) {
    if (said.trim() === '' || said.trim() === 'exit') break;
    IOStream.getDefault().print(`echo (${turn}): ${said}`);
    said = await iostream.input('Say something else (empty line or "exit" to stop): ');
  }
  iostream.print('Bye! TERMINATE');
}
